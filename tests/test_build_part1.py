"""`bridge build --platform azure|gcf`: the generated entry files, run by the vendors' own code.

Azure: the package's ``function_app.py`` is indexed by the ``azure-functions`` library's v2
``FunctionApp`` (what the worker does at start) and each function is called with the library's
``HttpRequest``. Google: the real ``functions-framework`` serves the package's ``main.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _deploy_fixtures import all_in_one_plan, deployment, make_project, split_plan

from bridge._errors import ConfigError
from bridge.deploy import get_target
from bridge.deploy.package import build_package

pytest.importorskip("azure.functions", reason="needs the azure-functions library (dev extra)")

# Runs inside the package directory: index the functions as the worker does, then call each one.
_AZURE_PROBE = """
import json, sys
import azure.functions as func
import function_app

out = []
for function in function_app.app.get_functions():
    trigger = function.get_trigger()
    route = trigger.route
    url_path = "/api/" + route.replace("{*route}", "some/page").replace("{id}", "7")
    req = func.HttpRequest(
        "GET", "https://app.azurewebsites.net" + url_path.rstrip("/"), headers={},
        route_params={"route": "some/page"} if "{*route}" in route else {}, body=b"",
    )
    response = function.get_user_function()(req, None)
    elsewhere = function.get_user_function()(
        func.HttpRequest("GET", "https://app.azurewebsites.net/api/nowhere", headers={},
                         route_params={"route": "nowhere"}, body=b""), None)
    methods = sorted(str(getattr(m, "value", m)) for m in (trigger.methods or []))
    out.append([function.get_function_name(), route, methods, response.status_code,
                response.get_body().decode(), elsewhere.status_code])
