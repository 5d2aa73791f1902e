"""Google Cloud Functions / Cloud Run functions: the functions-framework's Flask app in front of
``handler(request)``.

What the framework does with a request (reference/other-platforms.md §2;
GoogleCloudPlatform/functions-framework-python ``_configure_app``): one Flask app whose rules ``/``
and ``/<path:path>`` take every method and call the function with ``flask.request``;
``/robots.txt`` and ``/favicon.ico`` answer 404 without calling it; after each response the
request body is drained. Its server (gunicorn) makes the WSGI environ, which is built here from
the client's request. The tests also run the real framework; this is for ``bridge serve`` and
``bridge invoke``. Needs Flask.
"""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Dict, Tuple
from urllib.parse import unquote_to_bytes

from ._base import CallingEmulator, GatewayRequest, GatewayResponse
from .fc2 import WSGIResult, run_wsgi

#: "Max uncompressed HTTP request size: 32MB (2nd gen)", https://cloud.google.com/functions/quotas.
MAX_REQUEST_BYTES = 32 * 1024 * 1024


def framework_app(function: Callable[..., Any]) -> Any:
    """A Flask app routing as functions-framework's does, calling ``function(request)``."""
    import flask
    import werkzeug.routing

    app = flask.Flask("functions_framework_emulation")
    app.url_map.add(werkzeug.routing.Rule("/", defaults={"path": ""}, endpoint="run"))
    app.url_map.add(werkzeug.routing.Rule("/robots.txt", endpoint="error"))
    app.url_map.add(werkzeug.routing.Rule("/favicon.ico", endpoint="error"))
    app.url_map.add(werkzeug.routing.Rule("/<path:path>", endpoint="run"))
    app.view_functions["run"] = lambda path: function(flask.request._get_current_object())
    app.view_functions["error"] = lambda: flask.abort(404, description="Not Found")

    @app.after_request
    def drain(response: Any) -> Any:
        flask.request.get_data()  # the framework reads the whole request before answering
        return response

    return app


class GCFEmulator(CallingEmulator):
    """A 2nd-gen function (a Cloud Run service) at its own URL: no path prefix.

    Google's front end terminates TLS (``X-Forwarded-Proto``), appends the client to
    ``X-Forwarded-For`` and gives the framework's server its own address as ``REMOTE_ADDR``
    (``front_end_ip``; the local gateway passes the client's, as the local framework would see it).
    """

    name = "gcf"

    def __init__(self, *, front_end_ip: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.front_end_ip = front_end_ip
        self._apps: Dict[int, Any] = {}

    @property
    def default_host(self) -> str:
        # A 2nd-gen function's run.app URL: <function>-<project hash>-<region code>.a.run.app.
        return f"{self.function_name}-bridge0000-uc.a.run.app"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, Any], None]:
        """The environ the framework's server makes (gunicorn's keys, headers comma-joined)."""
        host = request.authority
        name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": request.method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(request.raw_path).decode("latin-1"),
            "QUERY_STRING": request.raw_query,
            "RAW_URI": request.target,
            "SERVER_NAME": name or "localhost",
            "SERVER_PORT": port or "8080",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.front_end_ip or request.client_ip,
            "REMOTE_PORT": str(request.client[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",  # TLS ends at Google's front end
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        headers = list(request.headers_with_host())
        forwarded = request.header("x-forwarded-for")
        headers = [(k, v) for k, v in headers if k.lower() not in ("x-forwarded-for", "x-forwarded-proto")]
        headers.append(
            ("X-Forwarded-For", f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip)
        )
        headers.append(("X-Forwarded-Proto", request.scheme))
        headers.append(("Function-Execution-Id", request_id))
        for header, value in headers:
            key = header.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            native = value.encode("utf-8").decode("latin-1")
            environ[key] = f"{environ[key]},{native}" if key in environ else native
        if request.body:
            environ["CONTENT_LENGTH"] = str(len(request.body))
        return environ, None

    def call_handler(self, handler: Callable[..., Any], event: Any, context: Any) -> WSGIResult:
        """The framework's app around ``handler``, run on the environ."""
        app = self._apps.get(id(handler))
        if app is None:
            app = self._apps[id(handler)] = self.server_app(handler)
        return run_wsgi(app, event)

    def server_app(self, handler: Callable[..., Any]) -> Any:
        """The platform's own Flask app calling ``handler`` (functions-framework's here)."""
        return framework_app(handler)

    def describe(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if isinstance(v, str)}
        return value

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_REQUEST_BYTES:
            return None
        reason = f"the request is over the {MAX_REQUEST_BYTES} bytes Google accepts"
        return GatewayResponse(413, [], b"", reason)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        return GatewayResponse(405, [], b"", f"method {request.method} is not allowed")

    def error_response(self, reason: str) -> GatewayResponse:
        # An exception out of the function: Flask's own 500 page.
        return GatewayResponse(
            500, [("Content-Type", "text/html; charset=utf-8")], b"Internal Server Error", reason
        )

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        status = int(result.status.split(" ", 1)[0])
        # The server writes the values on the wire, where surrounding whitespace is not part of them.
        headers = [
            (name, value.strip()) for name, value in result.headers if name.lower() != "content-length"
        ]
        body = b"" if request.method.upper() == "HEAD" else result.body
        return GatewayResponse(status, headers, body)
