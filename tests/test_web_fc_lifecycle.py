"""FC's lifecycle hooks through `bridge run --platform fc`, and the s.yaml that configures them.

FC sends a custom runtime's Initializer as `POST /initialize` and its PreStop as `GET /pre-stop`,
marking its own requests with `x-fc-control-path` (alibaba-fc.md §3.3, §5;
https://www.alibabacloud.com/help/en/functioncompute/fc/lifecycle-hooks-for-function-instances-in-a-custom-runtime).
The servers here are the real uvicorn and gunicorn that `bridge run` starts; the requests are
the ones FC documents, sent with and without the header.
"""

from __future__ import annotations

import http.client
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, deployment, make_project, split_plan
from test_web_run import bridge_run, free_port, running

from bridge.deploy import get_target
from bridge.web.fc_lifecycle import SHUTDOWN_S, control_hook

FASTAPI = "lifecycle_apps:fastapi_app"
FLASK = "lifecycle_apps:flask_app"
CHUNKS = 5
PAUSE_S = 0.4  # lifecycle_apps sleeps this long after each chunk: a stream lasts CHUNKS * PAUSE_S


def drained(asked: float, answered: float, ended: float) -> bool:
    """PreStop was answered once the stream had ended: it waited most of the stream's life (an
    undrained PreStop answers in milliseconds), and not before the client saw the end (give or take
    the client threads' scheduling)."""
    return answered - asked > (CHUNKS - 2) * PAUSE_S and answered >= ended - 0.25


SCHEMAS = Path(__file__).parent / "schemas"


def call(port: int, method: str, path: str, control: Optional[str] = None) -> Tuple[int, str]:
    headers = {"x-fc-request-id": "req-1"}
    if control:
        headers["x-fc-control-path"] = control
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def events(log: Path) -> List[str]:
    return [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []


def hook_events(log: Path) -> List[str]:
    """The log's lines, lifespan's without their process id."""
    lines = log.read_text().splitlines()
    return [line.split()[0] if line.startswith(("startup", "shutdown")) else line for line in lines]


class Stream:
    """A slow GET /stream read to its end on a thread; ``ended`` is when its last byte came."""

    def __init__(self, port: int) -> None:
        self.body = b""
        self.ended = 0.0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/stream")
        self._response = connection.getresponse()
        self._first = self._response.read1(65536)  # the stream has begun
        self._thread = threading.Thread(target=self._read)
        self._thread.start()

    def _read(self) -> None:
        self.body = self._first + self._response.read()
        self.ended = time.monotonic()

    def join(self) -> bytes:
        self._thread.join(timeout=20)
        return self.body


EXPECTED = b"".join(f"chunk {n}\n".encode() for n in range(CHUNKS))


def test_the_control_header_names_the_hook() -> None:
    assert control_hook("/initialize") == "/initialize"
    assert control_hook("/pre-stop") == "/pre-stop"
    assert control_hook(" /Pre-Stop ") == "/pre-stop"
    for value in (None, "", "/http-invoke", "/invoke", "/initialize/x"):
        assert control_hook(value) is None


def test_fastapi_lifespan_runs_once_and_pre_stop_drains_then_shuts_down(tmp_path: Path) -> None:
    log = tmp_path / "lifespan.log"
    port = free_port()
    with running(
        bridge_run(FASTAPI, port, "--platform", "fc"), port, env={"LIFESPAN_LOG": str(log)}
    ) as server:
        # Without FC's header, the app's own routes of the same names answer.
        assert call(port, "POST", "/initialize") == (200, "the app's own /initialize")
        assert call(port, "POST", "/initialize", "/http-invoke") == (200, "the app's own /initialize")
        assert call(port, "GET", "/pre-stop") == (200, "the app's own /pre-stop")
        # FC's Initializer: startup already ran when the server started; not again.
        assert call(port, "POST", "/initialize", "/initialize") == (200, "OK")
        assert call(port, "GET", "/state") == (200, "yes")  # lifespan state reaches the requests
        assert events(log) == ["startup"]

        stream = Stream(port)
        asked = time.monotonic()
        status, text = call(port, "GET", "/pre-stop", "/pre-stop")
        answered = time.monotonic()
        assert (status, text) == (200, "OK")
        assert stream.join() == EXPECTED
        # PreStop answered only once the running stream had ended, and shut lifespan down once.
        assert drained(asked, answered, stream.ended)
        assert events(log) == ["startup", "shutdown"]

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) in (0, -signal.SIGTERM)
    assert events(log) == ["startup", "shutdown"]  # SIGTERM after PreStop: no second shutdown


