"""Google Cloud Functions / Cloud Run functions (functions-framework): ``handler(request)``.

The framework calls the function with the Flask ``Request`` of its own WSGI server (gunicorn on the
platform) for every path, ``/`` and ``/<path:path>``, any method (reference/other-platforms.md §2,
GoogleCloudPlatform/functions-framework-python ``_configure_app``). The whole app is served from
that request: a WSGI app runs on the server's environ itself, an ASGI app on the request read from
it. Google calls whole-app hosting unsupported (functions-framework-python PR #109); it works
because the framework hands every path to the function, except ``/robots.txt`` and ``/favicon.ico``,
which it answers 404 before the function runs.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any, Dict, List, Optional, Tuple

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    HOP_BY_HOP,
    MB,
    Platform,
    apply_base_path,
    forwarded_scheme,
    path_from_decoded,
    path_from_encoded,
    server_of,
)


class GoogleCloudFunctions(Platform):
    name = "gcf"
    title = "Google Cloud Functions (functions-framework)"
    # "Max uncompressed HTTP response size: 32MB for non-streaming responses" (2nd gen; gen1 10 MB),
    # https://cloud.google.com/functions/quotas. Enforced by Google's front end, not here.
    max_response_bytes = 32 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        return False  # never a JSON event

    def matches_call(self, event: Any, context: Any) -> bool:
        # A Werkzeug request (Flask's subclasses it); checked without importing either.
        kind = type(event)
        return kind.__module__.partition(".")[0] in ("flask", "werkzeug") and hasattr(event, "environ")

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        environ = event.environ
        method = environ.get("REQUEST_METHOD")
        if not isinstance(method, str) or not method:
            raise EventError(f"{self.title} request has no REQUEST_METHOD")
        headers = [(name.lower(), _wire_text(value)) for name, value in event.headers.items()]
        index = dict(headers[::-1])  # the first value of each name
        # The raw request-target, where the server keeps it (gunicorn: RAW_URI), keeps %2F apart
        # from "/"; PATH_INFO is already decoded. PATH_INFO wins where the two disagree: 1st gen
        # strips the function name from the URL (functions-framework-python #54), and where it does
        # so is not documented.
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        script_name = _wire_text(environ.get("SCRIPT_NAME") or "")
        path_info = _wire_text(environ.get("PATH_INFO") or "/") or "/"
        path, raw_path = "", b""
        if raw_uri.startswith("/") and not script_name:
            path, raw_path = path_from_encoded(raw_uri.split("?", 1)[0])
        if path != path_info:
            path, raw_path = path_from_decoded(path_info)
        # The body is read whole (every platform buffers it); get_data caches it on the request, so
        # the framework's own after-request drain finds nothing left to read.
        body = event.get_data(cache=True)
        # Google's front end terminates TLS and says so in X-Forwarded-Proto; the local server has none.
        scheme = forwarded_scheme(index.get("x-forwarded-proto"), environ.get("wsgi.url_scheme") or "http")
        host = index.get("host") or environ.get("SERVER_NAME") or ""
        # The client address is what the framework's own server saw (request.remote_addr), as a plain
        # functions-framework function gets it. X-Forwarded-For is left to the app (e.g. ProxyFix):
        # how many hops Google's front end adds differs between generations (UNCONFIRMED).
        remote = environ.get("REMOTE_ADDR")
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            (environ.get("QUERY_STRING") or "").encode("latin-1"),
            headers,
            body,
            scheme=scheme,
            server=server_of(host, None, scheme),
            client=(remote, _port(environ.get("REMOTE_PORT"))) if remote else None,
            root_path=script_name,
            request_id=_execution_id(index),
            event=event,
            context=context,
        )
        apply_base_path(request, options)
        return request

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Optional[Dict[str, Any]]:
        """The server's own environ, with the body (already read) put back, the base path moved
        into ``SCRIPT_NAME`` and the ``bridge.*`` keys every environ of ours carries."""
        environ = dict(request.event.environ)
        environ.pop("werkzeug.request", None)  # the framework's Request object, not the app's
        body = request.body
        environ["wsgi.input"] = BytesIO(body)
        environ["wsgi.input_terminated"] = True
        if body or "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is complete: its framing was the server's
        environ["wsgi.url_scheme"] = request.scheme
        if request.root_path != _wire_text(environ.get("SCRIPT_NAME") or ""):  # base_path moved it
            environ["SCRIPT_NAME"] = _native(request.root_path)
            environ["PATH_INFO"] = _native(request.path)
        environ["bridge.event"] = request.event
        environ["bridge.context"] = request.context
        environ["bridge.request_id"] = request.request_id
        return environ

    def encode(self, response: HTTPResponse, request: Optional[HTTPRequest], options: Options) -> Any:
        """A Werkzeug ``Response`` (what Flask's ``make_response`` returns as it is), headers in order."""
        from werkzeug.wrappers import Response

        # Surrounding whitespace goes, as on the wire (RFC 9110 §5.5; Django's Set-Cookie starts with one).
        headers: List[Tuple[str, str]] = [
            (name, value.strip(" \t")) for name, value in response.headers if name.lower() not in HOP_BY_HOP
        ]
        out = Response(response.body, status=response.status, headers=headers)
        if not any(name.lower() == "content-type" for name, _ in headers):
            del out.headers["Content-Type"]  # Werkzeug's default text/html is not the app's
        return out


def _wire_text(value: str) -> str:
    """A WSGI (latin-1) string as the text whose UTF-8 bytes were on the wire."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def _native(text: str) -> str:
    """Text as a PEP 3333 native string: its UTF-8 bytes read as latin-1."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _port(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _execution_id(index: Dict[str, str]) -> str:
    """The invocation id Google's logs carry: ``Function-Execution-Id`` (1st gen), else the trace
    id of ``X-Cloud-Trace-Context`` (``TRACE_ID/SPAN_ID;o=1``)."""
    execution_id = index.get("function-execution-id")
    if execution_id:
        return execution_id
    return (index.get("x-cloud-trace-context") or "").split("/", 1)[0]
