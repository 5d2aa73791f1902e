"""``bridge run``: serve the app as a web function does, on a platform's start contract.

``python -m bridge.web`` takes the same arguments without building the whole ``bridge`` command
line (the web-mode start scripts use it: nothing but this module and the server is imported).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, List, Mapping, Optional

from .._errors import ConfigError
from .contracts import PLATFORMS, get_contract

_DESCRIPTION = (
    "Serve TARGET (module:attr naming a WSGI or ASGI app, or a Django settings module) with a production "
    "server - uvicorn for ASGI, gunicorn (threaded) for WSGI - where PLATFORM's web functions expect it: "
    "FC 9000 or $FC_SERVER_PORT, SCF 9000, Huawei 8000, Knative/Cloud Run $PORT. Workers and threads are "
    "sized from the instance's CPU and memory; SIGTERM drains running requests within the grace period. "
    "On FC it answers the Initializer and PreStop requests (x-fc-control-path) before the app."
)


def register(subparsers: Any) -> None:
    """Add ``run`` to the ``bridge`` command."""
    parser = subparsers.add_parser(
        "run",
        help="serve the app as a web function: production server, platform's port",
        description=_DESCRIPTION,
    )
    add_arguments(parser)
    parser.set_defaults(run=run_command)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", help="module:attr or a Django settings module (or --project)")
    parser.add_argument(
        "--project", metavar="DIR", help="serve the project's app (bridge.toml / [tool.bridge])"
    )
    parser.add_argument("--chdir", metavar="DIR", help="import TARGET from this directory")
    parser.add_argument(
        "--platform",
        default="auto",
        choices=(*PLATFORMS, "auto"),
        help="whose start contract to follow (default auto: recognised from the environment, else local)",
    )
    parser.add_argument("--host", help="address to listen on (default: the platform's, 127.0.0.1 locally)")
    parser.add_argument("--port", type=int, help="port (default: the platform's)")
    parser.add_argument(
        "--server",
        default="auto",
        choices=("auto", "uvicorn", "gunicorn"),
        help="default: by the app's interface",
    )
    parser.add_argument("--workers", type=int, metavar="N", help="WSGI worker processes (default: sized)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads per WSGI worker (default: sized)")
    parser.add_argument(
        "--concurrency", type=int, metavar="N", help="requests the platform sends one instance at once"
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="peers whose X-Forwarded-* headers are believed, comma-separated or * "
        "(default: $FORWARDED_ALLOW_IPS, else the platform's front end: * on Knative, loopback elsewhere)",
    )
    parser.add_argument(
        "--grace", type=float, metavar="S", help="seconds the platform waits after SIGTERM (default 10)"
    )
    parser.add_argument(
        "--hooks",
        metavar="MODULE:ATTR",
        help="a bridge.Bridge whose on_cold_start hooks run at FC's Initializer and on_shutdown hooks at "
        "its PreStop (--platform fc; default: TARGET itself when it is a Bridge)",
    )
    parser.add_argument(
        "--print", dest="print_plan", action="store_true", help="print the server settings as JSON and exit"
    )


def run_command(
    args: argparse.Namespace, environ: Optional[Mapping[str, str]] = None, on_ready: Optional[Any] = None
) -> int:
    """``bridge run``; ``on_ready(host, port)`` is called once the server accepts connections."""
    from ..apploader import load_target
    from .server import ServerPlan, choose_server, serve
    from .sizing import instance_cpus, instance_memory_mb, size

    environ = os.environ if environ is None else environ
    spec, chdir, project_concurrency = _target(args)
    contract = get_contract(args.platform, environ)
    for name in ("workers", "threads", "concurrency", "grace"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ConfigError(f"--{name} must be positive, not {value}")
    hooks_spec = getattr(args, "hooks", None)  # `bridge serve --mode web` has no --hooks
    if hooks_spec and contract.name != "fc":
        raise ConfigError(
            f"--hooks: the hooks run at FC's Initializer and PreStop requests; {contract.title} sends "
            "none. Run them from the app's own startup (ASGI lifespan) instead"
        )
    app, hooks = _app_and_hooks(load_target(spec, chdir=chdir))
    if hooks_spec:
        hooks = _hooks(load_target(hooks_spec), hooks_spec)
    interface = _interface(app)
    if interface == "asgi" and max(args.workers or 1, args.threads or 1) > 1:
        raise ConfigError(
            "--workers and --threads size WSGI servers: an ASGI app runs in one process per instance, "
            "so that lifespan runs once, and serves concurrent requests on its event loop"
        )
    sizing = size(
        interface,
        cpus=instance_cpus(environ, contract.cpu_variable),
        memory_mb=instance_memory_mb(environ, contract.memory_variable),
        concurrency=args.concurrency or project_concurrency,
        workers=args.workers,
        threads=args.threads,
    )
    plan = ServerPlan(
        contract,
        choose_server(args.server, interface),
        interface,
        host=args.host or contract.host,
        port=args.port if args.port is not None else contract.port(environ),
        sizing=sizing,
        forwarded_allow_ips=args.forwarded_allow_ips
        or environ.get("FORWARDED_ALLOW_IPS")
        or contract.forwarded_allow_ips,
        grace_s=args.grace or contract.grace_s,
    )
    if args.print_plan:
        print(json.dumps(plan.as_dict(), indent=2, sort_keys=True))
        return 0
    print(
        f"bridge run: {plan.server} serving {spec} ({interface}) for {contract.title} on "
        f"{plan.host}:{plan.port}, {sizing.workers} worker(s) x {sizing.threads} thread(s)",
        file=sys.stderr,
        flush=True,
    )
    if contract.name == "fc":
        from .fc_lifecycle import wrap

        # FC ends a custom-runtime instance with its PreStop request, not a signal: answered here,
        # before the app, with the drain SIGTERM would get.
        app = wrap(app, interface, drain_s=plan.graceful_s, hooks=hooks)
    elif hooks is not None:
        print(
            f"bridge run: {spec} is a bridge.Bridge: serving its app; its on_cold_start and on_shutdown "
            "hooks run on FC only (at its Initializer and PreStop)",
            file=sys.stderr,
            flush=True,
        )
    serve(app, plan, on_ready)
    return 0


def _target(args: argparse.Namespace) -> Any:
    """``(target, directory, concurrency)``: from the arguments, or the project's ``app``/``django``
    and ``concurrency``."""
    if args.project and args.target:
        raise ConfigError("bridge run takes TARGET or --project DIR, not both")
    if args.project:
        from pathlib import Path

        from ..project import load_project

        project = load_project(Path(args.project))
        return project.app, str(project.root), project.concurrency
    if not args.target:
        raise ConfigError("bridge run needs a TARGET (module:attr or Django settings) or --project DIR")
    return args.target, args.chdir, None


def _app_and_hooks(target: Any) -> Any:
    """``(app, hooks)``: a :class:`bridge.Bridge` (an event-mode ``index:handler``) is served as
    its app, its hooks kept for FC's lifecycle requests."""
    from .._bridge import Bridge

    if isinstance(target, Bridge):
        return target.app, target
    return target, None


def _hooks(target: Any, spec: str) -> Any:
    from .._bridge import Bridge

    if not isinstance(target, Bridge):
        raise ConfigError(f"--hooks {spec}: not a bridge.Bridge (the object whose hooks run), but {target!r}")
    return target


def _interface(app: Any) -> str:
    from .._bridge import _is_asgi

    return "asgi" if _is_asgi(app) else "wsgi"


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m bridge.web``: ``bridge run`` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="python -m bridge.web", description=_DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    # bridge.cli imports no feature at import time: this costs the start script nothing measurable.
    from ..cli import run_reporting_errors

    return run_reporting_errors(lambda: run_command(args), "run")
