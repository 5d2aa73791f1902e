"""``bridge serve --project DIR``: a split plan behind the local gateway, one worker per function.

The plan is made as ``bridge plan`` makes it, checked for one gateway's route table: the one in
front of the platform served (FC custom domain for ``fc``/``fc2``, SCF API Gateway for ``scf``,
AWS HTTP API for ``aws-v1``/``aws-v2``, nginx for triggers without path routing; ``--table``
chooses another). Requests are routed by *that table with that gateway's rule*
(:meth:`bridge.split.tables.Gateway.select`, the simulator the plan was checked against), not
by ``--routes``' own pattern language, which cannot say FC's ``/todos/*`` (everything below
``/todos/`` but not ``/todos``) or nginx's ``= /x``. Where the rule is UNCONFIRMED and several
entries may win, the first in the table's order does; the plan made them agree on every route.

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
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple

from .._errors import ConfigError
from ..emulators import get_emulator
from ..split.serving import ROUTES_ENV, routes_document
from ..split.tables import GatewayRoute
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
}

#: How a worker names one function of the plan (see :mod:`bridge.split.serving`).
TARGET = "bridge.split.serving:functions.{function}"


class PlanRouteTable(RouteTable):
    """A plan's gateway table as the local gateway's route table, matched by that gateway's rule.

    ``prefix`` (a stage, FC 2.0's proxy path) is what the platform puts before the app's paths;
    the gateway's table sees the path below it.
    """

    def __init__(self, entries: Iterable[GatewayRoute], table: str, *, prefix: str = "") -> None:
        self.rule = gateway_rule(table)
        self.entries = list(entries)
        self.prefix = prefix.rstrip("/")
        self._rows = {
            entry: Route(
                entry.path,
                entry.methods or ALL_METHODS,
                entry.function,
                TARGET.format(function=entry.function),
            )
            for entry in self.entries
        }
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
    ``BRIDGE_ROUTES`` to it in this process, whose environment every worker inherits.
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
    prefix = get_emulator(platform, **options).url_prefix
    routes = PlanRouteTable(plan.table(table), table, prefix=prefix)
    routes.jobs = project.jobs or None
    routes.placement = {key: spec.name for spec in plan.functions for key in spec.jobs}
    return routes, str(project.root)
