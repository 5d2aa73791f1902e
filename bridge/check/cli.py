"""``bridge check``: will this app survive as a function?

Exit status: 0 nothing breaks (risky and cost findings may be listed), 1 something breaks,
2 a usage error (bad arguments, no project definition, a target that does not name an app file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .platform_facts import PLATFORMS


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand."""
    check = subparsers.add_parser(
        "check",
        help="find what breaks when the app runs as a function",
        description="Read the app's code and settings, import it with the code read-only as a function "
        "instance would, and report each hazard (breaks / risky / cost) with file:line, why it "
        "matters on the platform, what to do and the vendor's documentation. Exit status: 0 nothing "
        "breaks, 1 something breaks, 2 usage error.",
    )
    check.add_argument(
        "target",
        nargs="?",
        help="module:attribute, module, or a Django settings module (default: the project's app)",
    )
    check.add_argument("--chdir", metavar="DIR", help="directory to import the target from (with TARGET)")
    check.add_argument("--project", metavar="DIR", help="project directory with [tool.bridge] (default: .)")
    check.add_argument(
        "--platform", choices=PLATFORMS, default="aws", help="judge for this platform (default: aws)"
    )
    check.add_argument("--json", action="store_true", help="print JSON for CI instead of text")
    check.add_argument("--no-import", action="store_true", help="static checks only: do not import the app")
    check.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="give up importing the app after S seconds (default: 60)",
    )
    check.add_argument(
        "--budget",
        type=float,
        default=1.0,
        metavar="S",
        help="cold-start budget: loading the app for longer is a cost finding (default: 1)",
    )
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    from .._errors import BridgeError
    from ..project import load_project
    from .assessment import assess
    from .report import as_json, as_text

    if args.target and args.project:
        return _usage("give a TARGET (with --chdir) or --project, not both")
    if args.chdir and not args.target:
        return _usage("--chdir goes with a TARGET; for a project use --project DIR")
    try:
        if args.target:
            root = Path(args.chdir or ".")
            if not root.is_dir():
                return _usage(f"--chdir {args.chdir}: no such directory")
            project, target, environment, name = None, args.target, {}, ""
        else:
            project = load_project(Path(args.project or "."))
            root, target, environment, name = project.root, project.app, project.environment, project.name
        assessment = assess(
            root,
            target,
            platform=args.platform,
            project=project,
            name=name,
            environment=environment,
            dynamic=not args.no_import,
            timeout=args.timeout,
            budget=args.budget,
        )
    except BridgeError as exc:
        return _usage(str(exc))
    if args.json:
        json.dump(as_json(assessment), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(as_text(assessment))
    return 1 if assessment.breaks else 0


def _usage(message: str) -> int:
    print(f"bridge check: error: {message}", file=sys.stderr)
    return 2
