"""The split plan: which function serves which routes, and the gateway tables that route to them.

:func:`make_plan` turns the project's strategy into functions, then checks every gateway table
by simulation: for sample requests of every route (see :mod:`bridge.split.samples`) the entry
the gateway may choose must belong to the function serving the route the app would pick. Where
a gateway cannot tell two functions' routes apart (FC has no one-segment wildcard, so
``/users/{id}`` and ``/users/{id}/posts`` are both ``/users/*`` there), the two functions become
one and a note says why. Explicit groups are the user's decision and are never merged: such a
conflict is a :class:`SplitConflictError` naming both routes and both functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Sequence, Tuple

from .._errors import ConfigError
from ..project import ProjectConfig, slug
from . import samples, strategies
from .jobs import place_jobs
from .routes import Route, route_for
from .tables import Gateway, GatewayRoute
from .tables import gateway as gateway_for

#: Gateways a plan is checked for unless ``make_plan(gateways=...)`` says otherwise: the clouds'
#: and nginx. The open-source platforms' tables (``openwhisk``, ``openfaas``, ``fission``) are
#: checked when a build for that platform asks for them.
ALL_GATEWAYS: Tuple[str, ...] = ("fc", "aws", "scf", "nginx")


class SplitConflictError(ConfigError):
    """Two explicit groups' routes cannot be told apart by a gateway's patterns."""


@dataclass
class FunctionSpec:
    """One deployable function: its name, the routes it serves and its settings.

    ``catch_all`` functions also take every request no route claims (404 pages, static files) and
    run without a route guard. ``group`` is the explicit group it comes from, if any. ``jobs`` are
    the ``[schedules]`` / ``[events]`` keys whose triggers it gets (:mod:`bridge.split.jobs`);
    ``http`` is False for the ``jobs`` function, which has no HTTP trigger.
    """

    name: str
    routes: List[Route]
    memory: int
    timeout: int
    environment: Dict[str, str]
    concurrency: int | None = None
    catch_all: bool = False
    group: str | None = None
    jobs: List[str] = field(default_factory=list)
    http: bool = True

    def as_dict(self) -> Dict[str, object]:
        return {
            "name": self.name,
            "catch_all": self.catch_all,
            "group": self.group,
            "memory": self.memory,
            "timeout": self.timeout,
            "environment": dict(self.environment),
            "concurrency": self.concurrency,
            "routes": [r.as_dict() for r in self.routes],
            "jobs": list(self.jobs),
            "http": self.http,
        }


@dataclass
class Plan:
    """Functions and their routes, what the planner merged and why, and the gateway tables."""

    project: ProjectConfig
    functions: List[FunctionSpec]
    notes: List[str] = field(default_factory=list)
    tables: Dict[str, List[GatewayRoute]] = field(default_factory=dict, repr=False)

    def table(self, gateway: str) -> List[GatewayRoute]:
        """The route table of a gateway of :data:`~bridge.split.tables.GATEWAYS`, most specific first."""
        gateway_for(gateway)  # a clear error for an unknown name
        if gateway not in self.tables:
            raise ValueError(
                f"this plan was checked for {', '.join(self.tables)} only: "
                f"pass gateways=[..., {gateway!r}] to make_plan"
            )
        return list(self.tables[gateway])

    def function(self, name: str) -> FunctionSpec:
        """The function called ``name``."""
        for spec in self.functions:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def catch_all(self) -> FunctionSpec:
        """The function that takes every request no other function's route claims."""
        return next(f for f in self.functions if f.catch_all)

    def as_dict(self) -> Dict[str, object]:
        return {
            "project": self.project.name,
            "functions": [f.as_dict() for f in self.functions],
            "notes": list(self.notes),
            "tables": {g: [e.as_dict() for e in t] for g, t in self.tables.items()},
        }


