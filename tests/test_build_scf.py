"""`bridge build --platform scf`: serverless.yml for the scf / multi-scf components, Function URL first.

The components publish no schema; the expected shapes are their configure docs
(serverless-components/tencent-scf docs/configure.md, tencent-multi-scf docs/configure.md) and the
toolkit's Function URL trigger (tencent-component-toolkit src/modules/triggers/http.ts), as
summarised in reference/tencent-scf.md §3.1, §5.1, §5.2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, built_sample, deployment, make_project, split_plan

from bridge import ConfigError
from bridge.deploy import get_target

SCF_INPUTS = {
    "name",
    "namespace",
    "src",
    "type",
    "handler",
    "entryFile",
    "runtime",
    "region",
    "memorySize",
    "timeout",
    "initTimeout",
    "environment",
    "events",
}
MULTI_SCF_INPUTS = {
    "src",
    "region",
    "runtime",
    "type",
    "memorySize",
    "timeout",
    "functions",
    "triggers",
    "namespace",
}
MULTI_SCF_FUNCTION = {
    "name",
    "handler",
    "description",
    "memorySize",
    "timeout",
    "environment",
    "layers",
    "src",
}
FUNCTION_URL = {
    "qualifier": "$DEFAULT",
    "authType": "NONE",
    "netConfig": {"enableIntranet": False, "enableExtranet": True},
}


def render(dep) -> dict:
    target = get_target("scf")
    target.check(dep)
    return yaml.safe_load(target.render(dep)["serverless.yml"])


def test_one_function_uses_the_scf_component_with_a_function_url(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), all_in_one_plan(), "scf"))
    assert document["component"] == "scf" and document["app"] == document["name"] == "hello"
    inputs = document["inputs"]
    assert set(inputs) <= SCF_INPUTS
    assert inputs["type"] == "event"
    assert inputs["handler"] == "index.handler"  # our generated entry, not SCF's main_handler
    assert inputs["runtime"] == "Python3.10"
    assert inputs["src"] == {"src": "./code"}
    assert inputs["region"] == "ap-guangzhou"
    assert inputs["events"] == [{"http": {"parameters": FUNCTION_URL}}]


def test_api_gateway_only_when_asked_and_with_integrated_response(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), all_in_one_plan(), "scf", trigger="apigw"))
    (event,) = document["inputs"]["events"]
    parameters = event["apigw"]["parameters"]
    assert parameters["protocols"] == ["http", "https"] and parameters["environment"] == "release"
    assert parameters["endpoints"] == [
        {"path": "/", "method": "ANY", "function": {"isIntegratedResponse": True}}
    ]


def test_several_functions_use_multi_scf_with_one_url_each(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), split_plan(), "scf"))
    assert document["component"] == "multi-scf"
    inputs = document["inputs"]
    assert set(inputs) <= MULTI_SCF_INPUTS
    assert inputs["src"] == {"src": "./code"} and inputs["type"] == "event"
    assert set(inputs["functions"]) == {"hello_api", "hello_web"}
    api = inputs["functions"]["hello_api"]
    assert set(api) <= MULTI_SCF_FUNCTION
    assert (api["name"], api["handler"], api["memorySize"], api["timeout"]) == (
        "hello-api",
        "index.handler",
        256,
        10,
    )
    # multi-scf takes environment as a key/value list (docs/configure.md, Environment)
    assert api["environment"] == [
        {"key": "API_ONLY", "value": "1"},
        {"key": "BRIDGE_FUNCTION", "value": "hello-api"},
    ]
    assert inputs["triggers"] == [
        {"type": "http", "function": "hello_api", "parameters": FUNCTION_URL},
        {"type": "http", "function": "hello_web", "parameters": FUNCTION_URL},
    ]


def test_multi_scf_api_gateway_routes_each_path_and_method_to_its_function(tmp_path: Path) -> None:
    document = render(deployment(make_project(tmp_path), split_plan(), "scf", trigger="apigw"))
    (trigger,) = document["inputs"]["triggers"]
    assert trigger["type"] == "apigw"
    apis = trigger["parameters"]["apis"]
    assert [(a["path"], a["method"], a["function"]) for a in apis] == [
        ("/api/todos", "GET", "hello_api"),
        ("/api/todos", "POST", "hello_api"),
        ("/api/todos", "DELETE", "hello_api"),
        ("/", "ANY", "hello_web"),
    ]
    assert all(a["isIntegratedResponse"] is True for a in apis)


def test_split_notes_say_function_urls_need_a_router(tmp_path: Path) -> None:
    dep = deployment(make_project(tmp_path), split_plan(), "scf")
    assert any("one per function" in note for note in get_target("scf").notes(dep))


def test_web_mode_declares_web_functions_started_by_scf_bootstrap(tmp_path: Path) -> None:
    single = render(deployment(make_project(tmp_path), all_in_one_plan(), "scf", mode="web"))
    assert single["inputs"]["type"] == "web" and "handler" not in single["inputs"]
    multi = render(deployment(make_project(tmp_path), split_plan(), "scf", mode="web", trigger="apigw"))
    assert multi["inputs"]["type"] == "web"
    assert {f["handler"] for f in multi["inputs"]["functions"].values()} == {"scf_bootstrap"}
    assert not any(
        "isIntegratedResponse" in api for api in multi["inputs"]["triggers"][0]["parameters"]["apis"]
    )


def test_secrets_stay_references_in_serverless_framework_syntax(tmp_path: Path) -> None:
    project = make_project(tmp_path, environment={"SECRET_KEY": "${env.SECRET_KEY}"})
    document = render(deployment(project, all_in_one_plan(), "scf"))
    assert document["inputs"]["environment"] == {"variables": {"SECRET_KEY": "${env:SECRET_KEY}"}}


def test_reserved_environment_prefixes_are_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path, environment={"SCF_MODE": "x"})
    with pytest.raises(ConfigError, match="SCF_MODE uses a prefix SCF reserves"):
        get_target("scf").check(deployment(project, all_in_one_plan(), "scf"))


def test_timeouts_beyond_900_seconds_are_refused(tmp_path: Path) -> None:
    plan = all_in_one_plan()
    plan.functions[0].timeout = 1800
    with pytest.raises(ConfigError, match="timeout 1800 s is outside 1-900 s"):
        get_target("scf").check(deployment(make_project(tmp_path), plan, "scf"))


@pytest.mark.parametrize("sample", ["flask_todo", "django_blog"])
def test_samples_build_the_documented_component_shapes(sample: str) -> None:
    built = built_sample(sample)
    single = yaml.safe_load((built / "out" / "scf-all" / "serverless.yml").read_text())
    assert single["component"] == "scf" and set(single["inputs"]) <= SCF_INPUTS
    # The todo sample also schedules its hourly cleanup (test_build_jobs checks the timer itself).
    assert single["inputs"]["events"][0] == {"http": {"parameters": FUNCTION_URL}}
    assert all(set(event) == {"timer"} for event in single["inputs"]["events"][1:])
    split = yaml.safe_load((built / "out" / "scf-split" / "serverless.yml").read_text())
    assert split["component"] == "multi-scf" and set(split["inputs"]) <= MULTI_SCF_INPUTS
    functions = split["inputs"]["functions"]
    assert len(functions) > 1 and all(set(f) <= MULTI_SCF_FUNCTION for f in functions.values())
    assert {t["function"] for t in split["inputs"]["triggers"]} == set(functions)
