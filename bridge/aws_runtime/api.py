"""The Lambda Runtime API, version 2018-06-01, over the standard library's HTTP client.

Reference: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html. The handler path has no
third-party dependency, so neither has this: ``http.client`` sends the requests; only the chunked
body of a streamed response is framed here, because ``http.client`` can send a chunked body
(``encode_chunked``) but not the trailers that report an error part way through it (RFC 9112 §7.1.2).
h11 could send them, but it would be the package's first dependency on the function's path, for
two lines of framing; the tests judge that framing with h11's parser instead.
"""

from __future__ import annotations

import http.client
import json
from base64 import b64encode
from typing import Any, Dict, Iterable, Optional

_VERSION = "/2018-06-01"

#: The streamed response's trailers: an error after the body began (runtimes-custom.html, "Response
#: streaming"); they must be declared in a ``Trailer`` header at the start of the request.
ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
#: The body form a Function URL reads from a streamed response: a JSON prelude, 8 NUL bytes, the body
#: (aws/aws-lambda-nodejs-runtime-interface-client ``src/HttpResponseStream.js``).
HTTP_INTEGRATION_TYPE = "application/vnd.awslambda.http-integration-response"


class RuntimeAPIError(Exception):
    """The Runtime API answered a request with an unexpected status."""


class Invocation:
    """One event from ``GET /runtime/invocation/next``: its body and the headers that describe it."""

    __slots__ = (
        "request_id",
        "deadline_ms",
        "function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "event",
    )

    def __init__(self, headers: Any, event: bytes) -> None:
        self.request_id: str = headers.get("Lambda-Runtime-Aws-Request-Id") or ""
        deadline = headers.get("Lambda-Runtime-Deadline-Ms")
        self.deadline_ms: Optional[int] = int(deadline) if deadline and deadline.isdigit() else None
        self.function_arn: str = headers.get("Lambda-Runtime-Invoked-Function-Arn") or ""
        self.trace_id: Optional[str] = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context: Optional[str] = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity: Optional[str] = headers.get("Lambda-Runtime-Cognito-Identity")
        self.event = event


class RuntimeAPI:
    """A client of the Runtime API at ``address`` (``AWS_LAMBDA_RUNTIME_API``, ``host:port``)."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host = host or address
        self.port = int(port) if port.isdigit() else 80
        self._connection: Optional[http.client.HTTPConnection] = None

    def _connect(self) -> http.client.HTTPConnection:
        # No timeout: "Do not set a timeout on the GET request", the environment may be frozen between
        # invocations (runtimes-api.html, "Next invocation").
        return http.client.HTTPConnection(self.host, self.port, timeout=None)

    def _request(self, method: str, path: str, body: Optional[bytes] = None, headers: Any = None) -> Any:
        """``(status, headers, body)``, on the kept connection (reconnecting once if it was closed)."""
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = self._connect()
            try:
                self._connection.request(method, _VERSION + path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                return response.status, response.headers, response.read()
            except (ConnectionError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def next(self) -> Invocation:
        """Wait for the next invocation."""
        status, headers, body = self._request("GET", "/runtime/invocation/next")
        if status != 200:
            raise RuntimeAPIError(f"GET /runtime/invocation/next answered {status}: {body[:200]!r}")
        return Invocation(headers, body)

    def respond(self, request_id: str, payload: bytes) -> None:
        """The whole (buffered) response to invocation ``request_id``."""
        self._expect_accepted(
            "POST",
            f"/runtime/invocation/{request_id}/response",
            payload,
            {"Content-Type": "application/json"},
        )

    def error(self, request_id: str, error: Dict[str, Any], error_type: str) -> None:
        """Invocation ``request_id`` failed before any response was sent."""
        self._post_error(f"/runtime/invocation/{request_id}/error", error, error_type)

    def init_error(self, error: Dict[str, Any], error_type: str) -> None:
        """The function could not start (its handler failed to load)."""
        self._post_error("/runtime/init/error", error, error_type)

    def _post_error(self, path: str, error: Dict[str, Any], error_type: str) -> None:
        headers = {"Content-Type": "application/json", ERROR_TYPE_TRAILER: error_type}
        self._expect_accepted("POST", path, json.dumps(error).encode("utf-8"), headers)

    def _expect_accepted(self, method: str, path: str, body: bytes, headers: Dict[str, str]) -> None:
        status, _, answer = self._request(method, path, body, headers)
        if status != 202:
            raise RuntimeAPIError(f"{method} {path} answered {status}: {answer[:200]!r}")

    def stream(self, request_id: str, prelude: bytes, chunks: Iterable[bytes]) -> Optional[BaseException]:
        """Send invocation ``request_id``'s response as it is produced: ``prelude``, then each chunk.

        An exception raised by ``chunks`` ends the body with the error trailers and is returned (the
        response itself was delivered: Lambda "treats this as a successful response and forwards
        the error metadata ... to the client"). The connection is closed afterwards, as the
        documentation asks of a streamed response.
        """
        connection = self._connect()
        failure: Optional[BaseException] = None
        try:
            connection.putrequest(
                "POST", f"{_VERSION}/runtime/invocation/{request_id}/response", skip_accept_encoding=True
            )
            connection.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.putheader("Content-Type", HTTP_INTEGRATION_TYPE)
            connection.putheader("Trailer", f"{ERROR_TYPE_TRAILER}, {ERROR_BODY_TRAILER}")
            connection.endheaders()
            send = connection.send
            if prelude:
                send(_chunk(prelude))
            try:
                for data in chunks:
                    if data:
                        send(_chunk(data))
            except Exception as exc:
                failure = exc
            send(_last_chunk(failure))
            response = connection.getresponse()
            answer = response.read()
            if response.status != 202:
                raise RuntimeAPIError(f"the streamed response got {response.status}: {answer[:200]!r}")
        finally:
            connection.close()
        return failure


def _chunk(data: bytes) -> bytes:
    # One write per chunk: size line, data, CRLF (RFC 9112 §7.1).
    return b"%x\r\n%b\r\n" % (len(data), data)


def _last_chunk(failure: Optional[BaseException]) -> bytes:
    """The zero-size chunk, with the error trailers when the body ended in ``failure``."""
    if failure is None:
        return b"0\r\n\r\n"
    error = error_document(failure, message="the response failed after it began streaming")
    body = b64encode(json.dumps(error).encode("utf-8")).decode("ascii")
    return (
        f"0\r\n{ERROR_TYPE_TRAILER}: {error_type(failure)}\r\n{ERROR_BODY_TRAILER}: {body}\r\n\r\n"
    ).encode("ascii")


def error_type(exc: BaseException) -> str:
    """The ``category.reason`` form the documentation recommends: ``Function.ValueError``."""
    return "Function." + "".join(ch for ch in type(exc).__name__ if ch.isalnum() or ch == "_")


def error_document(exc: BaseException, message: Optional[str] = None) -> Dict[str, Any]:
    """The error JSON the runtimes post (``errorMessage``, ``errorType``, ``stackTrace``).

    ``message`` replaces the exception's text where the document reaches the client (a mid-stream
    error's trailer is forwarded to the caller): no detail of the app's failure leaks there.
    """
    document: Dict[str, Any] = {
        "errorMessage": message if message is not None else str(exc),
        "errorType": type(exc).__name__,
    }
    if message is None:
        import traceback

        document["stackTrace"] = traceback.format_tb(exc.__traceback__)
    return document
