"""The deploy engine and `bridge deploy/status/manage/remove`, against an in-memory cloud.

What the engine decides (what to create, update field by field, delete, in which order; retries;
stopping on a failure; converging on a rerun; dry runs) is cloud-independent, so it is tested here
with :mod:`_cloud_fake`. Each real cloud's provider is tested against its own API emulator
(``test_deploy_aws.py``: moto).
"""

from __future__ import annotations

import json
from typing import List

import pytest
from _cloud_cli import sample_project  # noqa: F401  (fixture)
from _cloud_fake import FakeCloud, FakeProvider

from bridge import cloud
from bridge.cloud import engine
from bridge.cloud.provider import TAG_KEY, CloudError, Resource, RetryableError

FAKE = ["--platform", "aws", "--region", "north-1", "--no-requirements", "--retry-for", "1"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCloud:
    """The fake cloud behind ``--platform aws``, empty, with credentials set."""
    monkeypatch.setitem(cloud.PROVIDERS, "aws", "_cloud_fake:FakeProvider")
    monkeypatch.setenv("FAKE_ACCESS_KEY", "key")
    monkeypatch.setattr(FakeProvider, "cloud", FakeCloud())
    return FakeProvider.cloud


@pytest.fixture
def todo(sample_project):  # noqa: F811
    return sample_project("flask_todo")


def deployed(fake: FakeCloud, kind: str) -> List[str]:
    return sorted(name for (k, name) in fake.resources if k == kind)


def plan_json(todo, *split: str) -> dict:
    code, out, _ = todo.run("plan", *split)
    assert code == 0
    return json.loads(out)


# --- fresh deploys equal the plan --------------------------------------------------------------------


def test_fresh_deploy_all_in_one_creates_the_plan(fake: FakeCloud, todo) -> None:
    code, out, err = todo.run("deploy", *FAKE)
    assert code == 0, err
    assert deployed(fake, "function") == ["todo"]
    function = fake.resources[("function", "todo")][0]
    assert function.settings["memory"] == 256  # the project's
    assert function.settings["environment"]["SECRET_KEY"] == "test-secret"  # ${env.SECRET_KEY}, resolved
    assert all(tags == {TAG_KEY: "todo"} for _, tags in fake.resources.values())
    assert "https://todo.north-1.fake.example" in out
    # progress: one line per resource, on stderr
    created = [line for line in err.splitlines() if line.startswith("+ ")]
    assert len(created) == len(fake.resources)


def test_fresh_split_deploy_creates_every_function_and_the_route_table(fake: FakeCloud, todo) -> None:
    from bridge.deploy.build import load_deployment
    from bridge.deploy.deployment import DeployOptions

    code, _, err = todo.run("deploy", *FAKE, "--split", "per-route")
    assert code == 0, err
    plan = load_deployment(todo.root, DeployOptions("aws"), split="per-route", gateway="aws")
    assert deployed(fake, "function") == sorted(f.name for f in plan.functions)
    assert len(plan.functions) > 3
    table = {f"{','.join(r.methods or ('ANY',))} {r.path}": r.function for r in plan.table("aws")}
    routes = {
        name: fake.resources[("route", name)][0].settings["function"] for name in deployed(fake, "route")
    }
    assert routes == table
    for function in plan.functions:
        env = fake.resources[("function", function.name)][0].settings["environment"]
        assert env["BRIDGE_FUNCTION"] == function.name


# --- idempotence -------------------------------------------------------------------------------------


def test_redeploy_with_nothing_changed_makes_no_mutating_call(fake: FakeCloud, todo) -> None:
    assert todo.run("deploy", *FAKE, "--split", "per-route")[0] == 0
    fake.calls.clear()
    code, out, _ = todo.run("deploy", *FAKE, "--split", "per-route")
    assert code == 0
    assert fake.mutations() == []
    assert "up to date" in out


def test_one_changed_setting_makes_exactly_one_update(fake: FakeCloud, todo) -> None:
    assert todo.run("deploy", *FAKE)[0] == 0
    fake.calls.clear()
    code, _, err = todo.run("deploy", *FAKE, "--memory", "1024")
    assert code == 0, err
    assert fake.mutations() == [("update", "function todo")]
    assert fake.resources[("function", "todo")][0].settings["memory"] == 1024
    assert "~ function todo: updated (memory)" in err


# --- failures ----------------------------------------------------------------------------------------


def test_failure_half_way_stops_naming_the_step_and_a_rerun_converges(fake: FakeCloud, todo) -> None:
    fake.fail_mutation = 4
    code, _, err = todo.run("deploy", *FAKE, "--split", "per-route")
    assert code == 4
    message = [line for line in err.splitlines() if line.startswith("bridge: error:")]
    assert len(message) == 1
    assert "InternalFailure: the service is unhappy" in message[0]
    assert "3 change(s) applied" in message[0]
    assert len(fake.resources) == 3
    fake.fail_mutation = None
    assert todo.run("deploy", *FAKE, "--split", "per-route")[0] == 0
    creates = [what for operation, what in fake.calls if operation == "create"]
    del creates[3]  # the call that failed
    assert len(creates) == len(set(creates)) == len(fake.resources)  # each made once: no duplicate
    fake.calls.clear()
    assert todo.run("deploy", *FAKE, "--split", "per-route")[0] == 0
    assert fake.mutations() == []


def test_throttling_is_retried(fake: FakeCloud, todo) -> None:
    fake.throttle = 2
    code, _, err = todo.run("deploy", *FAKE, "--retry-for", "30")
    assert code == 0, err
    assert err.count("retrying in") == 2
    assert deployed(fake, "function") == ["todo"]


def test_throttling_beyond_the_time_bound_stops(fake: FakeCloud, todo) -> None:
    fake.throttle = 10_000
    code, _, err = todo.run("deploy", *FAKE, "--retry-for", "0.2")
    assert code == 4
    assert "Throttling: Rate exceeded (still failing after" in err
    assert fake.mutations() == []


def test_retry_policy_backs_off_exponentially_with_jitter_within_the_bound() -> None:
    now = [0.0]
    slept: List[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    def always_throttled() -> None:
        raise RetryableError("update", "function f", "Rate exceeded", code="Throttling")

    policy = engine.RetryPolicy(
        total_seconds=20, first_delay=1, max_delay=8, sleep=sleep, clock=lambda: now[0]
    )
    with pytest.raises(RetryableError, match="still failing"):
        policy.call("update function f", always_throttled)
    assert sum(slept) <= 20
    for attempt, delay in enumerate(slept):
        assert min(8, 2**attempt) / 2 <= delay <= min(8, 2**attempt)

    with pytest.raises(CloudError, match="AccessDenied"):  # not retryable: raised at once
        policy.call("x", lambda: (_ for _ in ()).throw(CloudError("create", "f", "no", code="AccessDenied")))


# --- dry run, json, status ---------------------------------------------------------------------------


def test_dry_run_makes_only_read_calls_and_prints_the_diff(fake: FakeCloud, todo) -> None:
    code, out, _ = todo.run("deploy", *FAKE, "--dry-run")
    assert code == 0
    assert fake.mutations() == [] and fake.resources == {}
    assert "+ create function todo" in out
    assert todo.run("deploy", *FAKE)[0] == 0
    fake.calls.clear()
    code, out, _ = todo.run("deploy", *FAKE, "--dry-run", "--memory", "512", "--timeout", "60")
    assert code == 0 and fake.mutations() == []
    lines = out.splitlines()
    at = lines.index("~ update function todo")
    assert lines[at + 1 : at + 3] == ["    memory: 256 -> 512", "    timeout: 30 -> 60"]


def test_environment_values_are_never_printed(fake: FakeCloud, todo, monkeypatch: pytest.MonkeyPatch) -> None:
    assert todo.run("deploy", *FAKE)[0] == 0
    monkeypatch.setenv("SECRET_KEY", "rotated-secret")
    code, out, _ = todo.run("deploy", *FAKE, "--dry-run")
    assert code == 0
    assert "environment: changed SECRET_KEY" in out
    assert "secret" not in out.replace("SECRET_KEY", "")
    code, out, _ = todo.run("deploy", *FAKE, "--json")
    assert "rotated-secret" not in out and "test-secret" not in out
    document = json.loads(out)
    assert document["applied"][0]["fields"]["environment"]["changed"] == ["SECRET_KEY"]


def test_json_prints_the_plan_and_the_result(fake: FakeCloud, todo) -> None:
    code, out, _ = todo.run("deploy", *FAKE, "--json")
    assert code == 0
    document = json.loads(out)
    assert document["platform"] == "aws" and document["region"] == "north-1"
    assert [c["action"] for c in document["changes"]] == ["create"] * len(fake.resources)
    assert document["applied"] == document["changes"]
    assert document["error"] is None
    assert document["endpoints"] == {"todo": "https://todo.north-1.fake.example"}


def test_status_shows_what_is_deployed_and_the_drift(fake: FakeCloud, todo) -> None:
    code, out, _ = todo.run("status", *FAKE)
    assert code == 5 and "todo is not deployed" in out
    todo.run("deploy", *FAKE)
    code, out, _ = todo.run("status", *FAKE)
    assert code == 0, out
    assert "in sync with the plan" in out and "https://todo.north-1.fake.example" in out
    fake.calls.clear()
    code, out, _ = todo.run("status", *FAKE, "--memory", "2048")
    assert code == 5
    assert "memory: 256 -> 2048" in out
    assert fake.mutations() == []


# --- prune and remove --------------------------------------------------------------------------------


def _untagged(fake: FakeCloud) -> None:
    """A function somebody else made, in the same account."""
    fake.resources[("function", "todo-api")] = (Resource("function", "todo-api", {"memory": 128}), {})
    fake.resources[("function", "other")] = (Resource("function", "other", {}), {TAG_KEY: "other"})


def test_functions_the_plan_no_longer_has_stay_unless_pruned(fake: FakeCloud, todo) -> None:
    assert todo.run("deploy", *FAKE, "--split", "per-route")[0] == 0
    split_functions = deployed(fake, "function")
    _untagged(fake)
    code, out, _ = todo.run("deploy", *FAKE)  # back to all-in-one
    assert code == 0
    assert set(split_functions) <= set(deployed(fake, "function"))
    assert "keep function" in out and "--prune" in out
    fake.calls.clear()
    code, _, err = todo.run("deploy", *FAKE, "--prune")
    assert code == 0, err
    assert deployed(fake, "function") == ["other", "todo", "todo-api"]  # the untagged ones survive
    assert {op for op, _ in fake.mutations()} == {"delete"}


def test_remove_deletes_exactly_what_was_created(fake: FakeCloud, todo) -> None:
    _untagged(fake)
    before = set(fake.resources)
    assert todo.run("deploy", *FAKE, "--split", "per-route")[0] == 0
    created = set(fake.resources) - before
    fake.calls.clear()
    code, out, _ = todo.run("remove", *FAKE[:4], "--dry-run")
    assert code == 0 and fake.mutations() == []
    assert out.count("- delete") == len(created)
    code, out, _ = todo.run("remove", *FAKE[:4])
    assert code == 0
    assert set(fake.resources) == before
    assert sorted(what for op, what in fake.mutations()) == sorted(f"{k} {n}" for k, n in created)
    # routes go before the functions they point at
    kinds = [what.split()[0] for _, what in fake.mutations()]
    assert kinds == sorted(kinds, key=("route", "function").index)
    assert todo.run("remove", *FAKE[:4])[1].strip() == "todo: nothing deployed, nothing to remove"


# --- credentials, region -----------------------------------------------------------------------------


def test_missing_credentials_is_one_line_naming_the_variable(
    fake: FakeCloud, todo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE_ACCESS_KEY")
    for command in ("deploy", "status", "remove"):
        code, out, err = todo.run(command, *FAKE[:4])
        assert code == 3
        assert err == "bridge: error: no fake cloud credentials: set FAKE_ACCESS_KEY\n"
    assert fake.calls == []


def test_wrong_or_missing_region_is_one_line(fake: FakeCloud, todo, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = todo.run("deploy", "--platform", "aws", "--region", "mars-1")
    assert code == 1
    assert err == "bridge: error: region 'mars-1' is not a fake cloud region: use north-1 or south-2\n"
    code, _, err = todo.run("deploy", "--platform", "aws")
    assert code == 1
    assert err == (
        "bridge: error: no region: pass --region, set `region` in the project, or set FAKE_REGION\n"
    )
    monkeypatch.setenv("FAKE_REGION", "south-2")
    code, _, err = todo.run("deploy", "--platform", "aws", "--no-requirements")
    assert code == 0, err
    assert fake.calls


def test_an_unset_environment_reference_is_named(
    fake: FakeCloud, todo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY")
    code, _, err = todo.run("deploy", *FAKE)
    assert code == 1
    assert "environment SECRET_KEY refers to ${env.SECRET_KEY}, which is not set" in err
    assert fake.mutations() == []


# --- the diff itself ---------------------------------------------------------------------------------


def test_only_planned_keys_are_compared_and_order_follows_kinds() -> None:
    desired = [
        Resource("route", "GET /", {"function": "a"}),
        Resource("function", "a", {"memory": 128, "tags": ["x", "y"]}),
        Resource("function", "b", {"memory": 128}),
    ]
    actual = [
        Resource(
            "function", "a", {"memory": 128, "tags": ("x", "y"), "arn": "arn:a", "last_modified": "now"}
        ),
        Resource("route", "GET /", {"function": "old"}),
        Resource("route", "GET /old", {"function": "a"}),
        Resource("function", "gone", {}),
    ]
    diff = engine.compare(desired, actual, project="p", kinds=("function", "route"), prune=True)
    assert [(c.action, str(c.resource)) for c in diff.changes] == [
        ("create", "function b"),
        ("update", "route GET /"),
        ("delete", "route GET /old"),
        ("delete", "function gone"),
    ]
    assert diff.changes[1].fields == {"function": ("old", "a")}


# --- manage --------------------------------------------------------------------------------------------


def test_manage_runs_the_command_in_the_deployed_entry(fake: FakeCloud, todo) -> None:
    import importlib.util

    code, _, err = todo.run("manage", *FAKE[:4], "--", "init-db")
    assert code == 4 and "function not found" in err  # nothing deployed yet
    assert todo.run("deploy", *FAKE)[0] == 0
    # The cloud runs the entry `bridge deploy` packaged, as the function would.
    spec = importlib.util.spec_from_file_location("deployed_entry", todo.root / "build/aws/code/index.py")
    assert spec is not None and spec.loader is not None
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    fake.handler = entry.handler
    fake.calls.clear()
    code, out, err = todo.run("manage", *FAKE[:4], "--", "init-db")
    assert (code, err) == (0, "")
    assert out.startswith("Initialized the database at sqlite:///")
    assert fake.calls == [("invoke", "todo")]
    code, out, _ = todo.run("manage", *FAKE[:4], "--", "init-db", "--bogus")
    assert code == 2 and "No such option '--bogus'" in out
    code, out, _ = todo.run("manage", *FAKE[:4], "--json", "--", "init-db")
    assert code == 0 and json.loads(out)["exit_code"] == 0


def test_manage_names_a_function_that_does_not_run_commands(fake: FakeCloud, todo) -> None:
    assert todo.run("deploy", *FAKE)[0] == 0
    fake.handler = lambda event, context: {"statusCode": 400, "body": "not an HTTP event"}
    code, _, err = todo.run("manage", *FAKE[:4], "--", "init-db")
    assert code == 4
    assert "the function did not run the command" in err and "Bridge(app, manage=True)" in err
    code, _, err = todo.run("manage", *FAKE[:4])
    assert code == 1 and "no command" in err


def test_no_cloud_sdk_is_imported_by_bridge_or_its_commands() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bridge, bridge.cli, bridge.cloud.cli, bridge.cloud.engine, bridge._manage\n"
        "bridge.cli._parser()\n"
        "sdks = ('boto3', 'botocore', 'alibabacloud_fc20230330', 'tencentcloud')\n"
        "loaded = [m for m in sdks if m in sys.modules]\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "platform, tool", [("fc", "s deploy"), ("scf", "scf deploy"), ("aws", "sam deploy --guided")]
)
def test_bridge_build_prints_the_next_step(todo, platform: str, tool: str) -> None:
    code, out, _ = todo.run("build", "--platform", platform, "--no-requirements", "--split", "per-route")
    assert code == 0
    lines = out.splitlines()
    assert lines[-2].startswith(f"next: cd {todo.root / 'build' / platform} && {tool}    (")
    same = f"bridge deploy --platform {platform} --project {todo.root} --split per-route"
    assert lines[-1].startswith(f"  or: {same}    (")
