"""Hand-built projects and split plans for the deploy tests, shaped like bridge.project / bridge.split.plan.

The emitters read a project and a plan by attribute only, so these stand-ins pin down exactly what
each deploy file is built from, independently of route discovery.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bridge.deploy import Deployment, DeployOptions
from bridge.split.routes import Route

HELLO_APP = '''\
"""A dependency-free WSGI app: what a package must be able to serve on its own."""


def app(environ, start_response):
    body = ("hello from " + environ["PATH_INFO"]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


@dataclass
class Project:
    root: Path
    name: str = "hello"
    app: str | None = "hello:app"
    django: str | None = None
    runtime: str = "python3.10"
    region: str | None = None
    memory: int = 512
    timeout: int = 30
    environment: Dict[str, str] = field(default_factory=dict)
    split: str | None = None
    depth: int | None = None
    groups: Dict[str, Any] = field(default_factory=dict)
    requirements: str | None = None
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    snapstart: bool = False


@dataclass
class Function:
    name: str
    routes: List[Route]
    memory: int = 512
    timeout: int = 30
    environment: Dict[str, str] = field(default_factory=dict)
    concurrency: int | None = None
    catch_all: bool = False


@dataclass(frozen=True)
class GatewayRoute:
    path: str
    methods: Tuple[str, ...] | None
    function: str
    priority: int = 0


class Plan:
    def __init__(
        self, functions: List[Function], tables: Dict[str, List[GatewayRoute]], notes: Sequence[str] = ()
    ):
        self.functions = functions
        self.notes = list(notes)
        self._tables = tables

    def table(self, gateway: str) -> List[GatewayRoute]:
        return list(self._tables[gateway])


def make_project(root: Path, **fields: Any) -> Project:
    """A project directory holding ``hello.py`` (and the dev files a package must leave out)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "hello.py").write_text(HELLO_APP)
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_hello.py").write_text("def test_nothing():\n    pass\n")
    (root / "__pycache__").mkdir(exist_ok=True)
    (root / "__pycache__" / "hello.cpython-311.pyc").write_bytes(b"\0" * 16)
    (root / ".env").write_text("SECRET_KEY=do-not-ship\n")
    return Project(root=root, **fields)


def all_in_one_plan() -> Plan:
    function = Function("hello", [Route("/", None), Route("/<path:rest>", None)], catch_all=True)
    return Plan(
        [function],
        {
            "fc": [GatewayRoute("/*", None, "hello")],
            "aws": [GatewayRoute("/{proxy+}", None, "hello")],
            "scf": [GatewayRoute("/", None, "hello")],
        },
    )


def split_plan() -> Plan:
    """``hello-api`` takes /api/todos... (GET, POST, DELETE), ``hello-web`` is the catch-all.

    Function names are the project name plus the group, as ``bridge.split.plan`` makes them."""
    api = Function(
        "hello-api",
        [Route("/api/todos", ("GET", "POST")), Route("/api/todos/<int:id>", ("GET", "DELETE"))],
        memory=256,
        timeout=10,
        environment={"API_ONLY": "1"},
    )
    web = Function(
        "hello-web", [Route("/", ("GET",)), Route("/<path:rest>", None)], memory=1024, catch_all=True
    )
    return Plan(
        [api, web],
        {
            "fc": [
                GatewayRoute("/api/todos", ("GET", "POST"), "hello-api"),
                GatewayRoute("/api/todos/*", ("GET", "DELETE"), "hello-api"),
                GatewayRoute("/*", None, "hello-web"),
            ],
            "aws": [
                GatewayRoute("/api/todos", ("GET", "POST"), "hello-api"),
                GatewayRoute("/api/todos/{id}", ("GET", "DELETE"), "hello-api"),
                GatewayRoute("/{proxy+}", None, "hello-web"),
            ],
            "scf": [
                GatewayRoute("/api/todos", ("GET", "POST", "DELETE"), "hello-api"),
                GatewayRoute("/", None, "hello-web"),
            ],
        },
        notes=["api: 2 routes"],
    )


def deployment(project: Project, plan: Plan, platform: str, **options: Any) -> Deployment:
    interface = options.pop("interface", "wsgi")
    app_routes = options.pop("app_routes", None)
    return Deployment(
        project, plan, DeployOptions(platform, **options), interface=interface, app_routes=app_routes
    )


def make_wheel(directory: Path, name: str, version: str = "1.0", code: str = "") -> Path:
    """A minimal pure-Python wheel (``name/__init__.py`` with ``VERSION``, then ``code``), built by
    hand: no network."""
    directory.mkdir(parents=True, exist_ok=True)
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": (f'VERSION = "{version}"\n' + code).encode(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
    }
    return _write_wheel(directory / f"{name}-{version}-py3-none-any.whl", dist_info, files)


