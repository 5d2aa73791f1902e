"""``bridge deploy``, ``status``, ``manage`` and ``remove``: the plan ``bridge build`` makes, on a cloud.

Exit codes (the same for the four commands):

- 0: done (deployed, or already up to date; ``status``: deployed and in sync with the plan);
- 1: the project or an option is wrong (the message says what to change);
- 2: the command line is wrong (argparse);
- 3: a credential is missing or rejected (the message names the variable);
- 4: a cloud call failed: the step, the resource and the vendor's message are printed; what was
  done before stays done, and running the same command again continues from there;
- 5: ``status`` only: nothing is deployed, or the deployment differs from the plan;
- ``manage`` returns the command's own exit code when it ran.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

EXIT_OK = 0
EXIT_CONFIG = 1
EXIT_CREDENTIALS = 3
EXIT_CLOUD = 4
EXIT_DRIFT = 5

_EXIT_CODES = """exit codes:
  0  done (status: deployed and in sync with the plan)
  1  the project or an option is wrong
  2  the command line is wrong
  3  a credential is missing or rejected
  4  a cloud call failed (rerun to continue from where it stopped)
  5  status: not deployed, or drift from the plan
  manage exits with the command's own exit code once it ran
"""

_CREDENTIALS = """credentials, from each vendor's standard places:
  fc   ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_ACCOUNT_ID
  scf  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY
  aws  the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, roles)
endpoints: --endpoint URL, or BRIDGE_FC_ENDPOINT, BRIDGE_SCF_ENDPOINT, AWS_ENDPOINT_URL
fc [events]: BRIDGE_FC_OSS_ROLE_ARN, BRIDGE_FC_MNS_ROLE_ARN (the RAM roles OSS and MNS triggers use)
"""

_DEPLOY_EXAMPLES = """examples:
  bridge deploy --platform fc --project examples/flask_todo --region cn-hangzhou
  bridge deploy --platform aws --project examples/flask_todo --split per-route --dry-run
  bridge deploy --platform scf --project examples/flask_todo --prune --json > result.json

Environment references in the project (${env.DATABASE_URL}) are read from this shell.
"""

_STATUS_EXAMPLES = """examples:
  bridge status --platform fc --project examples/flask_todo
  bridge status --platform aws --project examples/flask_todo --json
"""

_MANAGE_EXAMPLES = """examples:
  bridge manage --platform fc --project examples/flask_todo -- init-db
  bridge manage --platform aws --project examples/django_blog -- migrate --noinput
  bridge manage --platform scf --project examples/flask_todo --function todo-health -- init-db

The command runs inside the deployed function (a Flask CLI command, or a Django management
command), called through the cloud's authenticated invoke API, never over HTTP; its output and
exit code come back. The function must have been deployed by `bridge deploy` (its entry enables
management commands: Bridge(app, manage=True)).
"""

_REMOVE_EXAMPLES = """examples:
  bridge remove --platform fc --project examples/flask_todo --dry-run
  bridge remove --platform fc --project examples/flask_todo

