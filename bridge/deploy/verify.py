"""Does the package hold everything the app imports? Checked before the zip is written.

The app's own files in the package are read with :mod:`ast` for the modules they import at module
level (an import guarded by ``try/except ImportError`` or ``if TYPE_CHECKING`` is optional and
skipped), plus, for Django, the dotted paths of ``INSTALLED_APPS`` and ``MIDDLEWARE``. Then:

- when this interpreter is the runtime's Python version, each imported distribution is really
  imported by a separate interpreter started with ``-I -S -B`` and only the package directory on
  ``sys.path``: nothing from this machine's site-packages can stand in for what the package lacks,
  and a dependency's own missing dependency shows as well;
- otherwise each module is resolved statically (:func:`importlib.machinery.PathFinder.find_spec`
  against the package directory, or the standard library), and every installed distribution's
  ``Requires-Dist`` (evaluated for the runtime's Python on Linux) must be installed too.

The app's own modules are never executed here: importing them may touch databases or files.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .errors import PackageVerifyError

#: Exceptions whose handler makes an import optional.
_OPTIONAL = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


class Missing:
    """A module the app imports that the package does not provide."""

    __slots__ = ("module", "imported_by", "reason")

    def __init__(self, module: str, imported_by: str, reason: str) -> None:
        self.module = module
        #: ``file.py:line`` of the import (or the settings entry naming it).
        self.imported_by = imported_by
        self.reason = reason

    def as_dict(self) -> Dict[str, str]:
        return {"module": self.module, "imported_by": self.imported_by, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.module} (imported by {self.imported_by}): {self.reason}"


class Verification:
    """The outcome: how the package was checked, how many modules, and what is missing."""

    def __init__(self, method: str, checked: Sequence[str], missing: Sequence[Missing]) -> None:
        self.method = method
        self.checked = list(checked)
        self.missing = list(missing)

    def as_dict(self) -> Dict[str, object]:
        return {
            "method": self.method,
            "modules": self.checked,
            "missing": [item.as_dict() for item in self.missing],
        }

    def line(self) -> str:
        if self.missing:
            return (
                f"verify: {len(self.missing)} of {len(self.checked)} imported modules missing ({self.method})"
            )
        return f"verify: all {len(self.checked)} imported modules resolve inside the package ({self.method})"


def verify_package(
    staging: Path,
    app_files: Iterable[str],
    python_version: str,
    *,
    app_module: Optional[str] = None,
    django_settings: Optional[str] = None,
    required: Optional[Dict[str, str]] = None,
    strict: bool = True,
) -> Verification:
    """Check the staged package; raise :class:`PackageVerifyError` when ``strict`` and a module is missing.

    ``required``: ``{module: who imports it}`` beyond the app's files (the web-mode server)."""
    own = _own_modules(staging, app_files)
    imports = app_imports(staging, app_files)
    imports.update(required or {})
    if django_settings:
        imports.update(_django_imports(staging, django_settings))
    if app_module:
        imports.setdefault(app_module, "the project's app setting")
    foreign = {name: where for name, where in imports.items() if name not in own and name != "bridge"}
    missing: List[Missing] = []
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if here == python_version:
        method = f"imported with Python {here} isolated from this machine's packages"
        missing += _import_isolated(staging, foreign)
    else:
        method = f"resolved statically (this Python is {here}, the runtime {python_version})"
        missing += [
            Missing(name, where, "not in the package nor the standard library")
            for name, where in sorted(foreign.items())
            if not _resolves(name, staging) and name not in _stdlib()
        ]
        missing += _unmet_requirements(staging, python_version)
    verification = Verification(method, sorted(imports), missing)
    if missing and strict:
        raise PackageVerifyError(missing)
    return verification


def app_imports(staging: Path, app_files: Iterable[str]) -> Dict[str, str]:
    """``{top-level module: "file.py:line"}`` the app's Python files import when loaded."""
    found: Dict[str, str] = {}
    for relative in sorted(app_files):
        if not relative.endswith(".py"):
            continue
        try:
            tree = ast.parse((staging / relative).read_bytes(), filename=relative)
        except (SyntaxError, ValueError):
            continue  # the runtime reports it on import; not a packaging question
        for name, line in _module_level_imports(tree):
            found.setdefault(name, f"{relative}:{line}")
    return found