print(json.dumps(out))
"""


def _build(tmp_path: Path, platform: str, plan) -> Path:
    dep = deployment(make_project(tmp_path / "project", runtime="python3.11"), plan(), platform)
    target = get_target(platform)
    target.check(dep)
    build_package(dep, target, tmp_path / "build")
    return tmp_path / "build" / "code"


def _azure_functions(code: Path) -> list:
    result = subprocess.run(
        [sys.executable, "-c", _AZURE_PROBE], cwd=code, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_azure_all_in_one_is_one_catch_all_function_under_the_route_prefix(tmp_path):
    code = _build(tmp_path, "azure", all_in_one_plan)
    assert json.loads((code / "host.json").read_text())["extensions"]["http"]["routePrefix"] == "api"
    assert (code / "requirements.txt").read_text().strip().endswith("azure-functions")
    functions = _azure_functions(code)
    # The app sees its own path: /api is the SCRIPT_NAME, not part of PATH_INFO.
    assert functions == [["hello", "{*route}", [], 200, "hello from /some/page", 200]]


def test_azure_split_is_one_function_per_route_each_behind_its_guard(tmp_path):
    functions = {row[0]: row[1:] for row in _azure_functions(_build(tmp_path, "azure", split_plan))}
    assert functions["hello-api"][:2] == ["api/todos", ["GET", "HEAD", "OPTIONS", "POST"]]
    assert functions["hello-api-2"][:2] == ["api/todos/{id}", ["DELETE", "GET", "HEAD", "OPTIONS"]]
    assert functions["hello-web"][:2] == ["{*route}", []]
    # Each answers its own routes; the guard of its plan function refuses other paths (/nowhere),
    # which only the catch-all function takes.
    assert functions["hello-api"][2:] == [200, "hello from /api/todos", 404]
    assert functions["hello-api-2"][4] == 404
    assert functions["hello-web"][2:] == [200, "hello from /some/page", 200]


def test_azure_timeout_is_the_apps_and_bounded_by_the_load_balancer(tmp_path):
    plan = all_in_one_plan()
    plan.functions[0].timeout = 300
    dep = deployment(make_project(tmp_path, runtime="python3.11"), plan, "azure")
    with pytest.raises(ConfigError, match="timeout"):
        get_target("azure").check(dep)


def test_azure_environment_becomes_shared_app_settings_references_expanded_by_the_shell(tmp_path):
    dep = deployment(
        make_project(tmp_path, runtime="python3.11", environment={"SECRET_KEY": "${env.SECRET_KEY}"}),
        split_plan(),
        "azure",
    )
    notes = "\n".join(get_target("azure").notes(dep))
    assert 'SECRET_KEY="${SECRET_KEY}"' in notes and "BRIDGE_FUNCTION" not in notes
    assert "API_ONLY set for some functions only" in notes


def test_gcf_refuses_a_split_and_web_mode_with_the_reason(tmp_path):
    target = get_target("gcf")
    with pytest.raises(ConfigError, match="no route table"):
        target.check(deployment(make_project(tmp_path / "a"), split_plan(), "gcf"))
    with pytest.raises(ConfigError, match="knative"):
        target.check(deployment(make_project(tmp_path / "b"), all_in_one_plan(), "gcf", mode="web"))


def test_gcf_deploy_command_names_the_package_and_the_entry_point(tmp_path):
    dep = deployment(
        make_project(tmp_path, runtime="python3.12", environment={"DB": "${env.DATABASE_URL}"}),
        all_in_one_plan(),
        "gcf",
    )
    command = get_target("gcf").deploy_command(dep)
    assert command.startswith("gcloud functions deploy hello --gen2 --runtime=python312")
    assert "--source=code --entry-point=handler --trigger-http" in command
    assert '--set-env-vars=DB="${DATABASE_URL}"' in command


def test_gcf_package_runs_under_the_real_functions_framework(tmp_path):
    pytest.importorskip("functions_framework", reason="needs functions-framework (dev extra)")
    from test_differential_platforms import FrameworkServer

    code = _build(tmp_path, "gcf", all_in_one_plan)
    assert "functions-framework" in (code / "requirements.txt").read_text()
    server = FrameworkServer(code)
    try:
        status, _, body = server.request("GET", "/some/page?x=1", [], b"")
        assert (status, body) == (200, b"hello from /some/page")
        assert server.request("GET", "/robots.txt", [], b"")[0] == 404
    finally:
        server.stop()


# --- Huawei FunctionGraph ----------------------------------------------------------------------------


def test_huawei_bodies_are_the_sdks_own_request_models(tmp_path):
    models = pytest.importorskip(
        "huaweicloudsdkfunctiongraph.v2.model", reason="needs huaweicloudsdkfunctiongraph (dev extra)"
    )
    dep = deployment(
        make_project(tmp_path, runtime="python3.10", environment={"DB": "${env.DATABASE_URL}"}),
        all_in_one_plan(),
        "huawei",
    )
    target = get_target("huawei")
    target.check(dep)
    document = json.loads(target.render(dep)["functiongraph.json"])
    (function,) = document["functions"]
    # Unknown field names raise TypeError in the SDK's constructors; the SDK documents the values.
    create = models.CreateFunctionRequestBody(**function["create_function"])
    runtime_doc = models.CreateFunctionRequestBody.__init__.__doc__
    assert "Python3.10" in runtime_doc and create.runtime == "Python3.10"
    assert create.handler == "index.handler" and create.code_type == "zip"
    assert json.loads(create.user_data) == {"DB": "${DATABASE_URL}"}  # filled in by envsubst
    (trigger,) = function["triggers"]
    event_data = models.TriggerEventDataRequestBody(**trigger["event_data"])
    body = models.CreateFunctionTriggerRequestBody(
        trigger_type_code=trigger["trigger_type_code"],
        trigger_status=trigger["trigger_status"],
        event_type_code=trigger["event_type_code"],
        event_data=event_data,
    )
    assert body.trigger_type_code == "APIG" and event_data.match_mode == "SWA" and event_data.path == "/"


def test_huawei_web_mode_is_an_http_function_started_by_bootstrap(tmp_path):
    models = pytest.importorskip(
        "huaweicloudsdkfunctiongraph.v2.model", reason="needs huaweicloudsdkfunctiongraph (dev extra)"
    )
    dep = deployment(make_project(tmp_path, runtime="python3.9"), all_in_one_plan(), "huawei", mode="web")
    target = get_target("huawei")
    target.check(dep)
    (function,) = json.loads(target.render(dep)["functiongraph.json"])["functions"]
    create = models.CreateFunctionRequestBody(**function["create_function"])
    # "http: HTTP函数" among the runtime values the SDK documents.
    assert "http: HTTP" in models.CreateFunctionRequestBody.__init__.__doc__
    assert (create.runtime, create.handler, create.code_type) == ("http", "bootstrap", "zip")
    assert target.web_interpreter("3.9") == "/opt/function/runtime/python3.9/rtsp/python/bin/python3"
    assert any("6 MB" in note for note in target.notes(dep))


def test_huawei_refuses_splits_and_sizes_it_does_not_offer(tmp_path):
    target = get_target("huawei")
    with pytest.raises(ConfigError, match="all-in-one"):
        target.check(deployment(make_project(tmp_path / "a"), split_plan(), "huawei"))
    with pytest.raises(ConfigError, match="all-in-one"):
        target.check(deployment(make_project(tmp_path / "b"), split_plan(), "huawei", mode="web"))
    plan = all_in_one_plan()
    plan.functions[0].memory = 1408
    with pytest.raises(ConfigError, match="not a FunctionGraph size"):
        target.check(deployment(make_project(tmp_path / "c"), plan, "huawei"))


# --- Knative / Cloud Run -------------------------------------------------------------------------------


def test_knative_service_is_a_serving_v1_service_of_the_image(tmp_path):
    import yaml

    dep = deployment(
        make_project(tmp_path, environment={"DB": "${env.DATABASE_URL}"}),
        all_in_one_plan(),
        "knative",
        mode="web",
    )
    target = get_target("knative")
    target.check(dep)
    service = yaml.safe_load(target.render(dep)["service.yaml"])
    assert (service["apiVersion"], service["kind"]) == ("serving.knative.dev/v1", "Service")
    spec = service["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"] == "${IMAGE}" and container["ports"] == [{"containerPort": 8080}]
    assert container["env"] == [{"name": "DB", "value": "${DATABASE_URL}"}]
    assert spec["timeoutSeconds"] == 30


def test_knative_refuses_event_mode_and_splits(tmp_path):
    target = get_target("knative")
    with pytest.raises(ConfigError, match="--mode web"):
        target.check(deployment(make_project(tmp_path / "a"), all_in_one_plan(), "knative"))
    with pytest.raises(ConfigError, match="all-in-one"):
        target.check(deployment(make_project(tmp_path / "b"), split_plan(), "knative", mode="web"))


def test_knative_image_command_serves_the_app_on_port_trusting_the_proxys_scheme(tmp_path):
    import os
    import socket
    import time
    import urllib.request

    project = make_project(tmp_path / "project")
    (project.root / "hello.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [(environ['wsgi.url_scheme'] + ' ' + environ['PATH_INFO']).encode()]\n"
    )
    dep = deployment(project, all_in_one_plan(), "knative", mode="web")
    target = get_target("knative")
    target.check(dep)
    # The server comes from this interpreter: the package has no dependencies installed.
    build_package(dep, target, tmp_path / "build", verify_strict=False)
    code = tmp_path / "build" / "code"
    dockerfile = (code / "Dockerfile").read_text()
    assert "FROM python:3.10-slim" in dockerfile
    command = json.loads(dockerfile.split("CMD ", 1)[1])
    assert command[:2] == ["/bin/sh", "-c"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # gunicorn trusts X-Forwarded-* from 127.0.0.1 by default: come from another address, as the
    # platform's proxy does, so the test shows the image's own setting.
    host = _own_address()
    # The image's command, with this interpreter (which has gunicorn) for the image's `python`.
    shell = command[2].replace("exec python ", f"exec {sys.executable} ", 1)
    env = dict(os.environ, PORT=str(port), PYTHONPATH=str(code))
    server = subprocess.Popen(["/bin/sh", "-c", shell], cwd=code, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(
                    f"http://{host}:{port}/some/page", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    # The platform's proxy says the client used https; the server believes it.
                    assert response.read() == b"https /some/page"
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)


def _own_address() -> str:
    """This machine's address on a non-loopback interface (no packet is sent)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.connect(("10.255.255.255", 1))
            address = udp.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("no non-loopback address to reach the server from")
    return address
