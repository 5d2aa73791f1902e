"""``bridge serve`` and ``bridge invoke``: the command-line face of the local gateway."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from .._errors import ConfigError
from ..emulators import PLATFORM_NAMES, get_emulator
from ..project import STRATEGIES

DEFAULT_FUNCTION = "bridge-function"


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``invoke`` to the ``bridge`` command."""
    serve = subparsers.add_parser(
        "serve",
        help="run TARGET behind a local emulation of a platform's HTTP gateway",
        description="Serve TARGET (module:attr naming an app or a handler, or a Django settings module) on "
        "localhost. Every request becomes the event PLATFORM would send; the handler runs in its own "
        "instance process; the answer is turned into HTTP the way the platform's gateway does.",
    )
    serve.add_argument(
        "target", nargs="?", help="module:attr or a Django settings module (omit with --routes or --project)"
    )
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9000, help="port (default 9000; 0 picks a free one)")
    serve.add_argument(
        "--reload", action="store_true", help="restart the function instances when code changes"
    )
    serve.add_argument(
        "--mode",
        choices=("event", "web"),
        default="event",
        help="event (default): through the platform's trigger emulation; web: the app on the web-function "
        "server, as `bridge run` serves it (streams, SSE and WebSockets as they are)",
    )
    serve.add_argument(
        "--routes", metavar="FILE", help="JSON route table [{path, methods, function, target}]"
    )
    serve.add_argument(
        "--project",
        metavar="DIR",
        help="serve the project's split plan: a worker per function, routed by the plan's route table",
    )
    serve.add_argument("--split", choices=STRATEGIES, help="with --project: override the split strategy")
    serve.add_argument("--depth", type=int, metavar="N", help="with --project: prefix depth for per-prefix")
    serve.add_argument(
        "--table",
        choices=("fc", "aws", "scf", "nginx"),
        help="with --project: the gateway whose route table and matching rule route requests "
        "(default: the platform's; nginx for scf-url and alb)",
    )
    serve.add_argument(
        "--streaming",
        action="store_true",
        help="aws-v2: run TARGET as `bridge build --streaming` deploys it (bridge.aws_runtime against a "
        "local Runtime API) and stream its responses as a RESPONSE_STREAM Function URL does",
    )
    serve.add_argument("--methods", help="the trigger's allowed methods, e.g. GET,POST (default: all)")
    serve.add_argument("--timeout", type=float, default=30.0, help="function timeout in seconds (default 30)")
    serve.add_argument(
        "--as-deployed",
        action="store_true",
        help="with --project: run each function from the built package (bridge build), unpacked read-only, "
        "with only a temp dir writable and the platform's environment, memory and timeout",
    )
    serve.add_argument(
        "--build", metavar="DIR", help="with --as-deployed: the build output (default build/<platform>)"
    )
    serve.set_defaults(run=run_serve)

    invoke = subparsers.add_parser(
        "invoke",
        help="run one request through a platform in this process and print everything",
        description="Build the event PLATFORM would send for METHOD URL (or read it with --event), call the "
        "handler in this process, and print the event, the platform response and the HTTP response.",
    )
    invoke.add_argument("target", help="module:attr or a Django settings module")
    invoke.add_argument("method", nargs="?", default=None, help="HTTP method (default GET, or POST with -d)")
    invoke.add_argument("url", nargs="?", default=None, help="path and query, e.g. /api/todos?done=1")
    _common(invoke)
    invoke.add_argument(
        "--event",
        metavar="FILE|NAME",
        help="a ready-made event (JSON) instead of METHOD URL; with --file, the project's [events] "
        "entry NAME",
    )
    invoke.add_argument("-H", "--header", action="append", default=[], help="'Name: value' (repeatable)")
    invoke.add_argument("-d", "--data", help="request body: text, @file or @- for stdin")
    invoke.add_argument("--debug", action="store_true", help="stop in pdb where the app raises")
    invoke.add_argument("--fail", action="store_true", help="exit 1 on a 5xx response (as curl --fail)")
    invoke.add_argument("--timer", metavar="NAME", help="fire the project's [schedules] entry NAME")
    invoke.add_argument(
        "--job-event", metavar="FILE", help="a storage or queue event (JSON) for the project's [events]"
    )
    invoke.add_argument(
        "--file",
        metavar="FILE",
        help="with --event NAME: the storage or queue event (JSON, the vendor's sample) for that entry only",
    )
    invoke.set_defaults(run=run_invoke)
    # ``bridge invoke TARGET --platform scf GET /path -H ...``: options between positionals.
    invoke.__class__ = _IntermixedParser


