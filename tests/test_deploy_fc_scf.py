"""`bridge deploy/status/manage/remove` on FC 3.0 and SCF through the vendors' SDKs, against local stand-ins.

The providers (:mod:`bridge.cloud.fc`, :mod:`bridge.cloud.scf`) call the official SDKs
(``alibabacloud-fc20230330``, ``tencentcloud-sdk-python-scf``); the SDKs sign each request
(ACS3-HMAC-SHA256, TC3-HMAC-SHA256) and the stand-ins (``tests/standins``) check those signatures,
keep state and run the uploaded code. Every test below runs the real ``bridge`` command line on a
copy of examples/flask_todo.
"""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from _cloud_cli import sample_project, set_cleanup  # noqa: F401  (fixture)
from standins import fc_api, scf_api
from standins._base import StandIn

from bridge.cloud.fc import FCProvider, code_checksum, crc64_ecma
from bridge.cloud.provider import TAG_KEY
from bridge.cloud.scf import SCFProvider

EVENTS = Path(__file__).resolve().parent / "events"
DOMAIN = "todo.example.com"


class Cloud:
    """One stand-in, its credentials in the environment, and what the tests read from its state."""

    def __init__(self, platform: str, standin: StandIn, region: str) -> None:
        self.platform = platform
        self.standin = standin
        self.region = region

    @property
    def common(self) -> List[str]:
        """The options every command takes."""
        return ["--platform", self.platform, "--region", self.region, "--endpoint", self.standin.url,
                "--retry-for", "2"]  # fmt: skip

    @property
    def args(self) -> List[str]:
        """``deploy``/``status`` options: the package is built without installing dependencies."""
        return self.common + ["--no-requirements"]

    def functions(self) -> List[str]:
        return sorted(self.standin.functions)

    def tags(self, name: str) -> Dict[str, str]:
        function = self.standin.functions[name]
        tags = function.get("tags") if self.platform == "fc" else function.get("Tags")
        return {t["Key"]: t["Value"] for t in tags or []}

    def setting(self, name: str, field: str) -> Any:
        key = {"fc": {"memory": "memorySize", "handler": "handler"},
               "scf": {"memory": "MemorySize", "handler": "Handler"}}[self.platform][field]  # fmt: skip
        return self.standin.functions[name][key]

    def environment(self, name: str) -> Dict[str, str]:
        function = self.standin.functions[name]
        if self.platform == "fc":
            return dict(function.get("environmentVariables") or {})
        return {v["Key"]: v["Value"] for v in function["Environment"]["Variables"]}

    def triggers(self) -> List[str]:
        return sorted(f"{f}/{t}" for f, triggers in self.standin.triggers.items() for t in triggers)

    def routes(self) -> Dict[str, str]:
        """The deployed custom domain's path -> function."""
        domain = self.standin.domains[DOMAIN]
        if self.platform == "fc":
            return {r["path"]: r["functionName"] for r in domain["routeConfig"]["routes"]}
        return {e["PathMatch"]: e["FunctionName"] for e in domain["EndpointsConfig"]}

    def mutating(self) -> List[str]:
        return [call.action for call in self.standin.mutating_calls()]

    def add_foreign_function(self, name: str, tags: Dict[str, str]) -> None:
        """A function someone else created (directly in the stand-in's state): deploys must leave it."""
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        if self.platform == "fc":
            self.standin.functions[name] = {"functionName": name, "runtime": "python3.10", "handler": "x.y",
                                            "tags": tag_list, "state": "Active"}  # fmt: skip
        else:
            self.standin.functions[name] = {"FunctionName": name, "Runtime": "Python3.10", "Handler": "x.y",
                                            "Tags": tag_list, "Status": "Active", "Environment": {},
                                            "CodeSha256": "", "CodeSize": 0}  # fmt: skip
        self.standin.triggers[name] = {}

    def fail(self, nth: int, *, retryable: bool) -> None:
        if self.platform == "fc":
            status, code = (429, "TooManyRequests") if retryable else (400, "InvalidArgument")
        else:
            status, code = (200, "RequestLimitExceeded") if retryable else (200, "FailedOperation")
        self.standin.fail_mutating_call(nth, status, code, "injected by the test")


