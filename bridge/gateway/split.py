"""``bridge serve --project DIR``: a split plan behind the local gateway, one worker per function.

The plan is made as ``bridge plan`` makes it, checked for one gateway's route table: the one in
front of the platform served (FC custom domain for ``fc``/``fc2``, SCF API Gateway for ``scf``,
AWS HTTP API for ``aws-v1``/``aws-v2``, nginx for triggers without path routing, the open-source
platforms' own: OpenWhisk API Gateway resources, OpenFaaS FunctionIngress paths, Fission HTTP
triggers, Kubeless HTTPTriggers; ``--table`` chooses another). Requests are routed by *that table
with that gateway's rule* (:meth:`bridge.split.tables.Gateway.select`, the simulator the plan
was checked against), not by ``--routes``' own pattern language, which cannot say FC's
``/todos/*`` (everything below ``/todos/`` but not ``/todos``) or nginx's ``= /x``. Where the
rule is UNCONFIRMED and several entries may win, the first in the table's order does; the plan
made them agree on every route.

On the open-source platforms a split's table sits at the app's own paths, and each gateway hands
the function it picked the request in its own way (:data:`FORWARDS`): OpenFaaS's ingress rewrites
to ``/function/<name>/<path>``, which the OpenFaaS gateway strips; OpenWhisk's API Gateway invokes
the web action with the path as ``__ow_path`` and the public URL in ``X-Forwarded-Url`` (the API's
base path is the local gateway's root); Fission's router forwards ``/`` for a ``relativeurl``
trigger and the whole path for a ``keepPrefix`` one, the client's URL in ``X-Fission-Full-Url``;
Kubeless's ingress rewrites each path to itself. The function's emulator does the rest, as for an
unsplit function.

Each function is the TARGET ``bridge.split.serving:functions.<name>``: its worker imports the
app from the project root and wraps it in that function's route guard, from the routes file this
module writes (``BRIDGE_ROUTES``, the ``bridge_routes.json`` format of a split package).
Workers start on a function's first request, as the gateway starts every instance.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Tuple

from .._errors import ConfigError
from ..emulators import Emulator, GatewayRequest, get_emulator
from ..split.serving import ROUTES_ENV, routes_document
from ..split.tables import FissionGateway, GatewayRoute
from ..split.tables import gateway as gateway_rule
from .routes import ALL_METHODS, Route, RouteTable

log = logging.getLogger("bridge.gateway")

#: The gateway whose route table routes a split app on each platform.
TABLE_FOR_PLATFORM: Dict[str, str] = {
    "fc": "fc",
    "fc2": "fc",  # a custom domain: FC 2.0 and 3.0 share the routeConfig rules
    "scf": "scf",
    "scf-url": "nginx",  # Function URLs have no path routing: one URL per function behind a proxy
    "aws-v1": "aws",
    "aws-v2": "aws",
    "alb": "nginx",  # listener rules are not modelled; a proxy per function instead
    "azure": "aws",  # Azure routes per function, by the HTTP API table (deploy/targets/azure.py)
    "openwhisk": "openwhisk",  # API Gateway resources (the manifest's apis)
    "openfaas": "openfaas",  # FunctionIngress paths, through ingress-nginx
    "fission": "fission",  # an HTTPTrigger per entry, at the app's paths
    "kubeless": "kubeless",  # an HTTPTrigger (an Ingress) per entry
}

#: What the gateway hands the function it picked: (the request, the entry, the function's emulator).
Forward = Callable[[GatewayRequest, GatewayRoute, Emulator], GatewayRequest]


def _function_url(request: GatewayRequest, entry: GatewayRoute, emulator: Emulator) -> GatewayRequest:
    # The FunctionIngress rewrites to /function/<name>/$1 (openfaas/ingress-operator); the
    # gateway strips that again, as the emulator does for an unsplit function.
    return replace(request, target=emulator.url_prefix + request.target)


def _api_gateway(request: GatewayRequest, entry: GatewayRoute, emulator: Emulator) -> GatewayRequest:
    # routing.lua invokes the web action with the path below the base path as __ow_path and the
    # public URL in X-Forwarded-Url (apache/openwhisk-apigateway scripts/lua/routing.lua).
    headers = [(name, value) for name, value in request.headers if name.lower() != "x-forwarded-url"]
    headers.append(("X-Forwarded-Url", f"{request.scheme}://{request.authority}{request.target}"))
    return replace(request, target=emulator.url_prefix + request.target, headers=headers)


def _fission_router(request: GatewayRequest, entry: GatewayRoute, emulator: Emulator) -> GatewayRequest:
    # fission/fission pkg/router/rewrite.go: a relativeurl trigger forwards "/", a keepPrefix one
    # the whole path, the query kept; requesthHeader.go sets X-Fission-Full-Url to the client's.
    prefix = FissionGateway.prefix(entry.path)
    path = request.raw_path if prefix is not None else "/"
    query = "?" + request.raw_query if request.raw_query else ""
    own = ("x-fission-full-url", "x-fission-params-")
    headers = [(name, value) for name, value in request.headers if not name.lower().startswith(own)]
    if prefix is None:  # a {name} of the relativeurl, each as X-Fission-Params-<name>
        names = re.findall(r"\{([^{}]*)\}", entry.path)
        pattern = re.sub(r"\\\{[^{}]*\\\}", "([^/]+)", re.escape(entry.path))
        values = re.fullmatch(pattern, request.raw_path)
        if values is not None:
            headers += [(f"X-Fission-Params-{n}", v) for n, v in zip(names, values.groups())]
    headers.append(("X-Fission-Full-Url", request.target))
    return replace(request, target=path + query, headers=headers)


def _rewrite_to_itself(request: GatewayRequest, entry: GatewayRoute, emulator: Emulator) -> GatewayRequest:
    return request  # rewrite-target /$1, the whole path in $1 (bridge.split.tables.KubelessGateway)


#: The platforms whose split is routed at the app's own paths, and how their gateway forwards.
FORWARDS: Dict[str, Forward] = {
    "openfaas": _function_url,
    "openwhisk": _api_gateway,
    "fission": _fission_router,
    "kubeless": _rewrite_to_itself,
}
#: Options a platform's emulator needs behind its split table (Fission's takes the router's work
#: as done: the path already rewritten, X-Fission-Full-Url set).
EMULATOR_OPTIONS: Dict[str, Dict[str, Any]] = {"fission": {"routed": True}}

#: How a worker names one function of the plan (see :mod:`bridge.split.serving`).
TARGET = "bridge.split.serving:functions.{function}"


class PlanRouteTable(RouteTable):
    """A plan's gateway table as the local gateway's route table, matched by that gateway's rule.

    ``prefix`` (a stage, FC 2.0's proxy path) is what the platform puts before the app's paths;
    the gateway's table sees the path below it. ``forward`` is how the gateway hands a request to
    the function an entry names (:data:`FORWARDS`; unchanged when ``None``).
    """

    def __init__(
        self, entries: Iterable[GatewayRoute], table: str, *, prefix: str = "", forward: Forward | None = None
    ) -> None:
        self.rule = gateway_rule(table)
        self.entries = list(entries)
        self.prefix = prefix.rstrip("/")
        self._forward = forward
        self._rows = {
            entry: Route(
                entry.path,
                entry.methods or ALL_METHODS,
                entry.function,
                TARGET.format(function=entry.function),
            )
            for entry in self.entries
        }
        self._entry_of = {row: entry for entry, row in self._rows.items()}
        super().__init__(self._rows.values())
        self.routes = list(self._rows.values())  # the table's own order, for the banner
        #: The project's [schedules] / [events] and the function of the plan running each job
        #: (``schedules.NAME`` -> function), set by :func:`plan_routes`.
        self.jobs: Any = None
        self.placement: Dict[str, str] = {}

    def match(self, path: str, method: str) -> Tuple[Route | None, Route | None]:
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None, None
            path = path[len(self.prefix) :] or "/"
        winners = self.rule.select(self.entries, path, method)
        if winners:
            return self._rows[winners[0]], None
        # Refused: an exact entry has the path, but not for this method (no fall-through).
        taking = next((e for e in self.entries if self.rule.matches(e.path, path)), None)
        return None, self._rows[taking] if taking is not None else None

    def forward(self, route: Route, request: GatewayRequest, emulator: Emulator) -> GatewayRequest:
        if self._forward is None:
            return request
        return self._forward(request, self._entry_of[route], emulator)


def plan_routes(
    project_dir: str,
    platform: str,
    options: Dict[str, Any],
    *,
    split: str | None = None,
    depth: int | None = None,
    table: str | None = None,
) -> Tuple[PlanRouteTable, str]:
    """The route table of the project's split plan and the project root to run workers in.

    Writes the plan's routes file to a temporary directory (removed at exit) and sets
    ``BRIDGE_ROUTES`` to it in this process, whose environment every worker inherits; adds to
    ``options`` what the platform's emulator needs behind the table (:data:`EMULATOR_OPTIONS`).
    """
    from ..apploader import load_target
    from ..project import load_project
    from ..split.plan import make_plan
    from ..split.routes import discover_routes

    table = table or TABLE_FOR_PLATFORM.get(platform)
    if table is None:
        raise ConfigError(f"no route table is known for platform {platform!r}: choose one with --table")
    project = load_project(Path(project_dir))
    # Planning imports the app here, once, as `bridge plan` does; no request is served from it.
    app_routes = discover_routes(load_target(project.app, chdir=str(project.root)))
    plan = make_plan(project, app_routes, split=split, depth=depth, gateways=(table,))
    directory = tempfile.mkdtemp(prefix="bridge-serve-")
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, "bridge_routes.json")
    with open(path, "w", encoding="utf-8") as file:
        document = routes_document(plan.functions, app_routes, app=project.app)
        json.dump(document, file, indent=1, sort_keys=True)
    os.environ[ROUTES_ENV] = path
    log.info(
        "plan %s: %d function(s), routed by the %s table (%s)",
        split or project.split,
        len(plan.functions),
        table,
        path,
    )
    for note in plan.notes:
        log.info("plan note: %s", note)
    forward = FORWARDS.get(platform)
    if forward is not None:
        # The split's table sits at the app's own paths on these platforms (no stage, no prefix).
        options.update(EMULATOR_OPTIONS.get(platform, {}))
        return PlanRouteTable(plan.table(table), table, forward=forward), str(project.root)
    prefix = get_emulator(platform, **options).url_prefix
    routes = PlanRouteTable(plan.table(table), table, prefix=prefix)
    routes.jobs = project.jobs or None
    routes.placement = {key: spec.name for spec in plan.functions for key in spec.jobs}
    return routes, str(project.root)
