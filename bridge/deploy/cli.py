"""``bridge build`` and ``bridge package``: deploy files and code packages from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, Sequence

from .deployment import MODES, SERVERS, TRIGGERS


def register(subparsers: Any) -> None:
    """Add the ``build`` and ``package`` subcommands to the ``bridge`` parser."""
    from .targets import TARGETS

    build = subparsers.add_parser(
        "build",
        help="write the deploy files and the code package for a platform",
        description="Write the deploy file (FC s.yaml, SCF serverless.yml, AWS SAM template.yaml) and the "
        "code package into DIR (default build/<platform>/), from the project definition; options "
        "given here override it.",
    )
    package = subparsers.add_parser(
        "package",
        help="build the code package (zip) and report its size against the platform's limits",
        description="Build the code package: the app, faas-bridge and the requirements installed for the "
        "function runtime, as a reproducible zip.",
    )
    for parser in (build, package):
        parser.add_argument("--platform", required=True, choices=sorted(TARGETS), help="target platform")
        parser.add_argument(
            "--project", type=Path, default=Path("."), metavar="DIR", help="project root (default: .)"
        )
        parser.add_argument(
            "--out", type=Path, metavar="DIR", help="output directory (default: build/<platform>/)"
        )
        parser.add_argument("--split", metavar="STRATEGY", help="split strategy, overriding the project's")
        parser.add_argument("--depth", type=int, metavar="N", help="split depth, overriding the project's")
        parser.add_argument(
            "--mode",
            choices=MODES,
            help="event: the platform calls index.handler (default); web: the start script or image runs "
            "`bridge run`, gunicorn/uvicorn on the platform's port (FC, SCF, Knative)",
        )
        parser.add_argument(
            "--server",
            choices=SERVERS,
            help="web-mode server (default: gunicorn for WSGI, uvicorn for ASGI)",
        )
        parser.add_argument("--runtime", help="Python runtime, e.g. python3.10, overriding the project's")
        add_streaming_option(parser)
        add_dependency_options(parser)
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="skip the check that every module the app imports is in the package",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the result as JSON on stdout (progress: stderr)"
        )
    build.add_argument(
        "--trigger",
        choices=TRIGGERS,
        default="url",
        help="SCF HTTP entry: url (Function URL, default) or apigw (API Gateway, retiring)",
    )
    build.add_argument("--region", help="region, overriding the project's")
    build.add_argument(
        "--memory", type=int, metavar="MB", help="memory of every function, overriding the project's"
    )
    build.add_argument("--timeout", type=int, metavar="SECONDS", help="timeout, overriding the project's")
    build.add_argument(
        "--domain",
        default="auto",
        metavar="NAME",
        help="FC custom domain of the fc3-domain resource (default: auto, a test domain); OpenFaaS split: "
        "the FunctionIngress domain (default: ${OPENFAAS_DOMAIN})",
    )
    build.add_argument(
        "--snapstart",
        action="store_true",
        help="AWS: turn on Lambda SnapStart for published versions (the project's snapstart = true)",
    )
    build.add_argument("--no-package", action="store_true", help="write the deploy files only")
    build.set_defaults(run=run_build)
    package.set_defaults(run=run_package)


def run_build(args: argparse.Namespace) -> int:
    """``bridge build``: deploy files, then (unless ``--no-package``) the package."""
    from .build import write_deploy_files, write_manifest

    deployment, target, out_dir = _prepare(args)
    written = write_deploy_files(deployment, target, out_dir)
    choices = {option: getattr(args, option) for option in _REMEMBERED}
    choices["trigger"] = args.trigger
    written.append(write_manifest(deployment, target, out_dir, choices))
    result: Dict[str, Any] = {"deploy_files": [str(path) for path in written], "package": None}
    if not args.json:
        for path in written:
            print(f"wrote {path}")
    if not args.no_package:
        result["package"] = _package(args, deployment, target, out_dir)
    status = _finish(args, deployment, target, result)
    if not args.json:
        _print_next_step(args, target, out_dir)
    return status


# Each platform's own deploy tool for the file `bridge build` wrote, and how to install it.
_DEPLOY_TOOLS = {
    "fc": ("s deploy", "Serverless Devs: npm install -g @serverless-devs/s"),
    "scf": ("scf deploy", "Serverless Cloud Framework: npm install -g serverless-cloud-framework"),
    "aws": ("sam deploy --guided", "AWS SAM CLI: pip install aws-sam-cli"),
}


def _print_next_step(args: argparse.Namespace, target: Any, out_dir: Path) -> None:
    tool = _DEPLOY_TOOLS.get(target.name)
    if tool is None:
        return
    print(f"next: cd {out_dir} && {tool[0]}    ({tool[1]})")
    split = f" --split {args.split}" if args.split else ""
    same = f"bridge deploy --platform {target.name} --project {args.project}{split}"
    print(f"  or: {same}    (the same plan, through the cloud's API)")


def run_package(args: argparse.Namespace) -> int:
    """``bridge package``: the package only, with its size report, agreeing with ``bridge build``."""
    deployment, target, out_dir = _prepare(args)
    target.check(deployment)
    from .build import check_manifest

    check_manifest(deployment, target, out_dir)
    result = {"package": _package(args, deployment, target, out_dir)}
    return _finish(args, deployment, target, result)


def _finish(args: argparse.Namespace, deployment: Any, target: Any, result: Dict[str, Any]) -> int:
    notes = deployment.notes + target.notes(deployment)
    result["functions"] = [
        {
            "name": f.name,
            "memory_mb": f.memory,
            "timeout_s": f.timeout,
            "routes": len(f.routes),
            "http": f.http,  # False: a split plan's `jobs` function
            "jobs": list(f.jobs),  # the [schedules] / [events] whose triggers it gets
        }
        for f in deployment.functions
    ]
    result["handler"] = deployment.handler if deployment.options.mode == "event" else None
    result["notes"] = notes
    package = result.get("package")
    over = package is not None and any(limit["over"] for limit in package["limits"])
    if args.json:
        print(json.dumps(result, indent=2))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if over:
        from .errors import PackageTooLargeError

        raise PackageTooLargeError(target.too_large_message(package))
    return 0


def _prepare(args: argparse.Namespace) -> Any:
    from .build import load_deployment, read_manifest
    from .deployment import DeployOptions
    from .targets import get_target

    target = get_target(args.platform)
    root = args.project.resolve()
    out_dir = (args.out if args.out is not None else root / "build" / target.name).resolve()
    # `bridge package` after `bridge build`: what the command line leaves open is what was built.
    built = read_manifest(out_dir) if args.run is run_package else {}
    for option in _REMEMBERED:
        if getattr(args, option) is None and built.get(option) is not None:
            setattr(args, option, built[option])
    options = DeployOptions(
        args.platform,
        mode=args.mode or "event",
        trigger=getattr(args, "trigger", None) or built.get("trigger") or "url",
        server=args.server or "auto",
        domain_name=getattr(args, "domain", "auto"),
        streaming=bool(args.streaming),
    )
    if getattr(args, "snapstart", False) and target.name != "aws":
        from .._errors import ConfigError

        raise ConfigError(
            "--snapstart is for --platform aws (Lambda SnapStart); on FC the generated initializer "
            "already runs the start-up work when an instance starts"
        )
    if options.trigger == "apigw" and target.name != "scf":
        from .._errors import ConfigError

        raise ConfigError("--trigger apigw is for --platform scf; FC and AWS always use their HTTP gateway")
    overrides = {
        "runtime": args.runtime,
        "region": getattr(args, "region", None),
        "memory": getattr(args, "memory", None),
        "timeout": getattr(args, "timeout", None),
        "snapstart": True if getattr(args, "snapstart", False) else None,
    }
    deployment = load_deployment(
        root,
        options,
        split=args.split,
        depth=args.depth,
        overrides=overrides,
        gateway=target.gateway(options),
    )
    return deployment, target, out_dir


def _package(args: argparse.Namespace, deployment: Any, target: Any, out_dir: Path) -> Dict[str, Any]:
    from .package import build_package
    from .progress import Progress

    report = build_package(
        deployment,
        target,
        out_dir,
        dependencies=_dependencies(args, deployment.project),
        # Web mode needs its server in the package, unless the user ships no dependencies at all.
        extra_requirements=list(web_requirements(deployment))
        if deployment.options.mode == "web" and not args.no_requirements
        else [],
        find_links=[path.resolve() for path in args.find_links],
        no_index=args.no_index,
        compile_bytecode=args.compile,
        verify=not args.no_verify,
        # Without dependencies (a layer provides them, say) what is missing is reported, not fatal.
        verify_strict=not args.no_requirements,
        progress=Progress(),
    )
    for relative, text in target.packaged_files(deployment, report.zip_path).items():
        path = out_dir / relative
        path.write_text(text, encoding="utf-8", newline="\n")
        if not args.json:
            print(f"wrote {path}")
    if not args.json:
        for line in report.lines():
            print(line)
    return report.as_dict()


def web_requirements(deployment: Any) -> Sequence[str]:
    """The distributions the web-mode start script's server needs."""
    from ..web.server import SERVER_REQUIREMENTS

    return SERVER_REQUIREMENTS[deployment.server]
