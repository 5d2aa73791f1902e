"""Fn Project / OCI Functions: the Fn server's HTTP trigger in front of an ``fdk`` function.

What the Fn server sends the container (reference/other-platforms.md §6; fnproject/fn
``docs/developers/fn-format.md``): ``POST /call`` over a unix socket with ``Fn-Call-Id``,
``Fn-Deadline``, ``Fn-Intent: httprequest``, ``Fn-Http-Method``, ``Fn-Http-Request-Url`` and each
client header as ``Fn-Http-H-<name>``; the body as is. The container must answer 200, 502 or 504;
the function's status is ``Fn-Http-Status`` and its headers ``Fn-Http-H-<name>``. Everything
between those two HTTP messages is the real ``fdk`` package from PyPI: its request handler
(``fdk.event_handler.event_handle``) builds the context, calls the function and writes the answer
with its own HTTP response class; only the unix socket is left out. Needs ``fdk``.
"""

from __future__ import annotations

import asyncio
import datetime
from types import SimpleNamespace
from typing import Any, Callable, Dict, Tuple

from ._base import CallingEmulator, GatewayRequest, GatewayResponse, InvalidResult, json_response

#: "The maximum size of the request is limited. This limit is currently 6MB" (OCI, reference §6).
MAX_REQUEST_BYTES = 6 * 1024 * 1024
_PREFIX = "fn-http-h-"


class _Code:
    """What fdk's runner calls ``handler()`` on to get the function (``fdk.customer_code.Function``)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function

    def handler(self) -> Callable[..., Any]:
        # fdk calls `handler(ctx, data=data)`; the generated func.py passes both on positionally.
        function = self._function
        return lambda ctx, data=None: function(ctx, data)


class FnEmulator(CallingEmulator):
    """An Fn application's HTTP trigger for one function (its own host, no path prefix)."""

    name = "fn"

    @property
    def default_host(self) -> str:
        # OCI API Gateway in front of the function: <id>.apigateway.<region>.oci.customer-oci.com.
        return "bridge0gateway.apigateway.us-ashburn-1.oci.customer-oci.com"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, str], bytes]:
        """The headers of the Fn server's ``/call`` request as fdk's server reads them (a dict of
        case-folded names: of a repeated header the last line wins), and its body."""
        deadline = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.timeout_s)
        headers: Dict[str, str] = {
            "fn-call-id": request_id,
            "fn-deadline": deadline.isoformat(),
            "fn-intent": "httprequest",
            "fn-http-method": request.method.upper(),
            "fn-http-request-url": f"{request.scheme}://{request.authority}{request.target}",
        }
        for name, value in request.headers_with_host():
            headers[_PREFIX + name.casefold()] = value
        if request.content_type:
            headers["content-type"] = request.content_type
        forwarded = request.header("x-forwarded-for")
        headers[_PREFIX + "x-forwarded-for"] = (
            f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip
        )
        return headers, request.body

    def call_handler(self, handler: Callable[..., Any], event: Any, context: Any) -> bytes:
        """fdk's own request handler on the call: the bytes it writes back to the Fn server."""
        from fdk import event_handler

        respond = event_handler.event_handle(_Code(handler))
        response = asyncio.run(respond(SimpleNamespace(headers=dict(event), body=context)))
        return bytes(response.output())

    def describe(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_REQUEST_BYTES:
            return None
        return json_response(
            413,
            {"message": "Request body too large"},
            f"the body is {length} bytes; OCI Functions accepts {MAX_REQUEST_BYTES}",
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        return json_response(405, {"message": "Method not allowed"}, f"method {request.method} not allowed")

    def error_response(self, reason: str) -> GatewayResponse:
        return json_response(502, {"message": "error receiving function response"}, reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        if not isinstance(result, bytes):
            raise InvalidResult(f"the container answered {type(result).__name__}, not HTTP")
        head, _, body = result.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            container_status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise InvalidResult(f"the container's status line is not HTTP: {lines[0]!r}")
        if container_status not in (200, 502, 504):
            raise InvalidResult(f"the container answered {container_status}; Fn accepts 200, 502, 504")
        status = 200
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "fn-http-status":
                status = int(value)
            elif name.startswith(_PREFIX):
                headers.append((name[len(_PREFIX) :], value))
            elif name == "content-type" and value:  # an empty one is none (UNCONFIRMED)
                headers.append((name, value))
        if container_status != 200:
            raise InvalidResult(f"the function failed ({container_status}): {body[:200]!r}")
        if request.method.upper() == "HEAD" or status in (204, 304):
            body = b""
        return GatewayResponse(status, headers, body)
