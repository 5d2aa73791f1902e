"""The project definition: ``[tool.bridge]`` in ``pyproject.toml``, or a ``bridge.toml``.

One place names the app, the defaults every function gets (memory, timeout, runtime, region,
environment), how to split the app into functions, and what goes into the code package::

    [tool.bridge]
    app = "todo:app"                 # or: django = "mysite.settings"
    memory = 512
    timeout = 30
    environment = { DB_URL = "${env.DB_URL}" }
    split = "per-blueprint"          # all-in-one | per-route | per-prefix | per-blueprint | ... | groups

    [tool.bridge.groups]
    api = { routes = ["/api/*"], memory = 1024 }
    web = ["*"]

Environment values are kept as written: a deploy tool's variable reference such as
``${env.DB_URL}`` is passed through, never resolved here.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ._errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

#: Split strategies. ``per-blueprint``, ``per-django-app`` and ``per-router`` are one strategy
#: (a function per Flask blueprint / Django app / FastAPI router), named for each framework.
STRATEGIES = (
    "all-in-one",
    "per-route",
    "per-prefix",
    "per-blueprint",
    "per-django-app",
    "per-router",
    "groups",
)

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_TOP_KEYS = (
    "app",
    "django",
    "name",
    "runtime",
    "region",
    "memory",
    "timeout",
    "environment",
    "split",
    "depth",
    "groups",
    "requirements",
    "extras",
    "include",
    "exclude",
    "concurrency",
    "schedules",
    "events",
    "jobs",
    "snapstart",
)
_GROUP_KEYS = ("routes", "memory", "timeout", "environment", "concurrency")
# Common to FC 3.0 (64 MB steps from 128), Lambda (128-10240) and SCF (64-3072): the deploy
# step checks each platform's own limits.
_MEMORY_RANGE = (64, 32768)
_TIMEOUT_RANGE = (1, 86400)


@dataclass
class GroupConfig:
    """One explicit group: the route patterns it takes and its own settings (``None``: the default)."""

    name: str
    routes: List[str]
    memory: int | None = None
    timeout: int | None = None
    environment: Dict[str, str] = field(default_factory=dict)
    concurrency: int | None = None

    @property
    def catch_all(self) -> bool:
        """True for the group that takes every route no other group claims (pattern ``*``)."""
        return "*" in self.routes


@dataclass
class ProjectConfig:
    """The validated project definition. ``app`` is the target for :func:`bridge.apploader.load_target`."""

    app: str
    name: str
    root: Path
    django: str | None = None
    #: The Python runtime; None means each platform's default (see bridge.deploy.deployment).
    runtime: str | None = None
    region: str | None = None
    memory: int = 512
    timeout: int = 30
    environment: Dict[str, str] = field(default_factory=dict)
    concurrency: int | None = None
    split: str = "all-in-one"
    depth: int = 1
    groups: Dict[str, GroupConfig] = field(default_factory=dict)
    requirements: str = "requirements.txt"
    #: Optional dependency groups of ``[project.optional-dependencies]`` the package also installs.
    extras: List[str] = field(default_factory=list)
    include: List[str] = field(default_factory=lambda: ["**"])
    exclude: List[str] = field(
        default_factory=lambda: [".git/**", ".venv/**", "**/__pycache__/**", "**/*.pyc"]
    )
    source: Path | None = None
    #: ``[schedules]`` and ``[events]`` (bridge.events.jobs.Jobs); empty when the project has none
    jobs: Any = None
    #: AWS Lambda SnapStart on published versions (the SAM template; see README, "Cold starts").
    snapstart: bool = False

    @property
    def requirements_path(self) -> Path:
        return self.root / self.requirements


def load_project(root: Path) -> ProjectConfig:
    """The project in ``root``: ``bridge.toml`` if present, else ``[tool.bridge]`` of ``pyproject.toml``."""
    root = Path(root).resolve()
    bridge_toml = root / "bridge.toml"
    pyproject = root / "pyproject.toml"
    pyproject_data = read_toml(pyproject) if pyproject.is_file() else {}
    in_pyproject = pyproject_data.get("tool", {}).get("bridge")
    if bridge_toml.is_file():
        if in_pyproject is not None:
            raise ConfigError(
                f"both {bridge_toml} and [tool.bridge] in {pyproject} define the project: keep one of them"
            )
        return project_from_dict(read_toml(bridge_toml), root=root, source=bridge_toml)
    if in_pyproject is None:
        raise ConfigError(
            f"no project definition in {root}: add a [tool.bridge] table to pyproject.toml "
            'or a bridge.toml, with at least app = "module:attribute" or django = "settings.module"'
        )
    default_name = pyproject_data.get("project", {}).get("name")
    return project_from_dict(in_pyproject, root=root, source=pyproject, default_name=default_name)


def project_from_dict(
    data: Dict[str, Any], *, root: Path, source: Path | None = None, default_name: str | None = None
) -> ProjectConfig:
    """Validate a project definition already parsed from TOML (keys as in ``[tool.bridge]``)."""
    where = str(source) if source is not None else "the project definition"
    _no_unknown(data, _TOP_KEYS, where)
    app = _opt_str(data, "app", where)
    django = _opt_str(data, "django", where)
    if app and django:
        raise ConfigError(
            f'{where}: set app or django, not both (django = "mysite.settings" is the Django form)'
        )
    if not app and not django:
        raise ConfigError(
            f'{where}: app is missing: set app = "module:attribute" or django = "settings.module"'
        )
    name = _opt_str(data, "name", where) or default_name or Path(root).name
    name = slug(name)
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"{where}: name {name!r} must be a-z, 0-9 and '-', starting with a letter, 63 at most"
        )
    split = _opt_str(data, "split", where)
    groups = _groups(data.get("groups"), where)
    if split is None:
        split = "groups" if groups else "all-in-one"
    if split not in STRATEGIES:
        raise ConfigError(
            f"{where}: split = {split!r} is not a strategy: choose one of {', '.join(STRATEGIES)}"
        )
    if split == "groups" and not groups:
        raise ConfigError(
            f'{where}: split = "groups" needs a [groups] table, e.g. groups = {{ api = ["/api/*"] }}'
        )
    project = ProjectConfig(
        app=(app or django),  # type: ignore[arg-type]
        django=django,
        name=name,
        root=Path(root),
        runtime=_opt_str(data, "runtime", where),
        region=_opt_str(data, "region", where),
        memory=_int(data, "memory", where, 512, _MEMORY_RANGE),
        timeout=_int(data, "timeout", where, 30, _TIMEOUT_RANGE),
        environment=_environment(data.get("environment"), "environment", where),
        concurrency=_opt_int(data, "concurrency", where, (1, 1000)),
        split=split,
        depth=_int(data, "depth", where, 1, (1, 32)),
        groups=groups,
        requirements=_opt_str(data, "requirements", where) or "requirements.txt",
        extras=_globs(data, "extras", where, []),
        include=_globs(data, "include", where, ["**"]),
        exclude=_globs(data, "exclude", where, [".git/**", ".venv/**", "**/__pycache__/**", "**/*.pyc"]),
        source=source,
        snapstart=_bool(data, "snapstart", where),
    )
    if data.get("schedules") is not None or data.get("events") is not None:
        from .events.jobs import parse_jobs

        project.jobs = parse_jobs(
            data.get("schedules"), data.get("events"), where, prefix=name, settings=data.get("jobs")
        )
    elif data.get("jobs") is not None:
        raise ConfigError(
            f"{where}: [jobs] sets the function that runs [schedules] and [events], but there are none"
        )
    return project


def slug(text: str) -> str:
    """``text`` as a function-name-safe slug: lower case, a-z 0-9 and '-', at most 63 characters."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not out or not out[0].isalpha():
        out = "f-" + out if out else "f"
    return out[:63].rstrip("-")


