"""Starlette and FastAPI: ``Route``, ``APIRoute``, ``WebSocketRoute``, ``Mount`` and ``Host``.

Routers included with ``include_router`` are already flattened into the app's routes by FastAPI;
a route's router is told by its first tag, else by the module of its endpoint. A mounted app
that has routes (a sub-application, a ``Router``) is walked; whatever it does not route is still
its own (it answers the 404), which a final ``mount`` route for its prefix records. A mounted
``StaticFiles`` is a ``static`` route, any other mounted ASGI app a ``mount`` route.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from .. import patterns
from ..routes import Route, sorted_methods

# Starlette's own convertors (starlette/convertors.py CONVERTOR_TYPES) whose neutral
# counterparts match at least the same text.
# PathConvertor is not among them: Starlette's takes the empty string, the neutral one does not.
_NEUTRAL_CONVERTORS = ("StringConvertor", "IntegerConvertor", "FloatConvertor", "UUIDConvertor")


def discover(app: Any) -> List[Route]:
    """The routes of a Starlette or FastAPI app (or Router), in the order Starlette tries them."""
    out: List[Route] = []
    _walk(_routes_of(app), "", None, (), out)
    return out


def _routes_of(app: Any) -> List[Any]:
    routes = getattr(app, "routes", None)
    if routes is None:
        router = getattr(app, "router", None)
        routes = getattr(router, "routes", None)
    return list(routes or [])


def _walk(routes: List[Any], prefix: str, hint: str | None, notes: Tuple[str, ...], out: List[Route]) -> None:
    from starlette.routing import Host, Mount, WebSocketRoute
    from starlette.routing import Route as StarletteRoute

    for route, router_hint in _expand(routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, StarletteRoute):
            out.append(_http_route(route, prefix, router_hint or hint, notes))
        elif isinstance(original, WebSocketRoute):
            out.append(
                Route(
                    path=prefix + route.path,
                    endpoint=route.name or "",
                    module=_module_of(route.endpoint),
                    group_hint=hint,
                    kind="websocket",
                    notes=notes + ("not servable by event functions",),
                    regex=_regex(route, prefix),
                    framework="starlette",
                )
            )
        elif isinstance(original, Mount):
            _mount(route, prefix, hint, notes, out)
        elif isinstance(original, Host):
            _walk(_routes_of(route.app), prefix, hint, notes + (f"host {route.host}",), out)


def _expand(routes: List[Any]) -> List[Tuple[Any, str | None]]:
    """The routes, FastAPI's included routers opened up, each with its router's prefix as a hint.

    FastAPI >= 0.16x keeps ``include_router`` lazy (``_IncludedRouter``) and lists the effective
    routes through ``fastapi.routing.iter_route_contexts``; older versions flatten them at once.
    """
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:  # Starlette alone, or a FastAPI that flattens include_router itself
        return [(route, None) for route in routes]
    out: List[Tuple[Any, str | None]] = []
    for route in routes:
        context = getattr(route, "include_context", None)
        prefix = getattr(context, "prefix", "") or getattr(
            getattr(context, "included_router", None), "prefix", ""
        )
        hint = (prefix.strip("/").split("/")[0] or None) if context is not None else None
        out.extend((item, hint) for item in iter_route_contexts([route]))
    return out


def _http_route(route: Any, prefix: str, hint: str | None, notes: Tuple[str, ...]) -> Route:
    tags = getattr(route, "tags", None) or []
    endpoint = route.endpoint
    group = str(tags[0]) if tags else (hint or _router_hint(endpoint))
    extra: Tuple[str, ...] = ()
    if getattr(route, "include_in_schema", True) is False and type(route).__name__ == "Route":
        extra = ("not in schema",)
    return Route(
        path=prefix + route.path,
        methods=sorted_methods(route.methods),
        endpoint=route.name or "",
        module=_module_of(endpoint),
        group_hint=group,
        kind="http",
        notes=notes + extra,
        regex=_regex(route, prefix),
        framework="starlette",
    )


def _mount(mount: Any, prefix: str, hint: str | None, notes: Tuple[str, ...], out: List[Route]) -> None:
    mounted = mount.app
    path = prefix + mount.path
    name = mount.name or path.strip("/").replace("/", "-") or "root"
    sub_routes = _routes_of(mounted) if not _is_static(mounted) else []
    if sub_routes:
        sub_hint = mount.name or path.strip("/").split("/")[0] or hint
        sub_notes = notes + (f"mounted at {path}",) if not _is_router(mounted) else notes
        _walk(sub_routes, path, sub_hint, sub_notes, out)
        if _is_router(mounted):
            return  # a bare Router falls through to the parent's 404; an app answers its own
        out.append(
            Route(
                path=path + "/{path:path}",
                regex=_mount_regex(path),
                endpoint=name,
                module=_module_of(mounted),
                group_hint=sub_hint,
                kind="mount",
                notes=notes + ("the mounted app's own 404 for paths it does not route",),
                framework="starlette",
            )
        )
        return
    static = _is_static(mounted)
    out.append(
        Route(
            path=path + "/{path:path}",
            regex=_mount_regex(path),
            methods=("GET", "HEAD") if static else None,
            endpoint=name,
            module=_module_of(mounted),
            group_hint=hint,
            kind="static" if static else "mount",
            notes=notes + (() if static else ("ASGI app",)),
            framework="starlette",
        )
    )


def _regex(route: Any, prefix: str) -> str | None:
    """The route's own regex, when a custom convertor makes the neutral path approximate."""
    try:
        convertors = route.param_convertors or {}
        own = route.path_regex.pattern  # "^...$"
    except AttributeError:  # a FastAPI route context without a compiled route
        return None
    if all(type(c).__name__ in _NEUTRAL_CONVERTORS for c in convertors.values()):
        return None
    # Starlette's own anchors are kept: its "$" also matches before a final newline.
    head = patterns.path_regex_head(prefix, "starlette") if prefix else "^"
    return head + own[1:]


def _mount_regex(path: str) -> str:
    # Mount matches "<path>/" + anything, the empty rest included (starlette/routing.py Mount:
    # compile_path(path + "/{path:path}"), whose PathConvertor regex is ".*").
    return patterns.path_regex_head(path, "starlette") + r"/.*$"


def _is_static(app: Any) -> bool:
    return any(cls.__name__ == "StaticFiles" for cls in type(app).__mro__)


def _is_router(app: Any) -> bool:
    return any(
        cls.__name__ == "Router" and cls.__module__.startswith(("starlette", "fastapi"))
        for cls in type(app).__mro__
    )


def _module_of(obj: Any) -> str:
    target = getattr(obj, "__func__", obj)
    module = getattr(target, "__module__", None)
    if module is None or module == "builtins":
        module = type(obj).__module__
    return module or ""


def _router_hint(endpoint: Any) -> str | None:
    module = _module_of(endpoint)
    return module.rsplit(".", 1)[-1] if module else None
