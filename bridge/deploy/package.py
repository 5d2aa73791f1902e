"""Code packages: the app, faas-bridge and the dependencies for the target runtime, in a reproducible zip.

The package is staged as a directory (``<out>/code/``) and zipped to ``<out>/code.zip``. Same inputs
give the same zip bytes: entries are sorted, every timestamp is 1980-01-01 (or SOURCE_DATE_EPOCH,
https://reproducible-builds.org/specs/source-date-epoch/), permissions are 0644 or 0755 (executable
start scripts), there are no directory entries, and compression is DEFLATE at a fixed level.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from .._errors import ConfigError
from . import never_ship
from .dependencies import SELF, Dependencies, canonical
from .entry import package_files
from .errors import DependencyInstallError, NoCompatibleWheelError
from .progress import Progress
from .targets import CODE_DIR, CODE_ZIP, SizeLimit, Target
from .verify import Verification, verify_package

if TYPE_CHECKING:
    from .deployment import Deployment

#: Wheels are fetched for this platform: every supported FC, SCF and Lambda runtime is x86-64 Linux
#: with glibc >= 2.17 by default (pip also accepts older manylinux tags under it).
PLATFORM_TAG = "manylinux2014_x86_64"

# Never packaged: caches and build tooling (what must never ship for other reasons, such as keys,
# databases and virtual environments, is recognised by bridge.deploy.never_ship).
ALWAYS_EXCLUDED = (
    "__pycache__/",
    "*.py[cod]",
    ".tox/",
    ".nox/",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".hypothesis/",
    "node_modules/",
    "*.egg-info/",
    ".DS_Store",
)
# Dropped unless the project's `include` names what to package: tests, build output, editor and
# CI settings, deploy files, the local instance folder.
DEV_EXCLUDED = (
    "tests/",
    "test/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "build/",
    "dist/",
    ".idea/",
    ".vscode/",
    ".github/",
    ".gitignore",
    ".coverage",
    "htmlcov/",
    "s.yaml",
    "serverless.yml",
    "template.yaml",
    "samconfig.toml",
    "bridge.toml",
    "ruff.toml",
    ".ruff.toml",
    "instance/",
)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
_COMPRESS_LEVEL = 9
_NO_WHEEL = re.compile(r"No matching distribution found for ([^\s;]+)")


class PackageReport:
    """What :func:`build_package` produced: where, how big, against which platform limits, what
    was left out of it and how it was verified."""

    def __init__(
        self,
        zip_path: Path,
        zip_bytes: int,
        unzipped_bytes: int,
        file_count: int,
        functions: Sequence[str],
        limits: Sequence[SizeLimit],
        *,
        excluded: Sequence[Tuple[str, str]] = (),
        verification: Verification | None = None,
        entry: str = "index",
        bytecode: bool = False,
    ) -> None:
        self.zip_path = zip_path
        self.zip_bytes = zip_bytes
        self.unzipped_bytes = unzipped_bytes
        self.file_count = file_count
        #: Names of the functions that run this package.
        self.functions = list(functions)
        self.limits = list(limits)
        #: ``(relative path, reason)`` of the project files left out.
        self.excluded = list(excluded)
        self.verification = verification
        #: The module holding the handler (``index``, or ``bridge_index`` beside a user's own).
        self.entry = entry
        #: Whether the package holds the runtime's byte code (``.pyc`` beside every module).
        self.bytecode = bytecode

    def measured(self, limit: SizeLimit) -> int:
        """The size ``limit`` applies to: the extracted files' or the zip's."""
        return self.unzipped_bytes if limit.unzipped else self.zip_bytes

    def over(self) -> List[SizeLimit]:
        """The limits this package exceeds."""
        return [limit for limit in self.limits if self.measured(limit) > limit.limit_bytes]

    def lines(self) -> List[str]:
        """A human report: size, the functions sharing the package, each limit and whether it fits,
        what was left out and why, and the verification."""
        lines = [
            f"{self.zip_path}: {_size(self.zip_bytes)} zipped, {_size(self.unzipped_bytes)} unzipped, "
            f"{self.file_count} files; used by {', '.join(self.functions)}",
            "byte code: included"
            if self.bytecode
            else "byte code: not included (every cold start compiles the modules it imports)",
        ]
        over = self.over()
        for limit in self.limits:
            verdict = "OVER" if limit in over else "ok"
            source = limit.source if limit.confirmed else f"UNCONFIRMED, {limit.source}"
            sizes = f"{_size(self.measured(limit))} of {_size(limit.limit_bytes)}"
            lines.append(f"  {verdict:4} {sizes}: {limit.what} ({source})")
        if self.excluded:
            lines.append(f"left out ({len(self.excluded)}; `include` in the project overrides):")
            lines += [f"  {path}: {reason}" for path, reason in self.excluded]
        if self.verification is not None:
            lines.append(self.verification.line())
            lines += [f"  missing: {item}" for item in self.verification.missing]
        return lines

    def as_dict(self) -> Dict[str, Any]:
        """The report as JSON-ready data (``--json``)."""
        over = self.over()
        return {
            "zip": str(self.zip_path),
            "zip_bytes": self.zip_bytes,
            "unzipped_bytes": self.unzipped_bytes,
            "files": self.file_count,
            "entry": self.entry,
            "bytecode": self.bytecode,
            "functions": self.functions,
            "limits": [
                {
                    "what": limit.what,
                    "applies_to": "unzipped" if limit.unzipped else "zip",
                    "limit_bytes": limit.limit_bytes,
                    "measured_bytes": self.measured(limit),
                    "over": limit in over,
                    "source": limit.source,
                    "confirmed": limit.confirmed,
                }
                for limit in self.limits
            ],
            "excluded": [{"path": path, "reason": reason} for path, reason in self.excluded],
            "verification": None if self.verification is None else self.verification.as_dict(),
        }


def build_package(
    deployment: Deployment,
    target: Target,
    out_dir: Path,
    *,
    requirements: Path | None = None,
    dependencies: Dependencies | None = None,
    extra_requirements: Sequence[str] = (),
    find_links: Sequence[Path] = (),
    no_index: bool = False,
    compile_bytecode: bool | None = None,
    verify: bool = True,
    verify_strict: bool = True,
    progress: Progress | None = None,
) -> PackageReport:
    """Stage the package in ``out_dir/code``, verify it and zip it to ``out_dir/code.zip``.

    ``dependencies`` (see :mod:`bridge.deploy.dependencies`; ``requirements`` is a shorthand for a
    requirements file alone) and ``extra_requirements`` (names, such as the web-mode server; skipped
    when already listed) are installed for the target runtime with ``pip install --target
    --platform --python-version --only-binary=:all:``; ``find_links`` and ``no_index`` pass through
    to pip. ``verify`` checks that every module the app imports resolves inside the package
    (:mod:`bridge.deploy.verify`): a missing one raises :class:`PackageVerifyError`, or is only
    reported when ``verify_strict`` is false.

    Byte code: the code directory is read-only on the platforms, so a package without ``.pyc``
    files makes every new instance compile every module it imports. ``compile_bytecode=None`` (the
    default) adds hash-based ``.pyc`` files (they never depend on timestamps) whenever this
    interpreter is the runtime's Python version, and otherwise builds without them and says why on
    ``stderr`` (:func:`bytecode_unavailable`); ``True`` insists (a :class:`ConfigError` when it
    cannot), ``False`` leaves them out.
    """
    progress = progress or Progress(quiet=True)
    version = deployment.python_version
    unavailable = bytecode_unavailable(version)
    if compile_bytecode and unavailable:
        raise ConfigError(f"--compile: {unavailable}")
    if compile_bytecode is None:
        compile_bytecode = unavailable is None
        if unavailable:
            print(f"bridge: no byte code in the package: {unavailable}", file=sys.stderr, flush=True)
    if dependencies is None:
        dependencies = Dependencies(requirements_file=requirements)
        if requirements is not None and not requirements.is_file():
            raise ConfigError(
                f"requirements file {requirements} does not exist: fix `requirements`, or --no-requirements"
            )
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / CODE_DIR
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    root = Path(deployment.project.root).resolve()

    # Later steps win: our copy of faas-bridge over one from the requirements, our entry over a
    # project file of the same name.
    if not dependencies.empty or extra_requirements:
        progress.step(
            f"installing dependencies for CPython {version} on {PLATFORM_TAG} "
            f"(from {', '.join(dependencies.sources) or 'the command line'})"
        )
        install_requirements(
            staging,
            dependencies,
            extra_requirements,
            python_version=version,
            find_links=find_links,
            no_index=no_index,
            progress=progress,
        )
        # pip's console scripts start with this machine's interpreter path: useless on the
        # platform (start scripts use `python -m`) and different on every build machine.
        shutil.rmtree(staging / "bin", ignore_errors=True)
    progress.step(f"copying the app from {root}")
    selection = select_app_files(root, deployment.project, skip=[out_dir])
    app_relative = []
    for source, relative in selection.taken:
        _copy(source, staging / relative)
        app_relative.append(relative)
    for source, relative in bridge_files():
        _copy(source, staging / relative)
    for relative, generated in package_files(deployment, target).items():
        path = staging / relative
        path.write_text(generated.text, encoding="utf-8", newline="\n")
        path.chmod(0o755 if generated.executable else 0o644)
    verification = None
    if verify:
        progress.step("verifying that every module the app imports is in the package")
        verification = verify_package(
            staging,
            app_relative,
            version,
            app_module=deployment.app_module,
            django_settings=getattr(deployment.project, "django", None),
            required=_start_script_imports(deployment, target),
            strict=verify_strict,
        )
    if compile_bytecode:
        progress.step(f"compiling byte code for Python {version}")
        _compile(staging)

    zip_path = out_dir / CODE_ZIP
    progress.step(f"writing {zip_path}")
    file_count, unzipped = write_zip(staging, zip_path, progress)
    return PackageReport(
        zip_path,
        zip_path.stat().st_size,
        unzipped,
        file_count,
        [f.name for f in deployment.functions],
        target.size_limits,
        excluded=selection.excluded,
        verification=verification,
        entry=deployment.entry_module,
        bytecode=bool(compile_bytecode),
    )


# --- what goes in -------------------------------------------------------------------------------


class Selection:
    """The project files a package takes, and those it leaves out with the reason."""

    def __init__(self) -> None:
        #: ``(path, relative POSIX path)`` in sorted order.
        self.taken: List[Tuple[Path, str]] = []
        #: ``(relative POSIX path, reason)``; a folder left out whole ends in ``/``.
        self.excluded: List[Tuple[str, str]] = []


def select_app_files(root: Path, project: object, *, skip: Iterable[Path] = ()) -> Selection:
    """Which project files go into the package, and which are left out and why.

    A file is taken when it matches one of the project's ``include`` globs (default ``**``,
    everything) and none of its ``exclude`` globs nor :data:`ALWAYS_EXCLUDED`. What must never
    ship (:mod:`bridge.deploy.never_ship`: keys, credentials, databases, virtual environments ...)
    and the dev files of :data:`DEV_EXCLUDED` are left out too, unless an ``include`` glob other
    than ``**`` names them. Globs are gitignore-like: ``*`` stays within a path segment, ``**``
    spans segments, a glob without ``/`` matches a name at any depth, a trailing ``/`` matches
    directories only, and a glob matching a directory takes in everything below it.
    """
    configured = list(getattr(project, "include", None) or ()) or ["**"]
    takes_everything = any(pattern in _EVERYTHING for pattern in configured)
    named_globs = [pattern for pattern in configured if pattern not in _EVERYTHING]
    exclude = list(getattr(project, "exclude", None) or ()) + list(ALWAYS_EXCLUDED)
    skipped = {path.resolve() for path in skip}
    selection = Selection()
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        kept = []
        for name in sorted(dirnames):
            relative = _relative(root, here / name) + "/"
            if (here / name).resolve() in skipped or _matches(relative, exclude):
                continue
            reason = never_ship.folder_reason(here / name)
            if reason is None and _matches(relative, DEV_EXCLUDED):
                reason = _DEV_REASON
            if reason and not _names_inside(relative, named_globs):
                selection.excluded.append((relative, reason))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            relative = _relative(root, here / name)
            if _matches(relative, exclude):
                continue
            named = _matches(relative, named_globs)
            if not named:
                reason = never_ship.reason_to_leave_out(here / name)
                if reason:
                    selection.excluded.append((relative, reason))
                    continue
                if not takes_everything:
                    continue
                if _matches(relative, DEV_EXCLUDED):
                    selection.excluded.append((relative, _DEV_REASON))
                    continue
            selection.taken.append((here / name, relative))
    return selection


def app_files(root: Path, project: object, *, skip: Iterable[Path] = ()) -> Iterator[Tuple[Path, str]]:
    """``(path, relative POSIX path)`` of every project file the package takes (:func:`select_app_files`)."""
    return iter(select_app_files(root, project, skip=skip).taken)


_DEV_REASON = "a development file (name it in `include` to ship it)"


def _names_inside(folder: str, globs: Sequence[str]) -> bool:
    """Whether an explicit include glob names ``folder`` (ending in ``/``) or something under it."""
    return _matches(folder, globs) or any(
        pattern.startswith(folder) or pattern.rstrip("/") + "/" == folder for pattern in globs
    )


# faas-bridge packages that run on a developer's machine only: deploy files, the local gateway and
# `bridge check`.
_BRIDGE_TOOLING = ("bridge/deploy/", "bridge/gateway/", "bridge/check/")


def _start_script_imports(deployment: Deployment, target: Any) -> Dict[str, str]:
    """The modules the web-mode start script's server imports: a package without them cannot start."""
    if deployment.options.mode != "web":
        return {}
    from ..web.server import SERVER_REQUIREMENTS

    script = target.bootstrap_name or "the image's command"
    return {module: f"{script} ({deployment.server})" for module in SERVER_REQUIREMENTS[deployment.server]}