Only resources tagged faas-bridge-project=<project name> are deleted.
"""


def register(subparsers: Any) -> None:
    """Add ``deploy``, ``status``, ``manage`` and ``remove`` to the ``bridge`` parser."""
    from . import PROVIDERS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--platform", required=True, choices=sorted(PROVIDERS), help="the cloud")
    common.add_argument(
        "--project", type=Path, default=Path("."), metavar="DIR", help="project root (default: .)"
    )
    common.add_argument(
        "--region",
        help="region (default: the project's `region`, else ALIBABA_CLOUD_REGION_ID, TENCENTCLOUD_REGION, "
        "or the AWS chain: AWS_REGION, AWS_DEFAULT_REGION, the profile)",
    )
    common.add_argument("--endpoint", metavar="URL", help="another API endpoint (private clouds, tests)")
    common.add_argument("--json", action="store_true", help="print the plan and the result as JSON on stdout")
    common.add_argument(
        "--retry-for",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="keep retrying throttling, 5xx and network errors this long per call (default: 60)",
    )

    planned = argparse.ArgumentParser(add_help=False)
    planned.add_argument("--split", metavar="STRATEGY", help="split strategy, overriding the project's")
    planned.add_argument("--depth", type=int, metavar="N", help="split depth, overriding the project's")
    planned.add_argument("--runtime", help="Python runtime, e.g. python3.12, overriding the project's")
    planned.add_argument(
        "--memory", type=int, metavar="MB", help="memory of every function, overriding the project's"
    )
    planned.add_argument("--timeout", type=int, metavar="SECONDS", help="timeout, overriding the project's")
    planned.add_argument("--domain", default="auto", metavar="NAME", help="FC custom domain (default: auto)")

    packaged = argparse.ArgumentParser(add_help=False)
    packaged.add_argument(
        "--out", type=Path, metavar="DIR", help="where the package is built (default: build/<platform>/)"
    )
    from ..deploy.cli import add_dependency_options, add_streaming_option

    add_streaming_option(planned)
    add_dependency_options(packaged)

    def add(name: str, parents: List[Any], help_text: str, description: str, examples: str) -> Any:
        parser = subparsers.add_parser(
            name,
            parents=parents,
            help=help_text,
            description=textwrap.fill(description, 100),
            epilog=examples + "\n" + _CREDENTIALS + "\n" + _EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return parser

    deploy = add(
        "deploy",
        [common, planned, packaged],
        "deploy the project to a cloud, changing only what differs",
        "Build the same plan and package as `bridge build`, read what is deployed, and create, update "
        "or delete only what differs (progress on stderr, one line per resource). A second run with "
        "nothing changed makes no change.",
        _DEPLOY_EXAMPLES,
    )
    deploy.add_argument(
        "--dry-run", action="store_true", help="read only: print the changes a deploy would make"
    )
    deploy.add_argument(
        "--prune", action="store_true", help="also delete deployed functions the plan no longer has"
    )
    deploy.set_defaults(run=run_deploy)

    status = add(
        "status",
        [common, planned, packaged],
        "show what is deployed, its URLs, and how it differs from the plan",
        "Read calls only. Exit 0 when the deployment matches the plan, 5 when it differs or is absent.",
        _STATUS_EXAMPLES,
    )
    status.set_defaults(run=run_status)

    manage = add(
        "manage",
        [common, planned],
        "run a Flask CLI or Django management command inside the deployed function",
        "Run COMMAND in the deployed function through the cloud's invoke API; print its output and "
        "exit with its exit code.",
        _MANAGE_EXAMPLES,
    )
    manage.add_argument(
        "--function", metavar="NAME", help="function to run it in (default: the catch-all one)"
    )
    manage.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...", help="the command and its arguments"
    )
    manage.set_defaults(run=run_manage)

    remove = add(
        "remove",
        [common],
        "delete everything bridge deploy created for the project",
        "Delete the resources tagged with this project's name, and nothing else.",
        _REMOVE_EXAMPLES,
    )
    remove.add_argument("--dry-run", action="store_true", help="read only: print what would be deleted")
    remove.set_defaults(run=run_remove)


# --- the commands ------------------------------------------------------------------------------------


def run_deploy(args: argparse.Namespace) -> int:
    """``bridge deploy``: plan, compare, apply; print the URLs."""
    return _guarded(args, _deploy)


def run_status(args: argparse.Namespace) -> int:
    """``bridge status``: deployed resources, URLs and drift; read calls only."""
    return _guarded(args, _status)


def run_manage(args: argparse.Namespace) -> int:
    """``bridge manage -- COMMAND``: the command's output, and its exit code."""
    return _guarded(args, _manage)


def run_remove(args: argparse.Namespace) -> int:
    """``bridge remove``: delete what carries this project's tag."""
    return _guarded(args, _remove)


