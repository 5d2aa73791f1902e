"""`bridge build` for Apache OpenWhisk and the Fn Project: the deploy files, what is refused and why,
and the built package run as the platform runs it (OpenWhisk's `main(args)` on the documented
sample event; Fn under the real `fdk` server, over its unix socket)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, deployment, make_project, split_plan

from bridge._errors import ConfigError
from bridge.deploy import get_target
from bridge.deploy.package import build_package
from bridge.split.routes import Route

TESTS = Path(__file__).resolve().parent


def _build(tmp_path: Path, platform: str, **fields) -> Path:
    dep = deployment(make_project(tmp_path / "project", **fields), all_in_one_plan(), platform)
    target = get_target(platform)
    target.check(dep)
    build_package(dep, target, tmp_path / "build")
    for name, text in target.render(dep).items():  # what `bridge build` writes beside the package
        (tmp_path / "build" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "build" / name).write_text(text)
    return tmp_path / "build"


# --- OpenWhisk ------------------------------------------------------------------------------------


def test_openwhisk_manifest_is_one_raw_web_action_taking_options(tmp_path):
    build = _build(tmp_path, "openwhisk", runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    manifest = yaml.safe_load((build / "manifest.yaml").read_text())
    (package,) = manifest["packages"].values()
    action = package["actions"]["hello"]
    assert action["web"] == "raw" and action["annotations"] == {"web-custom-options": True}
    assert action["runtime"] == "python:3.11" and action["main"] == "main"
    assert action["function"] == "code.zip"
    assert action["inputs"] == {"DB": "${DATABASE_URL}"}
    assert action["limits"]["timeout"] % 1000 == 0


_OW_PROBE = """
import json, os, sys
sys.path.insert(0, ".")
os.environ["__OW_ACTION_NAME"] = "/guest/hello"
import importlib.util
spec = importlib.util.spec_from_file_location("action", "__main__.py")
action = importlib.util.module_from_spec(spec)
spec.loader.exec_module(action)
event = json.load(open(sys.argv[1]))
event["__ow_path"] = "/some/page"
event["DB"] = "postgres://x"
result = action.main(event)
print(json.dumps([result, os.environ.get("DB")]))
"""


def test_openwhisk_package_main_serves_the_documented_event(tmp_path):
    build = _build(tmp_path, "openwhisk", runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    event = TESTS / "events" / "openwhisk-web-raw.json"
    env = dict(os.environ, PYTHONPATH=str(TESTS.parent))
    done = subprocess.run(
        [sys.executable, "-c", _OW_PROBE, str(event)],
        cwd=build / "code",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result, database = json.loads(done.stdout)
    assert result["statusCode"] == 200 and result["body"] == "hello from /some/page"
    assert database == "postgres://x"  # a default parameter moved into the environment


def test_openwhisk_refuses_web_mode_with_the_reason(tmp_path):
    target = get_target("openwhisk")
    # Splits are built (tests/test_split_oss.py): a web action each, routed by the API Gateway.
    with pytest.raises(ConfigError, match="no web mode"):
        target.check(
            deployment(
                make_project(tmp_path / "b", runtime="python3.11"), all_in_one_plan(), "openwhisk", mode="web"
            )
        )


# --- Fn -------------------------------------------------------------------------------------------


def test_fn_func_yaml_names_fdk_on_the_generated_entry(tmp_path):
    build = _build(tmp_path, "fn", runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    func = yaml.safe_load((build / "func.yaml").read_text())
    assert func["schema_version"] == 20180708 and func["runtime"] == "python"
    assert func["entrypoint"] == "/python/bin/fdk /function/func.py handler"
    assert func["run_image"] == "fnproject/python:3.11" and func["config"] == {"DB": "${DATABASE_URL}"}
    assert (build / "code" / "func.yaml").read_text() == (build / "func.yaml").read_text()
    assert "fdk" in (build / "code" / "requirements.txt").read_text()


def test_fn_refuses_a_split_with_a_path_parameter_and_web_mode_with_the_reason(tmp_path):
    target = get_target("fn")
    plan = split_plan()  # literal paths split (tests/test_split_oss.py); a trigger takes no {id}
    plan.functions[0].routes = [Route("/api/todos/{id:int}", ("GET", "DELETE"))]
    with pytest.raises(ConfigError, match="route /api/todos/{id:int} has a path parameter.*API Gateway"):
        target.check(deployment(make_project(tmp_path / "a", runtime="python3.11"), plan, "fn"))
    with pytest.raises(ConfigError, match="knative"):
        target.check(
            deployment(
                make_project(tmp_path / "b", runtime="python3.11"), all_in_one_plan(), "fn", mode="web"
            )
        )


def test_fn_package_runs_under_fdks_own_unix_socket_server(tmp_path):
    """The built func.py under `fdk` itself (FN_FORMAT=http-stream), called as the Fn server calls it."""
    pytest.importorskip("fdk", reason="needs the fdk package (dev extra)")
    import httpx

    build = _build(tmp_path, "fn", runtime="python3.11")
    code = build / "code"
    # A short directory: a unix socket path is limited to about 100 bytes.
    sockets = Path(tempfile.mkdtemp(prefix="fn"))
    socket_path = sockets / "lsnr.sock"
    env = dict(
        os.environ,
        FN_FORMAT="http-stream",
        FN_LISTENER=f"unix:{socket_path}",
        PYTHONPATH=os.pathsep.join([str(code), str(TESTS.parent)]),
    )
    fdk_script = "import sys; from fdk.scripts.fdk import main; sys.argv = ['fdk'] + sys.argv[1:]; main()"
    process = subprocess.Popen([sys.executable, "-c", fdk_script, str(code / "func.py"), "handler"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            assert process.poll() is None, "fdk exited"
            assert time.monotonic() < deadline, "fdk did not listen"
            time.sleep(0.1)
        client = httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)), timeout=60)
        response = client.post(
            "http://localhost/call",
            headers={
                "Fn-Call-Id": "call-1",
                "Fn-Deadline": "2099-01-01T00:00:00.000Z",
                "Fn-Intent": "httprequest",
                "Fn-Http-Method": "GET",
                "Fn-Http-Request-Url": "http://fn.example/some/page?x=1",
                "Fn-Http-H-Host": "fn.example",
            },
            content=b"",
        )
        assert response.status_code == 200  # the container's status; the app's is Fn-Http-Status
        assert response.headers["fn-http-status"] == "200"
        assert response.headers["content-type"] == "text/plain"
        assert response.content == b"hello from /some/page"
    finally:
        process.terminate()
        process.wait(10)


# --- OpenFaaS -------------------------------------------------------------------------------------


def test_openfaas_stack_is_one_python3_http_function_with_watchdog_timeouts(tmp_path):
    build = _build(tmp_path, "openfaas", runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    stack = yaml.safe_load((build / "stack.yml").read_text())
    function = stack["functions"]["hello"]
    assert function["lang"] == "python3-http" and function["handler"] == "./code"
    environment = function["environment"]
    assert environment["DB"] == "${DATABASE_URL}"
    assert (
        environment["exec_timeout"] == environment["write_timeout"]
        and environment["http_buffer_req_body"] == "true"
    )
    assert function["limits"]["memory"].endswith("Mi")


_OPENFAAS_PROBE = """
import importlib.util, json, sys
from bridge.emulators.openfaas import template_app
spec = importlib.util.spec_from_file_location("handler", "handler.py")
handler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(handler)
client = template_app(handler.handle).test_client()
page = client.get("/some/page?x=1")
print(json.dumps([page.status_code, page.get_data(as_text=True), handler._bridge_handler.options.base_path]))
"""


def test_openfaas_handler_runs_in_the_template_app_under_the_gateway_prefix(tmp_path):
    build = _build(tmp_path, "openfaas", runtime="python3.11")
    done = subprocess.run(
        [sys.executable, "-c", _OPENFAAS_PROBE],
        cwd=build / "code",
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(TESTS.parent)),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [200, "hello from /some/page", "/function/hello"]


def test_openfaas_refuses_web_mode_with_the_reason(tmp_path):
    target = get_target("openfaas")
    # Splits are built (tests/test_split_oss.py): a function each, routed by FunctionIngress paths.
    with pytest.raises(ConfigError, match="knative"):
        target.check(
            deployment(
                make_project(tmp_path / "b", runtime="python3.11"), all_in_one_plan(), "openfaas", mode="web"
            )
        )


# --- Fission --------------------------------------------------------------------------------------


def test_fission_specs_are_one_function_behind_a_prefix_trigger(tmp_path):
    build = _build(tmp_path, "fission", runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    documents = [
        document
        for path in sorted((build / "specs").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
    ]
    kinds = {document["kind"]: document for document in documents}
    assert set(kinds) == {
        "DeploymentConfig",
        "Environment",
        "ArchiveUploadSpec",
        "Package",
        "Function",
        "HTTPTrigger",
    }
    trigger = kinds["HTTPTrigger"]["spec"]
    assert (
        trigger["prefix"] == "/hello" and trigger["keepPrefix"] is False and "PATCH" not in trigger["methods"]
    )
    assert kinds["Function"]["spec"]["package"]["functionName"] == "fission_entry.main"
    assert kinds["Package"]["spec"]["deployment"]["url"] == "archive://hello-code"
    assert kinds["Environment"]["spec"]["runtime"]["container"]["env"] == [
        {"name": "DB", "value": "${DATABASE_URL}"}
    ]


_FISSION_PROBE = """
import json
import fission_entry
from bridge.emulators.fission import environment_app
client = environment_app(lambda request: fission_entry.main()).test_client()
headers = {"X-Fission-Function-Name": "hello", "X-Fission-Full-Url": "/hello/some/page?x=1"}
page = client.get("/some/page?x=1", headers=headers)
patch = client.patch("/some/page", headers=headers)
print(json.dumps([page.status_code, page.get_data(as_text=True), patch.status_code]))
"""


def test_fission_entry_runs_in_the_environments_flask_app(tmp_path):
    build = _build(tmp_path, "fission", runtime="python3.11")
    done = subprocess.run(
        [sys.executable, "-c", _FISSION_PROBE],
        cwd=build / "code",
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(build / "code"), str(TESTS.parent)])),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [200, "hello from /some/page", 405]


def test_fission_refuses_a_split_with_group_environments_and_web_mode_with_the_reason(tmp_path):
    target = get_target("fission")
    # Splits are built (tests/test_split_oss.py), but not with a variable one group alone sets.
    with pytest.raises(ConfigError, match="per Environment"):
        target.check(deployment(make_project(tmp_path / "a", runtime="python3.11"), split_plan(), "fission"))
    with pytest.raises(ConfigError, match="knative"):
        target.check(
            deployment(
                make_project(tmp_path / "b", runtime="python3.11"), all_in_one_plan(), "fission", mode="web"
            )
        )