def test_an_initializer_after_pre_stop_starts_lifespan_again(tmp_path: Path) -> None:
    # FC calls the Initializer when it unfreezes an instance too (the lifecycle-hooks page).
    log = tmp_path / "lifespan.log"
    port = free_port()
    with running(
        bridge_run(FASTAPI, port, "--platform", "fc"), port, env={"LIFESPAN_LOG": str(log)}
    ) as server:
        assert call(port, "GET", "/pre-stop", "/pre-stop") == (200, "OK")
        assert call(port, "GET", "/pre-stop", "/pre-stop") == (200, "OK")  # twice: still once
        assert call(port, "POST", "/initialize", "/initialize") == (200, "OK")
        assert call(port, "GET", "/state") == (200, "yes")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    assert events(log) == ["startup", "shutdown", "startup", "shutdown"]


def test_a_failing_lifespan_shutdown_answers_pre_stop_with_500(tmp_path: Path) -> None:
    (tmp_path / "failing_shutdown.py").write_text(
        "async def app(scope, receive, send):\n"
        "    if scope['type'] == 'lifespan':\n"
        "        while True:\n"
        "            message = await receive()\n"
        "            if message['type'] == 'lifespan.startup':\n"
        "                await send({'type': 'lifespan.startup.complete'})\n"
        "            else:\n"
        "                await send({'type': 'lifespan.shutdown.failed', 'message': 'pool stuck'})\n"
        "                return\n"
        "    await send({'type': 'http.response.start', 'status': 204, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b''})\n"
    )
    port = free_port()
    command = bridge_run("failing_shutdown:app", port, "--platform", "fc", "--chdir", str(tmp_path))
    with running(command, port):
        assert call(port, "GET", "/pre-stop", "/pre-stop") == (500, "lifespan shutdown failed")
        assert call(port, "GET", "/x")[0] == 204  # the server still answers


def test_flask_on_gunicorn_pre_stop_waits_for_running_requests_in_every_worker() -> None:
    port = free_port()
    command = bridge_run(FLASK, port, "--platform", "fc", "--workers", "2", "--threads", "2")
    with running(command, port):
        assert call(port, "POST", "/initialize") == (200, "the app's own /initialize")
        assert call(port, "GET", "/pre-stop") == (200, "the app's own /pre-stop")
        assert call(port, "POST", "/initialize", "/initialize") == (200, "OK")
        streams = [Stream(port), Stream(port)]  # on either worker
        asked = time.monotonic()
        status, text = call(port, "GET", "/pre-stop", "/pre-stop")
        answered = time.monotonic()
        assert (status, text) == (200, "OK")
        assert [stream.join() for stream in streams] == [EXPECTED, EXPECTED]
        assert drained(asked, answered, max(stream.ended for stream in streams))
        # After PreStop the workers still serve until FC's SIGTERM (or SIGKILL) ends them.
        assert call(port, "POST", "/initialize") == (200, "the app's own /initialize")


# --- s.yaml -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_web_builds_configure_the_initializer_and_pre_stop(tmp_path: Path, plan) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    dep = deployment(make_project(tmp_path), plan(), "fc", mode="web")
    target = get_target("fc")
    target.check(dep)
    document = yaml.safe_load(target.render(dep)["s.yaml"])
    schema = json.loads((SCHEMAS / "fc3.schema.json").read_text())
    functions: Dict[str, dict] = {
        key: resource["props"]
        for key, resource in document["resources"].items()
        if resource["component"] == "fc3"
    }
    assert functions
    for props in functions.values():
        jsonschema.Draft7Validator(schema).validate(props)
        assert props["runtime"] == "custom.debian10" and "handler" not in props
        hooks = props["instanceLifecycleConfig"]
        assert hooks["initializer"]["handler"] and hooks["preStop"]["handler"]
        assert 30 <= hooks["initializer"]["timeout"] <= 300  # FC's Initializer limit
        # PreStop: bridge run's drain (the 10 s grace less a second) plus lifespan shutdown fit in it.
        assert 9 + SHUTDOWN_S < hooks["preStop"]["timeout"] <= 90


# --- a bridge.Bridge's own hooks -----------------------------------------------------------------------

HOOKED = """\
import os

from bridge import Bridge
from {module} import {app} as app


def record(event):
    with open(os.environ["LIFESPAN_LOG"], "a") as log:
        log.write(event + "\\n")


handler = Bridge(app)
failures = [int(os.environ.get("COLD_START_FAILURES", "0"))]


@handler.on_cold_start
def warm(context):
    if failures[0]:
        failures[0] -= 1
        raise RuntimeError("model store unreachable")
    record(f"cold-start {{context.request_id}} {{context.function_name}}")


@handler.on_shutdown
def close():
    record("on-shutdown")
"""


def hooked_project(tmp_path: Path, module: str, app: str) -> Path:
    tmp_path.mkdir()
    (tmp_path / "index.py").write_text(HOOKED.format(module=module, app=app))
    return tmp_path


