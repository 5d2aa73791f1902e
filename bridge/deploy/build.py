"""From a project directory to a :class:`Deployment`, deploy files and a package on disk.

This is the glue the CLI calls: load the project definition, apply command-line overrides, load
the app, discover its routes, make the split plan, then hand the result to a target.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List

from . import job_triggers
from .deployment import Deployment, DeployOptions
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
    return Deployment(project, plan, options, interface=Bridge(app).interface, app_routes=routes)


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
