"""``bridge serve --platform aws-v2 --streaming``: the function runs as Lambda runs it with response
streaming, and the gateway relays the stream as a Function URL with ``InvokeMode: RESPONSE_STREAM``.

The instance is ``bridge.aws_runtime``'s loop in a process of its own (what the wrapper script starts
on Lambda), pointed at a Runtime API the gateway serves on loopback
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). The gateway queues each request's
event for the loop's ``GET /runtime/invocation/next``, reads the streamed answer as it arrives (the
JSON prelude up to the 8 NUL bytes, then the body) and writes it to the client chunk by chunk, so SSE
and long exports can be watched with curl or a browser. A buffered answer (a non-HTTP result) and
``/error`` are turned into HTTP as the buffered gateway does. Requests are parsed with h11 (uvicorn's
own HTTP/1.1 library, so nothing new to install).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from base64 import b64decode
from email.utils import formatdate
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..emulators import GatewayRequest, GatewayResponse
from .worker import WorkerSpec, local_emulator

log = logging.getLogger("bridge.gateway")

_PREFIX = "/2018-06-01"
_DELIMITER = b"\0" * 8
#: How long the instance may take to import TARGET and ask for its first event.
STARTUP_TIMEOUT_S = 120.0


class _Invocation:
    """One queued event, and what the runtime sends back, message by message."""

    def __init__(self, request_id: str, event: bytes, deadline_ms: int) -> None:
        self.request_id = request_id
        self.event = event
        self.deadline_ms = deadline_ms
        # ("begin", (kind, streamed)), ("data", bytes), ("end", trailers)
        self.messages: asyncio.Queue = asyncio.Queue()


class RuntimeAPIServer:
    """The Runtime API, on 127.0.0.1, in the gateway's loop: next, response, error, init error."""

    def __init__(self) -> None:
        self.pending: asyncio.Queue = asyncio.Queue()
        self.invocations: Dict[str, _Invocation] = {}
        self.init_error: Optional[str] = None
        self._server: Any = None

    async def start(self) -> str:
        if self._server is None:
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import h11

        connection = h11.Connection(h11.SERVER)
        try:
            while True:
                request = await _next_event(connection, reader)
                if not isinstance(request, h11.Request):
                    return
                status, headers, body = await self._handle(connection, reader, request)
                headers = headers + [("Content-Length", str(len(body)))]
                writer.write(
                    connection.send(h11.Response(status_code=status, headers=headers))
                    + connection.send(h11.Data(data=body))
                    + connection.send(h11.EndOfMessage())
                )
                await writer.drain()
                if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                    return
                connection.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _handle(
        self, connection: Any, reader: asyncio.StreamReader, request: Any
    ) -> Tuple[int, List, bytes]:
        import h11

        path = request.target.decode("ascii")[len(_PREFIX) :]
        headers = {name.decode("ascii").lower(): value.decode("latin-1") for name, value in request.headers}
        accepted = (202, [("Content-Type", "application/json")], b'{"status":"OK"}')
        if request.method == b"GET" and path == "/runtime/invocation/next":
            await _body(connection, reader)
            invocation: _Invocation = await self.pending.get()
            next_headers = [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:bridge"),
            ]
            return 200, next_headers, invocation.event
        if request.method == b"POST" and path == "/runtime/init/error":
            self.init_error = (await _body(connection, reader)).decode("utf-8", "replace")
            return accepted
        parts = path.split("/")
        target = self.invocations.get(parts[3]) if len(parts) == 5 else None
        if request.method != b"POST" or target is None or parts[4] not in ("response", "error"):
            await _body(connection, reader)
            return 400, [("Content-Type", "application/json")], b'{"errorType":"InvalidRequestID"}'
        del self.invocations[parts[3]]
        streamed = headers.get("lambda-runtime-function-response-mode") == "streaming"
        target.messages.put_nowait(("begin", (parts[4], streamed)))
        while True:
            event = await _next_event(connection, reader)
            if isinstance(event, h11.Data):
                target.messages.put_nowait(("data", bytes(event.data)))
            elif isinstance(event, h11.EndOfMessage):
                trailers = {k.decode("ascii").lower(): v.decode("latin-1") for k, v in event.headers}
                target.messages.put_nowait(("end", trailers))
                return accepted
            else:
                target.messages.put_nowait(("end", {"broken": "the runtime's request ended early"}))
                return 400, [], b""