@pytest.fixture(params=["fc", "scf"])
def cloud(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    if request.param == "fc":
        standin: StandIn = fc_api.FCStandIn()
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", fc_api.ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fc_api.ACCESS_KEY_SECRET)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCOUNT_ID", fc_api.ACCOUNT_ID)
        region = fc_api.REGION
    else:
        standin = scf_api.SCFStandIn()
        monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", scf_api.SECRET_ID)
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", scf_api.SECRET_KEY)
        monkeypatch.setattr(SCFProvider, "poll_interval", 0.01)
        region = "ap-guangzhou"
    with standin:
        yield Cloud(request.param, standin, region)


@pytest.fixture
def todo(sample_project):  # noqa: F811
    return sample_project("flask_todo")


def error_line(err: str) -> str:
    """The one error line of a failed command (progress lines, such as the package report, aside)."""
    errors = [line for line in err.splitlines() if line.startswith("bridge: error:")]
    assert len(errors) == 1, err
    return errors[0]


def plan_of(todo: Any, platform: str, split: str) -> Any:
    from bridge.deploy.build import load_deployment
    from bridge.deploy.deployment import DeployOptions
    from bridge.deploy.targets import get_target

    options = DeployOptions(platform, domain_name=DOMAIN)
    return load_deployment(todo.root, options, split=split, gateway=get_target(platform).gateway(options))


def expected_routes(plan: Any, platform: str) -> Dict[str, str]:
    """The plan's route table, as each vendor's custom domain writes paths."""
    if platform == "fc":
        return {r.path: r.function for r in plan.table("fc")}
    routes: Dict[str, str] = {}
    for route in plan.table("nginx"):  # SCF plans are made for the nginx table (`bridge build`)
        if route.path.startswith("= "):
            routes.setdefault(route.path[2:], route.function)
        else:
            assert route.path.endswith("/"), route.path
            routes.setdefault(route.path + "*", route.function)
    return routes


# --- fresh deploys equal the plan --------------------------------------------------------------------


def test_fresh_all_in_one_deploy_creates_the_function_its_url_and_tags(cloud: Cloud, todo) -> None:
    code, out, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    assert cloud.functions() == ["todo"]
    assert cloud.tags("todo") == {TAG_KEY: "todo"}
    # The sample's own index.py, wrapped to hand its handler the [schedules] jobs file.
    assert cloud.setting("todo", "handler") == "bridge_index.handler"
    assert cloud.setting("todo", "memory") == 256  # the project's
    environment = cloud.environment("todo")
    assert environment["SECRET_KEY"] == "test-secret"  # ${env.SECRET_KEY}, resolved from the shell
    assert "BRIDGE_FUNCTION" not in environment
    # The sample's hourly [schedules] cleanup is a timer on its one function (see the job tests below).
    assert cloud.triggers() == (
        ["todo/cleanup", "todo/http"] if cloud.platform == "fc" else ["todo/cleanup", "todo/url"]
    )
    assert not cloud.standin.domains  # one function: its own URL, no custom domain
    url = next(line for line in out.splitlines() if line.startswith("todo: https://"))
    assert url.endswith((".fcapp.run", ".tencentscf.com"))
    if cloud.platform == "fc":
        function = cloud.standin.functions["todo"]
        assert function["instanceLifecycleConfig"]["initializer"]["handler"] == "bridge_index.initializer"
        assert function["instanceLifecycleConfig"]["preStop"]["handler"] == "bridge_index.pre_stop"
        trigger = cloud.standin.triggers["todo"]["http"]
        assert json.loads(trigger["triggerConfig"])["authType"] == "anonymous"
    else:
        trigger = cloud.standin.triggers["todo"]["url"]
        assert json.loads(trigger["TriggerDesc"])["AuthType"] == "NONE"
        assert trigger["Qualifier"] == "$DEFAULT"
        # created, then polled until Active before the trigger was added
        actions = [call.action for call in cloud.standin.calls]
        assert actions.index("CreateTrigger") > actions.index("GetFunction")


