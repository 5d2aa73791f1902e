"""Cold start as deployed: a sample's FC package unpacked read-only, a fresh interpreter, its first response.

Each sample (``examples/flask_todo``, ``examples/django_blog``) is packaged twice by ``bridge package
--platform fc``, with its requirements from the package index: with byte code (the default) and with
``--no-compile``. Each zip is unpacked into its own folder, made read-only, and every run is a fresh
interpreter with ``PYTHONDONTWRITEBYTECODE=1`` (a read-only code directory prevents the writes on
the platform; this machine runs as root, which permissions do not stop) that imports the entry
(``index``) and answers one FC 3.0 HTTP event through ``index.handler``: the todo sample's
``/health``, the blog's ``/accounts/login/`` (a template page needing no tables). The time is the
process's wall clock, spawn to exit. The limit is the same app from a warm local install: a virtual
environment holding the sample's requirements, the sample folder on ``sys.path`` and every
``__pycache__`` written by an untimed run first. The three variants run paired, round-robin.

FC offers Python 3.9, 3.10 and 3.12, and byte code is only made by the runtime's own Python, so the
benchmark uses the newest of those found on this machine (this interpreter, ``python3.X`` on
``PATH``, or pyenv's) in a virtual environment of its own (built once, in the temp folder).

The bridge's own share, in the warm install and in-process: ``import bridge`` + ``Bridge(app)`` +
the first invocation through the handler, minus the first call of the same app with a prebuilt WSGI
environ (paired runs, medians).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from . import events
from .coldstart import ROOT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional

#: (sample folder, the page its first event asks for, how the app object is imported for the direct call)
SAMPLES = (
    ("flask_todo", "/health", "from todo import app"),
    (
        "django_blog",
        "/accounts/login/",
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'blog_site.settings')\n"
        "from django.core.wsgi import get_wsgi_application\napp = get_wsgi_application()",
    ),
)
VARIANTS = ("package with byte code", "package without byte code", "warm local install")
PLATFORM = "fc"
FC_PYTHONS = ("3.12", "3.10", "3.9")
TARGET_BRIDGE_MS = 2.0
TARGET_WARM_RATIO = 1.10
#: Variables the samples read at import (their bridge.toml references): any value does.
APP_ENV = {"SECRET_KEY": "bench", "DJANGO_SECRET_KEY": "bench", "DJANGO_DEBUG": "0"}

# What the FC 3.0 runtime passes the handler (the attributes adapters read), and the check of the answer.
_FC_CALL = """\
class _Function:
    name = "bench"; handler = "index.handler"; memory = 1024; timeout = 60
class Context:
    request_id = "1-64f6cd87-0123456789abcdef"; region = "cn-hangzhou"; account_id = "123456789"
    function = _Function()
result = handler({event!r}, Context())
assert result["statusCode"] == 200, result["statusCode"]
"""
# FC 3.0's runtime puts the code directory first on sys.path and imports the handler's module.
_FIRST_RESPONSE = (
    """\
import sys
sys.path.insert(0, {code!r})
from index import handler
"""
    + _FC_CALL
)

_BRIDGE_SHARE = """\
import json, sys, time
sys.path.insert(0, {code!r})
{imports}
t0 = time.perf_counter()
{call}
t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1e3}}))
"""
_THROUGH_BRIDGE = "import bridge\nhandler = bridge.Bridge(app)\n" + _FC_CALL
_DIRECT = """\
environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": {path!r}, "QUERY_STRING": "", "SERVER_NAME": {host!r},
    "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": {host!r}, "SCRIPT_NAME": "",
    "wsgi.url_scheme": "https", "wsgi.input": __import__("io").BytesIO(), "wsgi.errors": sys.stderr,
    "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}}
status = []
body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
assert status[0].startswith("200"), status"""


def find_python() -> Optional[Path]:
    """The newest Python that FC offers as a runtime, found on this machine, or None."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in FC_PYTHONS:
        if version == here:
            return Path(sys.executable)
        on_path = shutil.which(f"python{version}")
        # A pyenv shim is on PATH even when that version is not selected: ask each candidate.
        candidates = sorted(pyenv.glob(f"{version}.*/bin/python"), reverse=True)
        candidates += [Path(on_path)] if on_path else []
        for candidate in candidates:
            if _version(candidate) == version:
                return candidate
    return None


def _version(python: Path) -> str:
    """``"3.12"``, or ``""`` when ``python`` does not run."""
    done = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def _env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    env.update(APP_ENV, PYTHONHASHSEED="0", **extra)
    return env


