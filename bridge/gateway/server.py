"""The local gateway: an ASGI app (served by uvicorn) that behaves like the platform's front end.

For each request: read it whole, find the function in the route table, let the platform's
emulator reject what the platform would reject (``check_request``), run the function in its
instance process (:class:`~bridge.gateway.worker.Worker`), and write back the HTTP the platform's
gateway would send. Every gateway-made response is logged with the reason.

A client gets no more than the platform would give it: a body declared or growing over the
platform's limit is refused before it is read, the request head and body must arrive within
:class:`ReadLimits`, and forwarded headers the client sends are never taken for its address or
scheme (the emulators add the ones the platform's front end adds).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Callable, Dict, List, Tuple

from .._errors import ConfigError
from ..emulators import Emulator, GatewayRequest, GatewayResponse, get_emulator
from .routes import RouteTable
from .worker import Worker, WorkerSpec

log = logging.getLogger("bridge.gateway")

# Connection-level headers belong to the gateway's own connection with the client.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


@dataclass(frozen=True)
class ReadLimits:
    """How long the gateway waits for a client, in seconds.

    ``header_timeout_s``: from a connection's start (or its next request's first byte) to a
    complete request head; ``body_timeout_s``: from the head to the whole body. Longer than any
    local client needs, short enough that a client trickling bytes cannot hold connections.
    """

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0


class RequestRefused(Exception):
    """The gateway answers the request itself before reading all of it (too large, too slow)."""

    def __init__(self, request: GatewayRequest, response: GatewayResponse) -> None:
        super().__init__(response.reason)
        self.request = request
        self.response = response


class Function:
    """One function behind the gateway: its emulator, its instance, one request at a time."""

    def __init__(self, name: str, spec: WorkerSpec, timeout_s: float) -> None:
        self.name = name
        self.worker = Worker(spec)
        self.emulator: Emulator = self.worker.emulator
        self.timeout_s = timeout_s
        self._lock: asyncio.Lock | None = None

    async def invoke(self, request: GatewayRequest, request_id: str) -> GatewayResponse:
        if self._lock is None:  # created in the server's loop (Python 3.9 binds locks on creation)
            self._lock = asyncio.Lock()
        async with self._lock:
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(
                None, lambda: self.worker.invoke(request, request_id=request_id, timeout_s=self.timeout_s)
            )
        if outcome.cold_start is not None:
            log.info("[%s] %s", self.name, outcome.cold_start)
        if outcome.crashed:
            log.error("[%s] %s; the next request starts a new instance", self.name, outcome.error)
        elif outcome.error:
            log.error("[%s] the handler raised:\n%s", self.name, outcome.error.rstrip())
        return outcome.response

    def restart(self) -> None:
        """End the instance; the next request cold-starts a new one (code reload)."""
        self.worker.stop()


class Gateway:
    """The ASGI app: the route table in front of the functions."""

    def __init__(
        self,
        routes: RouteTable,
        functions: Dict[str, Function],
        platform: str,
        limits: ReadLimits | None = None,
        jobs: Any = None,
    ) -> None:
        self.routes = routes
        self.functions = functions
        self.limits = limits or ReadLimits()
        #: The project's [schedules] / [events], fired at /_bridge/ (bridge.gateway.schedules), or None.
        self.jobs = jobs
        # The platform's answers for requests no function gets (no route, wrong method, too large).
        self.front: Emulator = get_emulator(platform)

    async def __call__(
        self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:  # websocket: none of these triggers passes them to an event function
            await send({"type": "websocket.close", "code": 1008})

    async def _lifespan(self, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def stop(self) -> None:
        for function in self.functions.values():
            function.worker.stop()

    def restart(self) -> None:
        for function in self.functions.values():
            function.restart()

    async def _http(
        self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        started = time.perf_counter()
        try:
            request = await read_request(
                scope,
                receive,
                body_too_large=self.front.body_too_large,
                timeout_s=self.limits.body_timeout_s,
            )
        except RequestRefused as refused:
            # The rest of the body is never read: the connection closes after the answer.
            request, response, function_name = refused.request, refused.response, "no function"
            await write_response(send, response, head=request.method.upper() == "HEAD", close=True)
        else:
            request_id = str(uuid.uuid4())
            response, function_name = await self._respond(request, request_id)
            if isinstance(response, GatewayResponse):
                await write_response(send, response, head=request.method.upper() == "HEAD")
            else:  # a streamed answer (bridge serve --streaming): written as it arrives
                response = await response.write(send, head=request.method.upper() == "HEAD")
        elapsed = (time.perf_counter() - started) * 1000
        line = f"{request.method} {request.target} -> {response.status} ({elapsed:.0f} ms, {function_name})"
        if response.reason:
            log.warning("%s: %s", line, response.reason)
        else:
            log.info("%s", line)

    async def _respond(self, request: GatewayRequest, request_id: str) -> Tuple[GatewayResponse, str]:
        if self.jobs is not None and (request.path + "/").startswith("/_bridge/"):
            return await self.jobs.respond(request, self.functions)
        route, path_only = self.routes.match(request.path, request.method)
        if route is None and path_only is None:
            return self._no_route(request), "no function"
        if route is None:
            assert path_only is not None
            function = self.functions[path_only.function]
            return function.emulator.method_not_allowed(request), function.name
        function = self.functions[route.function]
        request = self.routes.forward(route, request, function.emulator)
        rejection = function.emulator.check_request(request)
        if rejection is not None:
            return rejection, function.name
        return await function.invoke(request, request_id), function.name

    def _no_route(self, request: GatewayRequest) -> GatewayResponse:
        # No route has the path: the platform answers as for a method nobody accepts.
        response = self.front.method_not_allowed(request)
        response.reason = f"no route in the route table matches {request.path!r}"
        return response


async def read_request(
    scope: Dict[str, Any],
    receive: Callable[..., Any],
    *,
    body_too_large: Callable[[int], GatewayResponse | None] | None = None,
    timeout_s: float | None = None,
) -> GatewayRequest:
    """The whole request: the gateways buffer the body before invoking a function.

    ``body_too_large(length)`` is the platform's answer to a body of that size, asked before the
    body is read when its length is declared, and as it grows otherwise; ``timeout_s`` bounds the
    time the body takes. Either raises :class:`RequestRefused` with the answer.
    """
    request = _request_head(scope)
    declared = _content_length(request)
    if body_too_large is not None and declared is not None:
        _refuse_if(request, body_too_large(declared))
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    chunks: List[bytes] = []
    size = 0
    while True:
        try:
            if deadline is None:
                message = await receive()
            else:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
        except asyncio.TimeoutError:
            raise RequestRefused(request, _request_timeout(size, timeout_s))
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if body_too_large is not None and chunk:
            _refuse_if(request, body_too_large(size))
        if not message.get("more_body", False):
            break
    request.body = b"".join(chunks)
    return request


def _request_head(scope: Dict[str, Any]) -> GatewayRequest:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    target = raw_path.decode("latin-1")
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
    client = tuple(scope["client"]) if scope.get("client") else ("127.0.0.1", 0)
    host = next((value for name, value in headers if name.lower() == "host"), None)
    return GatewayRequest(
        method=scope["method"],
        target=target,
        headers=headers,
        client=client,  # type: ignore[arg-type]
        scheme=scope.get("scheme", "http"),
        host=host,
    )


def _content_length(request: GatewayRequest) -> int | None:
    # uvicorn's h11 has already refused a malformed or repeated-and-different Content-Length.
    value = request.header("content-length")
    try:
        return int(value.split(",")[0]) if value else None
    except ValueError:
        return None


def _refuse_if(request: GatewayRequest, response: GatewayResponse | None) -> None:
    if response is not None:
        raise RequestRefused(request, response)


def _request_timeout(received: int, timeout_s: float | None) -> GatewayResponse:
    reason = f"the request body did not arrive within {timeout_s:g} s ({received} bytes received)"
    return GatewayResponse(408, [("Content-Type", "text/plain; charset=utf-8")], b"Request Timeout", reason)


async def write_response(
    send: Callable[..., Any], response: GatewayResponse, *, head: bool = False, close: bool = False
) -> None:
    """Send ``response``; ``close`` ends the connection after it (a body left unread)."""
    headers = [
        (name.encode("latin-1"), value.encode("latin-1", errors="replace"))
        for name, value in response.headers
        if name.lower() not in _HOP_BY_HOP
    ]
    if close:
        headers.append((b"connection", b"close"))
    if not head:
        headers.append((b"content-length", str(len(response.body)).encode()))
    if response.header("date") is None:
        # The platforms' front ends date every response; uvicorn's own Date is off (see ``run``) so
        # that a response the app dated (Werkzeug's static files) does not carry two.
        headers.append((b"date", formatdate(usegmt=True).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; ``port=0`` picks a free port (read it back from ``getsockname``)."""
    # ``proto=IPPROTO_TCP``, not the default 0: asyncio sets TCP_NODELAY on an accepted connection
    # only when ``sock.proto == IPPROTO_TCP`` (``asyncio.base_events._set_nodelay``), and accepted
    # sockets inherit the listener's proto. Without it uvicorn's two writes per response (head,
    # then body) hit Nagle against the client's delayed ACK: ~40 ms per keep-alive request.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port, or 0 for any"
        )
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run(gateway: Gateway, sock: socket.socket, on_started: Callable[[], None] | None = None) -> None:
    """Serve ``gateway`` on ``sock`` with uvicorn until interrupted."""
    server = make_server(gateway)
    if on_started is not None:
        original_startup = server.startup

        async def startup(sockets: Any = None) -> None:
            await original_startup(sockets=sockets)
            on_started()

        server.startup = startup  # type: ignore[method-assign]
    try:
        server.run(sockets=[sock])
    finally:
        gateway.stop()


def make_server(gateway: Gateway) -> Any:
    """The ``uvicorn.Server`` for ``gateway``: its own HTTP/1.1 protocol, none of uvicorn's trust."""
    import uvicorn

    from .connection import head_bounded_protocol

    # No "server: uvicorn": the platforms do not announce our server.
    config = uvicorn.Config(
        gateway,
        http=head_bounded_protocol(gateway.limits.header_timeout_s),
        log_level="warning",
        access_log=False,
        lifespan="on",
        server_header=False,
        date_header=False,  # ``write_response`` adds one where the app did not
        # The client is not a proxy we trust: its X-Forwarded-For / X-Forwarded-Proto must not
        # become the source address or the scheme (uvicorn trusts them from 127.0.0.1 by default).
        # The emulators add the forwarding headers the platform's own front end adds.
        proxy_headers=False,
    )
    return uvicorn.Server(config)