# What `bridge package` takes over from the `bridge build` it follows (build/<platform>/ manifest).
_REMEMBERED = ("split", "depth", "mode", "server", "runtime", "streaming")


def add_streaming_option(parser: Any) -> None:
    """``--streaming``: shared by ``build``, ``package`` and ``deploy``."""
    parser.add_argument(
        "--streaming",
        action="store_true",
        default=None,
        help="AWS: stream responses through a Function URL (InvokeMode RESPONSE_STREAM), served by "
        "faas-bridge's own Runtime API loop; one function, no --split",
    )


def add_dependency_options(parser: Any) -> None:
    """What the code package installs and how: shared by ``build``, ``package`` and ``deploy``."""
    parser.add_argument(
        "--requirements",
        type=Path,
        metavar="FILE",
        help="requirements file (default: the project's, else requirements.txt)",
    )
    parser.add_argument("--no-requirements", action="store_true", help="install no dependencies")
    parser.add_argument(
        "--find-links",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also look for wheels in DIR (pip --find-links; repeatable)",
    )
    parser.add_argument(
        "--no-index", action="store_true", help="do not use the package index (pip --no-index)"
    )
    add_bytecode_options(parser)


def add_bytecode_options(parser: Any) -> None:
    """``--compile`` / ``--no-compile``: byte code is included by default when it can be made."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--compile",
        dest="compile",
        action="store_true",
        default=None,
        help="require byte code (.pyc) in the package: fail unless this Python is the runtime's version "
        "(default: included when it is, else left out with a note on stderr)",
    )
    choice.add_argument(
        "--no-compile", dest="compile", action="store_false", help="leave byte code out of the package"
    )


def _dependencies(args: argparse.Namespace, project: Any) -> Any:
    from .dependencies import project_dependencies

    return project_dependencies(project, requirements_file=args.requirements, none=args.no_requirements)