def make_plan(
    project: ProjectConfig,
    routes: List[Route],
    *,
    split: str | None = None,
    depth: int | None = None,
    gateways: Iterable[str] = ALL_GATEWAYS,
) -> Plan:
    """The plan for ``routes`` (in the app's match order) under the project's split strategy.

    ``split`` and ``depth`` override the project's. The plan is sound on every gateway in
    ``gateways``: every request the app would give to a route of function F reaches F.
    """
    split = split or project.split
    depth = depth if depth is not None else project.depth
    checked = [gateway_for(name) for name in gateways]
    drafts, notes = strategies.assign(project, routes, split, depth)
    functions = _functions(project, drafts, notes)
    app_routes = [r for r in routes if r.kind != "websocket"]
    requests = _sample_requests(app_routes)
    tables: Dict[str, List[GatewayRoute]] = {}
    while True:
        owner = {id(r): f for f in functions for r in f.routes}
        conflicts: List[_Conflict] = []
        for gw in checked:
            tables[gw.name] = build_table(gw, functions, requests, owner)
            conflicts = _conflicts(gw, tables[gw.name], requests, owner)
            if conflicts:
                break
        if not conflicts:
            break
        for conflict in conflicts:
            functions = _merge(functions, conflict, notes, app_routes)
        if split == "per-route":
            _name_by_common_path(project, functions, notes)
    notes.extend(_precedence_notes(checked, tables, functions))
    idle = next((f for f in functions if f.catch_all and not f.routes and len(functions) > 1), None)
    if idle is not None:
        # Every route has a function of its own, so the catch-all would serve no route; but the app
        # may still answer paths no route declares (WhiteNoise's /static/, middleware, its 404s).
        # The biggest function takes them instead: no function without a route, none lost.
        keep = max((f for f in functions if f is not idle), key=lambda f: (len(f.routes), f.name))
        keep.catch_all = True
        functions = [f for f in functions if f is not idle]
        tables = {
            name: [replace(e, function=keep.name) if e.function == idle.name else e for e in table]
            for name, table in tables.items()
        }
        notes.append(
            f"{keep.name} also takes the requests no route claims (static files served by middleware, "
            f"the app's 404s): a separate {idle.name} would have served no route"
        )
    functions = place_jobs(project, functions, app_routes, notes)
    return Plan(project=project, functions=functions, notes=notes, tables=tables)


def _functions(
    project: ProjectConfig, drafts: List[strategies.Draft], notes: List[str]
) -> List[FunctionSpec]:
    out = []
    for draft in drafts:
        if not draft.routes and not draft.catch_all:
            notes.append(f"group {draft.key} takes no route and is left out")
            continue
        group = draft.group
        name = project.name if not draft.key else slug(f"{project.name}-{draft.key}")
        environment = dict(project.environment)
        if group is not None:
            environment.update(group.environment)
        out.append(
            FunctionSpec(
                name=name,
                routes=list(draft.routes),
                memory=group.memory if group is not None and group.memory is not None else project.memory,
                timeout=group.timeout if group is not None and group.timeout is not None else project.timeout,
                environment=environment,
                concurrency=group.concurrency
                if group is not None and group.concurrency is not None
                else project.concurrency,
                catch_all=draft.catch_all,
                group=group.name if group is not None else None,
            )
        )
    return out


# --- sample requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    path: str
    method: str
    route: Route  # the route the app gives it to


def _sample_requests(app_routes: List[Route]) -> List[_Request]:
    words = samples.vocabulary(app_routes)
    tail_values = samples.tails(app_routes)
    declared = sorted({m for r in app_routes if r.methods for m in r.methods})
    # A route that takes any method also gets the methods no route declares: with GET / and
    # POST / in one function and an any-method / in another, PUT / belongs to the latter.
    undeclared = next((m for m in ("PUT", "PATCH", "DELETE", "OPTIONS") if m not in declared), "REPORT")
    any_method = sorted({"GET", "POST", undeclared} | set(declared[:3]))
    found: Dict[Tuple[str, str], _Request] = {}

    def add(path: str, method: str) -> None:
        # Which route the app really gives the request to decides where it must arrive.
        if (path, method) not in found:
            target = route_for(app_routes, path, method)
            if target is not None and target.allows(method):
                found[(path, method)] = _Request(path, method, target)

    for route in app_routes:
        methods = list(route.methods) if route.methods else any_method
        for path in samples.sample_paths(route, words, tail_values):
            for method in methods:
                add(path, method)
    for path in samples.overlap_paths(app_routes):
        for method in ("GET", undeclared, *declared[:3]):
            add(path, method)
    return list(found.values())


