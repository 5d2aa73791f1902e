"""Azure Functions, HTTP trigger (Python v2 model): what the Functions host and Python worker hand a
function, with the ``azure-functions`` library's own types.

The request is the library's ``HttpRequest`` as its ``HttpRequestConverter`` builds it; the answer
goes through the library's ``HttpResponseConverter.encode``, as the worker sends it to the host
(reference/other-platforms.md §1; Azure/azure-functions-python-library ``azure/functions/http.py``).
Needs ``azure-functions`` (``pip install azure-functions``).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Tuple
from urllib.parse import unquote

from . import _query
from ._base import CallingEmulator, GatewayRequest, GatewayResponse, InvalidResult, is_under, json_response
from .scf import lowercase_headers

#: "The HTTP request length is limited to 100 MB" (reference §1).
MAX_REQUEST_BYTES = 100 * 1024 * 1024


class AzureContext:
    """The worker's ``func.Context``: the attributes a function reads."""

    def __init__(self, invocation_id: str, function_name: str) -> None:
        self.invocation_id = invocation_id
        self.function_name = function_name
        self.function_directory = "/home/site/wwwroot"
        self.thread_local_storage = threading.local()
        self.trace_context = None
        self.retry_context = None


class AzureEmulator(CallingEmulator):
    """One function with the catch-all route ``{*route}`` under ``route_prefix`` (host.json's
    ``extensions.http.routePrefix``, ``api`` by default; ``route_prefix=""`` for none).

    Repeated request headers reach the function comma-joined (``req.headers`` holds one value per
    name; the host's joining rule is UNCONFIRMED). The client address is appended to
    ``X-Forwarded-For`` as ``ip:port``, as App Service's front end does. Each Set-Cookie leaves the
    worker as a parsed cookie (``SimpleCookie``) and is written back here as Python renders it; the
    host's own spelling of the attributes is UNCONFIRMED (azure-functions-python-worker #944).
    """

    name = "azure"
    default_methods = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")

    def __init__(self, *, route_prefix: str = "api", **options: Any) -> None:
        super().__init__(**options)
        self.route_prefix = route_prefix.strip("/")

    @property
    def url_prefix(self) -> str:
        return f"/{self.route_prefix}" if self.route_prefix else ""

    @property
    def default_host(self) -> str:
        # A function app's default hostname: <app name>.azurewebsites.net.
        return f"{self.function_name}.azurewebsites.net"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Any, AzureContext]:
        import azure.functions as func

        headers = lowercase_headers(request)  # names lower-cased, repeats comma-joined (as SCF's)
        hop = f"{request.client_ip}:{request.client[1]}"
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {hop}" if forwarded else hop
        # The front end terminates TLS and says which scheme the client used; a client's own
        # X-Forwarded-Proto never gets through it (the local gateway trusts no client header).
        headers["x-forwarded-proto"] = request.scheme
        url = f"{request.scheme}://{request.authority}{request.target}"
        params = {key: values[0] for key, values in _query.grouped(request.raw_query).items()}
        below = request.raw_path[len(self.url_prefix) :].lstrip("/")
        route_params = {"route": unquote(below, errors="replace")} if below else {}
        req = func.HttpRequest(
            request.method.upper(),
            url,
            headers=headers,
            params=params,
            route_params=route_params,
            body=request.body,
        )
        return req, AzureContext(request_id, self.function_name)

    def call_handler(self, handler: Callable[..., Any], event: Any, context: Any) -> Any:
        """How the worker calls a v2 function declared ``def f(req, context)``."""
        return handler(event, context)

    def describe(self, value: Any) -> Any:
        """A printable view of the library's request or response object."""
        if hasattr(value, "route_params"):
            return {
                "method": value.method,
                "url": value.url,
                "headers": dict(value.headers.items()),
                "params": dict(value.params),
                "route_params": dict(value.route_params),
                "body": value.get_body().decode("utf-8", "replace"),
            }
        if hasattr(value, "status_code"):
            return {
                "status_code": value.status_code,
                "headers": list(value.headers.items()),
                "body": value.get_body().decode("utf-8", "replace"),
            }
        return value

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        prefix = self.url_prefix
        if not is_under(request, prefix):
            return GatewayResponse(
                404, [], b"", f"{request.raw_path!r} is not under the route prefix {prefix}/"
            )
        return super().check_request(request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_REQUEST_BYTES:
            return None
        reason = f"the request is over the {MAX_REQUEST_BYTES} bytes Azure accepts"
        return GatewayResponse(413, [], b"", reason)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # The host finds no function for the method: 404, with an empty body (UNCONFIRMED).
        return GatewayResponse(404, [], b"", f"no function for method {request.method}")

    def error_response(self, reason: str) -> GatewayResponse:
        # An unhandled exception in the function: the host answers 500 with an empty body.
        return GatewayResponse(500, [], b"", reason)

    def invalid_result_response(self, reason: str) -> GatewayResponse:
        return json_response(500, {"error": "invalid function result"}, reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        import azure.functions as func
        from azure.functions.http import HttpResponseConverter

        if not isinstance(result, (func.HttpResponse, str)):
            raise InvalidResult(f"the function returned {type(result).__name__}, not func.HttpResponse")
        datum = HttpResponseConverter.encode(result, expected_type=None)
        if datum.type == "string":
            return GatewayResponse(200, [("Content-Type", "text/plain; charset=utf-8")], datum.value.encode())
        value = datum.value
        status = int(value["status_code"].value)
        headers = [(name, item.value) for name, item in value["headers"].items()]
        for cookie in value.get("cookies") or ():
            for morsel in cookie.values():
                headers.append(("Set-Cookie", morsel.OutputString()))
        body = value["body"].value or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        return GatewayResponse(status, headers, body)