def call_fc(port: int, method: str, path: str, control: str) -> Tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"x-fc-control-path": control, "x-fc-request-id": "req-7", "x-fc-function-name": "shop"}
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("app", ["fastapi_app", "flask_app"])
def test_a_bridge_target_runs_its_hooks_at_the_initializer_and_pre_stop(tmp_path: Path, app: str) -> None:
    log = tmp_path / "lifespan.log"
    project = hooked_project(tmp_path / "project", "lifecycle_apps", app)
    project_env = {"LIFESPAN_LOG": str(log), "PYTHONPATH": str(Path(__file__).parent / "apps")}
    port = free_port()
    # One worker: under gunicorn the hooks run in the worker that receives FC's request.
    command = bridge_run("index:handler", port, "--platform", "fc", "--chdir", str(project), "--workers", "1")
    with running(command, port, env=project_env):
        assert call(port, "POST", "/initialize") == (200, "the app's own /initialize")  # its app is served
        assert call_fc(port, "POST", "/initialize", "/initialize") == (200, "OK")
        assert call_fc(port, "POST", "/initialize", "/initialize") == (200, "OK")  # once
        assert call_fc(port, "GET", "/pre-stop", "/pre-stop") == (200, "OK")
    expected = ["cold-start req-7 shop", "on-shutdown"]
    if app == "fastapi_app":
        expected = ["startup", "cold-start req-7 shop", "shutdown", "on-shutdown"]
    assert hook_events(log) == expected


@pytest.mark.parametrize("app", ["fastapi_app", "flask_app"])
def test_a_failing_cold_start_hook_answers_500_and_the_next_initializer_retries(
    tmp_path: Path, app: str
) -> None:
    log = tmp_path / "lifespan.log"
    project = hooked_project(tmp_path / "project", "lifecycle_apps", app)
    env = {
        "LIFESPAN_LOG": str(log),
        "PYTHONPATH": str(Path(__file__).parent / "apps"),
        "COLD_START_FAILURES": "1",
    }
    port = free_port()
    # One worker: under gunicorn the hooks run in the worker that receives FC's request.
    command = bridge_run("index:handler", port, "--platform", "fc", "--chdir", str(project), "--workers", "1")
    with running(command, port, env=env):
        assert call_fc(port, "POST", "/initialize", "/initialize") == (500, "initialization failed")
        assert call_fc(port, "POST", "/initialize", "/initialize") == (200, "OK")
    assert "cold-start req-7 shop" in log.read_text()


def test_hooks_are_for_fc_and_must_be_a_bridge(tmp_path: Path) -> None:
    import subprocess

    from _serving import child_env

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bridge.web", FLASK, *args, "--print"],
            cwd=Path(__file__).parent / "apps",
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = run("--platform", "knative", "--hooks", "lifecycle_apps:flask_app")
    assert result.returncode == 1 and "--hooks: the hooks run at FC's Initializer" in result.stderr
    result = run("--platform", "fc", "--hooks", "lifecycle_apps:flask_app")
    assert result.returncode == 1 and "not a bridge.Bridge" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_web_build_hands_the_projects_own_handler_hooks_to_bridge_run(tmp_path: Path) -> None:
    from bridge.deploy.entry import run_arguments

    project = make_project(tmp_path / "project", app="hello:app")
    (project.root / "index.py").write_text(HOOKED.format(module="hello", app="app"))
    fc = deployment(project, all_in_one_plan(), "fc", mode="web")
    assert run_arguments(fc, "fc").endswith(" --hooks index:handler")
    assert "--hooks" not in run_arguments(deployment(project, all_in_one_plan(), "scf", mode="web"), "scf")
    plain = make_project(tmp_path / "plain", app="hello:app")
    assert "--hooks" not in run_arguments(deployment(plain, all_in_one_plan(), "fc", mode="web"), "fc")


def test_the_built_fc_bootstrap_runs_the_projects_own_hooks(tmp_path: Path) -> None:
    from test_web_mode import unpacked_web_package

    package = unpacked_web_package(
        tmp_path, "fc", files={"index.py": HOOKED.format(module="hello", app="app")}
    )
    assert b"--hooks index:handler" in (package / "bootstrap").read_bytes()
    log = tmp_path / "hooks.log"
    port = free_port()
    env = {"BRIDGE_PYTHON": sys.executable, "BRIDGE_PORT": str(port), "LIFESPAN_LOG": str(log)}
    with running(["/bin/bash", str(package / "bootstrap")], port, env=env):
        assert call(port, "GET", "/hello") == (200, "hello from /hello")
        assert call_fc(port, "POST", "/initialize", "/initialize") == (200, "OK")
        assert call_fc(port, "GET", "/pre-stop", "/pre-stop") == (200, "OK")
    assert log.read_text().splitlines() == ["cold-start req-7 shop", "on-shutdown"]
