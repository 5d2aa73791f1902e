"""What the app depends on, read where Python projects keep it.

Sources, all optional and used together:

- ``[project].dependencies`` of ``pyproject.toml`` (PEP 621), plus the optional groups the project
  definition names in ``extras``; Poetry 1.x projects' ``[tool.poetry.dependencies]`` names;
- the requirements file (the project's ``requirements``, default ``requirements.txt``), handed to
  pip as it is, since pip is the parser of its own format;
- a lock file pins the versions: ``uv.lock`` and ``poetry.lock`` (TOML, read with tomllib as the
  project definition is) become pip constraints, and ``Pipfile.lock`` (JSON) gives its ``default``
  section as requirements.

Requirement strings are checked with ``packaging`` (PEP 508), so a typo fails here, naming the file,
rather than deep inside pip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional, Sequence

from .._errors import ConfigError
from ..project import read_toml

#: This project's own distribution: the package carries the running copy of faas-bridge instead.
SELF = "faas-bridge"


class Dependencies:
    """Requirement strings, a requirements file, and version pins from a lock file."""

    def __init__(
        self,
        requirements: Sequence[str] = (),
        requirements_file: Optional[Path] = None,
        constraints: Sequence[str] = (),
        sources: Sequence[str] = (),
    ) -> None:
        #: PEP 508 strings, faas-bridge itself left out.
        self.requirements = list(requirements)
        #: A pip requirements file, passed to pip with ``-r``.
        self.requirements_file = requirements_file
        #: ``name==version`` pins (pip ``-c``) from a lock file.
        self.constraints = list(constraints)
        #: Where the dependencies were read, for the progress line and the report.
        self.sources = list(sources)

    @property
    def empty(self) -> bool:
        return not self.requirements and self.requirements_file is None

    def __repr__(self) -> str:
        pins = len(self.constraints)
        return f"Dependencies({self.requirements!r}, file={self.requirements_file}, pins={pins})"


def canonical(name: str) -> str:
    """The PEP 503 normalised form of a project name."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def read_dependencies(
    root: Path,
    *,
    extras: Sequence[str] = (),
    requirements_file: Optional[Path] = None,
    requirements_optional: bool = True,
) -> Dependencies:
    """Every dependency source of the project in ``root`` (see the module docstring).

    ``requirements_file`` is the requirements file to use; when ``requirements_optional`` it may be
    absent (the default ``requirements.txt``), otherwise its absence is an error naming it.
    """
    requirements: List[str] = []
    sources: List[str] = []
    pyproject = root / "pyproject.toml"
    data = read_toml(pyproject) if pyproject.is_file() else {}
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    declared = _strings(project.get("dependencies", []), f"{pyproject} [project].dependencies")
    if declared:
        requirements += declared
        sources.append("pyproject.toml [project].dependencies")
    optional = project.get("optional-dependencies", {}) or {}
    for extra in extras:
        if extra not in optional:
            groups = ", ".join(sorted(optional)) or "none"
            raise ConfigError(
                f"extras names {extra!r}, which {pyproject} does not declare in "
                f"[project.optional-dependencies] (it declares: {groups})"
            )
        requirements += _strings(optional[extra], f"{pyproject} [project.optional-dependencies].{extra}")
        sources.append(f"pyproject.toml [project.optional-dependencies].{extra}")
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    if isinstance(poetry, dict) and poetry and not declared:
        # Poetry 1.x version syntax (^1.2) is not PEP 440: the names are taken here and the versions
        # come from poetry.lock below, which is what `poetry install` would install.
        requirements += [name for name in poetry if canonical(name) != "python"]
        sources.append("pyproject.toml [tool.poetry.dependencies]")

    file: Optional[Path] = None
    if requirements_file is not None:
        if requirements_file.is_file():
            file = requirements_file
            sources.append(requirements_file.name)
        elif not requirements_optional:
            raise ConfigError(
                f"requirements file {requirements_file} does not exist: fix `requirements`, "
                "or --no-requirements"
            )

    constraints: List[str] = []
    uv_lock, poetry_lock, pipfile_lock = root / "uv.lock", root / "poetry.lock", root / "Pipfile.lock"
    if uv_lock.is_file():
        constraints = _lock_pins(uv_lock, project_name=project.get("name"))
        sources.append("uv.lock (versions)")
    elif poetry_lock.is_file():
        constraints = _lock_pins(poetry_lock, project_name=project.get("name"))
        sources.append("poetry.lock (versions)")
    if pipfile_lock.is_file():
        requirements += _pipfile_lock(pipfile_lock)
        sources.append("Pipfile.lock [default]")
    requirements = [line for line in requirements if _name(line) != SELF]
    return Dependencies(requirements, file, constraints, sources)


def project_dependencies(
    project: Any, *, requirements_file: Optional[Path] = None, none: bool = False
) -> Dependencies:
    """What the code package of ``project`` installs: ``none`` for nothing (a layer provides it),
    ``requirements_file`` (``--requirements``) in place of the project's own, which must then exist.
    Used by ``bridge build``/``package`` and ``bridge deploy`` alike, so both ship the same."""
    if none:
        return Dependencies()
    root = Path(project.root)
    extras = getattr(project, "extras", ()) or ()
    if requirements_file is not None:
        return read_dependencies(
            root, extras=extras, requirements_file=requirements_file.resolve(), requirements_optional=False
        )
    configured = getattr(project, "requirements", None) or "requirements.txt"
    return read_dependencies(
        root,
        extras=extras,
        requirements_file=(root / configured).resolve(),
        # The default name is optional; a file the project names must exist.
        requirements_optional=configured == "requirements.txt",
    )


def _strings(value: Any, where: str) -> List[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of requirement strings")
    for item in value:
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            raise ConfigError(f"{where}: {item!r} is not a valid requirement: {exc}") from None
    return list(value)


def _name(requirement: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return canonical(Requirement(requirement).name)
    except InvalidRequirement:
        return ""


def _lock_pins(path: Path, *, project_name: Optional[str]) -> List[str]:
    """``name==version`` for every package a uv or Poetry lock file resolves from an index.

    The project itself (uv: an editable or virtual source) and packages from a directory, a URL or
    git carry no index version to pin, so they are left to the requirements.
    """
    own = canonical(project_name) if project_name else None
    pins = []
    for package in read_toml(path).get("package", []) or []:
        name, version = package.get("name"), package.get("version")
        source = package.get("source") or {}
        if not name or not version or canonical(name) == own or canonical(name) == SELF:
            continue
        if any(key in source for key in ("editable", "virtual", "directory", "path", "git", "url")):
            continue
        if source.get("type") in ("directory", "file", "git", "url"):  # poetry.lock's form
            continue
        pins.append(f"{canonical(name)}=={version}")
    return sorted(set(pins))


def _pipfile_lock(path: Path) -> List[str]:
    """The ``default`` (non-dev) packages of a Pipfile.lock, pinned as locked, with their markers."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    out = []
    for name, spec in sorted((document.get("default") or {}).items()):
        if not isinstance(spec, dict) or "version" not in spec:
            continue  # editable, path or VCS entries: not installable from an index
        line = f"{name}{spec['version']}"
        if spec.get("markers"):
            line += f"; {spec['markers']}"
        out.append(line)
    return _strings(out, f"{path} [default]")
