"""OpenFaaS: the gateway, of-watchdog (http mode) and the ``python3-http`` template's Flask app in
front of ``handle(event, context)``.

What each part does (reference/other-platforms.md §5): the gateway strips ``/function/<name>``
from the path, keeps the raw query, sets ``X-Forwarded-Host`` to the client's ``Host``,
``X-Forwarded-For`` (the client's ``ip:port``) when absent and ``X-Call-Id``
(openfaas/faas ``gateway/pkg/middleware/resolver.go``, ``forwarding_proxy.go``); of-watchdog
proxies the request unchanged; the template's Flask app routes ``/`` and ``/<path:path>`` for GET,
PUT, POST, PATCH and DELETE, builds ``event``/``context`` and turns a dict result into a response
(``format_response``), passing anything else (a Werkzeug response) to Flask untouched
(openfaas/python-flask-template ``template/python3-http/index.py``, read, not copied). The
template's server (waitress) makes the environ, built here from the client's request. Needs Flask.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Dict, Tuple

from ._base import GatewayRequest, GatewayResponse, is_under, json_response
from .gcf import GCFEmulator

#: The template's routes' methods (HEAD and OPTIONS are added and answered by Flask itself).
TEMPLATE_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


class _Event:
    """The template's ``event``: the request's parsed fields."""

    def __init__(self, request: Any) -> None:
        self.body = request.get_data()
        self.headers = request.headers
        self.method = request.method
        self.query = request.args
        self.path = request.path


class _Context:
    """The template's ``context``: the container's host name."""

    def __init__(self) -> None:
        self.hostname = os.getenv("HOSTNAME", "localhost")


def _format_response(result: Any) -> Any:
    """What the template returns to Flask for the handler's ``result`` (``format_response``)."""
    if result is None:
        return ("", 200)
    if isinstance(result, dict):
        import flask

        status = result.get("statusCode", 200)
        body = result.get("body", "")
        body = flask.jsonify(body) if isinstance(body, dict) else str(body)
        return (body, status, result.get("headers") or {})
    return result


def template_app(function: Callable[..., Any]) -> Any:
    """A Flask app routing as the ``python3-http`` template's, calling ``function(event, context)``."""
    import flask

    # The template's `Flask(__name__)` in /home/app/index.py registers Flask's default
    # /static/<path:filename> rule for /home/app/static, where its image puts nothing: GET and HEAD
    # under /static/ answer the template's 404 and never reach the handler (not this machine's files).
    app = flask.Flask("openfaas_python3_http_emulation", static_folder="/home/app/static")

    def call_handler(path: str) -> Any:
        request = flask.request._get_current_object()
        return _format_response(function(_Event(request), _Context()))

    app.add_url_rule("/", "call_handler", call_handler, defaults={"path": ""}, methods=TEMPLATE_METHODS)
    app.add_url_rule("/<path:path>", "call_handler", call_handler, methods=TEMPLATE_METHODS)
    return app


class OpenFaaSEmulator(GCFEmulator):
    """One function behind the OpenFaaS gateway at ``/function/<name>``."""

    name = "openfaas"
    has_default_domain = False
    default_methods = TEMPLATE_METHODS + ("HEAD", "OPTIONS")

    @property
    def url_prefix(self) -> str:
        return f"/function/{self.function_name}"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, Any], None]:
        """The template server's environ for the request the gateway forwards."""
        rest = request.raw_path[len(self.url_prefix) :] or "/"
        target = rest + ("?" + request.raw_query if request.raw_query else "")
        headers = [(name, value) for name, value in request.headers_with_host() if name.lower() != "host"]
        headers.append(("Host", f"{self.function_name}.openfaas-fn:8080"))
        headers.append(("X-Forwarded-Host", request.authority))
        headers.append(("X-Call-Id", request_id))
        if request.header("x-forwarded-for") is None:
            headers.append(("X-Forwarded-For", f"{request.client_ip}:{request.client[1]}"))
        forwarded = dataclasses.replace(request, target=target, headers=headers, host=None)
        environ, _ = super()._build_event(forwarded, request_id=request_id)
        # The gateway's own headers only: not Google's front end's.
        for key in ("HTTP_FUNCTION_EXECUTION_ID", "HTTP_X_FORWARDED_PROTO"):
            environ.pop(key, None)
        environ["HTTP_X_FORWARDED_FOR"] = headers_value(headers, "x-forwarded-for")
        return environ, None

    def server_app(self, handler: Callable[..., Any]) -> Any:
        return template_app(handler)

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        if not is_under(request, self.url_prefix):
            return GatewayResponse(404, [], b"", f"no function at {request.raw_path}")
        return super().check_request(request)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        return GatewayResponse(405, [], b"", f"method {request.method} is not routed by the template")

    def error_response(self, reason: str) -> GatewayResponse:
        # An exception out of the handler: the template's Flask answers its own 500 page.
        return json_response(500, {"error": "Internal Server Error"}, reason)


def headers_value(headers: Any, name: str) -> str:
    return ",".join(value for key, value in headers if key.lower() == name)
