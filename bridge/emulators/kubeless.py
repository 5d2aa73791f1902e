"""Kubeless: the Python runtime's bottle server behind an HTTP trigger (an Ingress).

What the runtime does with a request (kubeless/runtimes ``stable/python/_kubeless.py``, read, not
copied): a bottle app answers ``GET /healthz`` and ``GET /metrics`` itself and routes every other
path for GET, POST, PATCH and DELETE (HEAD through GET; PUT and OPTIONS get bottle's 405) to one
view. The view reads the body, makes the event (``data`` JSON-parsed when the Content-Type is
exactly ``application/json``, ``event-*`` from the request headers of those names, the request in
``extensions``) and the context (``function-name`` is the Python function's ``__name__``), and calls
the function in a child process: event, context and the return value cross a pickle. A return value
that is an exception (not an ``HTTPResponse``) is raised again: bottle's 500 page. That is
reproduced here, the pickle included, so a handler that only works in-process fails here too. The
Ingress (ingress-nginx) in front adds ``X-Forwarded-For``, ``X-Forwarded-Proto`` and
``X-Request-ID``. Needs bottle (``pip install "bottle<0.13"``; the runtime image pins 0.12.13).
"""

from __future__ import annotations

import io
import pickle
import uuid
from typing import Any, Callable, Dict, Optional, Tuple

from ._base import GatewayRequest
from .gcf import GCFEmulator

#: The runtime's function route's methods (``_kubeless.py``); bottle answers HEAD from GET.
RUNTIME_METHODS = ["GET", "POST", "PATCH", "DELETE"]


try:  # the runtime's web framework; `bridge serve --platform kubeless` says so when it is missing
    import bottle
except ImportError:  # pragma: no cover - bottle is in the dev extra
    bottle = None

if bottle is not None:

    class CrossingRequest(bottle.BaseRequest):
        """A ``bottle.BaseRequest`` that pickles as the runtime's does: the environ, less what cannot
        cross a process (the input and error streams, bottle's app and route), the body kept."""

        def __init__(self, body: bytes, environ: Dict[str, Any]) -> None:
            super().__init__(environ)
            self.environ["bottle.request.body"] = io.BytesIO(body)

        def __getstate__(self) -> Dict[str, Any]:
            skipped = ("wsgi.errors", "wsgi.input", "bottle.app", "bottle.route", "route.handle")
            return {key: value for key, value in self.environ.items() if key not in skipped}

        def __setstate__(self, environ: Dict[str, Any]) -> None:
            self.environ = environ


def runtime_app(function: Callable[..., Any], context: Dict[str, Any]) -> Any:
    """A bottle app routed as the Python runtime's, calling ``function(event, context)``."""
    if bottle is None:
        from .._errors import ConfigError

        raise ConfigError('the kubeless emulation runs the runtime\'s bottle app: pip install "bottle<0.13"')
    app = bottle.Bottle()
    app.get("/healthz", callback=lambda: "OK")
    app.get("/metrics", callback=lambda: "")  # Prometheus metrics, not emulated

    def call_function() -> Any:
        request = bottle.request
        data: Any = request.body.read()
        crossing = CrossingRequest(data, request.environ.copy())
        if request.get_header("content-type") == "application/json":
            data = request.json
        event = {
            "data": data,
            "event-id": request.get_header("event-id"),
            "event-type": request.get_header("event-type"),
            "event-time": request.get_header("event-time"),
            "event-namespace": request.get_header("event-namespace"),
            "extensions": {"request": crossing},
        }
        child_event, child_context = pickle.loads(pickle.dumps((event, context)))
        try:
            result = function(child_event, child_context)
        except Exception as exc:
            result = exc
        result = pickle.loads(pickle.dumps(result))  # the queue back to the parent
        if isinstance(result, Exception) and not isinstance(result, bottle.HTTPResponse):
            raise result
        return result

    app.route("/<:re:.*>", method=RUNTIME_METHODS, callback=call_function)
    return app


class KubelessEmulator(GCFEmulator):
    """One function behind an HTTP trigger for every path of its host (the Ingress passes the path on)."""

    name = "kubeless"
    has_default_domain = False
    # Every method reaches the runtime, whose bottle app answers 405 to PUT and OPTIONS itself.
    default_methods = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")

    def __init__(self, *, runtime: str = "python3.8", **options: Any) -> None:
        super().__init__(**options)
        self.runtime = runtime

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Dict[str, Any], None]:
        environ, _ = super()._build_event(request, request_id=request_id)
        environ["REQUEST_URI"] = environ.pop("RAW_URI")  # CherryPy's name for the raw target
        environ.pop("HTTP_FUNCTION_EXECUTION_ID", None)  # Google's, not the Ingress's
        environ.setdefault("HTTP_X_REQUEST_ID", uuid.uuid5(uuid.NAMESPACE_URL, request_id).hex)
        return environ, None

    def server_app(self, handler: Callable[..., Any]) -> Any:
        context = {
            "function-name": getattr(handler, "__name__", "handler"),
            "timeout": float(self.timeout_s),
            "runtime": self.runtime,
            "memory-limit": f"{self.memory_mb}Mi",
        }
        return runtime_app(handler, context)

    def describe(self, value: Any) -> Any:
        if isinstance(value, dict) and "REQUEST_METHOD" in value:
            return super().describe(value)
        return value

    def body_too_large(self, length: int) -> Optional[Any]:
        return None  # the runtime's FUNC_MEMFILE_MAX (100 MB) only moves a body to a file