def _write_wheel(wheel: Path, dist_info: str, files: Dict[str, bytes]) -> Path:
    """A pure-Python wheel of ``files`` with its WHEEL file and the RECORD of hashes pip checks."""
    files = {**files, f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return wheel


def fc_event(path: str, method: str = "GET") -> bytes:
    """FC 3.0's documented HTTP-trigger event (tests/events/fc3-http-documented.json) sent to ``path``,
    as JSON bytes, the way the runtime hands it over."""
    event = json.loads((Path(__file__).parent / "events" / "fc3-http-documented.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    return json.dumps(event).encode()


# --- the samples, built through the real pipeline ---------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: sample -> (the app setting its project definition has, the strategy that splits it)
SAMPLES = {
    "flask_todo": ('app = "todo:app"', "per-blueprint"),
    "django_blog": ('django = "blog_site.settings"', "per-django-app"),
}
#: Builds per sample: (platform, split strategy or None for the project's, extra options).
SAMPLE_BUILDS = (
    ("fc", None, ()),
    ("fc", "split", ()),
    ("scf", None, ()),
    ("scf", "split", ()),
    ("aws", None, ("--runtime", "python3.12")),
    ("aws", "split", ("--runtime", "python3.12")),
)
_BUILT: Dict[str, Path] = {}


def built_sample(sample: str) -> Path:
    """A copy of ``examples/<sample>`` built by `bridge build` for every SAMPLE_BUILDS entry, once
    per test session, in a subprocess, (the samples import Flask or set up Django: kept out of the
    test process). Outputs are ``<copy>/out/<platform>-<all|split>/``."""
    if sample in _BUILT:
        return _BUILT[sample]
    import shutil
    import subprocess
    import sys
    import tempfile

    source = EXAMPLES / sample
    if not source.is_dir():
        import pytest

        pytest.skip(f"examples/{sample} is not there")
    copy = Path(tempfile.mkdtemp(prefix=f"bridge-{sample}-")) / sample
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("__pycache__", "build", ".ruff_cache", "instance")
    )
    setting, strategy = SAMPLES[sample]
    pyproject = copy / "pyproject.toml"
    if not (copy / "bridge.toml").exists() and "[tool.bridge]" not in (
        pyproject.read_text() if pyproject.exists() else ""
    ):
        (copy / "bridge.toml").write_text(setting + "\n")
    script = ["import sys", "from bridge.cli import main"]
    for platform, split, extra in SAMPLE_BUILDS:
        out = copy / "out" / f"{platform}-{'split' if split else 'all'}"
        argv = [
            "build",
            "--platform",
            platform,
            "--project",
            str(copy),
            "--out",
            str(out),
            "--no-requirements",
        ]
        argv += (["--split", strategy] if split else []) + list(extra)
        if (platform, split) != ("fc", None):
            argv.append("--no-package")  # one package per sample is enough; test_package covers the rest
        script.append(f"assert main({argv!r}) == 0, {argv!r}")
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(script)], capture_output=True, text=True, cwd=copy
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _BUILT[sample] = copy
    return copy


def wheels_from_installed(directory: Path, *names: str) -> List[Path]:
    """Pure-Python wheels of installed distributions and of everything they require, repacked from
    this environment's site-packages: real Flask for a package test, with no network.

    Compiled modules are left out (each distribution used here has a pure-Python fallback), so the
    wheels are honestly ``py3-none-any``."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    directory.mkdir(parents=True, exist_ok=True)
    made: List[Path] = []
    pending, seen = list(names), set()
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
        project, version = dist.metadata["Name"], dist.version
        stem = f"{project.replace('-', '_')}-{version}"
        dist_info = f"{stem}.dist-info"
        files: Dict[str, bytes] = {}
        for path in dist.files or []:
            text = path.as_posix()
            if text.startswith("..") or "__pycache__" in text or text.endswith((".pyc", ".so", ".pyd")):
                continue
            if text.endswith(
                (".dist-info/RECORD", ".dist-info/WHEEL", ".dist-info/INSTALLER", "direct_url.json")
            ):
                continue
            if ".dist-info/" in text:
                text = f"{dist_info}/{text.split('.dist-info/', 1)[1]}"
            source = Path(str(dist.locate_file(path)))
            if source.is_file():
                files[text] = source.read_bytes()
        made.append(_write_wheel(directory / f"{stem}-py3-none-any.whl", dist_info, files))
    return made
