"""The event loop of one function instance, kept for its whole life and entered once per invocation.

A handler is synchronous and the platform calls it once per request, so every invocation must
enter the loop. ``loop.run_until_complete`` costs more than a whole FastAPI hello-world request's
share of the budget (two selector polls and the stop machinery each time), so :meth:`InstanceLoop.run`
steps the loop's ready queue itself and blocks in the selector only while the app really waits on
I/O, a timer or a thread. The app still runs as a real :class:`asyncio.Task` on a running loop:
``current_task()``, contextvars, cancellation and anyio's cancel scopes behave as under uvicorn.
Where the loop lacks the internals this relies on, it falls back to ``run_until_complete``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from asyncio import events
from typing import Any, Coroutine, Optional

from .._errors import AppTimeoutError

# How long a cancelled app may take to unwind before the invocation gives up on it.
_CANCEL_GRACE = 1.0


class InstanceLoop:
    """One asyncio loop per function instance; :meth:`run` drives a coroutine to completion."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        # Code outside the app that asks for "the" loop gets this one, never a new one (Python 3.12+
        # warns or fails in get_event_loop() when none is set).
        asyncio.set_event_loop(self.loop)
        loop = self.loop
        self._steppable = all(
            hasattr(loop, name)
            for name in (
                "_ready",
                "_run_once",
                "_thread_id",
                "_asyncgen_firstiter_hook",
                "_asyncgen_finalizer_hook",
            )
        )

    def run(self, coro: Coroutine[Any, Any, Any], timeout: Optional[float] = None) -> Any:
        """The result of ``coro``, run as a task; :class:`AppTimeoutError` once ``timeout`` seconds pass.

        On timeout the task is cancelled and given a short grace to unwind; the loop stays usable.
        """
        if events._get_running_loop() is not None:
            # Called from inside another running loop (a test, a notebook): this thread's loop is busy.
            return _run_in_thread(self, coro, timeout)
        task = self.loop.create_task(coro)
        if not self._steppable:
            return self._run_plain(task, timeout)
        return self._run_stepped(task, timeout)

    def _run_stepped(self, task: asyncio.Task[Any], timeout: Optional[float]) -> Any:
        loop: Any = self.loop
        ready = loop._ready
        deadline = None if timeout is None else loop.time() + timeout
        wake = None
        cancelled = False
        hooks = sys.get_asyncgen_hooks()
        loop._thread_id = threading.get_ident()
        events._set_running_loop(loop)
        sys.set_asyncgen_hooks(
            firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook
        )
        try:
            while not task.done():
                if ready:
                    for _ in range(len(ready)):
                        handle = ready.popleft()
                        if not handle._cancelled:
                            handle._run()
                    continue
                # Nothing is runnable: the app waits. Block in the selector, bounded by the deadline.
                if deadline is not None:
                    now = loop.time()
                    if now >= deadline:
                        if cancelled:
                            break
                        task.cancel()
                        cancelled = True
                        deadline = now + _CANCEL_GRACE
                        continue
                    if wake is None or wake.when() != deadline:
                        if wake is not None:
                            wake.cancel()
                        wake = loop.call_at(deadline, _nothing)
                loop._run_once()
            # The task's completion scheduled its done callbacks (anyio stops its worker threads
            # there, or they block interpreter exit): run that one batch, as run_until_complete does.
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
        finally:
            if wake is not None:
                wake.cancel()
            sys.set_asyncgen_hooks(*hooks)
            events._set_running_loop(None)
            loop._thread_id = None
        if cancelled:
            raise AppTimeoutError(f"the app did not respond within {timeout:.1f} s")
        return task.result()

    def _run_plain(self, task: asyncio.Task[Any], timeout: Optional[float]) -> Any:
        try:
            return self.loop.run_until_complete(asyncio.wait_for(task, timeout))
        except asyncio.TimeoutError:
            raise AppTimeoutError(f"the app did not respond within {timeout:.1f} s")

    def close(self) -> None:
        """Close the loop (after lifespan shutdown)."""
        if not self.loop.is_closed():
            self.loop.close()


def _nothing() -> None:
    """A timer callback whose only job is to wake the selector at a deadline."""


def _run_in_thread(instance: InstanceLoop, coro: Coroutine[Any, Any, Any], timeout: Optional[float]) -> Any:
    outcome: list = []

    def target() -> None:
        try:
            outcome.append((True, instance.run(coro, timeout)))
        except BaseException as exc:  # re-raised in the calling thread
            outcome.append((False, exc))

    thread = threading.Thread(target=target, name="bridge-asgi")
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if ok:
        return value
    raise value
