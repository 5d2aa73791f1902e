"""Run an ASGI 3 app on a request, on the instance's loop: buffering its response, or streaming it."""

from __future__ import annotations

import asyncio
from types import CoroutineType
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote

from .._errors import AppTimeoutError, EventError
from .._model import BufferedStream, HTTPRequest, HTTPResponse, HTTPStream
from ._loop import InstanceLoop
from .lifespan import Lifespan

ASGIApp = Callable[..., Any]
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..platforms._base import Usual

# As uvicorn declares it; 2.3 means the app learns of the end of a response through http.disconnect.
_ASGI = {"version": "3.0", "spec_version": "2.3"}


class ASGIRunner:
    """One ASGI app on one instance loop, with its lifespan."""

    def __init__(self, app: ASGIApp, lifespan: str = "auto") -> None:
        self.app = app
        self.instance = InstanceLoop()
        self.lifespan = Lifespan(app, lifespan, self.instance)

    def startup(self, timeout: Optional[float] = None) -> None:
        """Lifespan startup, once per instance (a no-op after the first success)."""
        self.lifespan.startup(timeout)

    def shutdown(self) -> None:
        """Lifespan shutdown; the loop stays open so late callers still get an answer."""
        self.lifespan.shutdown()

    def run(self, request: HTTPRequest, timeout: Optional[float] = None) -> HTTPResponse:
        """The app's response to ``request``; :class:`AppTimeoutError` if none is complete by ``timeout``."""
        return self._run(build_scope(request, self.lifespan.state), request.body, timeout)

    def run_usual(
        self, usual: Usual, event: Any, context: Any, request_id: str, timeout: Optional[float] = None
    ) -> HTTPResponse:
        """:meth:`run` for a usual request (:meth:`bridge.Platform.usual_request`)."""
        scope = usual_scope(usual, event, context, request_id, self.lifespan.state)
        return self._run(scope, usual[5], timeout)

    def _run(self, scope: Dict[str, Any], body: bytes, timeout: Optional[float]) -> HTTPResponse:
        cycle = _Cycle(body)
        coro = self.app(scope, cycle.receive, cycle.send)
        if coro.__class__ is not CoroutineType:  # an awaitable that is not a coroutine: wrap it
            coro = _awaited(coro)
        try:
            self.instance.run(coro, timeout)
        except AppTimeoutError:
            if cycle.complete:  # the response was sent; only work after it overran
                return cycle.response()
            raise
        except Exception:
            if cycle.complete:  # raised after a complete response: the client still gets it
                return cycle.response()
            raise
        if not cycle.complete:
            raise RuntimeError("the ASGI app returned without completing its response")
        return cycle.response()

    def stream(self, request: HTTPRequest, timeout: Optional[float] = None) -> HTTPStream:
        """The app's response to ``request``, its body as the app sends it.

        The app runs on the instance loop in a thread of its own while the caller reads the chunks,
        so the first ``http.response.body`` leaves before the last is produced. The status and
        headers are returned once the first body message (or an error) arrives. A bounded queue
        holds the app back when the reader is slower (the backpressure of a real socket).
        :meth:`HTTPStream.close` waits for the app's task (background tasks run after the response,
        as under uvicorn); closing before the end tells the app the client went away.
        """
        import threading

        relay = _Relay(request.body, self.instance.loop)
        scope = build_scope(request, self.lifespan.state)
        coro = self.app(scope, relay.receive, relay.send)
        if coro.__class__ is not CoroutineType:
            coro = _awaited(coro)

        def drive() -> None:
            try:
                self.instance.run(coro, timeout)
            except BaseException as exc:  # handed to the reader, raised there
                relay.put(("error", exc))
            else:
                relay.put(("end", None))

        thread = threading.Thread(target=drive, name="bridge-asgi-stream", daemon=True)
        thread.start()
        kind, value = relay.get()
        if kind != "head":
            thread.join()
            if kind == "error":
                raise value
            raise RuntimeError("the ASGI app returned without completing its response")
        status, headers = value
        return HTTPStream(status, headers, relay.chunks(), lambda: relay.close(thread))