async def _next_event(connection: Any, reader: asyncio.StreamReader) -> Any:
    import h11

    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(await reader.read(65536))


async def _body(connection: Any, reader: asyncio.StreamReader) -> bytes:
    import h11

    chunks = []
    while True:
        event = await _next_event(connection, reader)
        if isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return b"".join(chunks)
        else:
            raise ConnectionError("the runtime's request ended early")


class RuntimeInstance:
    """The function instance: ``bridge.aws_runtime``'s loop in a process, against the gateway's API."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.process: Optional[subprocess.Popen] = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, address: str) -> None:
        self.stop()
        env = dict(os.environ)
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env["AWS_LAMBDA_RUNTIME_API"] = address
        command = [sys.executable, "-m", "bridge.gateway.streaming", self.spec.target]
        if self.spec.chdir:
            command.append(self.spec.chdir)
        self.process = subprocess.Popen(command, env=env)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class StreamingFunction:
    """A function behind the gateway whose responses stream (the gateway's ``Function``, streamed)."""

    def __init__(self, name: str, spec: WorkerSpec, timeout_s: float) -> None:
        self.name = name
        self.spec = spec
        self.emulator = local_emulator(spec)
        self.timeout_s = timeout_s
        self.api = RuntimeAPIServer()
        self.worker = RuntimeInstance(spec)  # stopped by the gateway at shutdown
        self._lock: Optional[asyncio.Lock] = None

    def restart(self) -> None:
        self.worker.stop()

    async def invoke(self, request: GatewayRequest, request_id: str) -> Any:
        """A :class:`Relay` to write the answer with (the lock is held until it is written)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        await self._lock.acquire()
        try:
            address = await self.api.start()
            cold = not self.worker.running
            if cold:
                self.api.init_error = None
                self.worker.start(address)
            event, _ = self.emulator.build_event(request, request_id=request_id)
            deadline_ms = int((time.time() + self.timeout_s) * 1000)
            invocation = _Invocation(request_id, json.dumps(event).encode("utf-8"), deadline_ms)
            self.api.invocations[request_id] = invocation
            self.api.pending.put_nowait(invocation)
            first = await self._first(invocation, cold)
        except BaseException:
            self._lock.release()
            raise
        if isinstance(first, GatewayResponse):
            self._forget(invocation)
            self._lock.release()
            return first
        return Relay(self, invocation, first, request)

    async def _first(self, invocation: _Invocation, cold: bool) -> Any:
        """The runtime's first message, or the gateway's answer when none comes (crash, timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s + (STARTUP_TIMEOUT_S if cold else 0.0)
        while True:
            try:
                return await asyncio.wait_for(invocation.messages.get(), 0.2)
            except asyncio.TimeoutError:
                pass
            if not self.worker.running:
                why = self.api.init_error or "the function instance exited"
                self.worker.stop()
                return self.emulator.error_response(f"instance start failed or crashed: {why}")
            if loop.time() > deadline:
                self.worker.stop()
                return self.emulator.error_response(f"the function timed out after {self.timeout_s:g} s")

    def _forget(self, invocation: _Invocation) -> None:
        self.api.invocations.pop(invocation.request_id, None)
        pending = self.api.pending
        left = [item for item in _drain(pending) if item is not invocation]
        for item in left:
            pending.put_nowait(item)


def _drain(queue: asyncio.Queue) -> List[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


class Relay:
    """Writes one runtime answer to the client: streamed as a Function URL relays it, or whole."""

    def __init__(
        self, function: StreamingFunction, invocation: _Invocation, first: Any, request: GatewayRequest
    ):
        self.function = function
        self.invocation = invocation
        self.first = first
        self.request = request

    async def write(self, send: Callable[..., Any], head: bool = False) -> GatewayResponse:
        """Send the answer; the summary returned is for the gateway's log line."""
        try:
            return await self._write(send, head)
        finally:
            self.function._lock.release()  # type: ignore[union-attr]

    async def _write(self, send: Callable[..., Any], head: bool) -> GatewayResponse:
        from .server import write_response

        emulator = self.function.emulator
        kind, streamed = self.first[1]
        if kind == "error" or not streamed:
            body, _ = await self._rest()
            if kind == "error":
                detail = body[:500].decode("utf-8", "replace")
                response = emulator.error_response(f"the handler failed: {detail}")
            else:
                try:
                    response = emulator.to_http(json.loads(body), self.request)
                except ValueError:
                    response = emulator.error_response("the handler's result is not JSON")
            await write_response(send, response, head=head)
            return response
        seen = b""
        while True:  # the prelude: JSON up to the 8 NUL bytes
            message, value = await self._message()
            if message == "end":
                response = emulator.error_response("the streamed response ended inside its prelude")
                await write_response(send, response, head=head)
                return response
            seen += value
            prelude, found, rest = seen.partition(_DELIMITER)
            if found:
                break
        try:
            fields = json.loads(prelude)
            status = int(fields.get("statusCode") or 200)
            headers = [(str(k), str(v)) for k, v in (fields.get("headers") or {}).items()]
            headers += [("set-cookie", str(c)) for c in fields.get("cookies") or []]
        except (ValueError, TypeError, AttributeError) as exc:
            response = emulator.error_response(f"the streamed response's prelude is not valid: {exc}")
            await write_response(send, response, head=head)
            return response
        raw = [
            (n.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
            for n, v in headers
            if n.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        if not any(n.lower() == "date" for n, _ in headers):
            raw.append((b"date", formatdate(usegmt=True).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if rest and not head:
            await send({"type": "http.response.body", "body": rest, "more_body": True})
        while True:
            message, value = await self._message()
            if message == "end":
                break
            if not head:
                await send({"type": "http.response.body", "body": value, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        error = value.get("lambda-runtime-function-error-type")
        reason = None
        if error:
            detail = value.get("lambda-runtime-function-error-body", "")
            try:
                detail = b64decode(detail).decode("utf-8", "replace")
            except ValueError:
                pass
            reason = f"the function reported {error} after the response began streaming: {detail}"
        return GatewayResponse(status, headers, b"", reason)

    async def _message(self) -> Tuple[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.function.timeout_s
        while True:
            try:
                return await asyncio.wait_for(self.invocation.messages.get(), 0.2)
            except asyncio.TimeoutError:
                pass
            if not self.function.worker.running or loop.time() > deadline:
                self.function.worker.stop()
                return "end", {"lambda-runtime-function-error-type": "Runtime.ExitError"}

    async def _rest(self) -> Tuple[bytes, Dict[str, str]]:
        chunks = []
        while True:
            message, value = await self._message()
            if message == "end":
                return b"".join(chunks), value
            chunks.append(value)


# -- the instance process ------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m bridge.gateway.streaming TARGET [CHDIR]``: the loop, with TARGET as the handler."""
    from ..aws_runtime import Runtime, RuntimeAPI
    from ..aws_runtime.api import error_document
    from ._target import load_handler

    args = sys.argv[1:] if argv is None else argv
    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(args[0], platform="aws-v2", chdir=args[1] if len(args) > 1 else None)
        runtime = Runtime(api, handler, streaming=True)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        api.init_error(error_document(exc), "Runtime.ImportModuleError")
        return 1
    runtime.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
