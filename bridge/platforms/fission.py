"""Fission Python environment: ``main()`` reading ``flask.request``, answered with a Flask response.

The environment's server (fission/environments ``python/server.py``) is a Flask app whose rules
``/`` and ``/<path:path>`` call the function with no arguments, for GET, POST, PUT, HEAD, OPTIONS
and DELETE: PATCH answers 405 before the function runs (reference/other-platforms.md §8). The
entry point ``bridge build --platform fission`` writes is ``def main(): return
bridge_handler(flask.request._get_current_object())``.

Fission's router rewrites the path (fission/fission ``pkg/router/rewrite.go``): a trigger's prefix
is trimmed (unless ``keepPrefix``), ``/fission-function/<ns>/<name>`` is trimmed, and a plain
``--url`` trigger forwards to ``/``; it always adds ``X-Fission-Full-Url``, the URL the client
asked for. So the app's path and mount point come from that header: where the full path ends with
the path the function got, what comes before is the trimmed prefix (``SCRIPT_NAME``); otherwise
(``/`` for ``/hello``) the full path is the app's path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._model import HTTPRequest
from .._options import Options
from ._base import apply_base_path, path_from_encoded
from .gcf import GoogleCloudFunctions, _native

#: Set by Fission's router on every call it forwards (pkg/router/requesthHeader.go).
FUNCTION_HEADER = "X-Fission-Function-Name"


class FissionPython(GoogleCloudFunctions):
    name = "fission"
    title = "Fission Python environment"
    # No response limit is documented (reference §8, UNCONFIRMED); the bridge checks none here.
    max_response_bytes = 1 << 40

    def matches_call(self, event: Any, context: Any) -> bool:
        # The environment's Flask request, marked by the router's header (Google's has none).
        return super().matches_call(event, context) and FUNCTION_HEADER in event.headers

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        request = super().decode(event, context, Options())  # base_path applied below, once
        full_url = event.headers.get("X-Fission-Full-Url") or ""
        full_path = urlsplit(full_url).path if full_url else ""
        if full_path.startswith("/"):
            got = request.raw_path.decode("ascii")
            if got != "/" and full_path.endswith(got):
                prefix = full_path[: len(full_path) - len(got)]
            elif got == "/" and full_path.endswith("/"):
                prefix = full_path[:-1]
            else:  # the router sent `/` for a path it did not trim: the full path is the app's
                prefix = ""
                request.path, request.raw_path = path_from_encoded(full_path)
            request.root_path, _ = path_from_encoded(prefix) if prefix else ("", b"")
        request.request_id = _request_id(event)
        apply_base_path(request, options)
        return request

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Any:
        environ = super().wsgi_environ(request, options)
        if environ is not None:  # the path as read from the router's header, always
            environ["SCRIPT_NAME"] = _native(request.root_path)
            environ["PATH_INFO"] = _native(request.path)
        return environ


def _request_id(event: Any) -> str:
    """No invocation id is sent to the function; the trace id the router propagates, if any."""
    return str(event.headers.get("Traceparent") or event.headers.get("X-B3-Traceid") or "")
