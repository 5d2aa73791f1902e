"""``bridge serve`` fires [schedules] and [events] on demand, as the served platform's own event.

``POST /_bridge/schedules/NAME`` builds that platform's timer event and hands it to the function
the plan runs the job in; ``POST /_bridge/events/NAME`` delivers the storage or queue event in the
body; ``GET /_bridge/schedules`` lists them. The job's routes answer 404 to HTTP callers, as
deployed. Each test runs the real gateway in a subprocess and always stops it.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import httpx
import pytest
from _serving import ROOT, bridge_serve, sample_env

TODO = ROOT / "examples" / "flask_todo"
EVENTS = Path(__file__).parent / "events"
TIMEOUT_S = 60.0
SERVED_BY = re.compile(r"^bridge: POST (/_bridge/\S+) -> (\d{3}) \([^,()]*, ([a-z][a-z0-9-]*)\)", re.M)

pytest.importorskip("flask_sqlalchemy")


def logged(gateway, count: int) -> str:
    """The gateway's output once it has logged ``count`` job requests (it logs after answering)."""
    return gateway.log_with(SERVED_BY, count)


OPS_APP = """
import flask

app = flask.Flask("ops")
ops = flask.Blueprint("ops", "ops")


@ops.post("/internal/digest")
def digest():
    event = flask.request.get_json()
    return {"job": event["job"], "vendor": event["vendor"]}


@ops.post("/internal/uploaded")
def uploaded():
    event = flask.request.get_json()
    return {"bucket": event["bucket"], "key": event["key"]}


@app.get("/")
def home():
    return "home"


@app.cli.command("purge")
def purge():
    print("purged")


app.register_blueprint(ops)
"""


@pytest.fixture
def ops_project(tmp_path: Path) -> Path:
    (tmp_path / "ops.py").write_text(OPS_APP)
    (tmp_path / "bridge.toml").write_text(
        textwrap.dedent("""
        app = "ops:app"
        name = "ops"
        [schedules]
        digest = { cron = "0 8 * * 1-5", post = "/internal/digest" }
        [events]
        uploads = { source = "s3:my-bucket/uploads/*", post = "/internal/uploaded" }
        """)
    )
    return tmp_path


def test_the_todo_cleanup_fires_on_demand_as_fcs_timer_event(tmp_path: Path) -> None:
    env = sample_env(tmp_path / "todo.sqlite3")
    with bridge_serve("todo:app", "--chdir", str(TODO), "--platform", "fc", env=env) as gateway:
        with httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
            assert (
                client.post(gateway.prefix + "/api/todos", json={"title": "t", "done": True}).status_code
                == 201
            )
            listed = client.get("/_bridge/schedules")
            assert listed.status_code == 200
            assert listed.json()["jobs"] == [
                {
                    "job": "schedules.cleanup",
                    "when": "every 1h",
                    "runs": "command purge-done",
                    "function": "bridge-function",
                    "fire": "POST /_bridge/schedules/cleanup",
                }
            ]
            fired = client.post("/_bridge/schedules/cleanup")
            assert fired.status_code == 200, fired.text
            assert fired.json() == {
                "job": "schedules.cleanup",
                "ok": True,
                "result": {"exit_code": 0, "output": "Purged 1 done todo(s)\n"},
            }
            assert client.post("/_bridge/schedules/nightly").json() == {
                "error": "no schedules.nightly in the project; schedules: cleanup"
            }
            assert client.get("/_bridge/schedules/cleanup").status_code == 405
        log = gateway.log
    # The banner says what there is and how to fire it.
    assert "schedules.cleanup (every 1h: command purge-done) -> bridge-function: curl -X POST http://" in log
    assert "/_bridge/schedules/cleanup" in log


def test_a_split_plan_fires_the_cleanup_in_todo_jobs(tmp_path: Path) -> None:
    env = sample_env(tmp_path / "todo.sqlite3")
    split = ("--project", str(TODO), "--split", "per-blueprint", "--platform", "aws-v2")
    with bridge_serve(*split, env=env) as gateway:
        with httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
            assert client.get("/_bridge/schedules").json()["jobs"][0]["function"] == "todo-jobs"
            fired = client.post("/_bridge/schedules/cleanup")
            assert fired.status_code == 200, fired.text + gateway.log
            assert fired.json()["result"]["exit_code"] == 0
        log = logged(gateway, 1)
    assert SERVED_BY.findall(log) == [("/_bridge/schedules/cleanup", "200", "todo-jobs")], log
    assert "-> todo-jobs: curl -X POST" in log


