"""``bridge routes`` and ``bridge plan``: route discovery and the split plan on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, List

from ..project import STRATEGIES


def register(subparsers: Any) -> None:
    """Add the ``routes`` and ``plan`` subcommands."""
    routes = subparsers.add_parser(
        "routes",
        help="list the app's routes",
        description="List every route of a Flask, Django or Starlette/FastAPI app: methods, path "
        "(in bridge's neutral syntax), endpoint, defining module, group (blueprint, Django app, router).",
    )
    routes.add_argument("target", help="module:attribute, module, or a Django settings module")
    routes.add_argument("--chdir", metavar="DIR", help="directory to import the target from")
    routes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    routes.set_defaults(run=run_routes)

    plan = subparsers.add_parser(
        "plan",
        help="show how the app is split into functions",
        description="Print the split plan of the project: the functions, their routes, what was merged "
        "and why, and the route table of each gateway (fc, aws, scf, nginx).",
    )
    plan.add_argument("--project", metavar="DIR", default=".", help="project directory (default: .)")
    plan.add_argument("--split", choices=STRATEGIES, help="override the project's split strategy")
    plan.add_argument("--depth", type=int, metavar="N", help="prefix depth for --split per-prefix")
    plan.add_argument(
        "--gateway",
        action="append",
        choices=("fc", "aws", "scf", "nginx", "openwhisk", "openfaas", "kubeless", "fission"),
        help="only check and show this gateway (repeatable; default: fc, aws, scf and nginx)",
    )
    plan.add_argument("--json", action="store_true", help="print JSON instead of text")
    plan.set_defaults(run=run_plan)


def run_routes(args: argparse.Namespace) -> int:
    from ..apploader import load_target
    from .routes import discover_routes, format_table

    found = discover_routes(load_target(args.target, chdir=args.chdir))
    if args.json:
        json.dump([r.as_dict() for r in found], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(found))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    from ..apploader import load_target
    from ..project import load_project
    from .plan import ALL_GATEWAYS, make_plan
    from .routes import discover_routes

    project = load_project(Path(args.project))
    app = load_target(project.app, chdir=str(project.root))
    gateways = args.gateway or list(ALL_GATEWAYS)
    plan = make_plan(project, discover_routes(app), split=args.split, depth=args.depth, gateways=gateways)
    from ..deploy.static_files import django_static_note

    static = django_static_note(project)
    if static:
        plan.notes.append(static)
    if args.json:
        json.dump(plan.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(format_plan(plan, gateways))
    return 0


def format_plan(plan: Any, gateways: List[str]) -> str:
    """The plan as text: functions with their routes, notes, then one table per gateway."""
    lines = [f"project {plan.project.name}: {len(plan.functions)} function(s)", ""]
    for spec in plan.functions:
        flags = (
            " (catch-all)" if spec.catch_all else "" if getattr(spec, "http", True) else " (no HTTP trigger)"
        )
        lines.append(
            f"{spec.name}{flags}  memory={spec.memory}MB timeout={spec.timeout}s"
            + (f" concurrency={spec.concurrency}" if spec.concurrency else "")
        )
        for route in spec.routes:
            methods = ",".join(route.methods) if route.methods else "any"
            lines.append(f"    {methods:<24} {route.path}  {route.endpoint}")
        if spec.catch_all:
            lines.append("    (and every request no other function's route claims)")
        for key in getattr(spec, "jobs", ()):
            lines.append(f"    job {key}")
    if plan.notes:
        lines += ["", "notes:"] + [f"  - {note}" for note in plan.notes]
    for name in gateways:
        lines += ["", f"{name} route table:"]
        for entry in plan.table(name):
            methods = ",".join(entry.methods) if entry.methods else "ANY"
            lines.append(f"  {entry.priority:>3}  {entry.path:<40} {methods:<24} -> {entry.function}")
    return "\n".join(lines) + "\n"
