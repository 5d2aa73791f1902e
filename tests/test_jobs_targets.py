"""[schedules] and [events] on the targets beyond FC, SCF and AWS: Huawei FunctionGraph TIMER
triggers, and a refusal naming the platform and what to do everywhere else (never dropped)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _deploy_fixtures import all_in_one_plan, deployment, make_project

from bridge import Bridge, ConfigError
from bridge.deploy import TARGETS, get_target, job_triggers
from bridge.events import cron
from bridge.events.jobs import parse_jobs

EVENTS = Path(__file__).parent / "events"
SCHEDULES = {
    "cleanup": {"every": "1h", "command": "purge"},
    "digest": {"cron": "0 8 * * 1-5", "post": "/internal/digest"},
}


def project_with(tmp_path: Path, schedules=SCHEDULES, events=None, **fields):
    project = make_project(tmp_path / "project", **fields)
    project.jobs = parse_jobs(schedules, events, "bridge.toml", prefix="hello")
    return project


@pytest.mark.parametrize(
    "when, expected",
    [
        ({"every": "1h"}, ("Rate", "1h")),
        ({"every": "30d"}, ("Rate", "30d")),
        ({"every": "120s"}, ("Rate", "2m")),
        ({"cron": "0 8 * * 1-5"}, ("Cron", "0 0 8 ? * MON-FRI")),
        ({"cron": "30 2 1 * *"}, ("Cron", "0 30 2 1 * ?")),
        ({"cron": "*/15 * * * *"}, ("Cron", "0 */15 * * * ?")),
        ({"cron": "0 9 * * 0,6"}, ("Cron", "0 0 9 ? * SUN,SAT")),
        ({"cron": "0 9 * * 1-7"}, ("Cron", "0 0 9 ? * MON-SAT,SUN")),
        ({"cron": "0 9 * * mon"}, ("Cron", "0 0 9 ? * MON")),
    ],
)
def test_huawei_timer_schedules(when, expected):
    assert cron.huawei_schedule(when.get("cron"), when.get("every"), "schedules.x") == expected


@pytest.mark.parametrize(
    "when, message",
    [
        ({"every": "90m"}, "FunctionGraph rates are 1-60 minutes, 1-24 hours or 1-30 days"),
        ({"every": "45s"}, "FunctionGraph rates are 1-60 minutes"),
        ({"every": "31d"}, "FunctionGraph rates are"),
        ({"cron": "0 8 1 * 1"}, "sets both day-of-month and day-of-week; FunctionGraph takes one"),
        ({"cron": "0 8 * * 1-5/2"}, "write day-of-week steps as a list of days"),
    ],
)
def test_huawei_schedules_it_cannot_express_are_errors(when, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        cron.huawei_schedule(when.get("cron"), when.get("every"), "schedules.x")


def test_huawei_writes_timer_triggers_the_sdk_models_accept(tmp_path):
    models = pytest.importorskip(
        "huaweicloudsdkfunctiongraph.v2.model", reason="needs huaweicloudsdkfunctiongraph (dev extra)"
    )
    dep = deployment(project_with(tmp_path, runtime="python3.10"), all_in_one_plan(), "huawei")
    target = get_target("huawei")
    target.check(dep)
    job_triggers.check_target(dep, "huawei")
    (function,) = json.loads(target.render(dep)["functiongraph.json"])["functions"]
    apig, *timers = function["triggers"]
    assert apig["trigger_type_code"] == "APIG"
    bodies = []
    for trigger in timers:
        # Unknown field names raise TypeError in the SDK's constructors.
        event_data = models.TriggerEventDataRequestBody(**trigger["event_data"])
        bodies.append(
            models.CreateFunctionTriggerRequestBody(
                trigger_type_code=trigger["trigger_type_code"],
                trigger_status=trigger["trigger_status"],
                event_data=event_data,
            )
        )
    assert [
        (b.trigger_type_code, b.event_data.name, b.event_data.schedule_type, b.event_data.schedule)
        for b in bodies
    ] == [
        ("TIMER", "cleanup", "Rate", "1h"),
        ("TIMER", "digest", "Cron", "0 0 8 ? * MON-FRI"),
    ]
    assert [b.event_data.user_event for b in bodies] == ["cleanup", "digest"]


def test_huawei_refuses_storage_and_queue_events(tmp_path):
    events = {"uploads": {"source": "s3:b/up/*", "post": "/internal/up"}}
    dep = deployment(project_with(tmp_path, {}, events, runtime="python3.10"), all_in_one_plan(), "huawei")
    with pytest.raises(ConfigError, match="events.uploads: source s3:b cannot trigger a function on Huawei"):
        get_target("huawei").render(dep)


def test_the_huawei_timer_event_runs_its_job():
    flask = pytest.importorskip("flask")
    app = flask.Flask("ops")
    ran = []

    @app.post("/internal/digest")
    def digest():
        ran.append(flask.request.get_json())
        return "done"

    handler = Bridge(app, jobs={"name": "hello", "schedules": SCHEDULES})
    event = dict(json.loads((EVENTS / "huawei-timer.json").read_text()), trigger_name="digest")
    assert handler(event, None) == {"status": 200, "body": "done"}
    assert (ran[0]["job"], ran[0]["vendor"]) == ("digest", "huawei")
    # The trigger names the schedule in user_event too (as bridge build writes it).
    assert handler(dict(event, trigger_name="Timer_001", user_event="digest"), None)["status"] == 200


OTHER_TARGETS = sorted(set(TARGETS) - set(job_triggers.JOB_TARGETS))


def test_every_target_either_writes_job_triggers_or_names_what_to_do():
    assert set(OTHER_TARGETS) <= set(job_triggers.NATIVE_SCHEDULERS)


@pytest.mark.parametrize("name", OTHER_TARGETS)
def test_other_targets_refuse_jobs_naming_the_platform_and_what_to_do(tmp_path, monkeypatch, name):
    from bridge.deploy.build import write_deploy_files

    target = get_target(name)
    dep = deployment(project_with(tmp_path, runtime="python3.10"), all_in_one_plan(), name)
    monkeypatch.setattr(target, "check", lambda deployment: None)  # only the job check is under test
    with pytest.raises(ConfigError) as raised:
        write_deploy_files(dep, target, tmp_path / "out")
    message = str(raised.value)
    assert message.startswith(f"schedules.cleanup, schedules.digest: {target.title} builds write no timer")
    assert job_triggers.NATIVE_SCHEDULERS[name] in message and "Build for fc, scf, aws, huawei" in message
    assert not (tmp_path / "out").exists()


def test_the_todo_sample_builds_its_cleanup_as_a_functiongraph_timer(tmp_path):
    import shutil
    import subprocess
    import sys

    from _deploy_fixtures import EXAMPLES

    copy = tmp_path / "flask_todo"
    shutil.copytree(EXAMPLES / "flask_todo", copy, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    out = tmp_path / "out"
    argv = ["build", "--platform", "huawei", "--project", str(copy), "--out", str(out), "--no-package"]
    done = subprocess.run([sys.executable, "-m", "bridge", *argv], capture_output=True, text=True, cwd=copy)
    assert done.returncode == 0, done.stderr
    (function,) = json.loads((out / "functiongraph.json").read_text())["functions"]
    assert function["triggers"][1] == {
        "trigger_type_code": "TIMER",
        "trigger_status": "ACTIVE",
        "event_data": {"name": "cleanup", "schedule_type": "Rate", "schedule": "1h", "user_event": "cleanup"},
    }
