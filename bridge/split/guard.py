"""The route guard: a carved function answers its own routes only.

Every function of a split deploys the whole app, so a gateway routing mistake would not fail:
the wrong function would serve the request, with the wrong memory, timeout and permissions.
:class:`RouteGuard` wraps the app of a non-catch-all function and answers 404, with a log line
naming the function, to any request outside its routes. It is plain WSGI or ASGI wrapping (the
kind of the app decides), so it composes with anything; ASGI lifespan passes straight through.

A request belongs to the function when the route the app would pick for it (given every route
of the app, ``app_routes``) is one of the function's; without ``app_routes``, when one of the
function's routes matches it. A path the function's routes match with another method is let
through, so the app answers its own 405.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterable, List, Sequence

from .routes import Route, route_for, routed_paths

logger = logging.getLogger("bridge.split.guard")

_NOT_FOUND = b"Not Found"


class RouteGuard:
    """``RouteGuard(app, routes, function_name)``: ``app`` answering only ``routes``.

    Returns a WSGI or an ASGI app, like ``app`` (``interface`` forces ``"wsgi"`` or ``"asgi"``).
    """

    def __new__(
        cls,
        app: Any,
        routes: Iterable[Route],
        function_name: str,
        *,
        app_routes: Sequence[Route] | None = None,
        interface: str = "auto",
    ) -> RouteGuard:
        if cls is RouteGuard:
            if interface == "auto":
                from .._bridge import _is_asgi

                interface = "asgi" if _is_asgi(app) else "wsgi"
            if interface not in ("wsgi", "asgi"):
                raise ValueError(f"interface must be 'auto', 'wsgi' or 'asgi', not {interface!r}")
            cls = ASGIRouteGuard if interface == "asgi" else WSGIRouteGuard
        return super().__new__(cls)

    def __init__(
        self,
        app: Any,
        routes: Iterable[Route],
        function_name: str,
        *,
        app_routes: Sequence[Route] | None = None,
        interface: str = "auto",
    ) -> None:
        self.app = app
        self.routes: List[Route] = list(routes)
        self.function_name = function_name
        self.app_routes: List[Route] | None = list(app_routes) if app_routes is not None else None
        self._own = set(self.routes)

    def serves(self, path: str, method: str) -> bool:
        """Whether the request is this function's to answer."""
        method = method.upper()
        if self.app_routes is not None:
            for candidate in routed_paths(self.app_routes, path):
                chosen = route_for(self.app_routes, candidate, method)
                if chosen is not None:
                    return chosen in self._own
        return any(
            route.matches_path(candidate)
            for candidate in routed_paths(self.routes, path)
            for route in self.routes
            if route.kind != "websocket"
        )

    def _refuse(self, method: str, path: str) -> None:
        logger.warning(
            "route guard: %s %s is not a route of function %s; answering 404 "
            "(check the gateway's route table)",
            method,
            path,
            self.function_name,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.function_name} routes={len(self.routes)} app={self.app!r}>"


class WSGIRouteGuard(RouteGuard):
    """The WSGI form of :class:`RouteGuard`."""

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # PEP 3333: PATH_INFO carries the path's bytes as latin-1; the app's routes are text.
        raw = environ.get("PATH_INFO", "") or "/"
        path = raw.encode("latin-1").decode("utf-8", "replace")
        method = environ.get("REQUEST_METHOD", "GET")
        if self.serves(path, method):
            return self.app(environ, start_response)
        self._refuse(method, path)
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(_NOT_FOUND)))],
        )
        return [_NOT_FOUND]


class ASGIRouteGuard(RouteGuard):
    """The ASGI form of :class:`RouteGuard`."""

    async def __call__(
        self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan and anything else: not ours to judge
            return
        path = _route_path(scope)
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        if self.serves(path, method):
            await self.app(scope, receive, send)
            return
        self._refuse(method if scope["type"] == "http" else "WEBSOCKET", path)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting answers 403
            await send({"type": "websocket.close", "code": 1000})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(_NOT_FOUND)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _NOT_FOUND})


def _route_path(scope: Dict[str, Any]) -> str:
    # ASGI's path includes root_path (asgiref spec, 2.4+); the app's routes are below it, as
    # Starlette's get_route_path computes.
    path = scope.get("path", "/") or "/"
    root = scope.get("root_path", "") or ""
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        path = path[len(root) :] or "/"
    return path


def guard(app: Any, function: Any, app_routes: Sequence[Route] | None = None) -> Any:
    """``app`` guarded for a plan's ``FunctionSpec``; a catch-all function's app stays as it is."""
    if function.catch_all:
        return app
    return RouteGuard(app, function.routes, function.name, app_routes=app_routes)
