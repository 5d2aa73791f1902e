"""The dynamic probe: import the app in a child process set up like a function instance.

The project's files (what its code package takes) are copied to a temp dir and made read-only; the
child's ``TMPDIR`` and ``HOME`` point at a writable stand-in for /tmp; ``-X importtime`` times every
import. When this runs as root, file modes bind nobody, so the child runs as the unprivileged
``nobody`` user for the read-only code to be real. The child (:mod:`.probe_child`) reports the
import error, the writes, the threads and the settings; the stand-in is removed afterwards.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from .import_profile import ImportProfile, parse_importtime
from .probe_child import MARKER

TMP = "tmp"
CODE = "code"
OTHER = "other"


@dataclass
class ProbeResult:
    """What importing the app did. ``writes`` paths are mapped: ``where`` is tmp, code or other."""

    imported: bool
    seconds: float = 0.0
    timed_out: bool = False
    error: Optional[Dict[str, Any]] = None
    writes: List[Dict[str, Any]] = field(default_factory=list)
    threads: List[Dict[str, Any]] = field(default_factory=list)
    routes: List[Dict[str, Any]] = field(default_factory=list)
    django: Optional[Dict[str, Any]] = None
    flask: Optional[Dict[str, Any]] = None
    profile: ImportProfile = field(default_factory=ImportProfile)
    new_code_files: List[str] = field(default_factory=list)
    read_only: bool = True
    output: str = ""
    code_dir: str = ""
    tmp_dir: str = ""

    def where(self, path: Optional[str]) -> str:
        """Where an absolute path the child reported lies: :data:`TMP`, :data:`CODE` or :data:`OTHER`."""
        return _where(path, self.code_dir, self.tmp_dir)

    def on_platform(self, text: str, code_dir: str) -> str:
        """``text`` with the copy's paths said as on the platform: its code dir, and /tmp."""
        if not self.code_dir:
            return text
        return text.replace(self.code_dir, code_dir).replace(self.tmp_dir, "/tmp")

    def relative(self, path: str) -> str:
        """``path`` in the code copy as a project-relative path."""
        return os.path.relpath(path, self.code_dir).replace(os.sep, "/")


def run_probe(
    root: Path, files: Iterable[str], target: str, environment: Dict[str, str], timeout: float
) -> ProbeResult:
    """Import ``target`` from a read-only copy of ``files`` (relative to ``root``)."""
    base = Path(tempfile.mkdtemp(prefix="bridge-check-"))
    try:
        return _run(base, root, list(files), target, environment, timeout)
    finally:
        _make_writable(base)
        shutil.rmtree(base, ignore_errors=True)


def _run(
    base: Path, root: Path, files: List[str], target: str, environment: Dict[str, str], timeout: float
) -> ProbeResult:
    code, sandbox, result_file = base / "code", base / "tmp", base / "result.json"
    for relative in files:
        destination = code / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, destination)
    code.mkdir(exist_ok=True)
    sandbox.mkdir()
    result_file.touch()
    before = _snapshot(code)
    _make_read_only(code)
    os.chmod(base, 0o755)
    os.chmod(sandbox, 0o1777)
    os.chmod(result_file, 0o666)
    drop = _drop_privileges()
    command = drop + [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "bridge.check.probe_child",
        target,
        str(code),
        str(result_file),
    ]
    timed_out = False
    try:
        completed = subprocess.run(
            command,
            cwd=str(code),
            env=_environment(environment, sandbox),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
        stderr, stdout = completed.stderr, completed.stdout
    except subprocess.TimeoutExpired as exc:
        timed_out = True
        stderr = _text(exc.stderr)
        stdout = _text(exc.stdout)
    before_marker, _, after_marker = stderr.partition(MARKER)
    try:
        data = json.loads(result_file.read_text(encoding="utf-8") or "{}")
    except ValueError:
        data = {}
    result = ProbeResult(
        imported=bool(data.get("imported")),
        seconds=float(data.get("seconds", timeout if timed_out else 0.0)),
        timed_out=timed_out,
        error=data.get("error"),
        writes=list(data.get("writes", [])),
        threads=list(data.get("threads", [])),
        routes=[r for r in data.get("routes", []) if "error" not in r],
        django=data.get("django"),
        flask=data.get("flask"),
        profile=parse_importtime(after_marker.splitlines()),
        read_only=bool(drop) or os.geteuid() != 0,
        output=(
            stdout
            + "\n".join(
                line
                for line in (before_marker + after_marker).splitlines()
                if not line.startswith("import time:")
            )
        ).strip(),
    )
    result.code_dir, result.tmp_dir = os.path.realpath(code), os.path.realpath(sandbox)
    if not data and not timed_out:
        result.error = {
            "type": "ProbeFailed",
            "message": result.output[-2000:] or "the probe printed nothing",
            "file": "",
            "line": 0,
        }
    result.new_code_files = sorted(set(_snapshot(code)) - set(before))
    return result


def _where(path: Optional[str], code: str, tmp: str) -> str:
    if not path:
        return OTHER
    real = os.path.realpath(path)
    if real == code or real.startswith(code + os.sep):
        return CODE
    if real == tmp or real.startswith(tmp + os.sep) or real.startswith("/dev/"):
        return TMP
    return OTHER


def _environment(environment: Dict[str, str], sandbox: Path) -> Dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(name, None)
    # Values the deploy tool resolves (${env.X}) are unknown here: leave the variable unset, as a
    # deployment that forgot it would.
    env.update({k: v for k, v in environment.items() if "${" not in v})
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    env["TMPDIR"] = env["HOME"] = str(sandbox)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _drop_privileges() -> List[str]:
    """The command prefix that runs the child as ``nobody`` when this runs as root (else none).

    util-linux ``setpriv`` rather than Popen(user=...): it also works where a sandbox refuses
    Python's in-process switch before exec.
    """
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return []
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        return []
    return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]


def _snapshot(directory: Path) -> List[str]:
    return [str(p.relative_to(directory)) for p in directory.rglob("*")]


def _make_read_only(directory: Path) -> None:
    for path in sorted(directory.rglob("*"), reverse=True):
        mode = path.stat().st_mode
        os.chmod(path, 0o555 if path.is_dir() else (0o555 if mode & stat.S_IXUSR else 0o444))
    os.chmod(directory, 0o555)


def _make_writable(directory: Path) -> None:
    for dirpath, dirnames, _ in os.walk(directory):
        for name in dirnames:
            try:
                os.chmod(os.path.join(dirpath, name), 0o755)
            except OSError:
                pass
    try:
        os.chmod(directory, 0o755)
    except OSError:
        pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
