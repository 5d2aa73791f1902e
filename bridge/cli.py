"""The ``bridge`` command: a thin shell over the feature packages.

Each feature registers its own subcommands (``register(subparsers)`` in its ``cli`` module), so the
CLI imports a feature only when its command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, List, Optional

# (module, what it adds) in the order ``bridge --help`` lists them.
_FEATURES = (
    ("bridge.gateway.cli", "serve, invoke: the local gateway"),
    ("bridge.web.cli", "run: the app as a web function, on a production server"),
    ("bridge.split.cli", "routes, plan: route discovery and splitting"),
    ("bridge.deploy.cli", "build, package: deploy files and code packages"),
    ("bridge.check.cli", "check: what breaks when the app runs as a function"),
    ("bridge.cloud.cli", "deploy, status, manage, remove: the plan applied to a cloud"),
)


# The usual way from an app to a deployed function, for `bridge --help`.
_WORKFLOW = """a migration, step by step (each command: bridge COMMAND --help):
  bridge check --project .                     what breaks when the app runs as a function
  bridge serve index:handler --platform fc     the app behind a local emulation of FC's trigger
  bridge plan --project . --split per-route    how a split would carve the app into functions
  bridge build --platform fc --project .       s.yaml / serverless.yml / template.yaml and the package
  bridge serve --as-deployed --project . --platform fc    the built package, read-only, as deployed
  bridge deploy --platform fc --project .      the same plan, through the cloud's API
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bridge",
        description="Run an unchanged WSGI/ASGI app (Flask, Django, FastAPI) as a function: Alibaba FC, "
        "Tencent SCF, AWS Lambda, Azure, Google, Huawei, OpenWhisk, Fn, OpenFaaS, Fission, Kubeless, "
        "Knative.",
        epilog=_WORKFLOW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bridge (faas-bridge) {_version()}")
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


def _version() -> str:
    """The installed distribution's version, else the source tree's."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("faas-bridge")
    except PackageNotFoundError:
        from . import __version__

        return __version__


#: Optional modules, and the faas-bridge extra that installs each (pyproject.toml).
EXTRAS = {"uvicorn": "serve", "gunicorn": "web", "yaml": "build", "packaging": "build", "tqdm": "build"}


def missing_extra(exc: ImportError, command: str) -> Optional[str]:
    """The message for a command whose optional dependency is not installed, or None."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    return (
        f"`bridge {command}` needs {module}, which is not installed here: "
        f'pip install "faas-bridge[{extra}]"'
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``bridge`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return run_reporting_errors(lambda: args.run(args), args.command)


def run_reporting_errors(run: Callable[[], Optional[int]], command: str) -> int:
    """``run()``'s exit status; a :class:`BridgeError` or a missing extra is one line on stderr and
    exit status 1, Ctrl-C 130 (as a shell reports SIGINT)."""
    from ._errors import BridgeError

    try:
        return int(run() or 0)
    except BridgeError as exc:
        print(f"bridge: error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        message = missing_extra(exc, command)
        if message is None:
            raise
        print(f"bridge: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
