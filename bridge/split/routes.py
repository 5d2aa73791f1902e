"""A route of the app, framework-neutral, and :func:`discover_routes` that lists an app's routes.

Discovery imports a web framework only inside the module for that framework
(``bridge/split/discovery/``), and only when the app is of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from .._errors import AppLoadError
from . import patterns

#: Route kinds: ``http`` is served by a view; ``static`` by a file server; ``mount`` by a mounted
#: app the discovery could not look into; ``websocket`` cannot be served by an event function.
KINDS = ("http", "websocket", "static", "mount")


@dataclass(frozen=True)
class Route:
    """One route of the app.

    ``path`` is the app's pattern in the neutral syntax of :mod:`bridge.split.patterns`. When the
    app's pattern cannot be written that way (a Django ``re_path``, a custom converter), ``regex``
    holds the full-path regex the app really uses (anchored at the start; use with ``re.match``)
    and ``path`` is a display form matching at least as much.

    ``methods`` are the upper-case methods the route answers, or ``None`` for any. ``endpoint`` is
    the view name (Flask endpoint, Django ``namespace:name``, Starlette route name); ``module``
    the module defining the view; ``group_hint`` the blueprint, Django app label or router the
    route belongs to. ``slash_redirect`` means the app also answers the path without the trailing
    slash, with a redirect to this one (Flask's ``strict_slashes``). ``framework`` says how the app
    picks among routes whose path matches (see :func:`route_for`).
    """

    path: str
    methods: Tuple[str, ...] | None = None
    endpoint: str = ""
    module: str = ""
    group_hint: str | None = None
    kind: str = "http"
    notes: Tuple[str, ...] = ()
    regex: str | None = None
    slash_redirect: bool = False
    framework: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Route.kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not self.path.startswith("/"):
            raise ValueError(f"Route.path must start with '/': {self.path!r}")

    def matches_path(self, path: str) -> bool:
        """True when the app would take ``path`` (decoded, below the mount) to this route."""
        compiled = _compiled(self.path, self.regex, self.framework)
        if self.framework == "flask":
            # Werkzeug matches "/" + path_info.lstrip("/") (werkzeug/routing/map.py, MapAdapter.match):
            # "//items/1" is "/items/1".
            path = "/" + path.lstrip("/")
        if compiled.match(path):
            return True
        return self.slash_redirect and self.path.endswith("/") and bool(compiled.match(path + "/"))

    def allows(self, method: str) -> bool:
        """True when the route answers ``method`` itself (else the app answers 405)."""
        return self.methods is None or method.upper() in self.methods

    @property
    def shapes(self) -> List[patterns.Shape]:
        """What a gateway can know of this route's paths (several shapes together cover them)."""
        return _shapes(self.path, self.regex)

    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (for ``--json`` and for shipping a function's routes to its guard)."""
        return {
            "path": self.path,
            "methods": list(self.methods) if self.methods is not None else None,
            "endpoint": self.endpoint,
            "module": self.module,
            "group_hint": self.group_hint,
            "kind": self.kind,
            "notes": list(self.notes),
            "regex": self.regex,
            "slash_redirect": self.slash_redirect,
            "framework": self.framework,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Route:
        """The inverse of :meth:`as_dict`."""
        methods = data.get("methods")
        return cls(
            path=data["path"],
            methods=tuple(methods) if methods is not None else None,
            endpoint=data.get("endpoint", ""),
            module=data.get("module", ""),
            group_hint=data.get("group_hint"),
            kind=data.get("kind", "http"),
            notes=tuple(data.get("notes", ())),
            regex=data.get("regex"),
            slash_redirect=bool(data.get("slash_redirect", False)),
            framework=data.get("framework", ""),
        )


_COMPILED: Dict[Tuple[str, str | None, str], re.Pattern[str]] = {}


def _compiled(path: str, regex: str | None, framework: str) -> re.Pattern[str]:
    key = (path, regex, framework)
    found = _COMPILED.get(key)
    if found is None:
        source = regex if regex is not None else patterns.path_regex(path, framework)
        found = _COMPILED[key] = re.compile(source)
    return found


_SHAPES: Dict[Tuple[str, str | None], List[patterns.Shape]] = {}


def _shapes(path: str, regex: str | None) -> List[patterns.Shape]:
    key = (path, regex)
    found = _SHAPES.get(key)
    if found is None:
        found = _SHAPES[key] = patterns.shapes(path, regex)
    return found


def route_for(routes: Sequence[Route], path: str, method: str) -> Route | None:
    """The route the app would give the request to, or ``None`` when the app answers 404.

    ``routes`` are in the app's match order (as :func:`discover_routes` returns them). Flask and
    Starlette skip a route whose path matches but whose methods do not, and answer 405 from the
    first such route only when no later route takes the method; Django stops at the first path
    match and lets the view answer 405. Either way, the returned route's function answers.
    """
    partial: Route | None = None
    for route in routes:
        if route.kind == "websocket" or not route.matches_path(path):
            continue
        if route.allows(method) or route.framework == "django":
            # A mounted app's own fallback comes after its routes: one of them matching the path
            # already means the mounted app answers (405), not its 404.
            return partial if partial is not None and route.kind == "mount" else route
        if partial is None:
            partial = route
    return partial


def routed_paths(routes: Sequence[Route], path: str) -> List[str]:
    """The paths the app tries for ``path``, in order, when none before matched: the path; for
    Werkzeug then the path with repeated slashes merged (``Map.merge_slashes``,
    werkzeug/routing/matcher.py); for Starlette the path with its trailing slash toggled
    (``Router.redirect_slashes``, starlette/routing.py). A route matching a later one answers
    with a redirect to it."""
    frameworks = {route.framework for route in routes}
    candidates = [path]
    if "flask" in frameworks and "//" in path:
        candidates.append(re.sub("/{2,}", "/", path))
    if "starlette" in frameworks and path != "/":
        candidates.append(path.rstrip("/") if path.endswith("/") else path + "/")
    return candidates


def discover_routes(app: Any) -> List[Route]:
    """Every route of a Flask, Django or Starlette/FastAPI app, in the app's match order.

    ``app`` may be the app object, a ``bridge.Bridge`` wrapping it, or a WSGI/ASGI middleware with
    an ``app``/``application`` attribute. Django is found through its WSGI/ASGI handler and uses
    the project's ``ROOT_URLCONF``.
    """
    seen = set()
    current = app
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _framework_of(current)
        if kind == "flask":
            from .discovery import flask

            return flask.discover(current)
        if kind == "django":
            from .discovery import django

            return django.discover(current)
        if kind == "starlette":
            from .discovery import starlette

            return starlette.discover(current)
        current = _wrapped(current)
    raise AppLoadError(
        f"cannot list the routes of {type(app).__module__}.{type(app).__qualname__}: "
        "bridge knows Flask, Django and Starlette/FastAPI apps; pass the app object itself "
        "(or a Bridge wrapping it)"
    )


def _framework_of(app: Any) -> str | None:
    for cls in type(app).__mro__:
        root = cls.__module__.split(".")[0]
        if root == "flask" and hasattr(app, "url_map"):
            return "flask"
        if root == "django" and cls.__name__ in ("WSGIHandler", "ASGIHandler"):
            return "django"
        if root in ("starlette", "fastapi") and hasattr(app, "routes"):
            return "starlette"
    return None


def _wrapped(app: Any) -> Any:
    """The app inside a wrapper: ``Bridge.app``, WhiteNoise's ``application``, ASGI middleware's ``app``."""
    for name in ("app", "application", "wsgi_app"):
        inner = getattr(app, name, None)
        if inner is not None and callable(inner) and not _is_bound_method_of(inner, app):
            return inner
    return None


def _is_bound_method_of(func: Any, owner: Any) -> bool:
    return getattr(func, "__self__", None) is owner


#: What ``bridge routes`` says of a WebSocket route: an event function answers one request per call.
WEBSOCKET_NOTE = "websocket: not servable in event mode; serve it in web mode (bridge run, --mode web)"


def format_table(routes: Iterable[Route]) -> str:
    """The routes as an aligned text table (what ``bridge routes`` prints)."""
    rows = [("METHODS", "PATH", "ENDPOINT", "MODULE", "GROUP", "NOTES")]
    for route in routes:
        methods = ",".join(route.methods) if route.methods is not None else "any"
        notes = list(route.notes)
        if route.kind == "websocket":
            notes.insert(0, WEBSOCKET_NOTE)
        elif route.kind != "http":
            notes.insert(0, route.kind)
        rows.append(
            (methods, route.path, route.endpoint, route.module, route.group_hint or "-", "; ".join(notes))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def sorted_methods(methods: Iterable[str] | None) -> Tuple[str, ...] | None:
    """Methods as a sorted upper-case tuple, ``None`` staying ``None``."""
    if methods is None:
        return None
    return tuple(sorted({m.upper() for m in methods}))