def test_fresh_split_deploy_creates_the_planned_functions_and_route_table(cloud: Cloud, todo) -> None:
    code, out, err = todo.run("deploy", *cloud.args, "--split", "per-route", "--domain", DOMAIN)
    assert code == 0, err
    plan = plan_of(todo, cloud.platform, "per-route")
    assert len(plan.functions) > 3
    assert cloud.functions() == sorted(f.name for f in plan.functions)
    for function in plan.functions:
        assert cloud.environment(function.name)["BRIDGE_FUNCTION"] == function.name
        assert cloud.tags(function.name) == {TAG_KEY: "todo"}
    assert cloud.routes() == expected_routes(plan, cloud.platform)
    assert f"{DOMAIN}: http://{DOMAIN}" in out


def test_split_without_a_domain_is_one_line_naming_the_option(cloud: Cloud, todo) -> None:
    code, _, err = todo.run("deploy", *cloud.args, "--split", "per-route")
    assert code == 1
    assert "--domain NAME" in error_line(err)
    assert cloud.mutating() == []


# --- idempotence -------------------------------------------------------------------------------------


def test_redeploy_with_nothing_changed_makes_no_mutating_call(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args, "--split", "per-route", "--domain", DOMAIN)[0] == 0
    cloud.standin.reset_calls()
    code, out, err = todo.run("deploy", *cloud.args, "--split", "per-route", "--domain", DOMAIN)
    assert code == 0, err
    assert cloud.mutating() == []
    assert "up to date" in out
    assert cloud.standin.calls  # it did read


def test_one_changed_setting_makes_exactly_one_update(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args)[0] == 0
    cloud.standin.reset_calls()
    code, _, err = todo.run("deploy", *cloud.args, "--memory", "512")
    assert code == 0, err
    assert cloud.mutating() == (
        ["UpdateFunction"] if cloud.platform == "fc" else ["UpdateFunctionConfiguration"]
    )
    assert cloud.setting("todo", "memory") == 512
    field = "memorySize" if cloud.platform == "fc" else "MemorySize"
    assert f"~ function todo: updated ({field})" in err


def test_changed_code_is_found_by_its_checksum_and_uploaded_once(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args)[0] == 0
    (todo.root / "todo" / "extra_module.py").write_text("VALUE = 1\n")
    cloud.standin.reset_calls()
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    assert cloud.mutating() == (["UpdateFunction"] if cloud.platform == "fc" else ["UpdateFunctionCode"])
    cloud.standin.reset_calls()
    assert todo.run("deploy", *cloud.args)[0] == 0
    assert cloud.mutating() == []


# --- faults ------------------------------------------------------------------------------------------


def test_a_failure_half_way_stops_and_a_rerun_converges_without_duplicates(cloud: Cloud, todo) -> None:
    split = ["--split", "per-route", "--domain", DOMAIN]
    cloud.fail(3, retryable=False)
    code, _, err = todo.run("deploy", *cloud.args, *split)
    assert code == 4
    error = error_line(err)
    assert "injected by the test" in error and "create" in error
    created_before = cloud.functions()
    assert len(created_before) > 0
    code, _, err = todo.run("deploy", *cloud.args, *split)
    assert code == 0, err
    plan = plan_of(todo, cloud.platform, "per-route")
    assert cloud.functions() == sorted(f.name for f in plan.functions)
    assert cloud.routes() == expected_routes(plan, cloud.platform)
    cloud.standin.reset_calls()
    assert todo.run("deploy", *cloud.args, *split)[0] == 0
    assert cloud.mutating() == []


def test_throttling_is_retried_and_the_deploy_completes(cloud: Cloud, todo) -> None:
    cloud.fail(1, retryable=True)
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    assert "retry" in err.lower()
    assert cloud.functions() == ["todo"]


