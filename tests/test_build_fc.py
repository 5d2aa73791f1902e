"""`bridge build --platform fc`: a Serverless Devs s.yaml whose props the fc3 components accept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, built_sample, deployment, make_project, split_plan

from bridge import ConfigError
from bridge.deploy import get_target

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = Path(__file__).parent / "schemas"


def validate(props: dict, component: str) -> None:
    schema = json.loads((SCHEMAS / f"{component}.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(props)


def render(dep) -> dict:
    target = get_target("fc")
    target.check(dep)
    return yaml.safe_load(target.render(dep)["s.yaml"])


def test_every_resource_is_valid_against_the_component_schemas(tmp_path: Path) -> None:
    for plan in (all_in_one_plan(), split_plan()):
        for mode in ("event", "web"):
            document = render(deployment(make_project(tmp_path), plan, "fc", mode=mode))
            assert document["edition"] == "3.0.0"
            for resource in document["resources"].values():
                validate(resource["props"], resource["component"])


def test_all_in_one_function_is_wired_to_the_bridge_entry_and_hooks(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), all_in_one_plan(), "fc"))
    props = document["resources"]["hello"]["props"]
    assert props["runtime"] == "python3.10"
    assert props["handler"] == "index.handler"
    assert props["code"] == "./code.zip"
    hooks = props["instanceLifecycleConfig"]
    assert hooks["initializer"]["handler"] == "index.initializer"
    assert hooks["preStop"]["handler"] == "index.pre_stop"
    assert hooks["initializer"]["timeout"] <= 300 and hooks["preStop"]["timeout"] <= 90
    trigger = props["triggers"][0]
    assert trigger["triggerType"] == "http"
    assert trigger["triggerConfig"] == {
        "authType": "anonymous",
        "methods": ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
        "disableURLInternet": False,
    }
    assert "BRIDGE_FUNCTION" not in props.get("environmentVariables", {})


def test_split_functions_get_their_memory_all_methods_and_function_name(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), split_plan(), "fc"))
    api = document["resources"]["hello_api"]["props"]
    web = document["resources"]["hello_web"]["props"]
    assert (api["functionName"], api["memorySize"], api["timeout"]) == ("hello-api", 256, 10)
    assert web["functionName"] == "hello-web" and web["memorySize"] == 1024
    # Every method reaches the app, so a method its routes lack gets the app's 405, not the trigger's.
    all_methods = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert api["triggers"][0]["triggerConfig"]["methods"] == all_methods
    assert api["environmentVariables"] == {"API_ONLY": "1", "BRIDGE_FUNCTION": "hello-api"}
    assert web["environmentVariables"] == {"BRIDGE_FUNCTION": "hello-web"}


def test_custom_domain_carries_the_plan_route_table(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), split_plan(), "fc", domain_name="todo.example.com"))
    domain = document["resources"]["custom_domain"]
    assert domain["component"] == "fc3-domain"
    assert domain["props"]["domainName"] == "todo.example.com"
    assert domain["props"]["routeConfig"]["routes"] == [
        {
            "path": "/api/todos",
            "functionName": "hello-api",
            "qualifier": "LATEST",
            "methods": ["GET", "POST"],
        },
        {
            "path": "/api/todos/*",
            "functionName": "hello-api",
            "qualifier": "LATEST",
            "methods": ["GET", "DELETE"],
        },
        {"path": "/*", "functionName": "hello-web", "qualifier": "LATEST"},
    ]


def test_web_mode_uses_a_custom_runtime_on_port_9000(tmp_path: Path) -> None:
    plan = split_plan()
    plan.functions[0].concurrency = 20
    document = render(deployment(make_project(tmp_path), plan, "fc", mode="web"))
    props = document["resources"]["hello_api"]["props"]
    assert props["runtime"] == "custom.debian10"
    assert props["customRuntimeConfig"] == {"command": ["/bin/bash", "/code/bootstrap"], "port": 9000}
    assert props["instanceConcurrency"] == 20
    assert "handler" not in props  # the hooks: tests/test_web_fc_lifecycle.py


def test_secrets_stay_references_in_serverless_devs_syntax(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-from-the-shell")
    project = make_project(
        tmp_path, environment={"SECRET_KEY": "${env.SECRET_KEY}", "DSN": "pg://u:${env:DB_PASS}@db"}
    )
    text = get_target("fc").render(deployment(project, all_in_one_plan(), "fc"))["s.yaml"]
    assert "s3cr3t" not in text
    props = yaml.safe_load(text)["resources"]["hello"]["props"]
    assert props["environmentVariables"] == {
        "SECRET_KEY": "${env('SECRET_KEY')}",
        "DSN": "pg://u:${env('DB_PASS')}@db",
    }


def test_literal_secret_values_are_flagged(tmp_path: Path) -> None:
    project = make_project(tmp_path, environment={"API_TOKEN": "abc"})
    dep = deployment(project, all_in_one_plan(), "fc")
    assert any("API_TOKEN" in note and "literal" in note for note in dep.notes)


def test_memory_fc_cannot_allocate_is_refused_with_the_rule(tmp_path: Path) -> None:
    plan = all_in_one_plan()
    plan.functions[0].memory = 100
    with pytest.raises(ConfigError, match=r"memory 100 MB .*\(128-32768 MB in steps of 64 MB\)"):
        get_target("fc").check(deployment(make_project(tmp_path), plan, "fc"))


def test_python_without_an_fc_runtime_is_refused(tmp_path: Path) -> None:
    dep = deployment(make_project(tmp_path, runtime="python3.11"), all_in_one_plan(), "fc")
    with pytest.raises(ConfigError, match="python3.9, python3.10, python3.12"):
        get_target("fc").check(dep)


@pytest.mark.parametrize("sample", ["flask_todo", "django_blog"])
def test_samples_build_fc_files_valid_against_the_schemas(sample: str) -> None:
    built = built_sample(sample)
    for variant in ("all", "split"):
        document = yaml.safe_load((built / "out" / f"fc-{variant}" / "s.yaml").read_text())
        functions = [r for r in document["resources"].values() if r["component"] == "fc3"]
        assert (len(functions) == 1) == (variant == "all"), [r["props"]["functionName"] for r in functions]
        for resource in document["resources"].values():
            validate(resource["props"], resource["component"])
    assert (built / "out" / "fc-all" / "code.zip").is_file()
