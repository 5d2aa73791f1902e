"""The gateway's route table: which function serves which path and methods.

One function is one route, ``/*`` for every method. A split app is several: each row is
``(path pattern, methods, function name, TARGET)``, the shape a gateway route table has (FC custom
domain ``routeConfig.routes[] {path, methods, functionName}``, alibaba-fc.md §6.2), so a plan from
``bridge.split`` maps onto it row for row.

Patterns: ``/exact``, ``/prefix/*`` (the prefix itself and everything below it) and ``{name}``
segments matching one segment. An exact match beats a pattern; then the longest pattern wins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Sequence, Tuple

from .._errors import ConfigError

ALL_METHODS: Tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")


@dataclass(frozen=True)
class Route:
    """One row: requests to ``pattern`` with a method in ``methods`` go to function ``function``."""

    pattern: str
    methods: Tuple[str, ...]
    function: str
    target: str

    def matches_path(self, path: str) -> bool:
        return _compile(self.pattern).fullmatch(path) is not None

    @property
    def specificity(self) -> Tuple[int, int]:
        exact = "*" not in self.pattern and "{" not in self.pattern
        return (1 if exact else 0, len(self.pattern))


def _compile(pattern: str) -> re.Pattern[str]:
    prefix_wildcard = pattern.endswith("/*")
    body = pattern[:-2] if prefix_wildcard else pattern
    regex = ""
    for piece in re.split(r"(\{[^}/]+\})", body):
        regex += "[^/]+" if piece.startswith("{") and piece.endswith("}") else re.escape(piece)
    if prefix_wildcard:
        regex += "(?:/.*)?"
    return re.compile(regex or "/?")


class RouteTable:
    """Finds the route of a request; knows when a path exists but not for that method."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes: List[Route] = sorted(routes, key=lambda r: r.specificity, reverse=True)
        if not self.routes:
            raise ConfigError("the route table is empty")

    def match(self, path: str, method: str) -> Tuple[Route | None, Route | None]:
        """``(route, None)`` on a match; ``(None, route_with_that_path)`` when only the method is
        wrong; ``(None, None)`` when no route has the path."""
        path_match: Route | None = None
        for route in self.routes:
            if route.matches_path(path):
                if method.upper() in route.methods:
                    return route, None
                path_match = path_match or route
        return None, path_match

    def forward(self, route: Route, request: Any, emulator: Any) -> Any:
        """The request as the gateway hands it to ``route``'s function (a gateway request, that
        function's emulator): as it came, unless a platform's table rewrites it."""
        return request

    @property
    def functions(self) -> List[Tuple[str, str]]:
        """``(function, TARGET)`` pairs, each function once, in table order."""
        seen = {}
        for route in self.routes:
            if seen.setdefault(route.function, route.target) != route.target:
                raise ConfigError(
                    f"function {route.function!r} has two TARGETs: {seen[route.function]} and {route.target}"
                )
        return list(seen.items())


def single_function(target: str, function: str) -> RouteTable:
    """The table of an unsplit app: one function for everything."""
    return RouteTable([Route("/*", ALL_METHODS, function, target)])


def route(pattern: str, methods: Sequence[str] | str | None, function: str, target: str) -> Route:
    """A validated :class:`Route`; ``methods`` None, ``"ANY"`` or ``"*"`` mean every method."""
    if not pattern.startswith("/"):
        raise ConfigError(f"route path {pattern!r} must start with '/'")
    if isinstance(methods, str):
        methods = [m for m in re.split(r"[\s,|]+", methods) if m]
    wanted = tuple(m.upper() for m in (methods or ()))
    if not wanted or set(wanted) & {"ANY", "*"}:
        wanted = ALL_METHODS
    return Route(pattern, wanted, function, target)


def load_routes(path: str) -> RouteTable:
    """A route table file: a JSON list of ``{"path", "methods", "function", "target"}`` objects (or
    of ``[path, methods, function, target]`` rows)."""
    try:
        with open(path, encoding="utf-8") as file:
            rows = json.load(file)
    except OSError as exc:
        raise ConfigError(f"cannot read the route table {path}: {exc}")
    except ValueError as exc:
        raise ConfigError(f"the route table {path} is not valid JSON: {exc}")
    if not isinstance(rows, list):
        raise ConfigError(f"the route table {path} must be a JSON list of routes")
    routes = []
    for number, row in enumerate(rows, 1):
        try:
            if isinstance(row, dict):
                routes.append(route(row["path"], row.get("methods"), row["function"], row["target"]))
            else:
                routes.append(route(*row))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"route {number} in {path} needs path, methods, function and target ({exc})")
    return RouteTable(routes)
