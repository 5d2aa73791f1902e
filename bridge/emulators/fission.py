"""Fission: the router's HTTP trigger in front of the Python environment's Flask server.

The router (reference/other-platforms.md §8; fission/fission ``pkg/router/rewrite.go``,
``requesthHeader.go``) trims the trigger's prefix from the path, keeps the query, and adds
``X-Fission-Full-Url``, ``X-Fission-Function-Name``/``-Namespace``/``-Uid``/``-Resourceversion`` and
``X-Forwarded-Host``. The environment's server (fission/environments ``python/server.py``, read, not
copied) routes ``/`` and ``/<path:path>`` for GET, POST, PUT, HEAD, OPTIONS and DELETE to the
function, called with no arguments inside the Flask request: PATCH gets Flask's 405. The entry
``bridge build`` writes hands ``flask.request`` to the handler; so does this emulation. Needs Flask.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Callable, Dict, Tuple
from urllib.parse import unquote_to_bytes, urlsplit

from ._base import GatewayRequest, GatewayResponse, is_under
from .gcf import GCFEmulator

#: The environment server's methods (server.py); PATCH is not among them.
ENVIRONMENT_METHODS = ("GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE")


def environment_app(function: Callable[..., Any]) -> Any:
    """A Flask app routed as the Python environment's, calling ``main()`` (here ``function(request)``)."""
    import flask

    app = flask.Flask("fission_python_environment_emulation")

    def userfunc_call(path: str) -> Any:
        return function(flask.request._get_current_object())

    app.add_url_rule("/", "userfunc_call", userfunc_call, defaults={"path": ""}, methods=ENVIRONMENT_METHODS)
    app.add_url_rule("/<path:path>", "userfunc_call", userfunc_call, methods=ENVIRONMENT_METHODS)
    return app


class FissionEmulator(GCFEmulator):
    """One function behind an HTTP trigger with prefix ``/<function>`` (``keepPrefix: false``).

    ``routed``: the function sits behind a split's triggers instead, and the local gateway played
    the router (:mod:`bridge.gateway.split`): it chose the trigger, rewrote the path as that trigger
    does and set ``X-Fission-Full-Url``; the request is taken as it comes, and handed to the
    handler as the split's entry hands it.
    """

    name = "fission"
    has_default_domain = False

    def __init__(self, *, namespace: str = "default", routed: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self.namespace = namespace
        self.routed = routed
        self.uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fission:{namespace}/{self.function_name}"))

    @property
    def url_prefix(self) -> str:
        return "" if self.routed else f"/{self.function_name}"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, Any], None]:
        rest = request.raw_path[len(self.url_prefix) :] or "/"
        target = rest + ("?" + request.raw_query if request.raw_query else "")
        full = request.header("x-fission-full-url") if self.routed else None
        # The router sets X-Fission-Full-Url, whatever the client sent (pkg/router/requesthHeader.go).
        headers = [(n, v) for n, v in request.headers_with_host() if n.lower() != "x-fission-full-url"]
        headers += [
            ("X-Fission-Full-Url", full or request.target),
            ("X-Fission-Function-Name", self.function_name),
            ("X-Fission-Function-Namespace", self.namespace),
            ("X-Fission-Function-Uid", self.uid),
            ("X-Fission-Function-Resourceversion", "1"),
        ]
        if request.header("x-forwarded-host") is None:
            headers.append(("X-Forwarded-Host", request.authority))
        forwarded = dataclasses.replace(request, target=target, headers=headers)
        environ, _ = super()._build_event(forwarded, request_id=request_id)
        for key in ("HTTP_FUNCTION_EXECUTION_ID", "HTTP_X_FORWARDED_PROTO"):  # Google's, not Fission's
            environ.pop(key, None)
        return environ, None

    def server_app(self, handler: Callable[..., Any]) -> Any:
        if not self.routed:
            return environment_app(handler)

        def split_entry(request: Any) -> Any:
            # What a split's generated fission_entry.py does before the handler: its triggers sit at
            # the app's own paths, so the app's path is the client's, X-Fission-Full-Url's (a
            # relativeurl trigger forwards "/", which alone cannot tell /about/ from a prefix).
            full = urlsplit(request.headers.get("X-Fission-Full-Url", ""))
            if full.path.startswith("/"):
                request.environ["RAW_URI"] = full.path + ("?" + full.query if full.query else "")
                request.environ["PATH_INFO"] = unquote_to_bytes(full.path).decode("latin-1")
            return handler(request)

        return environment_app(split_entry)

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        if not is_under(request, self.url_prefix):
            return GatewayResponse(404, [], b"", f"no HTTP trigger for {request.raw_path}")
        return super().check_request(request)
