"""Split strategies: which routes go together into one function, before any gateway is considered.

- ``all-in-one``: one function, the catch-all, takes every route.
- ``per-route``: a function per path pattern (a path's methods stay together: gateways route by
  path, so ``GET /items`` and ``POST /items`` in two functions could not be told apart on FC).
- ``per-prefix``: a function per first ``depth`` literal path segments (``/api/items`` at depth 1
  goes with ``/api/users``).
- ``per-blueprint`` / ``per-django-app`` / ``per-router``: a function per route ``group_hint``.
- ``groups``: the project's explicit groups; a route goes to the first group (in the order they
  are written) with a pattern that takes it. ``/api/*`` takes the paths starting with ``/api/``,
  ``/login`` only ``/login``, and ``*`` everything no other group takes.

Every strategy has one catch-all function that takes the routes no other function claims
(static files, mounted apps, routes without a group) and whatever request no route claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from .._errors import ConfigError
from ..project import STRATEGIES, GroupConfig, ProjectConfig, slug
from . import patterns
from .routes import Route

#: The name (suffix) of the catch-all function when no explicit group claims ``*``.
CATCH_ALL = "default"


@dataclass
class Draft:
    """Routes that one function will serve, before gateway constraints may merge drafts."""

    key: str
    routes: List[Route] = field(default_factory=list)
    catch_all: bool = False
    group: GroupConfig | None = None


def assign(
    project: ProjectConfig, routes: Sequence[Route], split: str, depth: int
) -> Tuple[List[Draft], List[str]]:
    """Drafts for ``routes`` under ``split``, the catch-all last, and notes on what was left out."""
    if split not in STRATEGIES:
        raise ConfigError(f"split {split!r} is not a strategy: choose one of {', '.join(STRATEGIES)}")
    notes: List[str] = []
    servable: List[Route] = []
    for route in routes:
        if route.kind == "websocket":
            notes.append(
                f"websocket route {route.path} ({route.endpoint}) is left out: "
                "event functions cannot serve WebSockets (build with --mode web to serve it)"
            )
        else:
            servable.append(route)
    if split == "all-in-one":
        return [Draft(key="", routes=list(servable), catch_all=True)], notes
    if split == "groups":
        return _by_groups(project, servable), notes
    drafts: Dict[str, Draft] = {}
    catch_all = Draft(key=CATCH_ALL, catch_all=True)
    for route in servable:
        key = _key(route, split, depth)
        if key is None:
            catch_all.routes.append(route)
            continue
        drafts.setdefault(key, Draft(key=key)).routes.append(route)
    ordered = [drafts[k] for k in drafts]
    _unique_keys(ordered + [catch_all])
    return ordered + [catch_all], notes


#: The module of FastAPI's own /docs, /redoc, /openapi.json and OAuth redirect endpoints.
_FASTAPI_DOCS_MODULE = "fastapi.applications"
#: The draft that keeps them together.
API_DOCS = "api-docs"


def _key(route: Route, split: str, depth: int) -> str | None:
    """The draft a derived strategy puts the route in; ``None`` for the catch-all."""
    if route.kind in ("static", "mount") and split in ("per-route", "per-prefix"):
        return None  # static files and mounted apps stay with the catch-all
    if route.module == _FASTAPI_DOCS_MODULE and split in ("per-route", "per-prefix"):
        # /docs loads /openapi.json and its OAuth redirect page: apart, the docs page breaks as
        # soon as one function is down or guarded differently. They are one feature, one function.
        return API_DOCS
    if split == "per-route":
        return common_path_key([route])
    if split == "per-prefix":
        head = [s for s in patterns.shape(route.path).literal_head if s][:depth]
        return slug("-".join(head)) if head else None
    return slug(route.group_hint) if route.group_hint else None


def common_path_key(routes: Sequence[Route]) -> str:
    """The per-route key of the routes' common leading segments, parameters by name only
    (``/todos/{todo_id:int}/edit`` alone: ``todos-todo-id-edit``); ``root`` when there are none."""
    split = [
        patterns.PARAM_RE.sub(lambda match: match.group(1), route.path).strip("/").split("/")
        for route in routes
    ]
    common: List[str] = []
    for segments in zip(*split):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    named = "-".join(segment for segment in common if segment)
    return slug(named) if named else "root"


def _unique_keys(drafts: List[Draft]) -> None:
    """Slugs can collide (``/a-b`` and ``/a/b``): number the later ones."""
    seen: Dict[str, int] = {}
    for draft in drafts:
        base = draft.key
        if base in seen:
            seen[base] += 1
            draft.key = f"{base[:58]}-{seen[base]}"
        else:
            seen[base] = 1


def group_takes(pattern: str, route: Route) -> bool:
    """Whether a group pattern (``/api/*``, ``/login``) takes the route (``*`` is the catch-all's)."""
    if pattern == "*":
        return False
    if pattern.endswith("*"):
        return route.path.startswith(pattern[:-1])
    return route.path == pattern


def _by_groups(project: ProjectConfig, routes: Sequence[Route]) -> List[Draft]:
    drafts = [Draft(key=g.name, group=g, catch_all=g.catch_all) for g in project.groups.values()]
    catch_all = next((d for d in drafts if d.catch_all), None)
    if catch_all is None:
        catch_all = Draft(key=CATCH_ALL, catch_all=True)
        drafts.append(catch_all)
    for route in routes:
        target = next(
            (d for d in drafts if d.group is not None and any(group_takes(p, route) for p in d.group.routes)),
            catch_all,
        )
        target.routes.append(route)
    return [d for d in drafts if not d.catch_all] + [catch_all]
