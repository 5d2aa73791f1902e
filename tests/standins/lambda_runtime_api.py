"""A local stand-in of the Lambda Runtime API (version 2018-06-01), for the bootstrap's tests.

Written from AWS's documentation, never from our runtime: https://docs.aws.amazon.com/lambda/latest/
dg/runtimes-api.html (next, response, error, init error; their headers and status codes) and
runtimes-custom.html, "Response streaming" (the streaming header, chunked transfer, the error
trailers declared in ``Trailer``). Requests are parsed by h11, a real HTTP/1.1 implementation, so a
framing mistake in the runtime (a bad chunk size, an undeclared trailer) fails here as it would on
Lambda. Each streamed body part is recorded as it arrives, so a test can see the first chunk before
the app produced the last.
"""

from __future__ import annotations

import itertools
import json
import queue
import socket
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import h11

_PREFIX = "/2018-06-01"
# "The maximum payload size is 6 MB" for a buffered response (config-rs-invoke-furls.html).
BUFFERED_LIMIT = 6 * 1024 * 1024
STREAMING_TYPE = "application/vnd.awslambda.http-integration-response"
DELIMITER = b"\0" * 8


class Invocation:
    """One event handed to the runtime, and what the runtime answered."""

    def __init__(self, request_id: str, event: bytes, headers: Dict[str, str]) -> None:
        self.request_id = request_id
        self.event = event
        self.next_headers = headers
        #: ``response`` or ``error``, once the runtime answered.
        self.kind: Optional[str] = None
        self.headers: Dict[str, str] = {}
        self.trailers: Dict[str, str] = {}
        self.parts: List[Tuple[float, bytes]] = []  # (monotonic time, data) per h11 Data event
        self.done = threading.Event()
        self._changed = threading.Condition()

    # --- what a test reads ---------------------------------------------------------------------------

    @property
    def raw(self) -> bytes:
        return b"".join(data for _, data in self.parts)

    @property
    def streamed(self) -> bool:
        return self.headers.get("lambda-runtime-function-response-mode") == "streaming"

    def prelude(self) -> Dict[str, Any]:
        head, delimiter, _ = self.raw.partition(DELIMITER)
        assert delimiter, "no 8-byte NUL delimiter after the prelude"
        return json.loads(head)

    @property
    def body(self) -> bytes:
        """The response body: after the prelude where streamed, else the whole payload."""
        if self.streamed and self.headers.get("content-type") == STREAMING_TYPE:
            return self.raw.partition(DELIMITER)[2]
        return self.raw

    def json(self) -> Any:
        return json.loads(self.raw)

    def wait_for_body(self, size: int, timeout: float = 30.0) -> bytes:
        """The body once at least ``size`` bytes of it arrived (before the response ended, or not)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                raw = self.raw
                head, delimiter, body = raw.partition(DELIMITER)
                if (delimiter and len(body) >= size) or self.done.is_set():
                    return body if delimiter else raw
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(body)} body bytes after {timeout} s, waiting for {size}")
                self._changed.wait(left)

    def wait(self, timeout: float = 30.0) -> Invocation:
        if not self.done.wait(timeout):
            raise TimeoutError(f"invocation {self.request_id} not answered within {timeout} s")
        return self

    # --- what the server records ------------------------------------------------------------------------

    def _add(self, data: bytes) -> None:
        with self._changed:
            self.parts.append((time.monotonic(), data))
            self._changed.notify_all()

    def _finish(self, kind: str, trailers: Dict[str, str]) -> None:
        with self._changed:
            self.kind = kind
            self.trailers = trailers
            self.done.set()
            self._changed.notify_all()


class RuntimeAPIStandIn:
    """The Runtime API on 127.0.0.1: :meth:`invoke` queues an event for the runtime's next ``GET``."""

    def __init__(self, function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:app") -> None:
        self.function_arn = function_arn
        self.pending: queue.Queue = queue.Queue()
        self.invocations: Dict[str, Invocation] = {}
        self.init_errors: List[Tuple[Dict[str, str], Any]] = []
        self.init_error_seen = threading.Event()
        self._ids = itertools.count(1)
        self._socket: Optional[socket.socket] = None
        self._stopping = threading.Event()

    # --- control ------------------------------------------------------------------------------------

    def start(self) -> RuntimeAPIStandIn:
        self._socket = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def address(self) -> str:
        """``AWS_LAMBDA_RUNTIME_API``: ``host:port``."""
        assert self._socket is not None
        return f"127.0.0.1:{self._socket.getsockname()[1]}"

    def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> RuntimeAPIStandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def invoke(
        self, event: Any, *, timeout_ms: int = 30000, trace_id: str = "Root=1-5bef4de7-ad49b0e87f6ef6c8"
    ) -> Invocation:
        """Queue ``event`` (a dict, or raw bytes) for the runtime."""
        request_id = f"8476a536-e9f4-11e8-9739-{next(self._ids):012d}"
        body = event if isinstance(event, bytes) else json.dumps(event).encode("utf-8")
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Lambda-Runtime-Trace-Id": trace_id,
            "Content-Type": "application/json",
        }
        invocation = Invocation(request_id, body, headers)
        self.invocations[request_id] = invocation
        self.pending.put(invocation)
        return invocation

    # --- the server ---------------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        connection = h11.Connection(h11.SERVER)
        with client:
            while not self._stopping.is_set():
                request = self._next_event(connection, client)
                if not isinstance(request, h11.Request):
                    return
                status, payload = self._handle(connection, client, request)
                data = json.dumps(payload).encode("utf-8") if payload is not None else b""
                headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
                if isinstance(status, Invocation):
                    invocation = status
                    data = invocation.event
                    headers = list(invocation.next_headers.items()) + [("Content-Length", str(len(data)))]
                    status = 200
                # One write per response: two small ones meet the client's delayed ACK (Nagle).
                answer = connection.send(h11.Response(status_code=status, headers=headers))
                answer += connection.send(h11.Data(data=data)) + connection.send(h11.EndOfMessage())
                try:
                    client.sendall(answer)
                except OSError:  # the runtime went away (killed at the end of a test)
                    return
                if connection.our_state is h11.MUST_CLOSE or connection.their_state is h11.MUST_CLOSE:
                    return
                try:
                    connection.start_next_cycle()
                except h11.LocalProtocolError:
                    return

    def _next_event(self, connection: h11.Connection, client: socket.socket) -> Any:
        while True:
            event = connection.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = client.recv(65536)
            except OSError:
                return None
            connection.receive_data(data)

    def _handle(self, connection: h11.Connection, client: socket.socket, request: h11.Request) -> Any:
        target = request.target.decode("ascii")
        headers = {name.decode("ascii").lower(): value.decode("latin-1") for name, value in request.headers}
        if not target.startswith(_PREFIX):
            self._drain(connection, client, None)
            return 404, {"errorMessage": f"unknown path {target}", "errorType": "NotFound"}
        path = target[len(_PREFIX) :]
        if request.method == b"GET" and path == "/runtime/invocation/next":
            self._drain(connection, client, None)
            while not self._stopping.is_set():
                try:
                    return self.pending.get(timeout=0.1), None
                except queue.Empty:
                    continue
            return 500, {"errorMessage": "shutting down", "errorType": "Shutdown"}
        if request.method == b"POST" and path == "/runtime/init/error":
            body = self._drain(connection, client, None)
            self.init_errors.append((headers, json.loads(body or b"null")))
            self.init_error_seen.set()
            return 202, {"status": "OK"}
        parts = path.split("/")
        if request.method == b"POST" and len(parts) == 5 and parts[1:3] == ["runtime", "invocation"]:
            invocation = self.invocations.get(parts[3])
            kind = parts[4]
            if invocation is None or invocation.done.is_set() or kind not in ("response", "error"):
                self._drain(connection, client, None)
                return 400, {"errorMessage": "invalid request ID or state", "errorType": "InvalidRequestID"}
            invocation.headers = headers
            trailers = self._drain(connection, client, invocation)
            streamed = headers.get("lambda-runtime-function-response-mode") == "streaming"
            if kind == "response" and not streamed and len(invocation.raw) > BUFFERED_LIMIT:
                invocation._finish("too-large", trailers)
                return 413, {"errorMessage": "payload too large", "errorType": "RequestEntityTooLarge"}
            declared = {name.strip().lower() for name in headers.get("trailer", "").split(",") if name}
            undeclared = set(trailers) - declared
            if undeclared:  # RFC 9110 §6.5.1 and the Lambda doc: declare trailers up front
                invocation._finish("bad-trailers", trailers)
                return 400, {"errorMessage": f"undeclared trailers {sorted(undeclared)}", "errorType": "Bad"}
            invocation._finish(kind, trailers)
            return 202, {"status": "OK"}
        self._drain(connection, client, None)
        return 404, {"errorMessage": f"unknown path {target}", "errorType": "NotFound"}

    def _drain(
        self, connection: h11.Connection, client: socket.socket, invocation: Optional[Invocation]
    ) -> Any:
        """Read the request body to its end: recorded part by part into ``invocation`` if given.
        Returns the trailers (``invocation``) or the body."""
        body = []
        while True:
            event = self._next_event(connection, client)
            if isinstance(event, h11.Data):
                if invocation is not None:
                    invocation._add(bytes(event.data))
                else:
                    body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                if invocation is not None:
                    return {
                        name.decode("ascii").lower(): value.decode("latin-1") for name, value in event.headers
                    }
                return b"".join(body)
            else:
                raise ConnectionError(f"the runtime's request ended early: {event!r}")