def _module_level_imports(tree: ast.AST) -> Iterable[Tuple[str, int]]:
    """Absolute imports run when the module loads: not inside functions, optional handlers or
    ``if TYPE_CHECKING``."""
    pending: List[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name.split(".")[0], child.lineno
            elif isinstance(child, ast.ImportFrom):
                if child.level == 0 and child.module:
                    yield child.module.split(".")[0], child.lineno
            elif isinstance(child, ast.Try) and _catches_import_error(child):
                pending.extend(child.handlers + child.orelse + child.finalbody)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.dump(child.test):
                pending.extend(child.orelse)
            else:
                pending.append(child)


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(name, ast.Name) and name.id in _OPTIONAL for name in names):
            return True
    return False


def _django_imports(staging: Path, settings: str) -> Dict[str, str]:
    """Top-level modules named by the settings' literal ``INSTALLED_APPS`` and ``MIDDLEWARE``."""
    relative = settings.replace(".", "/") + ".py"
    path = staging / relative
    if not path.is_file():
        return {}
    try:
        tree = ast.parse(path.read_bytes())
    except SyntaxError:
        return {}
    found: Dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        if not {"INSTALLED_APPS", "MIDDLEWARE"} & set(names):
            continue
        if isinstance(node.value, (ast.List, ast.Tuple)):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    found.setdefault(element.value.split(".")[0], f"{relative}:{element.lineno} {names[0]}")
    return found


def _own_modules(staging: Path, app_files: Iterable[str]) -> Set[str]:
    """Top-level modules and packages the app's own files make."""
    own = set()
    for relative in app_files:
        first = relative.split("/")[0]
        own.add(first[:-3] if first.endswith(".py") else first)
    return own


def _resolves(name: str, staging: Path) -> bool:
    return PathFinder.find_spec(name, [str(staging)]) is not None


def _stdlib() -> Set[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return set(names) | set(sys.builtin_module_names)
    # Python 3.9: what the standard library directory holds.
    import sysconfig

    directory = Path(sysconfig.get_paths()["stdlib"])
    found = {path.stem for path in directory.glob("*.py")} | {
        path.name for path in directory.iterdir() if (path / "__init__.py").is_file()
    }
    dynload = directory / "lib-dynload"
    if dynload.is_dir():
        found |= {path.name.split(".")[0] for path in dynload.iterdir()}
    return found | set(sys.builtin_module_names)


_PROBE = """
import importlib, json, sys
missing = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing[name] = "needs " + repr(exc.name or name) + ", which is not in the package"
    except BaseException as exc:
        missing[name] = "import failed: " + type(exc).__name__ + ": " + str(exc)[:200]
print(json.dumps(missing))
"""


def _import_isolated(staging: Path, modules: Dict[str, str]) -> List[Missing]:
    """Import ``modules`` in a fresh interpreter that sees the package and the standard library only."""
    if not modules:
        return []
    with tempfile.TemporaryDirectory(prefix="bridge-verify-") as scratch:
        environment = {"PATH": os.environ.get("PATH", ""), "HOME": scratch, "TMPDIR": scratch}
        script = f"import sys\nsys.path.insert(0, {str(staging)!r})\n" + _PROBE
        result = subprocess.run(
            # -I: no PYTHON* variables, user site or script directory; -S: no site-packages;
            # -B: the check writes no __pycache__ into the package.
            [sys.executable, "-I", "-S", "-B", "-c", script, json.dumps(sorted(modules))],
            cwd=scratch,
            env=environment,
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        return [
            Missing("(all)", "the check", f"the isolated interpreter failed: {result.stderr.strip()[-300:]}")
        ]
    failed = json.loads(result.stdout.strip().splitlines()[-1])
    return [Missing(name, modules[name], reason) for name, reason in sorted(failed.items())]


def _unmet_requirements(staging: Path, python_version: str) -> List[Missing]:
    """Distributions an installed distribution requires (for this runtime) that are not installed."""
    from email.parser import HeaderParser

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    installed = {}
    for metadata in staging.glob("*.dist-info/METADATA"):
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8", errors="replace"))
        installed[canonicalize_name(headers.get("Name", ""))] = headers
    environment = {
        "python_version": python_version,
        "python_full_version": python_version + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    missing = []
    for name, headers in sorted(installed.items()):
        for line in headers.get_all("Requires-Dist") or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            wanted = canonicalize_name(requirement.name)
            if wanted not in installed and wanted != "faas-bridge":
                missing.append(Missing(requirement.name, f"{name} (Requires-Dist)", "not installed"))
    return missing