@pytest.mark.parametrize("platform, vendor", [("fc", "fc"), ("scf", "scf"), ("aws-v2", "aws")])
def test_a_route_job_runs_in_the_function_serving_its_route_and_http_callers_get_404(
    ops_project: Path, platform: str, vendor: str
) -> None:
    args = ("--project", str(ops_project), "--split", "per-blueprint", "--platform", platform)
    with bridge_serve(*args) as gateway:
        with httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
            fired = client.post("/_bridge/schedules/digest")
            assert fired.status_code == 200, fired.text + gateway.log
            result = fired.json()["result"]
            assert json.loads(result["body"]) == {"job": "digest", "vendor": vendor}
            # The job's route is not for HTTP callers, here as deployed.
            assert client.post(gateway.prefix + "/internal/digest", json={}).status_code == 404
            assert client.get(gateway.prefix + "/").text == "home"
        log = logged(gateway, 1)
    assert SERVED_BY.findall(log) == [("/_bridge/schedules/digest", "200", "ops-ops")], log


def test_a_storage_event_posted_to_the_gateway_reaches_its_route(ops_project: Path) -> None:
    sample = json.loads((EVENTS / "aws-s3-put.json").read_text())
    sample["Records"][0]["s3"]["bucket"]["name"] = "my-bucket"
    sample["Records"][0]["s3"]["object"]["key"] = "uploads/a+b.txt"
    args = ("--project", str(ops_project), "--platform", "aws-v2")
    with bridge_serve(*args) as gateway, httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
        delivered = client.post("/_bridge/events/uploads", json=sample)
        assert delivered.status_code == 200, delivered.text + gateway.log
        assert json.loads(delivered.json()["result"]["body"]) == {
            "bucket": "my-bucket",
            "key": "uploads/a b.txt",
        }
        empty = client.post("/_bridge/events/uploads")
        assert empty.status_code == 400 and "POST the s3 event for events.uploads" in empty.json()["error"]


def test_a_platform_without_job_triggers_says_so_instead_of_firing(ops_project: Path) -> None:
    with bridge_serve("ops:app", "--chdir", str(ops_project), "--platform", "openfaas") as gateway:
        with httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
            refused = client.post("/_bridge/schedules/digest")
            assert refused.status_code == 400
            assert refused.json()["error"].startswith("openfaas has no timer, storage or queue trigger")
        assert "(not fired here: openfaas has no timer" in gateway.log


def test_huawei_fires_its_own_timer_event(ops_project: Path) -> None:
    serve = ("ops:app", "--chdir", str(ops_project), "--platform", "huawei")
    with bridge_serve(*serve) as gateway, httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
        fired = client.post("/_bridge/schedules/digest")
        assert fired.status_code == 200, fired.text + gateway.log
        assert json.loads(fired.json()["result"]["body"]) == {"job": "digest", "vendor": "huawei"}


def test_as_deployed_fires_the_jobs_in_the_built_packages_functions(
    ops_project: Path, tmp_path: Path
) -> None:
    """The package's own entry hands its handler the jobs file; the split's `ops-jobs` runs the command."""
    import subprocess
    import sys

    from _deploy_fixtures import wheels_from_installed
    from _serving import child_env

    wheels = wheels_from_installed(tmp_path / "wheels", "flask")[0].parent
    (ops_project / "requirements.txt").write_text("flask\n")
    (ops_project / "bridge.toml").write_text(
        'app = "ops:app"\nname = "ops"\n[schedules]\ncleanup = { every = "1h", command = "purge" }\n'
        'digest = { cron = "0 8 * * 1-5", post = "/internal/digest" }\n'
    )
    build = [sys.executable, "-m", "bridge", "build", "--platform", "fc", "--project", str(ops_project)]
    build += ["--split", "per-blueprint", "--find-links", str(wheels), "--no-index"]
    built = subprocess.run(build, capture_output=True, text=True, cwd=ops_project, env=child_env())
    assert built.returncode == 0, built.stderr
    serve = ("--as-deployed", "--project", str(ops_project), "--platform", "fc")
    with bridge_serve(*serve) as gateway, httpx.Client(base_url=gateway.root, timeout=TIMEOUT_S) as client:
        cleanup = client.post("/_bridge/schedules/cleanup")
        assert cleanup.status_code == 200, cleanup.text + gateway.log
        assert cleanup.json()["result"] == {"exit_code": 0, "output": "purged\n"}
        digest = client.post("/_bridge/schedules/digest")
        assert json.loads(digest.json()["result"]["body"]) == {"job": "digest", "vendor": "fc"}
        assert client.post(gateway.prefix + "/internal/digest", json={}).status_code == 404
        log = logged(gateway, 2)
    assert SERVED_BY.findall(log) == [
        ("/_bridge/schedules/cleanup", "200", "ops-jobs"),
        ("/_bridge/schedules/digest", "200", "ops-ops"),
    ], log
