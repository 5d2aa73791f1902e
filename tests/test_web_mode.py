"""Web mode (`--mode web`): the package's start script really starts the app's server.

FC custom runtimes run `bootstrap`, SCF web functions `scf_bootstrap`; both must serve on
0.0.0.0:9000 with an absolute interpreter path (reference alibaba-fc.md §5, tencent-scf.md §3.2).
Huawei FunctionGraph HTTP functions run `bootstrap` too, serving on 127.0.0.1:8000 with the
runtime image's interpreter (functiongraph_01_1442, Table 2).
The script execs `python -m bridge.web` (`bridge run`) from the package. Locally, BRIDGE_PYTHON
points the script at this interpreter (which has gunicorn and uvicorn) and BRIDGE_PORT at a free
port; the packages here are built without dependencies, so the verification only reports the
missing server (except in the test that shows it does).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Dict, Optional

import pytest
from _deploy_fixtures import all_in_one_plan, deployment, make_project

from bridge.deploy import build_package, get_target
from bridge.deploy.errors import PackageVerifyError

DJANGO_SITE = Path(__file__).resolve().parent / "apps" / "django_site"

ASGI_APP = """\
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = ("asgi says " + scope["path"]).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_project(tmp_path: Path, files: Optional[Dict[str, str]] = None, **fields):
    project = make_project(tmp_path / "project", **fields)
    for name, text in (files or {}).items():
        (project.root / name).write_text(text)
    if fields.get("app") == "asgi_hello:app":
        (project.root / "asgi_hello.py").write_text(ASGI_APP)
    if fields.get("django"):
        shutil.copytree(DJANGO_SITE, project.root, dirs_exist_ok=True)
    return project


def unpacked_web_package(
    tmp_path: Path, platform: str, files: Optional[Dict[str, str]] = None, **fields
) -> Path:
    project = web_project(tmp_path, files, **fields)
    interface = "asgi" if fields.get("app") == "asgi_hello:app" else "wsgi"
    dep = deployment(project, all_in_one_plan(), platform, mode="web", interface=interface)
    report = build_package(dep, get_target(platform), tmp_path / "out", verify_strict=False)
    fresh = tmp_path / "fresh"
    with zipfile.ZipFile(report.zip_path) as archive:
        for info in archive.infolist():  # ZipFile.extractall drops permissions; a platform keeps them
            path = Path(archive.extract(info, fresh))
            path.chmod(info.external_attr >> 16 & 0o777)
    return fresh


