"""The ``bridge`` command: a thin shell over the feature packages.

Each feature registers its own subcommands (``register(subparsers)`` in its ``cli`` module), so the
CLI imports a feature only when its command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

# (module, what it adds) in the order ``bridge --help`` lists them.
_FEATURES = (
    ("bridge.gateway.cli", "serve, invoke: the local gateway"),
    ("bridge.split.cli", "routes, plan: route discovery and splitting"),
    ("bridge.deploy.cli", "build, package: deploy files and code packages"),
    ("bridge.cloud.cli", "deploy, status, manage, remove: the plan applied to a cloud"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bridge",
        description="Run an unchanged WSGI/ASGI app on Alibaba FC, Tencent SCF and AWS Lambda.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, _ in _FEATURES:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            # A feature whose optional dependency is not installed is left out of this install's
            # commands; a broken import inside faas-bridge itself is a bug and must show.
            missing = exc.name or ""
            if missing.startswith("bridge") and not module_name.startswith(missing):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``bridge`` console script."""
    from ._errors import BridgeError

    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except BridgeError as exc:
        print(f"bridge: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
