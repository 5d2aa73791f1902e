"""OpenFaaS ``python3-http`` template (of-watchdog, http mode): ``handle(event, context)``.

The template's ``index.py`` is a Flask app (served by waitress behind of-watchdog) whose rules ``/``
and ``/<path:path>`` build an ``event`` (``body``, ``headers``, ``method``, ``query``, ``path``) and
a ``context`` (``hostname``) and call ``handler.handle(event, context)`` inside its own request
context; a return value that is not a dict (a Werkzeug response) goes back to Flask untouched
(reference/other-platforms.md §5, openfaas/python-flask-template ``template/python3-http/index.py``).

So the request is read from the template's own WSGI environ (``flask.request``), not from the
event's already parsed fields (``event.query`` is a ``MultiDict``, ``event.path`` decoded): the raw
query string and body are there, as under Google's framework, and the answer is a Werkzeug
response with every header repeated as the app sent it. The gateway strips ``/function/<name>``
and does not forward it (openfaas/faas ``gateway/pkg/middleware``), so the public prefix is
``base_path`` (the generated ``handler.py`` sets it to ``/function/<name>``). Known losses of the
template: it routes GET, PUT, POST, PATCH and DELETE only, and Flask answers OPTIONS (and HEAD
from GET) itself.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .._errors import EventError
from .._model import HTTPRequest
from .._options import Options
from ._base import server_of
from .gcf import GoogleCloudFunctions


class OpenFaaSHttp(GoogleCloudFunctions):
    name = "openfaas"
    title = "OpenFaaS python3-http template"
    # No gateway or watchdog response limit is documented (reference §5, UNCONFIRMED): Lambda's
    # 6 MB is not applied; the figure only bounds what the bridge checks itself.
    max_response_bytes = 1 << 40

    def matches_call(self, event: Any, context: Any) -> bool:
        # The template's Event and Context (plain classes of its index.py).
        return (
            all(hasattr(event, name) for name in ("body", "headers", "method", "query", "path"))
            and hasattr(context, "hostname")
            and not hasattr(event, "environ")
        )

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        try:
            import flask

            request = flask.request._get_current_object()
        except (ImportError, RuntimeError):
            raise EventError(
                f"{self.title}: the handler must run inside the template's Flask request "
                "(handler.handle called by the template's index.py)"
            ) from None
        decoded = super().decode(request, context, options)
        decoded.request_id = _call_id(request)  # not Google's Function-Execution-Id, a client header here
        # The gateway proxies to the function's service, whose name becomes the Host; the client's
        # Host is in X-Forwarded-Host, set by the gateway: the app's links must use that one.
        public = request.headers.get("X-Forwarded-Host")
        if public:
            decoded.headers = [
                ("host", public) if name == "host" else (name, value) for name, value in decoded.headers
            ]
            decoded.server = server_of(public, None, decoded.scheme)
        return decoded

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Optional[Dict[str, Any]]:
        environ = super().wsgi_environ(request, options)
        public = request.event.headers.get("X-Forwarded-Host") if environ is not None else None
        if public:
            environ["HTTP_HOST"] = public
            environ["SERVER_NAME"], port = request.server
            environ["SERVER_PORT"] = str(port)
        return environ


def _call_id(request: Any) -> str:
    """The gateway's ``X-Call-Id`` (openfaas/faas ``forwarding_proxy.go``)."""
    return str(request.headers.get("X-Call-Id") or "")