class _IntermixedParser(argparse.ArgumentParser):
    """Parses positionals wherever they are among the options (curl-style command lines)."""

    _intermixing = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._intermixing:  # Python < 3.12 re-enters here from parse_known_intermixed_args
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        required=True,
        type=_platform,
        choices=PLATFORM_NAMES,
        help="the platform trigger to emulate (aws: the HTTP API, aws-v2)",
    )
    parser.add_argument("--chdir", metavar="DIR", help="import TARGET from this directory")
    parser.add_argument("--stage", help="serve the default-domain form with this stage (scf, aws-v1, aws-v2)")
    parser.add_argument(
        "--default-domain",
        action="store_true",
        help="the function sees the platform's default domain (Host, https) instead of the gateway's "
        "address, as in the cloud: shows ALLOWED_HOSTS, CSRF and absolute-URL problems locally",
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an emulator option: multi_value=true (alb), base64_all=true (fc, scf), "
        "binary_media_types=image/* (aws-v1), string_booleans=true (scf), custom_domain=true (fc2), "
        "function_name=..., memory_mb=...",
    )


#: Platform names `bridge build` uses, as the gateway trigger they mean: `aws` deploys an HTTP API.
PLATFORM_ALIASES = {"aws": "aws-v2"}


def _platform(name: str) -> str:
    return PLATFORM_ALIASES.get(name, name)


