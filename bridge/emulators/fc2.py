"""Alibaba Function Compute 2.0 (legacy): the HTTP trigger calls a WSGI handler.

``handler(environ, start_response)`` — https://help.aliyun.com/document_detail/56316.htm ; environ keys
https://help.aliyun.com/document_detail/74756.html (reference/alibaba-fc.md §2).
"""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Dict, List, NamedTuple, Tuple
from urllib.parse import unquote_to_bytes

from ._base import GatewayRequest, GatewayResponse, Headers, InvalidResult
from .fc import FCContext, FCGateway, fc_error

#: The default URL's prefix before ``<service>/<function>`` (alibaba-fc.md §2.3).
PROXY_PREFIX = "/2016-08-15/proxy"


class WSGIResult(NamedTuple):
    """What a WSGI handler produced: the status line, the header pairs, the whole body."""

    status: str
    headers: Headers
    body: bytes


def run_wsgi(handler: Callable[..., Any], environ: Dict[str, Any]) -> WSGIResult:
    """Call a WSGI callable and collect its response (PEP 3333, incl. ``write()`` and ``close()``)."""
    started: List[Any] = []
    chunks: List[bytes] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, list(headers)]
        return chunks.append

    iterable = handler(environ, start_response)
    try:
        for chunk in iterable:
            chunks.append(chunk)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    if not started:
        raise InvalidResult("the WSGI handler returned without calling start_response")
    return WSGIResult(started[0], started[1], b"".join(chunks))


class FC2Emulator(FCGateway):
    """FC 2.0 HTTP trigger. URLs are ``/2016-08-15/proxy/<service>/<function>/...`` unless
    ``custom_domain=True``, where the bare path reaches the function (funcraft's local emulator,
    ``src/lib/commands/local/http-support.js``: prefix ``''`` for custom domains).
    """

    name = "fc2"

    def __init__(
        self,
        *,
        service_name: str = "bridge-service",
        custom_domain: bool = False,
        region: str = "cn-hangzhou",
        account_id: str = "1234567890123456",
        handler: str = "index.handler",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.service_name = service_name
        self.custom_domain = custom_domain
        self.region = region
        self.account_id = account_id
        self.handler_name = handler

    @property
    def default_host(self) -> str:
        # https://<accountId>.<region>.fc.aliyuncs.com/2016-08-15/proxy/<service>/<function>/ (§2.3).
        return f"{self.account_id}.{self.region}.fc.aliyuncs.com"

    @property
    def url_prefix(self) -> str:
        if self.custom_domain:
            return ""
        return f"{PROXY_PREFIX}/{self.service_name}/{self.function_name}"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, Any], FCContext]:
        """The WSGI ``environ`` FC 2.0 passes (§2.2) and the ``fc.context`` inside it."""
        context = self.function_context(request_id, service_name=self.service_name)
        raw_path = request.raw_path[len(self.url_prefix) :]
        # UNCONFIRMED: PATH_INFO for the bare ``/2016-08-15/proxy/<service>/<function>`` (no slash);
        # we send "/" as for the URL with the slash.
        raw_path = raw_path or "/"
        host = request.authority
        server_name, _, server_port = host.partition(":")
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": request.method.upper(),
            "SCRIPT_NAME": "",
            # INFERRED (§2.2, funcraft generateHttpParams): the proxy prefix is stripped from the path
            # but kept in fc.request_uri. PEP 3333: the decoded bytes as latin-1 (UNCONFIRMED that FC's
            # runtime follows PEP 3333 here; any correct WSGI server does).
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": request.raw_query,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port or ("443" if request.scheme == "https" else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": request.client_ip,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": request.scheme,
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "fc.context": context,
            # The original URI: prefix, path and query, as on the wire.
            "fc.request_uri": request.target,
        }
        for name, value in request.headers_with_host():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key == "CONTENT_LENGTH":
                environ["CONTENT_LENGTH"] = value
            else:
                key = "HTTP_" + key
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        if request.body and "CONTENT_LENGTH" not in environ:
            environ["CONTENT_LENGTH"] = str(len(request.body))
        return environ, context

    def invoke(
        self, handler: Callable[..., Any], request: GatewayRequest, *, request_id: str
    ) -> GatewayResponse:
        environ, _ = self.build_event(request, request_id=request_id)
        try:
            result = run_wsgi(handler, environ)
        except InvalidResult as exc:
            return self.error_response(str(exc))
        return self.to_http(result, request)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        if not isinstance(result, WSGIResult):
            result = WSGIResult(*result)
        try:
            status = int(result.status.split(" ", 1)[0])
        except ValueError:
            raise InvalidResult(f"WSGI status {result.status!r} does not start with a number")
        # FC 2.0's runtime is the HTTP server: its values reach the client as on any wire, with
        # surrounding whitespace dropped (Django's Set-Cookie values start with a space).
        headers = [(name, value.strip()) for name, value in result.headers]
        if not self.custom_domain:
            # alibaba/funcraft src/lib/trigger.js: on the default domain the HTTP trigger "will forcefully
            # add a 'Content-Disposition: attachment' field to the response header, which cannot be
            # overwritten ... avoided by using CustomDomain".
            headers = [(k, v) for k, v in headers if k.lower() != "content-disposition"]
            headers.append(("Content-Disposition", "attachment"))
        return GatewayResponse(status, headers, result.body)

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        prefix = self.url_prefix
        if prefix and not (request.raw_path == prefix or request.raw_path.startswith(prefix + "/")):
            return fc_error(
                404, "PathNotFound", f"{request.raw_path!r} is not under this function's URL {prefix}/"
            )
        return super().check_request(request)