def build_scope(request: HTTPRequest, state: Dict[str, Any]) -> Dict[str, Any]:
    """The ASGI http scope for ``request``, shaped as uvicorn shapes it (path includes root_path)."""
    root_path = request.root_path
    # The platform's map of unique names as it is, where the pairs were never asked for.
    header_map = request._header_map
    pairs = header_map.items() if header_map is not None else request._headers
    try:
        # Names with "_" are dropped as the WSGI runner drops them: Django's ASGI handler folds
        # `x_forwarded_for` into HTTP_X_FORWARDED_FOR too (gunicorn's header_map="drop").
        headers = [(name.encode("ascii"), value.encode()) for name, value in pairs if "_" not in name]
    except UnicodeEncodeError:
        headers = _checked_headers(pairs)
    scope: Dict[str, Any] = {
        "type": "http",
        "asgi": _ASGI,
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": root_path + request.path if root_path else request.path,
        "raw_path": _quote_root(root_path) + request.raw_path if root_path else request.raw_path,
        "root_path": root_path,
        "query_string": request.query_string,
        "headers": headers,
        "client": request.client,
        "server": request.server,
        "bridge.event": request.event,
        "bridge.context": request.context,
        "bridge.request_id": request.request_id,
        "bridge.identity": request.identity,
        "bridge.stage_variables": request.stage_variables,
    }
    if request.remote_user is not None:
        scope["bridge.remote_user"] = request.remote_user
    if state:
        scope["state"] = dict(state)
    return scope


def usual_scope(
    usual: Usual, event: Any, context: Any, request_id: str, state: Dict[str, Any]
) -> Dict[str, Any]:
    """The scope of a usual request: what :func:`build_scope` makes for the same request, without
    the checks its values have already passed (ASCII text, names without "_")."""
    (method, root_path, path, query, headers, _, scheme, host, port, client, _, user, identity,
     variables) = usual  # fmt: skip
    raw_path = path.encode("ascii")  # ASCII without "%": the path as it came
    scope: Dict[str, Any] = {
        "type": "http",
        "asgi": _ASGI,
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": root_path + path if root_path else path,
        "raw_path": _quote_root(root_path) + raw_path if root_path else raw_path,
        "root_path": root_path,
        "query_string": query.encode("ascii"),
        "headers": [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()],
        "client": (client, 0) if client else None,
        "server": (host, port),
        "bridge.event": event,
        "bridge.context": context,
        "bridge.request_id": request_id,
        "bridge.identity": identity,
        "bridge.stage_variables": variables,
    }
    if user is not None:
        scope["bridge.remote_user"] = user
    if state:
        scope["state"] = dict(state)
    return scope


def _checked_headers(pairs: Any) -> List[Any]:
    """The scope's headers the careful way: a name that is not ASCII, or a value with a lone
    surrogate that stands for no byte, is the event's fault (400), never the app's crash."""
    headers = []
    for name, value in pairs:
        if "_" in name:
            continue
        if not name.isascii():
            raise EventError("a request header name is not an HTTP token")
        try:
            # A surrogate escape (PEP 383) is a byte that came undecoded: send the byte.
            headers.append((name.encode("ascii"), value.encode("utf-8", "surrogateescape")))
        except UnicodeEncodeError:
            raise EventError("a request header value holds text that is not valid Unicode")
    return headers


def _quote_root(root_path: str) -> bytes:
    return quote(root_path).encode("ascii")


async def _awaited(awaitable: Any) -> None:
    await awaitable


