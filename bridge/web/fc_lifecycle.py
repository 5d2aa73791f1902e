"""FC's instance lifecycle hooks for a web function, answered by ``bridge run`` before the app.

An FC 3.0 custom runtime learns of its instance's start and end over HTTP, not through a handler or
a signal: with ``instanceLifecycleConfig`` set, FC sends the Initializer as ``POST /initialize``
once the server is up, before any traffic, and the PreStop hook as ``GET /pre-stop`` before it
freezes or destroys the instance; 2xx is success, anything else failure
(https://www.alibabacloud.com/help/en/functioncompute/fc/lifecycle-hooks-for-function-instances-in-a-custom-runtime).
The page says the Initializer also runs when an instance is unfrozen, so a PreStop may be followed
by another Initializer: lifespan then starts again.

Which requests are FC's own is read from the ``x-fc-control-path`` header FC puts on every request
to a custom runtime (``/invoke``, ``/initialize``, ``/http-invoke``:
https://www.alibabacloud.com/help/doc-detail/191345.htm), never from the path: an HTTP-trigger
request for the app's own ``/initialize`` route carries ``/http-invoke`` and reaches the app, and
callers cannot send ``x-fc-*`` headers of their own
(https://help.aliyun.com/en/functioncompute/web-functions). UNCONFIRMED: that the
PreStop request carries ``x-fc-control-path: /pre-stop`` (public custom-runtime samples branch
on exactly that value; the lifecycle page names only the path). So ``/pre-stop`` (and FC 2.0's
``/pre-freeze``) are recognised by the header value, whatever the method and path; a request
without the header is always the app's.

- ASGI (uvicorn): this wrapper owns the app's lifespan. Startup runs when uvicorn starts (as
  without FC), ``/initialize`` starts it again if a PreStop ended it; PreStop waits for running
  requests and streams (up to the drain time) and then runs lifespan shutdown once; uvicorn's own
  shutdown at SIGTERM is then a no-op. 500 when startup or shutdown fails.
- WSGI (gunicorn): a WSGI app has no lifespan. PreStop waits until the requests running in every
  worker have finished (a counter shared by the forked workers) and answers; the workers keep
  serving, and FC's SIGTERM then lets gunicorn exit gracefully, or SIGKILL ends it.

A :class:`bridge.Bridge`'s hooks (``bridge run index:handler``, or ``--hooks``) run here too: its
``on_cold_start`` hooks at the Initializer, with a context made from FC's headers, and its
``on_shutdown`` hooks at PreStop (ASGI: or at the server's shutdown, if no PreStop came). Under
gunicorn both run in the worker that receives the request.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, Optional

logger = logging.getLogger("bridge")

CONTROL_HEADER = "x-fc-control-path"
INITIALIZE = "/initialize"
PRE_STOP = "/pre-stop"
#: FC 2.0's PreFreeze: FC 3.0 has none, and bridge configures none; answered 200 if it comes.
PRE_FREEZE = "/pre-freeze"
_HOOKS = (INITIALIZE, PRE_STOP, PRE_FREEZE)
#: Seconds lifespan shutdown may take inside PreStop, after the drain. The PreStop timeout
#: ``bridge build`` writes is the drain time plus this plus a second.
SHUTDOWN_S = 5.0


class HookContext:
    """What an ``on_cold_start`` hook is given at FC's Initializer: the invocation's fields FC
    sends as common request headers (https://www.alibabacloud.com/help/doc-detail/425057.htm)."""

    __slots__ = ("request_id", "function_name", "region", "account_id", "qualifier")

    def __init__(self, header: Callable[[str], Optional[str]]) -> None:
        self.request_id = header("x-fc-request-id") or ""
        self.function_name = header("x-fc-function-name") or ""
        self.region = header("x-fc-region") or ""
        self.account_id = header("x-fc-account-id") or ""
        self.qualifier = header("x-fc-qualifier") or ""

    def __repr__(self) -> str:
        return f"<HookContext {self.function_name or '-'} {self.request_id or '-'}>"


def control_hook(value: Optional[str]) -> Optional[str]:
    """The lifecycle hook an ``x-fc-control-path`` value names, or None (the app's request)."""
    if not value:
        return None
    value = value.strip().lower()
    return value if value in _HOOKS else None


class FcLifecycleASGI:
    """Wraps an ASGI app: FC's lifecycle requests are answered here, the rest reach the app."""

    def __init__(self, app: Callable[..., Any], drain_s: float, hooks: Any = None) -> None:
        from ..runners.lifespan import Lifespan

        self.app = app
        self.drain_s = drain_s
        self.hooks = hooks
        self._lifespan = Lifespan(app, "auto", None)
        #: Started and not yet stopped: the next stop runs lifespan shutdown and the shutdown hooks.
        self._open = False
        self._hooks_ran = False
        self._state: Optional[Dict[str, Any]] = None
        self._running = 0
        self._idle: Optional[asyncio.Event] = None
        self._lock: Optional[asyncio.Lock] = None

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._serve_lifespan(scope, receive, send)
            return
        if kind == "http":
            hook = control_hook(_header(scope, CONTROL_HEADER.encode()))
            if hook is not None:
                await self._answer(hook, scope, receive, send)
                return
        idle = self._idle_event()
        self._running += 1
        idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self._running -= 1
            if not self._running:
                idle.set()

    def _idle_event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    def _guard(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _serve_lifespan(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        """The server's lifespan conversation: the app's own runs through :meth:`_start` and
        :meth:`_stop`, so that PreStop and a later SIGTERM never shut it down twice."""
        self._state = scope.get("state")
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self, context: Optional[HookContext] = None) -> None:
        async with self._guard():
            if self._state is not None and not self._lifespan.started:
                self._state.clear()  # a restart after PreStop: nothing left from the last run
            await self._lifespan.start(self._state)
            self._open = True
            if context is not None and self.hooks is not None and not self._hooks_ran:
                self.hooks.run_cold_start_hooks(context)
                self._hooks_ran = True

    async def _stop(self) -> bool:
        async with self._guard():
            if not self._open:
                return True
            self._open = self._hooks_ran = False
            stopped = await self._lifespan.stop(SHUTDOWN_S)
            if self.hooks is not None:
                self.hooks.run_shutdown_hooks()
            return stopped

    async def _answer(self, hook: str, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        request_id = _header(scope, b"x-fc-request-id") or "-"
        status, text = 200, "OK"
        if hook == INITIALIZE:
            try:
                await self._start(HookContext(lambda name: _header(scope, name.encode())))
            except Exception as exc:
                logger.error("[%s] FC Initializer failed: %s: %s", request_id, type(exc).__name__, exc)
                status, text = 500, "initialization failed"
        elif hook == PRE_STOP:
            if not await _wait(self._idle_event(), self.drain_s):
                logger.warning(
                    "[%s] FC PreStop: %d request(s) still running after %s s; shutting down anyway",
                    request_id,
                    self._running,
                    self.drain_s,
                )
            if not await self._stop():
                status, text = 500, "lifespan shutdown failed"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})


async def _wait(event: asyncio.Event, timeout: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True


def _header(scope: Dict[str, Any], name: bytes) -> Optional[str]:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class _RunningCount:
    """Requests running in all of gunicorn's workers: a counter in shared memory, made before the
    workers fork (the app is preloaded), so a PreStop answered by one worker sees every worker's
    requests. Without shared memory (no ``/dev/shm``), this process's own count, said once."""

    def __init__(self) -> None:
        self._local = 0
        self._local_lock = threading.Lock()
        try:
            self._shared: Any = multiprocessing.Value("i", 0)
        except (OSError, ImportError) as exc:
            logger.warning("FC PreStop drains this worker only (no shared memory: %s)", exc)
            self._shared = None

    def add(self, delta: int) -> None:
        if self._shared is None:
            with self._local_lock:
                self._local += delta
            return
        with self._shared.get_lock():
            self._shared.value += delta

    @property
    def value(self) -> int:
        return self._local if self._shared is None else int(self._shared.value)


class FcLifecycleWSGI:
    """Wraps a WSGI app: FC's lifecycle requests are answered here, the rest reach the app."""

    def __init__(self, app: Callable[..., Any], drain_s: float, hooks: Any = None) -> None:
        self.app = app
        self.drain_s = drain_s
        self.hooks = hooks
        self._running = _RunningCount()
        self._hooks_ran = False  # in this worker

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        hook = control_hook(environ.get("HTTP_X_FC_CONTROL_PATH"))
        if hook is None:
            self._running.add(1)
            try:
                return _Counted(self.app(environ, start_response), self._running)
            except BaseException:
                self._running.add(-1)
                raise
        request_id = environ.get("HTTP_X_FC_REQUEST_ID", "-")
        status, text = "200 OK", b"OK"
        if hook == INITIALIZE and self.hooks is not None and not self._hooks_ran:
            context = HookContext(lambda name: environ.get("HTTP_" + name.upper().replace("-", "_")))
            try:
                self.hooks.run_cold_start_hooks(context)
                self._hooks_ran = True
            except Exception as exc:
                logger.error("[%s] FC Initializer failed: %s: %s", request_id, type(exc).__name__, exc)
                status, text = "500 Internal Server Error", b"initialization failed"
        elif hook == PRE_STOP:
            deadline = time.monotonic() + self.drain_s
            while self._running.value > 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._running.value > 0:
                logger.warning(
                    "[%s] FC PreStop: %d request(s) still running after %s s",
                    request_id,
                    self._running.value,
                    self.drain_s,
                )
            if self.hooks is not None:
                self.hooks.run_shutdown_hooks()
                self._hooks_ran = False
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [text]


class _Counted:
    """The app's response iterable; the request stops counting as running when the server closes
    it (after the last byte of a stream, as PEP 3333 has servers do)."""

    def __init__(self, response: Iterable[bytes], running: _RunningCount) -> None:
        self._response = response
        self._running = running
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._response)

    def close(self) -> None:
        try:
            close = getattr(self._response, "close", None)
            if close is not None:
                close()
        finally:
            if not self._closed:
                self._closed = True
                self._running.add(-1)


def wrap(app: Any, interface: str, drain_s: float, hooks: Any = None) -> Any:
    """``app`` behind FC's lifecycle hooks, for its interface; ``hooks``: a :class:`bridge.Bridge`
    whose ``on_cold_start`` and ``on_shutdown`` hooks run there, or None."""
    if interface == "asgi":
        return FcLifecycleASGI(app, drain_s, hooks)
    return FcLifecycleWSGI(app, drain_s, hooks)