def bridge_files() -> Iterator[Tuple[Path, str]]:
    """faas-bridge's own modules, from wherever this copy runs; the build tooling stays out."""
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package.parent).as_posix()
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if relative.startswith(_BRIDGE_TOOLING) or not (path.suffix == ".py" or path.name == "py.typed"):
            continue
        yield path, relative


_EVERYTHING = ("**", "**/*", "*")


def _matches(relative: str, patterns: Sequence[str]) -> bool:
    """Whether a glob matches ``relative`` (a file, or a directory ending in ``/``) or a directory above."""
    parts = relative.rstrip("/").split("/")
    candidates = ["/".join(parts[:depth]) + "/" for depth in range(1, len(parts))]
    candidates.append(relative)
    return any(_glob(pattern).match(candidate) for pattern in patterns for candidate in candidates)


def _glob(pattern: str) -> re.Pattern[str]:
    found = _GLOBS.get(pattern)
    if found is None:
        body = pattern.rstrip("/")
        regex = "" if "/" in body else "(?:.*/)?"  # a bare name matches at any depth
        index = 0
        while index < len(body):
            if body.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif body.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif body[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif body[index] == "?":
                regex, index = regex + "[^/]", index + 1
            elif body[index] == "[" and "]" in body[index:]:
                end = body.index("]", index)
                regex, index = regex + "[" + body[index + 1 : end].replace("!", "^", 1) + "]", end + 1
            else:
                regex, index = regex + re.escape(body[index]), index + 1
        # A directory glob (trailing '/') matches directories only; any other glob either.
        regex += "/" if pattern.endswith("/") else "/?"
        found = _GLOBS[pattern] = re.compile(regex + r"\Z")
    return found


_GLOBS: Dict[str, re.Pattern[str]] = {}


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    executable = os.stat(source).st_mode & 0o111
    destination.chmod(0o755 if executable else 0o644)


# --- dependencies --------------------------------------------------------------------------------


def install_requirements(
    staging: Path,
    dependencies: Dependencies,
    extra: Sequence[str] = (),
    *,
    python_version: str,
    find_links: Sequence[Path] = (),
    no_index: bool = False,
    progress: Progress | None = None,
) -> None:
    """``pip install`` the dependencies into ``staging`` as wheels for the function's platform.

    Raises :class:`NoCompatibleWheelError` naming the package when no wheel fits, and
    :class:`DependencyInstallError` with pip's last words otherwise.
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(staging),
        "--platform",
        PLATFORM_TAG,
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",  # bytecode, if wanted, is written by build_package with fixed hashes
        "--disable-pip-version-check",
        "--no-input",
        "--no-warn-script-location",
        "--progress-bar",
        "off",
    ]
    for directory in find_links:
        command += ["--find-links", str(directory)]
    if no_index:
        command.append("--no-index")
    requirements = dependencies.requirements_file
    listed = {_name(line) for line in dependencies.requirements}
    temporary: List[Path] = []
    if requirements is not None:
        lines = requirements.read_text(encoding="utf-8").splitlines()
        listed |= {_name(line) for line in lines}
        if SELF in listed:
            # The package carries this very copy of faas-bridge (bridge_files), matching the entry
            # it generated: pip must not fetch another. The filtered copy sits beside the original
            # so that its relative `-r`/`-c` lines still resolve.
            kept = "\n".join(line for line in lines if _name(line) != SELF) + "\n"
            requirements = _temporary(requirements.parent, kept, temporary)
        command += ["-r", str(requirements)]
    if dependencies.constraints:
        pins = "\n".join(dependencies.constraints) + "\n"
        command += ["-c", str(_temporary(staging.parent, pins, temporary))]
    command += dependencies.requirements
    command += [name for name in extra if _name(name) not in listed]
    # Relative paths in a requirements file are taken from the working directory: the file's.
    cwd = requirements.parent if requirements is not None else None
    try:
        returncode, output = _run_pip(command, cwd, progress)
    finally:
        for path in temporary:
            path.unlink()
    if returncode != 0:
        missing = _NO_WHEEL.search(output)
        if missing:
            raise NoCompatibleWheelError(missing.group(1), PLATFORM_TAG, python_version)
        tail = "\n".join(output.strip().splitlines()[-8:])
        raise DependencyInstallError(f"pip could not install the requirements for the runtime:\n{tail}")


_PIP_STEP = re.compile(r"^(Collecting|Processing|Looking in links|Installing collected packages)\b")


def _run_pip(command: List[str], cwd: Path | None, progress: Progress | None) -> Tuple[int, str]:
    """Run pip, passing each package it resolves to ``progress``; ``(exit code, all output)``."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if progress is not None and _PIP_STEP.match(line.strip()):
            progress.detail(line.strip())
    return process.wait(), "".join(lines)


def _temporary(directory: Path, text: str, made: List[Path]) -> Path:
    handle, name = tempfile.mkstemp(prefix=".bridge-", suffix=".txt", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    made.append(Path(name))
    return Path(name)


def _name(line: str) -> str:
    """The normalised project name a requirements line installs (PEP 503), or '' for other lines."""
    text = line.split(" #", 1)[0].strip()
    if not text or text.startswith(("-", "#")):
        return ""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return canonical(Requirement(text).name)
    except InvalidRequirement:
        return ""


def bytecode_unavailable(version: str) -> str | None:
    """Why this interpreter cannot write byte code the Python ``version`` runtime would use,
    and how to get it; ``None`` when it can. A ``.pyc`` holds its Python version's magic number:
    any other version ignores it (https://docs.python.org/3/library/importlib.html#importlib.util.MAGIC_NUMBER).
    """
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if here == version:
        return None
    return (
        f"the python{version} runtime needs Python {version} byte code and bridge runs on Python {here}; "
        f"to include it, choose the runtime matching this Python (--runtime python{here}, where the "
        f"platform offers it) or build with Python {version} (python{version} -m bridge ..., or in "
        "the runtime's image)"
    )


def _compile(staging: Path) -> None:
    import compileall
    import py_compile

    compileall.compile_dir(
        str(staging),
        quiet=1,
        stripdir=str(staging),  # recorded source paths are package-relative, not this machine's
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


# --- the zip -------------------------------------------------------------------------------------


def write_zip(source: Path, zip_path: Path, progress: Progress | None = None) -> Tuple[int, int]:
    """Zip every file under ``source`` reproducibly; returns ``(file count, unzipped bytes)``."""
    date_time = _zip_date_time()
    files = sorted(
        (path.relative_to(source).as_posix(), path) for path in source.rglob("*") if path.is_file()
    )
    temporary = zip_path.with_name(zip_path.name + ".tmp")
    unzipped = 0
    with zipfile.ZipFile(temporary, "w") as archive:
        for relative, path in (progress or Progress(quiet=True)).bar(files, len(files), "zipping"):
            info = zipfile.ZipInfo(relative, date_time)
            info.create_system = 3  # Unix, so that external_attr carries the permissions
            mode = 0o755 if os.stat(path).st_mode & 0o111 else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL)
    os.replace(temporary, zip_path)
    return len(files), unzipped


def _zip_date_time() -> Tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _ZIP_EPOCH
    try:
        moment = time.gmtime(int(epoch))
    except ValueError:
        raise ConfigError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}") from None
    # Zip times start in 1980 and count seconds in twos.
    day = (moment.tm_year, moment.tm_mon, moment.tm_mday)
    stamp = day + (moment.tm_hour, moment.tm_min, moment.tm_sec // 2 * 2)
    return max(_ZIP_EPOCH, stamp)


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"