def read_toml(path: Path) -> Dict[str, Any]:
    """A TOML file's tables; invalid TOML is a :class:`ConfigError` naming the file."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _no_unknown(data: Dict[str, Any], allowed: Tuple[str, ...], where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _opt_str(data: Dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {type(value).__name__}")
    return value


def _bool(data: Dict[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    return value


def _opt_int(data: Dict[str, Any], key: str, where: str, bounds: Tuple[int, int]) -> int | None:
    if data.get(key) is None:
        return None
    return _int(data, key, where, 0, bounds)


def _int(data: Dict[str, Any], key: str, where: str, default: int, bounds: Tuple[int, int]) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: {key} must be a whole number, not {value!r}")
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"{where}: {key} = {value} is out of range: use {low} to {high}")
    return value


def _environment(value: Any, key: str, where: str) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: {key} must be a table of NAME = "value" strings')
    out: Dict[str, str] = {}
    for name, item in value.items():
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ConfigError(f"{where}: {key}: {name!r} is not a valid environment variable name")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ConfigError(
                f"{where}: {key}.{name} must be a string (or a number), not {type(item).__name__}"
            )
        out[name] = str(item)
    return out


def _globs(data: Dict[str, Any], key: str, where: str, default: List[str]) -> List[str]:
    value = data.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return list(value)


def _groups(value: Any, where: str) -> Dict[str, GroupConfig]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise ConfigError(
            f"{where}: groups must be a table of name = [route patterns] or name = {{ routes = [...] }}"
        )
    groups: Dict[str, GroupConfig] = {}
    for raw_name, spec in value.items():
        name = slug(raw_name)
        if name != raw_name:
            raise ConfigError(
                f"{where}: group name {raw_name!r} must be a-z, 0-9 and '-', "
                f"starting with a letter (e.g. {name!r})"
            )
        context = f"{where}: groups.{name}"
        if isinstance(spec, list):
            spec = {"routes": spec}
        if not isinstance(spec, dict):
            raise ConfigError(f"{context} must be a list of route patterns or a table with routes = [...]")
        _no_unknown(spec, _GROUP_KEYS, context)
        routes = spec.get("routes")
        if not isinstance(routes, list) or not routes or not all(isinstance(r, str) for r in routes):
            raise ConfigError(
                f'{context}: routes must be a non-empty list of patterns like "/api/*", "/login" or "*"'
            )
        for pattern in routes:
            if pattern != "*" and not pattern.startswith("/"):
                raise ConfigError(
                    f"{context}: route pattern {pattern!r} must start with '/' "
                    '(or be "*" for everything else)'
                )
            if "*" in pattern[:-1]:
                raise ConfigError(f"{context}: route pattern {pattern!r} may have '*' only at its end")
        groups[name] = GroupConfig(
            name=name,
            routes=list(routes),
            memory=_opt_int(spec, "memory", context, _MEMORY_RANGE),
            timeout=_opt_int(spec, "timeout", context, _TIMEOUT_RANGE),
            environment=_environment(spec.get("environment"), "environment", context),
            concurrency=_opt_int(spec, "concurrency", context, (1, 1000)),
        )
    catch_alls = [g.name for g in groups.values() if g.catch_all]
    if len(catch_alls) > 1:
        raise ConfigError(
            f'{where}: groups {", ".join(catch_alls)} all claim "*": only one group can take the rest'
        )
    return groups