# --- tables -----------------------------------------------------------------------------------


def build_table(
    gw: Gateway,
    functions: Sequence[FunctionSpec],
    requests: Sequence[_Request] = (),
    owner: Dict[int, FunctionSpec] | None = None,
) -> List[GatewayRoute]:
    """The gateway table for ``functions``: every route of a non-catch-all function gets entries,
    the catch-all gets the gateway's catch-all entry, and entries for its own routes only where
    another function's entry would otherwise take their requests."""
    entries: Dict[Tuple[str, str], List[Route]] = {}
    catch_all = next((f for f in functions if f.catch_all), None)
    for spec in functions:
        if spec.catch_all:
            continue
        for route in spec.routes:
            for path in gw.paths_for(route):
                entries.setdefault((path, spec.name), []).append(route)
    if catch_all is not None:
        entries.setdefault((gw.catch_all, catch_all.name), [])
        if owner is not None:
            table = _finish(gw, entries, functions)
            for request in requests:
                if owner.get(id(request.route)) is not catch_all:
                    continue
                if any(e.function != catch_all.name for e in gw.select(table, request.path, request.method)):
                    for path in gw.paths_for(request.route):
                        sources = entries.setdefault((path, catch_all.name), [])
                        if request.route not in sources:
                            sources.append(request.route)
    return _finish(gw, entries, functions)


def _finish(
    gw: Gateway, entries: Dict[Tuple[str, str], List[Route]], functions: Sequence[FunctionSpec]
) -> List[GatewayRoute]:
    # Entries take every method. A gateway's method filter cannot send a request elsewhere (no
    # gateway documents a fall-through), only refuse it with its own 405, where the app answers
    # its own (an Allow header, its error body): a split must not change what the app answers.
    ordered = sorted(entries.items(), key=lambda item: (gw.order_key(item[0][0]), item[0][1]))
    return [
        GatewayRoute(path, None, function, rank, tuple(dict.fromkeys(r.path for r in sources)))
        for rank, ((path, function), sources) in enumerate(ordered, start=1)
    ]


# --- soundness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Conflict:
    gateway: str
    request: _Request
    serving: FunctionSpec  # the function that serves the request's route
    entry: GatewayRoute | None  # the entry that would take it instead (None: refused)


def _conflicts(
    gw: Gateway, table: List[GatewayRoute], requests: Sequence[_Request], owner: Dict[int, FunctionSpec]
) -> List[_Conflict]:
    """The misrouted sample requests, one per pair of functions."""
    found: Dict[Tuple[str, str], _Conflict] = {}
    for request in requests:
        serving = owner[id(request.route)]
        winners = gw.select(table, request.path, request.method)
        if not winners:
            found.setdefault((serving.name, ""), _Conflict(gw.name, request, serving, None))
        for entry in winners:
            if entry.function != serving.name:
                found.setdefault((serving.name, entry.function), _Conflict(gw.name, request, serving, entry))
    return list(found.values())


