"""`bridge build` with [schedules] and [events]: native triggers, validated as the other deploy files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, built_sample, deployment, make_project, split_plan
from test_build_aws import cfn_lint

from bridge import ConfigError
from bridge.deploy import get_target
from bridge.deploy.entry import JOBS_FILE, package_files
from bridge.events.jobs import parse_jobs
from bridge.project import load_project

jsonschema = pytest.importorskip("jsonschema")
SCHEMAS = Path(__file__).parent / "schemas"

SCHEDULES = {
    "cleanup": {"every": "1h", "command": "purge-done"},
    "digest": {"cron": "0 8 * * 1-5", "post": "/internal/digest"},
}


def project_with(tmp_path: Path, events: dict | None = None, schedules: dict | None = None, **fields):
    project = make_project(tmp_path / "project", **fields)
    project.jobs = parse_jobs(
        SCHEDULES if schedules is None else schedules, events, "bridge.toml", prefix="hello"
    )
    return project


def render(project, platform: str, plan=all_in_one_plan, **options) -> dict:
    dep = deployment(project, plan(), platform, **options)
    target = get_target(platform)
    target.check(dep)
    return yaml.safe_load(target.render(dep)[target.deploy_file])


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_fc_timer_oss_and_mns_triggers_are_valid_fc3_props(tmp_path: Path, plan) -> None:
    events = {
        "uploads": {"source": "oss:my-bucket/uploads/*", "post": "/internal/uploaded"},
        "orders": {"source": "mns:orders", "post": "/internal/order"},
    }
    document = render(project_with(tmp_path, events), "fc", plan)
    schema = json.loads((SCHEMAS / "fc3.schema.json").read_text())
    for resource in document["resources"].values():
        if resource["component"] == "fc3":
            jsonschema.Draft7Validator(schema).validate(resource["props"])
    props = [r["props"] for r in document["resources"].values() if r["component"] == "fc3"]
    with_jobs = [p for p in props if len(p["triggers"]) > 1]
    assert len(with_jobs) == 1 and with_jobs[0]["functionName"].endswith(("hello", "web"))
    triggers = {t["triggerName"]: t for t in with_jobs[0]["triggers"]}
    assert triggers["cleanup"]["triggerConfig"] == {
        "cronExpression": "@every 1h",
        "enable": True,
        "payload": "cleanup",
    }
    assert triggers["digest"]["triggerConfig"]["cronExpression"] == "0 0 8 * * 1-5"
    assert triggers["uploads"]["triggerType"] == "oss"
    assert triggers["uploads"]["triggerConfig"]["filter"] == {"key": {"prefix": "uploads/", "suffix": ""}}
    assert triggers["uploads"]["sourceArn"].endswith(":my-bucket")
    assert triggers["orders"]["triggerType"] == "mns_topic"
    assert triggers["orders"]["triggerConfig"]["notifyContentFormat"] == "JSON"


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_scf_timer_cos_and_cmq_triggers(tmp_path: Path, plan) -> None:
    events = {
        "pics": {"source": "cos:pics-1250000000/in/*", "post": "/internal/pic"},
        "orders": {"source": "cmq:orders", "post": "/internal/order"},
    }
    document = render(project_with(tmp_path, events), "scf", plan, trigger="url")
    inputs = document["inputs"]
    if document["component"] == "scf":
        triggers = {next(iter(item)): next(iter(item.values()))["parameters"] for item in inputs["events"]}
        assert "http" in triggers
        timers = [item["timer"]["parameters"] for item in inputs["events"] if "timer" in item]
    else:
        job_triggers = [t for t in inputs["triggers"] if t["type"] != "http"]
        assert {t["function"] for t in job_triggers} == {"hello_web"} or len(
            {t["function"] for t in job_triggers}
        ) == 1
        assert all(t["function"] in inputs["functions"] for t in job_triggers)
        triggers = {t["type"]: t["parameters"] for t in job_triggers}
        timers = [t["parameters"] for t in job_triggers if t["type"] == "timer"]
    assert sorted((t["name"], t["cronExpression"]) for t in timers) == [
        ("cleanup", "0 0 * * * * *"),
        ("digest", "0 0 8 * * 1-5 *"),
    ]
    assert triggers["cos"]["bucket"] == "pics-1250000000.cos.ap-guangzhou.myqcloud.com"
    assert triggers["cos"]["filter"] == {"prefix": "in/", "suffix": ""}
    assert triggers["cmq"] == {"name": "orders", "enable": True}


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_sam_schedule_s3_and_sqs_events_pass_cfn_lint(tmp_path: Path, plan) -> None:
    events = {
        "uploads": {"source": "s3:my-bucket/uploads/*", "post": "/internal/uploaded"},
        "orders": {"source": "sqs:orders", "post": "/internal/order"},
    }
    project = project_with(tmp_path, events, runtime="python3.12")
    dep = deployment(project, plan(), "aws")
    text = get_target("aws").render(dep)["template.yaml"]
    template = tmp_path / "template.yaml"
    template.write_text(text)
    result = subprocess.run([cfn_lint(), str(template)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    resources = yaml.safe_load(text)["Resources"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    job_events = [
        e for f in functions for e in f["Properties"].get("Events", {}).values() if e["Type"] != "HttpApi"
    ]
    by_type = {}
    for event in job_events:
        by_type.setdefault(event["Type"], []).append(event["Properties"])
    assert sorted((p["Name"], p["Schedule"]) for p in by_type["Schedule"]) == [
        ("hello-cleanup", "rate(1 hour)"),
        ("hello-digest", "cron(0 8 ? * 2-6 *)"),
    ]
    assert by_type["SQS"][0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (s3,) = by_type["S3"]
    assert resources[s3["Bucket"]["Ref"]]["Properties"]["BucketName"] == "my-bucket"


@pytest.mark.parametrize(
    "platform, events, schedules, message",
    [
        (
            "fc",
            {"u": {"source": "s3:b", "post": "/u"}},
            None,
            "events.u: source s3:b cannot trigger a function on FC",
        ),
        ("aws", {"q": {"source": "mns:q", "post": "/q"}}, None, "events.q: source mns:q cannot trigger"),
        (
            "scf",
            {"q": {"source": "tdmq:q", "post": "/q"}},
            None,
            "events.q: the scf component has no tdmq trigger",
        ),
        (
            "scf",
            None,
            {"odd": {"every": "7m", "command": "x"}},
            "schedules.odd: every = '7m' cannot be written",
        ),
        ("aws", None, {"both": {"cron": "0 8 1 * 1", "command": "x"}}, "schedules.both: cron = '0 8 1 * 1'"),
    ],
)
def test_jobs_a_platform_cannot_run_are_errors_naming_them(
    tmp_path, platform, events, schedules, message
) -> None:
    project = project_with(
        tmp_path, events, schedules, runtime="python3.10" if platform == "scf" else "python3.12"
    )
    options = {"trigger": "url"} if platform == "scf" else {}
    with pytest.raises(ConfigError) as raised:
        render(project, platform, **options)
    assert message in str(raised.value)


def test_package_carries_the_jobs_file_and_the_entry_reads_it(tmp_path: Path) -> None:
    project = project_with(tmp_path)
    dep = deployment(project, all_in_one_plan(), "aws")
    files = package_files(dep, get_target("aws"))
    assert json.loads(files[JOBS_FILE].text)["schedules"] == SCHEDULES
    entry = files[f"{dep.entry_module}.py"].text
    assert f'"{JOBS_FILE}"' in entry and "Bridge(app, jobs=" in entry
    compile(entry, "index.py", "exec")
    with pytest.raises(ConfigError, match="event mode only"):
        package_files(deployment(project, all_in_one_plan(), "aws", mode="web"), get_target("aws"))


def test_project_reads_schedules_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "todo"\n[tool.bridge]\napp = "todo:app"\n'
        '[tool.bridge.schedules]\ncleanup = { every = "1h", command = "purge-done" }\n'
        '[tool.bridge.events]\norders = { source = "sqs:orders", post = "/internal/order" }\n'
    )
    project = load_project(tmp_path)
    assert project.jobs.timers["cleanup"].command == ["purge-done"]
    assert project.jobs.events["orders"].resource == "orders" and project.jobs.prefix == "todo"
    (tmp_path / "pyproject.toml").write_text(
        '[tool.bridge]\napp = "todo:app"\n'
        '[tool.bridge.schedules]\ncleanup = { every = "1 hour", command = "x" }\n'
    )
    with pytest.raises(ConfigError, match=r"pyproject.toml: schedules.cleanup: every = '1 hour'"):
        load_project(tmp_path)


# --- the todo sample: `purge-done` every hour ------------------------------------------------------


def test_todo_sample_schedules_its_cleanup_on_every_platform() -> None:
    out = built_sample("flask_todo") / "out"
    for build in ("all", "split"):
        fc = yaml.safe_load((out / f"fc-{build}" / "s.yaml").read_text())
        timers = [
            t
            for r in fc["resources"].values()
            for t in r["props"].get("triggers", [])
            if t["triggerType"] == "timer"
        ]
        assert [(t["triggerName"], t["triggerConfig"]["cronExpression"]) for t in timers] == [
            ("cleanup", "@every 1h")
        ]
        scf = (out / f"scf-{build}" / "serverless.yml").read_text()
        assert "cronExpression: 0 0 * * * * *" in scf and "name: cleanup" in scf
        aws = (out / f"aws-{build}" / "template.yaml").read_text()
        assert "Schedule: rate(1 hour)" in aws and "Name: todo-cleanup" in aws


_RUN_PACKAGE = """
import json, sys
sys.path.insert(0, ".")
# The module s.yaml names: the project's own index.py, wrapped to hand its handler the jobs file.
from bridge_index import handler
from todo.database import db
from todo.models import Todo
with handler.app.app_context():
    db.session.add_all([Todo(title="a", done=True), Todo(title="b", done=False)])
    db.session.commit()