def get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def serve_once(script: Path, path: str, port_variable: str = "BRIDGE_PORT") -> str:
    port = free_port()
    environment = dict(os.environ, BRIDGE_PYTHON=sys.executable, **{port_variable: str(port)})
    server = subprocess.Popen(
        [str(script)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        return get(f"http://127.0.0.1:{port}{path}", time.monotonic() + 20)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


START_SCRIPTS = [("fc", "bootstrap"), ("scf", "scf_bootstrap"), ("huawei", "bootstrap")]


@pytest.mark.parametrize(("platform", "name"), START_SCRIPTS)
def test_start_script_follows_the_platform_rules(tmp_path: Path, platform: str, name: str) -> None:
    script = unpacked_web_package(tmp_path, platform) / name
    text = script.read_bytes()
    assert text.startswith(b"#!/bin/bash\n") and b"\r" not in text
    assert script.stat().st_mode & 0o111
    interpreter = {
        "fc": b"/var/fc/lang/python3.10/bin/python3",
        "scf": b"/var/lang/python310/bin/python3.10",
        # FunctionGraph's table of runtime paths for HTTP functions (functiongraph_01_1442).
        "huawei": b"/opt/function/runtime/python3.10/rtsp/python/bin/python3",
    }
    assert b"${BRIDGE_PYTHON:-" + interpreter[platform] + b"}" in text
    # `bridge run` follows the platform's start contract: port 9000 (FC: or FC_SERVER_PORT), 0.0.0.0.
    command = b"-m bridge.web index:app --platform " + platform.encode() + b" --server gunicorn"
    assert b"exec " in text and command in text
    assert b'${BRIDGE_PORT:+--port "$BRIDGE_PORT"}' in text


@pytest.mark.parametrize(("platform", "name"), START_SCRIPTS)
def test_start_script_serves_a_wsgi_app_with_gunicorn(tmp_path: Path, platform: str, name: str) -> None:
    script = unpacked_web_package(tmp_path, platform) / name
    assert b"--server gunicorn" in script.read_bytes()
    assert serve_once(script, "/hello") == "hello from /hello"


def test_start_script_serves_an_asgi_app_with_uvicorn(tmp_path: Path) -> None:
    script = unpacked_web_package(tmp_path, "scf", app="asgi_hello:app") / "scf_bootstrap"
    assert b"--server uvicorn" in script.read_bytes()
    assert serve_once(script, "/x") == "asgi says /x"


def test_the_huawei_bootstrap_serves_an_asgi_app_on_loopback(tmp_path: Path) -> None:
    script = unpacked_web_package(tmp_path, "huawei", app="asgi_hello:app") / "bootstrap"
    assert b"--platform huawei --server uvicorn" in script.read_bytes()
    assert serve_once(script, "/fg") == "asgi says /fg"


def test_the_fc_bootstrap_listens_on_fc_server_port(tmp_path: Path) -> None:
    script = unpacked_web_package(tmp_path, "fc") / "bootstrap"
    assert serve_once(script, "/port", port_variable="FC_SERVER_PORT") == "hello from /port"


def test_start_script_serves_a_django_project(tmp_path: Path) -> None:
    package = unpacked_web_package(tmp_path, "fc", app=None, django="site_conf.settings")
    assert "get_wsgi_application" in (package / "index.py").read_text()
    assert serve_once(package / "bootstrap", "/shop/products/7/") == "7"


def test_the_function_concurrency_reaches_bridge_run(tmp_path: Path) -> None:
    project = web_project(tmp_path)
    plan = all_in_one_plan()
    plan.functions[0].concurrency = 20
    report = build_package(
        deployment(project, plan, "fc", mode="web"), get_target("fc"), tmp_path / "out", verify_strict=False
    )
    with zipfile.ZipFile(report.zip_path) as archive:
        assert b"--concurrency 20" in archive.read("bootstrap")


@pytest.mark.parametrize(
    ("app", "interface", "modules"),
    [
        ("hello:app", "wsgi", ["gunicorn"]),
        ("asgi_hello:app", "asgi", ["uvicorn", "websockets"]),
    ],
)
def test_a_web_package_without_its_server_fails_verification(
    tmp_path: Path, app: str, interface: str, modules: list
) -> None:
    project = web_project(tmp_path, app=app)
    dep = deployment(project, all_in_one_plan(), "scf", mode="web", interface=interface)
    with pytest.raises(PackageVerifyError) as raised:
        build_package(dep, get_target("scf"), tmp_path / "out")
    message = str(raised.value)
    for module in modules:
        assert f"{module} (imported by scf_bootstrap" in message


def test_the_knative_image_runs_bridge_run_on_port(tmp_path: Path) -> None:
    project = web_project(tmp_path)
    dep = deployment(project, all_in_one_plan(), "knative", mode="web")
    build_package(dep, get_target("knative"), tmp_path / "out", verify_strict=False)
    dockerfile = (tmp_path / "out" / "code" / "Dockerfile").read_text()
    assert "exec python -m bridge.web index:app --platform knative --server gunicorn" in dockerfile


def test_web_entry_exposes_the_app_without_the_event_handler(tmp_path: Path) -> None:
    entry = (unpacked_web_package(tmp_path, "fc") / "index.py").read_text()
    assert "from hello import app" in entry
    assert "handler" not in entry.split('"""', 2)[2]