def test_dry_run_makes_no_mutating_call_and_prints_the_changes(cloud: Cloud, todo) -> None:
    code, out, err = todo.run("deploy", *cloud.args, "--split", "per-route", "--domain", DOMAIN, "--dry-run")
    assert code == 0, err
    assert cloud.mutating() == [] and cloud.functions() == []
    assert "+ create function todo-" in out and f"+ create domain {DOMAIN}" in out


# --- status, remove ----------------------------------------------------------------------------------


def test_status_is_in_sync_after_a_deploy_and_shows_drift(cloud: Cloud, todo) -> None:
    code, out, _ = todo.run("status", *cloud.args)
    assert code == 5 and "not deployed" in out
    assert todo.run("deploy", *cloud.args)[0] == 0
    code, out, _ = todo.run("status", *cloud.args)
    assert code == 0 and "in sync" in out
    code, out, _ = todo.run("status", *cloud.args, "--timeout", "60")
    assert code == 5 and "drift" in out
    assert (
        cloud.mutating().count("UpdateFunction") + cloud.mutating().count("UpdateFunctionConfiguration") == 0
    )


def test_remove_deletes_exactly_what_was_created(cloud: Cloud, todo) -> None:
    cloud.add_foreign_function("someone-elses", {})
    cloud.add_foreign_function("other-project", {TAG_KEY: "blog"})
    assert todo.run("deploy", *cloud.args, "--split", "per-route", "--domain", DOMAIN)[0] == 0
    created = [c.action for c in cloud.standin.mutating_calls()]
    cloud.standin.reset_calls()
    code, out, err = todo.run("remove", *cloud.common)
    assert code == 0, err
    assert cloud.functions() == ["other-project", "someone-elses"]
    assert not cloud.standin.domains
    deleted = cloud.mutating()
    assert all(action.startswith("Delete") for action in deleted)
    assert len(deleted) == len(created) - created.count("UpdateFunctionCode")  # one delete per creation
    code, out, _ = todo.run("remove", *cloud.common)
    assert code == 0 and "nothing to remove" in out


# --- credentials, region, endpoint -------------------------------------------------------------------