class _Cycle:
    """One request/response exchange: ``receive`` hands out the body, ``send`` collects the response."""

    __slots__ = ("body", "body_sent", "status", "headers", "chunks", "complete", "streamed", "_done")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_sent = False
        self.status: Optional[int] = None
        self.headers: List[Any] = []
        self.chunks: List[bytes] = []
        self.complete = False
        self.streamed = False
        self._done: Optional[asyncio.Future] = None

    async def receive(self) -> Dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        # The body is all delivered: the next message is the disconnect, which comes once the
        # response is complete (as uvicorn does), so a listener doesn't cut a stream short.
        if not self.complete:
            if self._done is None:
                self._done = asyncio.get_running_loop().create_future()
            await self._done
        return {"type": "http.disconnect"}

    async def send(self, message: Dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("ASGI app sent 'http.response.start' twice")
            self.status = int(message["status"])
            self.headers = message.get("headers") or []
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("ASGI app sent 'http.response.body' before 'http.response.start'")
            if self.complete:
                return  # after the end of the response: nothing can reach the client
            body = message.get("body")
            if body:
                self.chunks.append(bytes(body))
            if not message.get("more_body", False):
                self.complete = True
                if self._done is not None and not self._done.done():
                    self._done.set_result(None)
            else:
                self.streamed = True

    def response(self) -> HTTPResponse:
        assert self.status is not None
        headers = _text_headers(self.headers)
        kind = BufferedStream if self.streamed else HTTPResponse
        return kind(self.status, headers, b"".join(self.chunks))  # one chunk is returned as it is


def _text_headers(headers: List[Any]) -> List[Any]:
    return [(bytes(name).decode("latin-1"), bytes(value).decode("latin-1")) for name, value in headers]


class ClientDisconnected(OSError):
    """Raised in the app's ``send`` once the reader of a stream has gone (as uvicorn raises it)."""


class _Relay:
    """One streamed exchange between the app (on the instance loop's thread) and a reader thread.

    Messages go through a bounded queue: ``("head", (status, headers))`` at the first body message,
    ``("body", bytes)`` per non-empty chunk, then ``("end", None)`` when the response is complete, or
    ``("error", exc)`` if the app fails first.
    """

    # Chunks the app may run ahead of the reader before its send() waits.
    WINDOW = 16

    def __init__(self, body: bytes, loop: asyncio.AbstractEventLoop) -> None:
        import queue

        self.body = body
        self.body_sent = False
        self.loop = loop
        self.queue: Any = queue.Queue(self.WINDOW)
        self.status: Optional[int] = None
        self.headers: List[Any] = []
        self.head_sent = False
        self.complete = False
        self.gone = False
        self._done: Optional[asyncio.Future] = None

    def put(self, item: Any) -> None:
        self.queue.put(item)

    def get(self) -> Any:
        return self.queue.get()

    async def receive(self) -> Dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not (self.complete or self.gone):
            if self._done is None:
                self._done = self.loop.create_future()
            await self._done
        return {"type": "http.disconnect"}

    async def send(self, message: Dict[str, Any]) -> None:
        if self.gone:
            raise ClientDisconnected("the client went away during the streamed response")
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("ASGI app sent 'http.response.start' twice")
            self.status = int(message["status"])
            self.headers = message.get("headers") or []
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("ASGI app sent 'http.response.body' before 'http.response.start'")
            if self.complete:
                return
            if not self.head_sent:
                self.head_sent = True
                self.put(("head", (self.status, _text_headers(self.headers))))
            body = message.get("body")
            if body:
                # Blocks the loop while the reader is a window behind: the app waits as on a full socket.
                self.put(("body", bytes(body)))
            if not message.get("more_body", False):
                self.complete = True
                self.put(("end", None))
                self._wake()

    def chunks(self) -> Any:
        while True:
            kind, value = self.get()
            if kind == "body":
                yield value
            elif kind == "end":
                return
            elif kind == "error":
                raise value
            else:  # the app's task ended before its response did
                raise RuntimeError("the ASGI app returned without completing its response")

    def _wake(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def close(self, thread: Any) -> None:
        """Wait for the app's task; if the response is not complete, tell the app the client left."""
        import queue

        if not self.complete:
            self.gone = True
            try:
                self.loop.call_soon_threadsafe(self._wake)
            except RuntimeError:  # the loop is closed: nothing waits on it
                pass
        while thread.is_alive():
            try:
                self.queue.get(timeout=0.05)  # frees an app blocked on a full window
            except queue.Empty:
                pass
        thread.join()