def _merge(
    functions: List[FunctionSpec], conflict: _Conflict, notes: List[str], app_routes: List[Route]
) -> List[FunctionSpec]:
    request = conflict.request
    serving = next(f for f in functions if any(r is request.route for r in f.routes))  # after earlier merges
    if conflict.entry is not None:
        other = next((f for f in functions if f.name == conflict.entry.function), None) or _holder(
            functions, conflict.entry
        )
    else:
        other = next(f for f in functions if f.catch_all)
    if other is serving and conflict.entry is not None:
        return functions  # an earlier merge of this round already joined them
    if other is serving:  # refused by a method filter: cannot happen, the planner sets none
        raise SplitConflictError(
            f"{conflict.gateway}: the table refuses {request.method} {request.path}, "
            f"which {serving.name} serves"
        )
    taken_by = conflict.entry.path if conflict.entry is not None else "no entry"
    other_routes = (
        ", ".join(conflict.entry.source) if conflict.entry is not None and conflict.entry.source else "(none)"
    )
    why = (
        f"the app sends {request.method} {request.path} to route {request.route.path} "
        f"of function {serving.name}, "
        f"but on {conflict.gateway} it matches {taken_by} of function {other.name} (routes {other_routes})"
    )
    if serving.group is not None or other.group is not None:
        raise SplitConflictError(
            f"groups cannot be told apart on {conflict.gateway}: {why}. "
            f"Put routes {request.route.path} and {other_routes} in the same group, "
            "or change the group patterns"
        )
    keep, gone = (serving, other) if _keeps(serving, other) else (other, serving)
    moved = ", ".join(dict.fromkeys(r.path for r in gone.routes)) or "(no route)"
    notes.append(
        f"{moved} moved from {gone.name} into {keep.name}: the app sends {request.method} {request.path} "
        f"to {request.route.path}, but {conflict.gateway}'s pattern {taken_by} also takes it, so the "
        "gateway cannot keep the two functions apart"
    )
    order = {id(r): i for i, r in enumerate(app_routes)}
    keep.routes = sorted(keep.routes + gone.routes, key=lambda r: order.get(id(r), 0))
    return [f for f in functions if f is not gone]


def _name_by_common_path(project: ProjectConfig, functions: List[FunctionSpec], notes: List[str]) -> None:
    """Per-route functions merged from several paths take the name of the paths' common part
    (``/todos/{id}/edit`` and ``/todos/{id}/delete``: ``todos-id``), not one path's name."""
    for spec in functions:
        if spec.catch_all or len({r.path for r in spec.routes}) < 2:
            continue
        name = slug(f"{project.name}-{strategies.common_path_key(spec.routes)}")
        if name != spec.name and all(other.name != name for other in functions):
            notes.append(f"{spec.name} is named {name}, after the paths it serves")
            spec.name = name


def _holder(functions: List[FunctionSpec], entry: GatewayRoute) -> FunctionSpec:
    """The function now serving the routes an entry was made for (its own may have been merged)."""
    for spec in functions:
        if any(r.path in entry.source for r in spec.routes):
            return spec
    return next(f for f in functions if f.catch_all)


def _keeps(a: FunctionSpec, b: FunctionSpec) -> bool:
    """Whether ``a`` survives a merge with ``b``: the catch-all does, else the bigger, else the first name."""
    if a.catch_all != b.catch_all:
        return a.catch_all
    if len(a.routes) != len(b.routes):
        return len(a.routes) > len(b.routes)
    return a.name < b.name


def _precedence_notes(
    checked: Sequence[Gateway], tables: Dict[str, List[GatewayRoute]], functions: List[FunctionSpec]
) -> List[str]:
    """Per gateway, where the plan relies on the more specific of two functions' entries winning."""
    notes = []
    catch_all = {f.name for f in functions if f.catch_all}
    for gw in checked:
        table = tables[gw.name]
        pairs = [
            (inner, outer)
            for outer in table
            if outer.path != gw.catch_all and outer.function not in catch_all
            for inner in table
            if inner.function != outer.function and _inside(gw, inner, outer)
        ]
        if pairs:
            shown = "; ".join(f"{i.path} ({i.function}) over {o.path} ({o.function})" for i, o in pairs[:3])
            more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
            notes.append(
                f"{gw.name}: {len(pairs)} entries rely on the gateway preferring the more specific entry: "
                f"{shown}{more}"
            )
    return notes


def _inside(gw: Gateway, inner: GatewayRoute, outer: GatewayRoute) -> bool:
    """Whether ``inner`` sits within ``outer`` (the gateway prefers it where both match)."""
    if inner.path == gw.catch_all:
        return False
    if not gw.matches(outer.path, gw.example(inner.path)):
        return False
    return gw.order_key(inner.path) < gw.order_key(outer.path)