def _warm_install(python: Path, version: str, say: Callable[[str], None]) -> Path:
    """A virtual environment for ``python`` holding faas-bridge (editable) and the samples' requirements."""
    venv = Path(tempfile.gettempdir()) / f"faas-bridge-bench-py{version}"
    bin_python = venv / "bin" / "python"
    stamp = venv / ".bench-installed"
    if stamp.exists():
        return bin_python
    say(f"cold start as deployed: a Python {version} environment in {venv}")
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    pip = [str(bin_python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[build]"], check=True)
    for sample, _, _ in SAMPLES:
        lines = (ROOT / "examples" / sample / "requirements.txt").read_text(encoding="utf-8").splitlines()
        wanted = [
            line for line in lines if line.strip() and not line.startswith("#") and "faas-bridge" not in line
        ]
        subprocess.run([*pip, *wanted], check=True)
    stamp.write_text("ok\n")
    return bin_python


def _package(bin_python: Path, version: str, sample: Path, out: Path, compiled: bool) -> Dict[str, Any]:
    command = [str(bin_python), "-m", "bridge", "package", "--platform", PLATFORM, "--project", str(sample)]
    command += ["--runtime", f"python{version}", "--out", str(out), "--json"]
    command.append("--compile" if compiled else "--no-compile")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_env())
    if done.returncode != 0:
        raise RuntimeError(f"bridge package failed for {sample.name}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)["package"]
    if report["bytecode"] is not compiled:
        raise RuntimeError(f"{sample.name}: asked for byte code {compiled}, got {report['bytecode']}")
    return report


def _unpack_read_only(zip_path: Path, folder: Path) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    for directory, _, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(directory, name), 0o444)
        os.chmod(directory, 0o555)


def _writable(folder: Path) -> None:
    for directory, _, _ in os.walk(folder):
        os.chmod(directory, 0o755)


def _wall_ms(command: List[str], cwd: Path, env: Dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    wall = (time.perf_counter() - start) * 1e3
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed in {cwd}:\n{done.stderr[-2000:]}")
    return wall


def _stats(values: List[float]) -> Dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure(runs: int, progress: Callable[[str], None] | None = None) -> Dict[str, Any]:
    """``{"rows": [...], "bridge": [...], "python": "3.12"}``, or ``{"error": why}``."""
    say = progress or (lambda message: None)
    python = find_python()
    if python is None:
        wanted = ", ".join(f"python{v}" for v in FC_PYTHONS)
        return {"error": f"no Python that FC offers ({wanted}) on this machine"}
    version = _version(python)
    bin_python = _warm_install(python, version, say)
    base_python = python  # the runtime's interpreter: no site-packages of ours, the package holds all
    rows, shares = [], []
    with tempfile.TemporaryDirectory(prefix="bridge-bench-deployed-") as scratch:
        work = Path(scratch)
        try:
            for sample_name, page, app_import in SAMPLES:
                sample = ROOT / "examples" / sample_name
                event = events.fc3(events.Request("GET", page))
                code_dirs = {}
                sizes = {}
                for compiled, variant in ((True, VARIANTS[0]), (False, VARIANTS[1])):
                    say(f"cold start as deployed: bridge package {sample_name} ({variant})")
                    out = work / sample_name / ("pyc" if compiled else "plain")
                    report = _package(bin_python, version, sample, out, compiled)
                    code = out / "unpacked"
                    _unpack_read_only(Path(report["zip"]), code)
                    code_dirs[variant], sizes[variant] = code, report["zip_bytes"]
                code_dirs[VARIANTS[2]] = sample
                env_run = _env(PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(work))
                commands = {
                    VARIANTS[0]: [
                        str(base_python),
                        "-c",
                        _FIRST_RESPONSE.format(code=str(code_dirs[VARIANTS[0]]), event=event),
                    ],
                    VARIANTS[1]: [
                        str(base_python),
                        "-c",
                        _FIRST_RESPONSE.format(code=str(code_dirs[VARIANTS[1]]), event=event),
                    ],
                    VARIANTS[2]: [
                        str(bin_python),
                        "-c",
                        _FIRST_RESPONSE.format(code=str(sample), event=event),
                    ],
                }
                # The warm install writes its byte code once, untimed; the packages run as they are.
                _wall_ms(commands[VARIANTS[2]], sample, _env(TMPDIR=str(work)))
                walls: Dict[str, List[float]] = {variant: [] for variant in VARIANTS}
                for _ in range(runs):
                    for variant in VARIANTS:
                        walls[variant].append(_wall_ms(commands[variant], code_dirs[variant], env_run))
                say(f"cold start as deployed: {sample_name} timed ({runs} paired runs)")
                for variant in VARIANTS:
                    ratios = [a / b for a, b in zip(walls[variant], walls[VARIANTS[2]])]
                    rows.append(
                        {
                            "sample": sample_name,
                            "page": page,
                            "variant": variant,
                            "wall_ms": _stats(walls[variant]),
                            "ratio_to_warm": statistics.median(ratios),
                            "zip_bytes": sizes.get(variant),
                        }
                    )
                shares.append(_bridge_share(bin_python, sample, page, app_import, event, runs, env_run))
        finally:
            _writable(work)
    return {"rows": rows, "bridge": shares, "python": version, "runs": runs, "platform": PLATFORM}


def _bridge_share(
    bin_python: Path, sample: Path, page: str, app_import: str, event: bytes, runs: int, env: Dict[str, str]
) -> Dict[str, Any]:
    """In-process ms of import bridge + Bridge(app) + first call, and of the app's own first call."""
    programs = {
        "bridge": _BRIDGE_SHARE.format(
            code=str(sample), imports=app_import, call=_THROUGH_BRIDGE.format(event=event)
        ),
        "direct": _BRIDGE_SHARE.format(
            code=str(sample), imports=app_import, call=_DIRECT.format(path=page, host=events.FC_HOST)
        ),
    }
    timings: Dict[str, List[float]] = {"bridge": [], "direct": []}
    for _ in range(max(runs, 5)):
        for name, program in programs.items():
            done = subprocess.run(
                [str(bin_python), "-c", program], capture_output=True, text=True, cwd=sample, env=env
            )
            if done.returncode != 0:
                raise RuntimeError(f"bridge share ({name}) failed for {sample.name}:\n{done.stderr[-2000:]}")
            timings[name].append(json.loads(done.stdout.strip().splitlines()[-1])["ms"])
    added = [b - d for b, d in zip(timings["bridge"], timings["direct"])]
    return {
        "sample": sample.name,
        "bridge_ms": statistics.median(timings["bridge"]),
        "direct_ms": statistics.median(timings["direct"]),
        "added_ms": statistics.median(added),
    }


def lines(result: Dict[str, Any]) -> List[str]:
    """The result as markdown tables."""
    if "error" in result:
        return [f"Not available: {result['error']}."]
    out = [
        f"Platform `{result['platform']}`, runtime `python{result['python']}`, "
        f"{result['runs']} paired runs; wall ms from spawn to exit.",
        "",
        "| sample (first page) | variant | zip KB | median ms | min ms | max ms | × warm install |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for row in result["rows"]:
        wall = row["wall_ms"]
        size = "–" if row["zip_bytes"] is None else f"{row['zip_bytes'] / 1024:.0f}"
        out.append(
            f"| {row['sample']} (`{row['page']}`) | {row['variant']} | {size} | {wall['median']:.0f} "
            f"| {wall['min']:.0f} | {wall['max']:.0f} | {row['ratio_to_warm']:.2f}× |"
        )
    out += [
        "",
        "The bridge's own share (warm install, in-process, medians): `import bridge` + `Bridge(app)` + "
        "the first invocation, against the app's own first call with a prebuilt environ.",
        "",
        "| sample | through the bridge ms | app called directly ms | the bridge adds ms |",
        "|---|--:|--:|--:|",
    ]
    for share in result["bridge"]:
        out.append(
            f"| {share['sample']} | {share['bridge_ms']:.2f} | {share['direct_ms']:.2f} "
            f"| {share['added_ms']:.2f} |"
        )
    return out


def verdicts(result: Dict[str, Any]) -> List[tuple]:
    """``(PASS | FAIL, target, evidence)``: the bridge's share, and packages against the warm install."""
    if "error" in result:
        return []
    added = {share["sample"]: share["added_ms"] for share in result["bridge"]}
    packaged = {
        row["sample"]: row["ratio_to_warm"] for row in result["rows"] if row["variant"] == VARIANTS[0]
    }
    return [
        (
            "PASS" if max(added.values()) < TARGET_BRIDGE_MS else "FAIL",
            f"the bridge adds < {TARGET_BRIDGE_MS:.0f} ms to a sample's cold start (wall, in-process)",
            ", ".join(f"{name} {ms:.2f} ms" for name, ms in added.items()),
        ),
        (
            "PASS" if max(packaged.values()) <= TARGET_WARM_RATIO else "FAIL",
            f"a packaged sample (byte code) starts within {TARGET_WARM_RATIO:.2f}× the warm install",
            ", ".join(f"{name} {ratio:.2f}×" for name, ratio in packaged.items()),
        ),
    ]