def _deploy(args: argparse.Namespace) -> int:
    from . import engine

    provider = _provider(args)
    deployment, package = _deployment_and_package(args, provider)
    progress, retry = _progress(args), _retry(args)
    diff = engine.plan(provider, deployment, package, prune=args.prune, retry=retry, progress=progress)
    if args.dry_run:
        document = engine.as_json(diff, dry_run=True, **_where(args, provider))
        _print(args, engine.describe(diff), document)
        return EXIT_OK
    outcome = engine.apply(provider, diff, retry=retry, progress=progress)
    urls: Dict[str, str] = {}
    if outcome.ok:
        deployed = engine.read(provider, deployment.name, retry=retry, progress=progress)
        urls = provider.endpoints(deployed)
    lines = [f"{len(outcome.applied)} change(s) applied" if outcome.applied else engine.describe(diff)[0]]
    lines += [f"{name}: {url}" for name, url in sorted(urls.items())]
    lines += [f"  keep {resource} (no longer in the plan; --prune deletes it)" for resource in diff.kept]
    document = engine.as_json(diff, outcome, dry_run=False, endpoints=urls, **_where(args, provider))
    if not outcome.ok:
        assert outcome.error is not None
        _error(f"{outcome.error} ({len(outcome.applied)} change(s) applied before it; rerun to continue)")
        if args.json:
            print(json.dumps(document, indent=2, sort_keys=True, default=str))
        return EXIT_CLOUD
    _print(args, lines, document)
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from . import engine

    provider = _provider(args)
    deployment, package = _deployment_and_package(args, provider)
    progress, retry = _progress(args), _retry(args)
    diff = engine.plan(provider, deployment, package, prune=True, retry=retry, progress=progress)
    urls = provider.endpoints(diff.actual) if diff.actual else {}
    if not diff.actual:
        lines = [
            f"{deployment.name} is not deployed on {provider.title or provider.name} in {provider.region}"
        ]
    else:
        lines = [f"{deployment.name} on {provider.title or provider.name} ({provider.region}):"]
        lines += [f"  {resource}" for resource in sorted(diff.actual, key=lambda r: (r.kind, r.name))]
        lines += [f"{name}: {url}" for name, url in sorted(urls.items())]
        if diff.in_sync:
            lines.append("in sync with the plan")
        else:
            lines.append(
                "drift from the plan (bridge deploy applies it; deletes need --prune for functions):"
            )
            lines += ["  " + line for line in engine.describe(diff)]
    deployed = [
        {"kind": r.kind, "name": r.name, "settings": engine.public_settings(r.settings)} for r in diff.actual
    ]
    document = engine.as_json(diff, deployed=deployed, endpoints=urls, **_where(args, provider))
    _print(args, lines, document)
    return EXIT_OK if diff.actual and diff.in_sync else EXIT_DRIFT


def _manage(args: argparse.Namespace) -> int:
    from .._errors import ConfigError
    from .provider import MANAGE_EVENT_KEY, CloudError

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise ConfigError("no command: write it after --, e.g. bridge manage --platform fc -- init-db")
    provider = _provider(args)
    function = args.function
    if not function:
        deployment = _deployment(args, provider)
        function = deployment.plan.catch_all.name
    retry = _retry(args)
    result = retry.call(
        f"invoke {function}",
        lambda: provider.invoke(function, {MANAGE_EVENT_KEY: {"argv": command}}),
        _progress(args).line,
    )
    if not isinstance(result, dict) or not isinstance(result.get("exit_code"), int):
        shown = json.dumps(result, default=str)[:300]
        raise CloudError(
            "manage",
            f"function {function}",
            f"the function did not run the command (it answered {shown}); deploy it with `bridge deploy`, "
            "whose entry enables management commands (Bridge(app, manage=True))",
        )
    if args.json:
        print(json.dumps({"function": function, "argv": command, **result}, indent=2, sort_keys=True))
    else:
        output = str(result.get("output", ""))
        sys.stdout.write(output if output.endswith("\n") or not output else output + "\n")
    return int(result["exit_code"])


def _remove(args: argparse.Namespace) -> int:
    from ..project import load_project
    from . import engine

    provider = _provider(args)
    name = load_project(args.project.resolve()).name
    progress, retry = _progress(args), _retry(args)
    diff = engine.removal(provider, name, retry=retry, progress=progress)
    if args.dry_run or diff.in_sync:
        lines = engine.describe(diff) if diff.changes else [f"{name}: nothing deployed, nothing to remove"]
        _print(args, lines, engine.as_json(diff, dry_run=args.dry_run, **_where(args, provider)))
        return EXIT_OK
    outcome = engine.apply(provider, diff, retry=retry, progress=progress)
    document = engine.as_json(diff, outcome, dry_run=False, **_where(args, provider))
    if not outcome.ok:
        _error(f"{outcome.error} ({len(outcome.applied)} deleted before it; rerun to continue)")
        if args.json:
            print(json.dumps(document, indent=2, sort_keys=True, default=str))
        return EXIT_CLOUD
    _print(args, [f"{name}: {len(outcome.applied)} resource(s) deleted"], document)
    return EXIT_OK


# --- shared steps ------------------------------------------------------------------------------------


