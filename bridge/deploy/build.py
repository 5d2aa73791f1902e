"""From a project directory to a :class:`Deployment`, deploy files and a package on disk.

This is the glue the CLI calls: load the project definition, apply command-line overrides, load
the app, discover its routes, make the split plan, then hand the result to a target.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, List

from . import job_triggers
from .deployment import Deployment, DeployOptions
from .entry import FUNCTION_ENV
from .targets import Target


def load_deployment(
    root: Path,
    options: DeployOptions,
    *,
    split: str | None = None,
    depth: int | None = None,
    overrides: Dict[str, Any] | None = None,
    gateway: str | None = None,
) -> Deployment:
    """The deployment of the project in ``root``; ``overrides`` replace project fields (``region`` ...).

    ``gateway`` names the one route table the deployment uses (``fc``, ``aws``, ``scf``, ``nginx``):
    the plan is made sound for that gateway only, which is all that is deployed, and planning
    costs a quarter of checking every gateway. ``None`` checks them all.
    """
    from .. import Bridge
    from ..project import load_project
    from ..split.plan import make_plan
    from ..split.routes import discover_routes

    project = with_overrides(load_project(root), overrides or {})
    app = load_app(project)
    routes = discover_routes(app)
    if gateway is None:
        plan = make_plan(project, routes, split=split, depth=depth)
    else:
        plan = make_plan(project, routes, split=split, depth=depth, gateways=(gateway,))
    deployment = Deployment(project, plan, options, interface=Bridge(app).interface, app_routes=routes)
    from .static_files import django_static_note

    static = django_static_note(project)
    if static:
        deployment.notes.append(static)
    return deployment


def with_overrides(project: Any, overrides: Dict[str, Any]) -> Any:
    """A copy of ``project`` with the non-``None`` ``overrides`` applied (command line beats file)."""
    changes = {key: value for key, value in overrides.items() if value is not None}
    if not changes:
        return project
    import dataclasses

    if dataclasses.is_dataclass(project) and not isinstance(project, type):
        return dataclasses.replace(project, **changes)
    project = copy.copy(project)
    for key, value in changes.items():
        setattr(project, key, value)
    return project


def load_app(project: Any) -> Any:
    """The project's app object: ``project.app`` (``module:attr``) or the Django project's WSGI app.

    Like every loader of the app, this imports it from the project root (made the working
    directory and put first on ``sys.path``).
    """
    from ..apploader import load_target

    return load_target(getattr(project, "django", None) or project.app, chdir=str(project.root))


def write_deploy_files(deployment: Deployment, target: Target, out_dir: Path) -> List[Path]:
    """Check the deployment against the platform, then write its deploy files under ``out_dir``."""
    target.check(deployment)
    job_triggers.check_target(deployment, target.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in target.render(deployment).items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


#: What `bridge build` wrote into its output directory, read back by `bridge package`.
MANIFEST = "bridge-build.json"


def write_manifest(deployment: Deployment, target: Target, out_dir: Path, choices: Dict[str, Any]) -> Path:
    """Record the command-line choices and the functions the deploy file declares, so that a later
    ``bridge package`` into the same directory builds the package those functions expect."""
    document = {
        "platform": target.name,
        "deploy_file": target.deploy_file,
        "functions": [function.name for function in deployment.functions],
        "handler": deployment.handler,
        # What `bridge serve --as-deployed` runs each function with, as the deploy file says.
        "settings": {
            function.name: {
                "memory": function.memory,
                "timeout": function.timeout,
                "environment": {k: v for k, v in function.environment.items() if k != FUNCTION_ENV},
            }
            for function in deployment.functions
        },
        **choices,
    }
    path = out_dir / MANIFEST
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(out_dir: Path) -> Dict[str, Any]:
    """The choices of the ``bridge build`` that wrote ``out_dir``, or ``{}``."""
    path = out_dir / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def check_manifest(deployment: Deployment, target: Target, out_dir: Path) -> None:
    """Refuse a package that the deploy file in ``out_dir`` does not describe.

    The deploy file names the functions, their handler and, when split, the route table: a
    package built from another plan would run under it with the wrong routes, or unguarded.
    """
    from .._errors import ConfigError

    built = read_manifest(out_dir)
    if not built:
        return
    functions = [function.name for function in deployment.functions]
    if built.get("functions") == functions and built.get("handler") == deployment.handler:
        return
    how = " ".join(
        f"--{key} {built[key]}" for key in ("split", "depth", "mode", "runtime") if built.get(key) is not None
    )
    raise ConfigError(
        f"{out_dir / str(built.get('deploy_file') or 'the deploy file')} (from `bridge build"
        f"{' ' + how if how else ''}`) declares the functions {', '.join(built.get('functions') or [])} "
        f"with handler {built.get('handler')}, but this package would serve {', '.join(functions)} with "
        f"{deployment.handler}: run `bridge package` with the same options as that build, or run "
        "`bridge build` again, which writes both"
    )