def emulator_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The emulator options the arguments ask for, validated against the platform."""
    options: Dict[str, Any] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"-o {item!r} must look like KEY=VALUE")
        options[key.strip().replace("-", "_")] = _option_value(key.strip(), value.strip())
    if args.stage:
        options["stage"] = args.stage
    if getattr(args, "default_domain", False) or options.get("keep_host") is False:
        # ``-o keep_host=false`` asked for the default domain before the flag existed.
        options["default_domain"] = True
    if getattr(args, "methods", None):
        options["methods"] = [m for m in args.methods.replace(" ", ",").split(",") if m]
    get_emulator(args.platform, **options)  # a ConfigError now beats one in every instance
    return options


def _option_value(key: str, text: str) -> Any:
    if key in ("methods", "binary_media_types"):
        return [item for item in text.split(",") if item]
    try:
        return json.loads(text)
    except ValueError:
        return text


def run_serve(args: argparse.Namespace) -> int:
    from .reloader import Reloader
    from .routes import load_routes, single_function
    from .server import Function, Gateway, bind_socket, run
    from .split import TARGET as PLAN_TARGET
    from .worker import WorkerSpec

    _configure_logging()
    if args.mode == "web":
        return _serve_web(args)
    options = emulator_options(args)
    chdir = os.path.abspath(args.chdir) if args.chdir else None
    if sum(map(bool, (args.target, args.routes, args.project))) > 1:
        raise ConfigError("bridge serve takes one of TARGET, --routes FILE and --project DIR")
    if (args.routes or args.project) and args.platform == "fc2":
        # A route table is a custom domain's: paths arrive without FC 2.0's proxy prefix.
        options.setdefault("custom_domain", True)
    if args.streaming and (args.platform != "aws-v2" or not args.target):
        raise ConfigError(
            "--streaming serves one TARGET as AWS's streaming runtime: use --platform aws-v2 with a TARGET "
            "(web functions stream in `bridge run`)"
        )
    deployed: Dict[str, Any] = {}
    if args.as_deployed:
        from .deployed import prepare

        if args.target or args.routes:
            raise ConfigError("--as-deployed runs a project's built package: use --project DIR, not TARGET")
        args.project = args.project or "."
        deployed = prepare(args.project, args.platform, args.build)
        args.split = args.split or deployed["strategy"]
        args.depth = args.depth or deployed["depth"]
    if deployed and not deployed["split"]:
        from .deployed import TARGET as DEPLOYED_TARGET

        name = deployed["names"][0]
        routes = single_function(DEPLOYED_TARGET.format(function=name), name)
        chdir = None
    elif args.project:
        from .split import plan_routes

        routes, chdir = plan_routes(
            args.project, args.platform, options, split=args.split, depth=args.depth, table=args.table
        )
    elif args.routes:
        routes = load_routes(args.routes)
    elif args.target:
        routes = single_function(args.target, options.get("function_name", DEFAULT_FUNCTION))
    else:
        raise ConfigError("bridge serve needs a TARGET (module:attr), --routes FILE or --project DIR")
    jobs, placement = _project_jobs(args, routes, chdir)
    listed = [name for name, _ in routes.functions]
    # A split plan's `jobs` function has no route: it gets an instance for the jobs alone.
    extra = [
        (name, PLAN_TARGET.format(function=name))
        for name in dict.fromkeys(placement.values())
        if name not in listed
    ]
    functions = {}
    for name, target in routes.functions + extra:
        timeout = args.timeout
        if deployed:
            from .deployed import TARGET as DEPLOYED_TARGET

            if name not in deployed["names"]:
                raise ConfigError(
                    f"the plan has function {name!r}, the built package {', '.join(deployed['names'])}: "
                    "run `bridge build` again"
                )
            target = DEPLOYED_TARGET.format(function=name)
            timeout = float(deployed["functions"].get(name, {}).get("timeout") or timeout)
        spec = WorkerSpec(target, args.platform, {**options, "function_name": name}, chdir)
        if jobs is not None:
            spec.jobs = jobs.document()
        if args.streaming:
            from .streaming import StreamingFunction

            functions[name] = StreamingFunction(name, spec, timeout)
        else:
            functions[name] = Function(name, spec, timeout)
    local_jobs = None
    if jobs is not None and args.streaming:
        # The streamed instance is Lambda's runtime loop, fed HTTP events only.
        logging.getLogger("bridge.gateway").warning(
            "[schedules] and [events] are not fired under --streaming: serve without it to fire them"
        )
    elif jobs is not None:
        from .schedules import LocalJobs

        local_jobs = LocalJobs(jobs, args.platform, placement)
    gateway = Gateway(routes, functions, args.platform, jobs=local_jobs)
    sock = bind_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    # A split's table has its own public prefix (none where it sits at the app's paths).
    prefix = getattr(routes, "prefix", None)
    if prefix is None:
        prefix = next(iter(functions.values())).emulator.url_prefix

    def announce() -> None:
        shown_host = f"[{host}]" if ":" in host else host
        print(
            f"bridge serve: {args.platform} gateway listening on http://{shown_host}:{port}{prefix}/",
            flush=True,
        )
        for route in routes.routes:
            print(
                f"  {route.pattern} {','.join(route.methods)} -> {route.function} ({route.target})",
                flush=True,
            )
        if local_jobs is not None:
            print("\n".join(local_jobs.banner(f"http://{shown_host}:{port}")), flush=True)

    reloader: Reloader | None = None
    if args.reload:
        reloader = Reloader(chdir or os.getcwd(), gateway.restart)
        reloader.start()
    try:
        run(gateway, sock, on_started=announce)
    finally:
        if reloader is not None:
            reloader.stop()
    return 0


def _serve_web(args: argparse.Namespace) -> int:
    """``bridge serve --mode web``: ``bridge run`` on this machine, announced as the gateway is."""
    from ..web.cli import run_command
    from ..web.contracts import CONTRACTS

    unsupported = [
        flag
        for flag, given in (
            ("--routes", args.routes),
            ("--as-deployed", args.as_deployed),
            ("--reload", args.reload),
            ("--split", args.split),
            ("--stage", args.stage),
            ("--default-domain", args.default_domain),
            ("-o", args.option),
        )
        if given
    ]
    if unsupported:
        raise ConfigError(
            f"{', '.join(unsupported)}: not for --mode web, which serves TARGET or --project DIR as "
            "`bridge run` does; leave them out, or use --mode event"
        )
    web = argparse.Namespace(
        target=args.target,
        project=args.project,
        chdir=args.chdir,
        # The platform's grace period and keep-alive; the address is this machine's.
        platform=args.platform if args.platform in CONTRACTS else "local",
        host=args.host,
        port=args.port,
        server="auto",
        workers=None,
        threads=None,
        concurrency=None,
        forwarded_allow_ips=None,
        grace=None,
        print_plan=False,
    )

    def announce(host: str, port: int) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        print(f"bridge serve: web mode listening on http://{shown_host}:{port}/", flush=True)

    return run_command(web, on_ready=announce)


def _project_jobs(args: argparse.Namespace, routes: Any, chdir: str | None) -> Tuple[Any, Dict[str, str]]:
    """The project's [schedules] / [events] and the function running each (``schedules.NAME`` ->
    function): from the plan with --project; for a TARGET, the project in --chdir or here, all on
    its one function. ``(None, {})`` when there are none (or a --routes table is served)."""
    jobs = getattr(routes, "jobs", None)
    if jobs is not None:
        return jobs, dict(routes.placement)
    if args.routes or (args.project and not args.as_deployed):
        return None, {}
    from ..project import load_project

    try:
        project = load_project(Path(args.project or chdir or "."))
    except ConfigError as exc:
        if not str(exc).startswith("no project definition"):  # an app served on its own: nothing to say
            log = logging.getLogger("bridge.gateway")
            log.warning("%s: its [schedules] and [events] are not served", exc)
        return None, {}
    if not project.jobs:
        return None, {}
    (name, _), *_ = routes.functions
    return project.jobs, {job.key: name for job in project.jobs.all()}


def run_invoke(args: argparse.Namespace) -> int:
    from .invoke import run

    _configure_logging()
    if args.file is not None:
        if args.event is None or args.job_event is not None:
            raise ConfigError(
                "--file goes with --event NAME: bridge invoke TARGET --event uploads --file f.json"
            )
        args.job_name, args.job_event, args.event = args.event, args.file, None
    if args.timer is not None or args.job_event is not None:
        from ..events.local import run_local

        return run_local(
            args.target,
            args.platform,
            timer=args.timer,
            event_file=args.job_event,
            event_name=getattr(args, "job_name", None),
            chdir=args.chdir,
        )
    method, url = args.method, args.url
    if method and url is None and (method.startswith("/") or "://" in method):
        method, url = None, method
    if method is None:
        method = "POST" if args.data is not None else "GET"
    if args.event is None and url is None and args.method is None:
        url = "/"
    return run(
        args.target,
        args.platform,
        method=method,
        url=url or "/",
        headers=args.header,
        data=args.data,
        event_file=args.event,
        options=emulator_options(args),
        chdir=args.chdir,
        debug=args.debug,
        fail=args.fail,
    )


def _configure_logging() -> None:
    logger = logging.getLogger("bridge.gateway")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("bridge: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


__all__: List[str] = ["register"]