event = {"triggerTime": "2026-11-29T08:00:00Z", "triggerName": "cleanup", "payload": "cleanup"}
print(json.dumps(handler(json.dumps(event).encode(), None)))
"""


def test_todo_package_purges_done_todos_on_an_fc_timer_event() -> None:
    code = built_sample("flask_todo") / "out" / "fc-all" / "code"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_PACKAGE], cwd=code, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "exit_code": 0,
        "output": "Purged 1 done todo(s)\n",
    }


def test_bridge_invoke_fires_the_todo_cleanup_locally() -> None:
    copy = built_sample("flask_todo")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    bridge = [sys.executable, "-m", "bridge", "invoke", "todo:app", "--chdir", str(copy)]
    for platform in ("fc", "scf", "aws-v2", "huawei"):
        done = subprocess.run(
            bridge + ["--timer", "cleanup", "--platform", platform], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["exit_code"] == 0 and "Purged" in json.loads(done.stdout)["output"]
    missing = subprocess.run(
        bridge + ["--timer", "nightly", "--platform", "fc"], env=env, capture_output=True, text=True
    )
    assert missing.returncode != 0 and "no such schedule; schedules: cleanup" in missing.stderr


def test_a_target_without_job_triggers_refuses_a_project_with_jobs(tmp_path: Path) -> None:
    from bridge.deploy import job_triggers

    dep = deployment(project_with(tmp_path), all_in_one_plan(), "aws")
    job_triggers.check_target(dep, "aws")  # writes them
    with pytest.raises(
        ConfigError, match=r"schedules.cleanup, schedules.digest: Knative / Cloud Run builds write no timer"
    ):
        job_triggers.check_target(dep, "knative")
