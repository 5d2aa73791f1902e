"""``bridge build --platform kubeless``: a Function holding the package, and an HTTPTrigger.

The documents are checked against the fields Kubeless documents and defines: the Function's in
kubeless/kubeless ``docs/advanced-function-deployment.md``, the HTTPTrigger's in the JSON tags of
kubeless/http-trigger ``pkg/apis/kubeless/v1beta1/http_trigger.go`` (HTTPTriggerSpec). The entry
is imported as the runtime imports it (``importlib.import_module(MOD_NAME)``, then the function's
``__name__``) and served by the runtime's bottle app.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, deployment, make_project

from bridge._errors import ConfigError
from bridge.deploy import get_target
from bridge.deploy.package import build_package

TESTS = Path(__file__).resolve().parent

# Documented Function spec fields, and the HTTPTriggerSpec JSON tags.
FUNCTION_FIELDS = {
    "runtime", "timeout", "handler", "deps", "checksum", "function-content-type", "function",
    "deployment", "service", "horizontalPodAutoscaler",
}  # fmt: skip
CONTENT_TYPES = {"text", "base64", "url", "text+zip", "base64+zip", "url+zip", "base64+compressedtar"}
TRIGGER_FIELDS = {
    "function-name",
    "host-name",
    "tls",
    "tls-secret",
    "path",
    "basic-auth-secret",
    "gateway",
    "cors-enable",
}
GATEWAYS = {"nginx", "traefik", "kong"}


def _build(tmp_path: Path, **fields) -> Path:
    """The build directory, as `bridge build` leaves it (deploy files, package, Function)."""
    dep = deployment(make_project(tmp_path / "project", **fields), all_in_one_plan(), "kubeless")
    target = get_target("kubeless")
    target.check(dep)
    out = tmp_path / "build"
    report = build_package(dep, target, out)
    files = {**target.render(dep), **target.packaged_files(dep, report.zip_path)}
    for name, text in files.items():  # what `bridge build` writes beside the package
        (out / name).write_text(text)
    return out


def test_the_function_holds_the_package_and_the_trigger_routes_every_path_to_it(tmp_path):
    build = _build(tmp_path, runtime="python3.11", environment={"DB": "${env.DATABASE_URL}"})
    function = yaml.safe_load((build / "kubeless-function.yaml").read_text())
    trigger = yaml.safe_load((build / "kubeless-trigger.yaml").read_text())
    assert function["apiVersion"] == trigger["apiVersion"] == "kubeless.io/v1beta1"
    assert (function["kind"], trigger["kind"]) == ("Function", "HTTPTrigger")
    spec = function["spec"]
    assert set(spec) <= FUNCTION_FIELDS and spec["function-content-type"] in CONTENT_TYPES
    assert spec["runtime"] == "python3.11" and spec["handler"] == "kubeless_entry.handler"
    assert isinstance(spec["timeout"], str) and spec["timeout"].isdigit()
    package = base64.b64decode(spec["function"], validate=True)
    assert package == (build / "code.zip").read_bytes()
    assert spec["checksum"] == "sha256:" + hashlib.sha256(package).hexdigest()
    assert "kubeless_entry.py" in zipfile.ZipFile(io.BytesIO(package)).namelist()
    container = spec["deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["memory"] == f"{all_in_one_plan().functions[0].memory}Mi"
    assert container["env"] == [{"name": "DB", "value": "${DATABASE_URL}"}]
    assert set(trigger["spec"]) <= TRIGGER_FIELDS and trigger["spec"]["gateway"] in GATEWAYS
    assert trigger["spec"]["function-name"] == function["metadata"]["name"] == "hello"
    assert trigger["spec"]["path"] == ""  # the Ingress rule for "/": nothing to strip


_RUNTIME_PROBE = """
import importlib, json, os
from werkzeug.test import EnvironBuilder
from bridge.emulators.fc2 import run_wsgi
from bridge.emulators.kubeless import runtime_app
module = importlib.import_module(os.environ["MOD_NAME"])
function = getattr(module, os.environ["FUNC_HANDLER"])
context = {"function-name": function.__name__, "timeout": 180.0, "runtime": "python3.11"}
app = runtime_app(function, context)
page = run_wsgi(app, EnvironBuilder(path="/some/page", query_string="x=1").get_environ())
put = run_wsgi(app, EnvironBuilder(path="/some/page", method="PUT").get_environ())
print(json.dumps([context["function-name"], page.status, page.body.decode(), put.status]))
"""


def test_the_entry_runs_as_the_runtime_imports_and_calls_it(tmp_path):
    build = _build(tmp_path, runtime="python3.11")
    extracted = tmp_path / "kubeless"  # where Kubeless unpacks the function
    zipfile.ZipFile(build / "code.zip").extractall(extracted)
    env = dict(os.environ, MOD_NAME="kubeless_entry", FUNC_HANDLER="handler")
    env["PYTHONPATH"] = os.pathsep.join([str(extracted), str(TESTS.parent)])
    done = subprocess.run(
        [sys.executable, "-c", _RUNTIME_PROBE],
        cwd=extracted,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    name, status, body, put = json.loads(done.stdout)
    assert name == "handler" and status.startswith("200") and "/some/page" in body
    assert put.startswith("405")


def test_a_runtime_kubeless_cannot_run_the_bridge_on_is_refused_with_what_to_set(tmp_path):
    dep = deployment(make_project(tmp_path / "p", runtime="python3.13"), all_in_one_plan(), "kubeless")
    with pytest.raises(ConfigError, match="never had a python3.13") as refused:
        get_target("kubeless").check(dep)
    assert "python3.6, python3.7, python3.8" in str(refused.value) and "python3.11" in str(refused.value)
    # The runtimes Kubeless shipped are refused with the project: faas-bridge runs on 3.9 and newer.
    with pytest.raises(ConfigError, match="3.9"):
        deployment(make_project(tmp_path / "q", runtime="python3.8"), all_in_one_plan(), "kubeless")


def test_web_mode_is_refused_with_the_reason(tmp_path):
    target = get_target("kubeless")
    web = deployment(
        make_project(tmp_path / "b", runtime="python3.11"), all_in_one_plan(), "kubeless", mode="web"
    )
    with pytest.raises(ConfigError, match="knative"):
        target.check(web)


def test_a_package_without_its_dependencies_names_the_requirements_for_kubeless_to_install(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("flask>=2.2\n")
    build = _build(tmp_path, runtime="python3.11", requirements="requirements.txt")  # not installed here
    assert yaml.safe_load((build / "kubeless-function.yaml").read_text())["spec"]["deps"] == "flask>=2.2\n"


def test_a_package_over_the_function_object_limit_says_to_serve_it_from_a_url():
    target = get_target("kubeless")
    (limit,) = target.size_limits
    assert not limit.unzipped and limit.limit_bytes * 4 / 3 < 1.5 * 1024 * 1024
    package = {
        "zip": "code.zip",
        "limits": [
            {"over": True, "measured_bytes": 5 << 20, "limit_bytes": limit.limit_bytes, "what": limit.what,
             "source": limit.source}
        ],
    }  # fmt: skip
    message = target.too_large_message(package)
    assert "--no-requirements" in message and "url+zip" in message and "deploying-large-functions" in message


def test_bridge_build_writes_the_function_with_the_package(tmp_path, capsys):
    from bridge.cli import main

    project = make_project(tmp_path / "project", runtime="python3.11").root
    (project / "flask_hello.py").write_text(
        'import flask\n\napp = flask.Flask(__name__)\napp.add_url_rule("/", "i", lambda: "hi")\n'
    )
    (project / "bridge.toml").write_text('app = "flask_hello:app"\nname = "hello"\nruntime = "python3.11"\n')
    out = tmp_path / "out"
    code = main(
        ["build", "--platform", "kubeless", "--project", str(project), "--out", str(out), "--no-requirements"]
    )
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, captured.err
    assert f"wrote {out / 'kubeless-function.yaml'}" in printed
    spec = yaml.safe_load((out / "kubeless-function.yaml").read_text())["spec"]
    assert base64.b64decode(spec["function"]) == (out / "code.zip").read_bytes()
    assert (out / "kubeless-trigger.yaml").is_file()