def _guarded(args: argparse.Namespace, command: Any) -> int:
    """Run ``command``; every expected failure is one line on stderr and a meaningful exit code."""
    from .._errors import BridgeError
    from .provider import CloudError, CredentialsError

    try:
        return int(command(args))
    except CredentialsError as exc:
        _error(str(exc))
        return EXIT_CREDENTIALS
    except CloudError as exc:
        _error(str(exc))
        return EXIT_CLOUD
    except BridgeError as exc:
        _error(str(exc))
        return EXIT_CONFIG


def _provider(args: argparse.Namespace) -> Any:
    """The provider for ``--platform``, with its region, credentials checked before any call."""
    from .._errors import ConfigError
    from . import provider_class

    try:
        cls = provider_class(args.platform)
    except ImportError as exc:
        raise ConfigError(
            f"{args.platform}: the cloud SDK is not installed ({exc.name or exc}): "
            "pip install 'faas-bridge[deploy]'"
        ) from None
    region = args.region or _project_region(args.project) or cls.default_region(os.environ)
    if not region:
        variables = " or ".join(cls.region_variables) or "the SDK's region setting"
        raise ConfigError(f"no region: pass --region, set `region` in the project, or set {variables}")
    provider = cls(region=region, endpoint=args.endpoint, env=os.environ)
    provider.check_region()
    provider.check_credentials()
    return provider


def _project_region(root: Path) -> Optional[str]:
    from ..project import load_project

    return getattr(load_project(root.resolve()), "region", None)


def _deployment(args: argparse.Namespace, provider: Any) -> Any:
    """The :class:`Deployment` ``bridge build`` would make, environment references resolved."""
    from ..deploy.build import load_deployment
    from ..deploy.deployment import DeployOptions
    from ..deploy.targets import get_target
    from ..deploy.variables import resolve

    target = get_target(args.platform)
    options = DeployOptions(
        args.platform, domain_name=args.domain, streaming=bool(getattr(args, "streaming", None))
    )
    overrides = {
        "runtime": args.runtime,
        "region": provider.region,
        "memory": args.memory,
        "timeout": args.timeout,
    }
    deployment = load_deployment(
        args.project.resolve(),
        options,
        split=args.split,
        depth=args.depth,
        overrides=overrides,
        gateway=target.gateway(options),
    )
    target.check(deployment)
    for function in deployment.functions:
        function.environment = {
            key: resolve(value, os.environ, key=key) for key, value in function.environment.items()
        }
    return deployment


def _deployment_and_package(args: argparse.Namespace, provider: Any) -> Tuple[Any, Any]:
    """The deployment and its code package, built exactly as ``bridge build`` builds it."""
    from ..deploy.dependencies import project_dependencies
    from ..deploy.package import build_package
    from ..deploy.targets import get_target
    from .provider import Package

    deployment = _deployment(args, provider)
    target = get_target(args.platform)
    root = args.project.resolve()
    out_dir = args.out if args.out is not None else root / "build" / target.name
    report = build_package(
        deployment,
        target,
        out_dir,
        dependencies=project_dependencies(
            deployment.project, requirements_file=args.requirements, none=args.no_requirements
        ),
        find_links=[path.resolve() for path in args.find_links],
        no_index=args.no_index,
        compile_bytecode=args.compile,
        # Without dependencies (a layer provides them) what is missing is reported, not fatal.
        verify_strict=not args.no_requirements,
    )
    progress = _progress(args)
    for line in report.lines():
        progress.line(line)
    data = report.zip_path.read_bytes()
    return deployment, Package(report.zip_path, len(data), hashlib.sha256(data).hexdigest())


def _progress(args: argparse.Namespace) -> Any:
    from .engine import Progress

    return Progress(sys.stderr)


def _retry(args: argparse.Namespace) -> Any:
    from .engine import RetryPolicy

    return RetryPolicy(
        total_seconds=max(0.0, args.retry_for), first_delay=min(0.5, max(args.retry_for, 0.01) / 8)
    )


def _where(args: argparse.Namespace, provider: Any) -> Dict[str, Any]:
    return {"platform": args.platform, "region": provider.region}


def _print(args: argparse.Namespace, lines: List[str], document: Dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True, default=str))
    else:
        for line in lines:
            print(line)


def _error(message: str) -> None:
    print(f"bridge: error: {message}", file=sys.stderr)