def test_missing_credentials_is_one_line_naming_the_variable(
    cloud: Cloud, todo, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = "ALIBABA_CLOUD_ACCESS_KEY_SECRET" if cloud.platform == "fc" else "TENCENTCLOUD_SECRET_KEY"
    monkeypatch.delenv(variable)
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 3
    assert err.count("\n") == 1 and variable in error_line(err)
    assert cloud.standin.calls == []


def test_a_wrong_secret_is_rejected_by_the_signature_check(
    cloud: Cloud, todo, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = "ALIBABA_CLOUD_ACCESS_KEY_SECRET" if cloud.platform == "fc" else "TENCENTCLOUD_SECRET_KEY"
    monkeypatch.setenv(variable, "not-the-secret")
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 3
    line = error_line(err)
    expected = "SignatureNotMatch" if cloud.platform == "fc" else "AuthFailure.SignatureFailure"
    assert expected in line and variable in line
    assert cloud.functions() == []


def test_a_wrong_region_is_one_line(cloud: Cloud, todo) -> None:
    args = list(cloud.args)
    args[args.index("--region") + 1] = "xx-nowhere-9"
    if cloud.platform == "fc":
        # FC: checked against the SDK's region list before any call (no --endpoint to reach)
        at = args.index("--endpoint")
        del args[at : at + 2]
        code, _, err = todo.run("deploy", *args)
        assert code == 1 and "unknown region 'xx-nowhere-9'" in err and "cn-hangzhou" in error_line(err)
    else:
        # SCF: the API answers UnsupportedRegion
        code, _, err = todo.run("deploy", *args)
        assert code == 4 and "UnsupportedRegion" in error_line(err)


def test_an_unreachable_endpoint_is_one_line_naming_it(cloud: Cloud, todo) -> None:
    args = list(cloud.args)
    args[args.index("--endpoint") + 1] = "http://127.0.0.1:9"
    args[args.index("--retry-for") + 1] = "0.3"
    code, _, err = todo.run("deploy", *args)
    assert code == 4
    assert "cannot reach http://127.0.0.1:9" in error_line(err)


# --- invoke: the code that was uploaded really runs --------------------------------------------------


def _http_event(platform: str, path: str) -> Dict[str, Any]:
    if platform == "fc":
        event = json.loads((EVENTS / "fc3-http-documented.json").read_text())
        event.update(rawPath=path, body="", queryParameters={})
        event["requestContext"]["http"]["path"] = path
    else:
        event = json.loads((EVENTS / "scf-function-url.json").read_text())
        event.update(path=path, httpMethod="GET", body="", queryString={})
    return event


def test_invoke_runs_the_deployed_handler_with_the_event(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args)[0] == 0
    provider_class = FCProvider if cloud.platform == "fc" else SCFProvider
    import os

    provider = provider_class(region=cloud.region, endpoint=cloud.standin.url, env=os.environ)
    answer = provider.invoke("todo", _http_event(cloud.platform, "/health"))
    assert answer["statusCode"] == 200, answer
    body = answer["body"]
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    assert json.loads(body)["status"] == "ok"
    assert cloud.mutating() == [a for a in cloud.mutating() if a != "InvokeFunction"]  # invoke reads


def test_manage_runs_the_apps_command_in_the_function_through_the_invoke_api(cloud: Cloud, todo) -> None:
    import os
    import sqlite3

    assert todo.run("deploy", *cloud.args)[0] == 0
    database = os.environ["DATABASE_URL"][len("sqlite:///") :]  # the function's DATABASE_URL
    if os.path.exists(database):  # loading the app to plan its routes may have made it
        os.remove(database)
    cloud.standin.reset_calls()
    code, out, err = todo.run("manage", *cloud.common, "--", "init-db")
    assert code == 0, out + err
    assert "Initialized the database" in out
    invoke = "InvokeFunction" if cloud.platform == "fc" else "Invoke"
    assert [c.action for c in cloud.standin.calls] == [invoke]
    # the command ran in the function's process, with the function's environment
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "todo" in tables or "todos" in tables, tables
    code, out, err = todo.run("manage", *cloud.common, "--", "no-such-command")
    assert code == 2 and "No such command 'no-such-command'" in out


# --- pieces ------------------------------------------------------------------------------------------


def test_fc_code_checksum_is_crc64_ecma_as_fc_computes_it(tmp_path: Path) -> None:
    assert crc64_ecma(b"123456789") == 0x995DC9BBDF1939FA  # the CRC-64/XZ check value
    assert crc64_ecma(b"") == 0
    zip_path = tmp_path / "code.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("index.py", "x = 1\n" * 5000)
    # the stand-in's own, table-free implementation agrees, also across the 1 MB chunks
    assert code_checksum(zip_path) == str(fc_api.crc64_xz(zip_path.read_bytes()))
    half = zip_path.read_bytes()[:1000], zip_path.read_bytes()[1000:]
    assert crc64_ecma(half[1], crc64_ecma(half[0])) == fc_api.crc64_xz(zip_path.read_bytes())


def test_scf_failed_state_is_reported_with_its_reasons(todo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", scf_api.SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", scf_api.SECRET_KEY)
    monkeypatch.setattr(SCFProvider, "poll_interval", 0.01)
    with scf_api.SCFStandIn(polls_until_active=3) as standin:
        reason = [{"ErrorCode": "InternalError.Runtime", "ErrorMessage": "image pull failed"}]
        standin.fail_deploy["todo"] = ("CreateFailed", reason)
        args = [
            "--platform",
            "scf",
            "--region",
            "ap-guangzhou",
            "--endpoint",
            standin.url,
            "--no-requirements",
        ]
        code, _, err = todo.run("deploy", *args)
        assert code == 4
        assert "CreateFailed" in err and "image pull failed" in err
        polls = [c for c in standin.calls if c.action == "GetFunction"]
        assert len(polls) == 4  # Creating x3, then the failed state


@pytest.mark.parametrize("platform", ["fc", "scf"])
def test_the_stand_ins_check_what_the_signature_covers(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request the SDK signed passes; with its body or a signed header changed, it does not."""
    import os

    if platform == "fc":
        standin: StandIn = fc_api.FCStandIn()
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", fc_api.ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fc_api.ACCESS_KEY_SECRET)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCOUNT_ID", fc_api.ACCOUNT_ID)
        # ACS3 signs every header the SDK sets, the action included
        changed, rejected = ("x-acs-action", "DeleteFunction"), "SignatureNotMatch"
    else:
        standin = scf_api.SCFStandIn()
        monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", scf_api.SECRET_ID)
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", scf_api.SECRET_KEY)
        # TC3 as the SDK uses it signs content-type and host only (the minimum the TC3 document asks)
        changed, rejected = ("host", "scf.ap-shanghai.tencentcloudapi.com"), "AuthFailure.SignatureFailure"
    seen = []
    original = standin.dispatch

    def recording(method: str, path: str, headers: Dict[str, str], body: bytes):
        seen.append((method, path, dict(headers), body))
        return original(method, path, headers, body)

    monkeypatch.setattr(standin, "dispatch", recording)
    with standin:
        provider_class = FCProvider if platform == "fc" else SCFProvider
        region = fc_api.REGION if platform == "fc" else "ap-guangzhou"
        provider = provider_class(region=region, endpoint=standin.url, env=os.environ)
        assert provider.actual("todo") == []
        method, path, headers, body = seen[0]
        assert original(method, path, headers, body)[0] == 200  # the SDK's own request, replayed

        def code(answer):
            status, payload, _ = answer
            if platform == "fc":
                return status, payload.get("Code")
            return status, payload["Response"].get("Error", {}).get("Code")

        tampered = body + b" " if body else b"{}"
        assert code(original(method, path, headers, tampered)) == (403 if platform == "fc" else 200, rejected)
        other = dict(headers, **{changed[0]: changed[1]})
        assert code(original(method, path, other, body)) == (403 if platform == "fc" else 200, rejected)
        assert standin.mutating_calls() == []


def test_a_split_deploy_creates_the_jobs_function_with_its_timer_and_no_http_trigger(
    cloud: Cloud, todo
) -> None:
    code, out, err = todo.run("deploy", *cloud.args, "--split", "per-blueprint", "--domain", DOMAIN)
    assert code == 0, err
    # The sample's hourly `purge-done` runs in todo-jobs: the [jobs] default timeout, no HTTP entry,
    # and its timer trigger, exactly as the deploy file of `bridge build` has it.
    assert "todo-jobs" in cloud.functions()
    timeout = cloud.standin.functions["todo-jobs"]["timeout" if cloud.platform == "fc" else "Timeout"]
    assert timeout == 900
    assert cloud.environment("todo-jobs")["BRIDGE_FUNCTION"] == "todo-jobs"
    assert [t for t in cloud.triggers() if t.startswith("todo-jobs/")] == ["todo-jobs/cleanup"]
    assert not [t for t in cloud.triggers() if t.endswith("/cleanup") and not t.startswith("todo-jobs/")]
    assert "todo-jobs" not in cloud.routes().values()
    assert "not deployed" not in out + err
    timer = cloud.standin.triggers["todo-jobs"]["cleanup"]
    built = built_job_triggers(todo, cloud.platform, "per-blueprint")["todo-jobs"]["cleanup"]
    if cloud.platform == "fc":
        assert timer["triggerType"] == "timer"
        assert json.loads(timer["triggerConfig"]) == {"cronExpression": "@every 1h", "enable": True,
                                                      "payload": "cleanup"}  # fmt: skip
        assert json.loads(timer["triggerConfig"]) == built["triggerConfig"]
    else:
        assert timer["Type"] == "timer" and timer["CustomArgument"] == "cleanup" and timer["Enable"] == 1
        assert json.loads(timer["TriggerDesc"]) == {"cron": "0 0 * * * * *"}
        assert built["cronExpression"] == "0 0 * * * * *" and built["argument"] == "cleanup"


# --- [schedules] and [events] triggers ---------------------------------------------------------------

#: A storage and a queue source of each vendor (an SCF bucket name ends with the account's APPID).
JOB_SOURCES = {
    "fc": ("oss:todo-uploads/uploads/*", "mns:orders"),
    "scf": ("cos:todo-uploads-1250000000/uploads/*", "cmq:orders"),
}
OSS_ROLE = f"acs:ram::{fc_api.ACCOUNT_ID}:role/oss-invokes-fc"
MNS_ROLE = f"acs:ram::{fc_api.ACCOUNT_ID}:role/mns-invokes-fc"


def add_events(todo: Any, platform: str) -> None:
    storage, queue = JOB_SOURCES[platform]
    with open(todo.root / "bridge.toml", "a", encoding="utf-8") as handle:
        handle.write(
            f'\n[events]\nuploads = {{ source = "{storage}", post = "/internal/uploaded" }}\n'
            f'orders = {{ source = "{queue}", post = "/internal/order" }}\n'
        )


def built_job_triggers(todo: Any, platform: str, split: str) -> Dict[str, Dict[str, Any]]:
    """{function: {trigger name: what the deploy file of `bridge build` writes}} for the job triggers."""
    import yaml

    from bridge.deploy.targets import get_target

    target = get_target(platform)
    plan = plan_of(todo, platform, split)
    document = yaml.safe_load(target.render(plan)[target.deploy_file])
    found: Dict[str, Dict[str, Any]] = {}
    if platform == "fc":
        for resource in document["resources"].values():
            props = resource["props"]
            for trigger in props.get("triggers") or []:
                if trigger["triggerType"] != "http":
                    found.setdefault(props["functionName"], {})[trigger["triggerName"]] = trigger
        return found
    inputs = document["inputs"]
    if "triggers" in inputs:  # multi-scf
        names = {key: function["name"] for key, function in inputs["functions"].items()}
        pairs = [(names[t["function"]], t["type"], t["parameters"]) for t in inputs["triggers"]]
    else:
        pairs = [(inputs["name"], kind, e[kind]["parameters"]) for e in inputs["events"] for kind in e]
    for function, kind, parameters in pairs:
        name = {
            "timer": parameters.get("name"),
            "cos": parameters.get("bucket"),
            "cmq": parameters.get("name"),
        }
        if kind in name:
            found.setdefault(function, {})[name[kind]] = parameters
    return found


@pytest.fixture
def fc_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_FC_OSS_ROLE_ARN", OSS_ROLE)
    monkeypatch.setenv("BRIDGE_FC_MNS_ROLE_ARN", MNS_ROLE)


def test_storage_and_queue_jobs_deploy_as_the_deploy_file_has_them(cloud: Cloud, todo, fc_roles) -> None:
    add_events(todo, cloud.platform)
    code, out, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    triggers = cloud.standin.triggers["todo"]
    built = built_job_triggers(todo, cloud.platform, "all-in-one")["todo"]
    if cloud.platform == "fc":
        assert sorted(triggers) == ["cleanup", "http", "orders", "uploads"]
        oss, mns = triggers["uploads"], triggers["orders"]
        assert oss["triggerType"] == "oss" and mns["triggerType"] == "mns_topic"
        assert oss["sourceArn"] == f"acs:oss:{fc_api.REGION}:{fc_api.ACCOUNT_ID}:todo-uploads"
        assert mns["sourceArn"] == f"acs:mns:{fc_api.REGION}:{fc_api.ACCOUNT_ID}:/topics/orders"
        assert (oss["invocationRole"], mns["invocationRole"]) == (OSS_ROLE, MNS_ROLE)
        wanted = {"events": ["oss:ObjectCreated:*"], "filter": {"key": {"prefix": "uploads/", "suffix": ""}}}
        assert json.loads(oss["triggerConfig"]) == wanted
        for name in ("uploads", "orders", "cleanup"):  # the s.yaml triggers, with this account filled in
            assert json.loads(triggers[name]["triggerConfig"]) == built[name]["triggerConfig"]
            assert triggers[name].get("sourceArn") == (
                built[name].get("sourceArn", "").replace("${config('AccountID')}", fc_api.ACCOUNT_ID) or None
            )
    else:
        bucket = "todo-uploads-1250000000.cos.ap-guangzhou.myqcloud.com"
        assert sorted(triggers) == sorted(["cleanup", "url", "orders", bucket])
        cos, cmq = triggers[bucket], triggers["orders"]
        assert cos["Type"] == "cos" and cmq["Type"] == "cmq"
        assert json.loads(cos["TriggerDesc"]) == {"event": "cos:ObjectCreated:*",
                                                  "filter": {"Prefix": "uploads/", "Suffix": ""}}  # fmt: skip
        assert built[bucket]["filter"] == {"prefix": "uploads/", "suffix": ""}
        assert built[bucket]["events"] == "cos:ObjectCreated:*" and "orders" in built
    cloud.standin.reset_calls()
    code, out, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    assert cloud.mutating() == [] and "up to date" in out


def test_a_changed_schedule_updates_its_trigger_and_nothing_else(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args)[0] == 0
    set_cleanup(todo, 'cleanup = { cron = "30 2 * * *", command = "purge-done" }')
    cloud.standin.reset_calls()
    code, out, err = todo.run("deploy", *cloud.args, "--dry-run", "--json")
    assert code == 0, err
    document = json.loads(out)
    triggers = [c for c in document["changes"] if c["kind"] == "trigger"]
    assert [(c["action"], c["name"]) for c in triggers] == [("update", "todo/cleanup")]
    assert cloud.mutating() == []
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    # The package's jobs file changed too (the function's code); the trigger is updated in place.
    assert [a for a in cloud.mutating() if "Trigger" in a] == ["UpdateTrigger"]
    timer = cloud.standin.triggers["todo"]["cleanup"]
    if cloud.platform == "fc":
        assert json.loads(timer["triggerConfig"])["cronExpression"] == "0 30 2 * * *"
    else:
        assert json.loads(timer["TriggerDesc"]) == {"cron": "0 30 2 * * * *"}


def test_a_removed_job_deletes_its_trigger(cloud: Cloud, todo) -> None:
    assert todo.run("deploy", *cloud.args)[0] == 0
    set_cleanup(todo, "")
    cloud.standin.reset_calls()
    code, out, err = todo.run("deploy", *cloud.args)
    assert code == 0, err
    assert [a for a in cloud.mutating() if "Trigger" in a] == ["DeleteTrigger"]
    assert "- trigger todo/cleanup: deleted" in err
    assert cloud.triggers() == (["todo/http"] if cloud.platform == "fc" else ["todo/url"])


@pytest.mark.parametrize("cloud", ["fc"], indirect=True)  # SCF's COS and CMQ triggers take no role
def test_a_storage_job_without_its_role_stops_naming_the_setting(cloud: Cloud, todo) -> None:
    add_events(todo, "fc")
    code, _, err = todo.run("deploy", *cloud.args)
    assert code == 1
    line = error_line(err)
    assert "BRIDGE_FC_OSS_ROLE_ARN" in line and "events.uploads" in line
    assert cloud.mutating() == []


def test_remove_deletes_the_job_triggers_too(cloud: Cloud, todo, fc_roles) -> None:
    add_events(todo, cloud.platform)
    assert todo.run("deploy", *cloud.args, "--split", "per-blueprint", "--domain", DOMAIN)[0] == 0
    assert len([t for t in cloud.triggers() if not t.endswith(("/http", "/url"))]) == 3
    code, out, err = todo.run("remove", *cloud.common)
    assert code == 0, err
    assert cloud.functions() == [] and cloud.triggers() == []
