"""ASGI lifespan, once per function instance: startup before the first request, shutdown at the end.

Mangum runs startup and shutdown around every invocation (Mangum #342), which repeats a database
pool or a model load per request. Here the lifespan task lives on the instance's loop for the
instance's whole life, suspended between invocations.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional

from .._errors import LifespanError
from ._loop import InstanceLoop

logger = logging.getLogger("bridge")

LIFESPAN_MODES = ("auto", "on", "off")


class Lifespan:
    """The lifespan protocol of one app on one :class:`InstanceLoop`.

    ``mode``: ``on`` requires the app to support lifespan, ``auto`` runs it when the app does (an
    app that raises on the lifespan scope, as Django does, is taken as not supporting it), ``off``
    never runs it.
    """

    def __init__(self, app: Callable[..., Any], mode: str, instance: Optional[InstanceLoop]) -> None:
        self.app = app
        self.mode = mode
        self.instance = instance
        #: The lifespan ``state`` the app filled in; each request scope gets a shallow copy.
        self.state: Dict[str, Any] = {}
        self.started = False
        self.supported = mode != "off"
        self._inbox: Optional[asyncio.Queue] = None
        self._replies: Optional[asyncio.Queue] = None
        self._task: Optional[asyncio.Task] = None

    def startup(self, timeout: Optional[float] = None) -> None:
        """Run startup once; raises :class:`LifespanError` when the app reports failure."""
        if self.started or not self.supported:
            return
        assert self.instance is not None
        self.instance.run(self._startup(), timeout)

    def shutdown(self, timeout: Optional[float] = 10.0) -> None:
        """Run shutdown if startup ran; errors are logged, never raised (the instance is going away)."""
        if not self.started or self._task is None:
            return
        self.started = False
        assert self.instance is not None
        try:
            self.instance.run(self._shutdown(), timeout)
        except Exception as exc:
            logger.error("lifespan shutdown failed: %s", exc)

    async def start(self, state: Optional[Dict[str, Any]] = None) -> None:
        """:meth:`startup` on the running loop (a server's own, no instance loop); ``state`` is the
        dict the app fills in (a server's, which copies it into each request scope)."""
        if self.started or not self.supported:
            return
        await self._startup(state)

    async def stop(self, timeout: float = 10.0) -> bool:
        """:meth:`shutdown` on the running loop; False when the app reported failure or overran
        ``timeout`` (logged, never raised). Startup may run again afterwards."""
        if not self.started or self._task is None:
            return True
        self.started = False
        try:
            return await asyncio.wait_for(self._shutdown(), timeout)
        except asyncio.TimeoutError:
            logger.error("lifespan shutdown failed: not complete after %s s", timeout)
            await self._end_task()
            return False

    async def _startup(self, state: Optional[Dict[str, Any]] = None) -> None:
        self._inbox = asyncio.Queue()
        self._replies = asyncio.Queue()
        self.state = {} if state is None else state
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self._task = asyncio.get_running_loop().create_task(self._main(scope))
        await self._inbox.put({"type": "lifespan.startup"})
        reply = await self._replies.get()
        kind = reply["type"]
        if kind == "lifespan.startup.complete":
            self.started = True
            return
        # No lifespan runs from here on: the task must not outlive this invocation (a retry makes a
        # new one), whatever the app does after answering (issue 16, bug 7).
        await self._end_task()
        if kind == "lifespan.startup.failed":
            raise LifespanError(f"lifespan startup failed: {reply.get('message') or 'no message'}")
        # The app returned or raised without answering: it does not speak lifespan.
        error = reply.get("error")
        if self.mode == "on":
            raise LifespanError(
                f"lifespan='on' but the app does not support lifespan: {error or 'it returned'}"
            )
        self.supported = False
        logger.debug(
            "the app does not support ASGI lifespan (%s); running without it", error or "it returned"
        )

    async def _end_task(self) -> None:
        """Let the lifespan task finish on its own for a moment, then cancel it and wait for it."""
        task = self._task
        self._task = None
        if task is None or task.done():
            return
        await asyncio.wait({task}, timeout=0.1)
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)

    async def _shutdown(self) -> bool:
        assert self._inbox is not None and self._replies is not None and self._task is not None
        await self._inbox.put({"type": "lifespan.shutdown"})
        reply = await self._replies.get()
        failed = reply["type"] == "lifespan.shutdown.failed"
        if failed:
            logger.error("lifespan shutdown failed: %s", reply.get("message") or "no message")
        if not self._task.done():
            try:
                await asyncio.wait_for(self._task, 5.0)
            except (asyncio.TimeoutError, Exception):
                pass
        return not failed

    async def _main(self, scope: Dict[str, Any]) -> None:
        assert self._inbox is not None and self._replies is not None
        inbox, replies = self._inbox, self._replies
        sent: List[str] = []

        async def receive() -> Dict[str, Any]:
            return await inbox.get()

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message["type"])
            await replies.put(message)

        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            if not sent:
                await replies.put({"type": "lifespan.unsupported", "error": f"{type(exc).__name__}: {exc}"})
            elif self.started:
                logger.error("lifespan task raised: %s: %s", type(exc).__name__, exc)
                await replies.put({"type": "lifespan.shutdown.failed", "message": str(exc)})
            return
        # Returned: before answering startup means "not supported"; after shutdown it is the normal end.
        if not sent:
            await replies.put({"type": "lifespan.unsupported"})
        elif sent[-1] not in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            await replies.put({"type": "lifespan.shutdown.complete"})
