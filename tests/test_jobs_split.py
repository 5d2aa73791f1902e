"""[schedules] and [events] in a split plan: each job on the function that runs it.

A job posting to a route goes to the function serving that route (its guard lets the job's request
through, HTTP callers still get 404); commands go to ``<project>-jobs``, a function without an HTTP
trigger, with the ``[jobs]`` timeout. Checked in the plan, the three deploy files and at run time.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import built_sample, deployment
from test_build_aws import cfn_lint

from bridge import Bridge, ConfigError
from bridge.cli import main
from bridge.deploy import get_target
from bridge.deploy.entry import routes_json
from bridge.project import project_from_dict
from bridge.split.plan import make_plan
from bridge.split.routes import discover_routes
from bridge.split.serving import guarded

jsonschema = pytest.importorskip("jsonschema")
flask = pytest.importorskip("flask")
SCHEMAS = Path(__file__).parent / "schemas"

SCHEDULES = {
    "cleanup": {"every": "1h", "command": "purge"},
    "digest": {"cron": "0 8 * * 1-5", "post": "/internal/digest"},
}


def make_app():
    """Two blueprints (two functions per blueprint) and a command: what a split with jobs needs."""
    app = flask.Flask("shop")
    api = flask.Blueprint("api", "shop.api", url_prefix="/api")
    ops = flask.Blueprint("ops", "shop.ops")
    purged = []

    @api.route("/items")
    def items():
        return {"items": []}

    @ops.route("/internal/digest", methods=["POST"])
    def digest():
        return {"digest": flask.request.get_json()["job"], "function": "ops"}

    @ops.route("/internal/uploaded", methods=["POST"])
    def uploaded():
        return {"key": flask.request.get_json()["key"]}

    @app.route("/")
    def home():
        return "home"

    @app.cli.command("purge")
    def purge():
        purged.append(1)
        print(f"purged {len(purged)}")

    app.register_blueprint(api)
    app.register_blueprint(ops)
    return app


def shop(split="per-blueprint", schedules=SCHEDULES, events=None, **data):
    tables = {"schedules": schedules, **({"events": events} if events else {})}
    return project_from_dict(
        {"app": "shop:app", "name": "shop", "split": split, **tables, **data}, root=Path("/srv/shop")
    )


def plan_for(project, app=None):
    app_routes = discover_routes(app or make_app())
    return make_plan(project, app_routes), app_routes


# --- the plan ----------------------------------------------------------------------------------


def test_a_route_job_goes_to_the_function_serving_the_route_and_commands_to_the_jobs_function():
    plan, _ = plan_for(shop())
    jobs = {f.name: f.jobs for f in plan.functions}
    assert jobs["shop-ops"] == ["schedules.digest"]
    assert jobs["shop-jobs"] == ["schedules.cleanup"]
    assert not any(f.jobs for f in plan.functions if f.name not in ("shop-ops", "shop-jobs"))
    runner = plan.function("shop-jobs")
    # no route, no HTTP trigger, not the catch-all; 900 s: the most Lambda and SCF give.
    assert (runner.routes, runner.http, runner.catch_all, runner.timeout) == ([], False, False, 900)
    assert all(e.function != "shop-jobs" for table in plan.tables.values() for e in table)
    assert any("shop-jobs runs schedules.cleanup" in note for note in plan.notes)


def test_jobs_settings_give_the_jobs_function_its_timeout_and_memory():
    plan, _ = plan_for(shop(jobs={"timeout": "15m", "memory": 1024}))
    runner = plan.function("shop-jobs")
    assert (runner.timeout, runner.memory) == (900, 1024)
    assert plan_for(shop(jobs={"timeout": 3600}))[0].function("shop-jobs").timeout == 3600


@pytest.mark.parametrize(
    "jobs, message",
    [
        ({"timeout": "forever"}, "jobs.timeout = 'forever' must be seconds or a duration"),
        ({"timeout": 0}, "jobs.timeout = 0 must be seconds"),
        ({"memory": "lots"}, "jobs.memory = 'lots' must be a number of MB"),
        ({"retries": 3}, "jobs: unknown key(s) retries; allowed: timeout, memory"),
    ],
)
def test_bad_jobs_settings_name_the_key(jobs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        shop(jobs=jobs)


def test_jobs_settings_without_jobs_are_refused():
    with pytest.raises(ConfigError, match=r"\[jobs\] sets the function that runs \[schedules\]"):
        project_from_dict({"app": "shop:app", "name": "shop", "jobs": {"timeout": 60}}, root=Path("/srv"))


def test_all_in_one_runs_every_job_in_its_one_function_and_says_jobs_settings_do_not_apply():
    plan, _ = plan_for(shop(split="all-in-one", jobs={"timeout": 600}))
    assert [(f.name, f.jobs) for f in plan.functions] == [("shop", ["schedules.cleanup", "schedules.digest"])]
    assert any("[jobs] timeout and memory are for a split plan's shop-jobs" in n for n in plan.notes)


def test_a_route_job_without_a_serving_route_goes_to_the_catch_all_and_no_commands_no_jobs_function():
    plan, _ = plan_for(shop(schedules={"ping": {"every": "5m", "post": "/nowhere"}}))
    assert [f.name for f in plan.functions if f.jobs] == [plan.catch_all.name]
    assert "shop-jobs" not in [f.name for f in plan.functions]


def test_a_group_named_jobs_clashes_with_the_jobs_function():
    project = shop(split="groups", groups={"jobs": ["/internal/*"], "web": ["*"]})
    with pytest.raises(ConfigError, match="function shop-jobs runs the \\[schedules\\] commands"):
        plan_for(project)


@pytest.fixture
def shop_dir(tmp_path, monkeypatch):
    """A project directory: an app with a blueprint route a schedule posts to, and a command."""
    (tmp_path / "shop.py").write_text(
        "import flask\napp = flask.Flask('shop')\nbp = flask.Blueprint('ops', 'ops')\n"
        "@bp.post('/internal/digest')\ndef digest():\n    return 'ok'\n"
        "@app.get('/')\ndef home():\n    return 'home'\napp.register_blueprint(bp)\n"
    )
    (tmp_path / "bridge.toml").write_text(
        'app = "shop:app"\nname = "shop"\nsplit = "per-blueprint"\n[schedules]\n'
        'cleanup = { every = "1h", command = "purge" }\n'
        'digest = { cron = "0 8 * * 1-5", post = "/internal/digest" }\n[jobs]\ntimeout = "10m"\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, "shop", raising=False)
    return tmp_path


def test_bridge_plan_shows_each_functions_jobs(shop_dir, capsys):
    assert main(["plan", "--project", str(shop_dir), "--gateway", "fc"]) == 0
    out = capsys.readouterr().out
    assert "shop-jobs (no HTTP trigger)  memory=512MB timeout=600s\n    job schedules.cleanup" in out
    assert "shop-ops  memory=512MB timeout=30s\n    OPTIONS,POST" in out and "    job schedules.digest" in out
    assert main(["plan", "--project", str(shop_dir), "--gateway", "fc", "--json"]) == 0
    data = {f["name"]: f for f in json.loads(capsys.readouterr().out)["functions"]}
    assert (data["shop-jobs"]["jobs"], data["shop-jobs"]["http"]) == (["schedules.cleanup"], False)
    assert data["shop-ops"]["jobs"] == ["schedules.digest"] and data["shop-ops"]["http"] is True


def test_bridge_build_json_names_each_functions_jobs(shop_dir, capsys):
    out = shop_dir / "out"
    argv = ["build", "--platform", "aws", "--project", str(shop_dir), "--out", str(out), "--no-package"]
    assert main([*argv, "--runtime", "python3.12", "--json"]) == 0
    functions = {f["name"]: f for f in json.loads(capsys.readouterr().out)["functions"]}
    assert functions["shop-jobs"] == {
        "name": "shop-jobs",
        "memory_mb": 512,
        "timeout_s": 600,
        "routes": 0,
        "http": False,
        "jobs": ["schedules.cleanup"],
    }
    assert functions["shop-ops"]["jobs"] == ["schedules.digest"] and functions["shop-ops"]["http"] is True
    assert json.loads((out / "bridge-build.json").read_text())["settings"]["shop-jobs"]["timeout"] == 600


# --- the deploy files ----------------------------------------------------------------------------


def split_deployment(platform, **data):
    project = shop(runtime="python3.12" if platform == "aws" else "python3.10", **data)
    plan, app_routes = plan_for(project)
    options = {"trigger": "url"} if platform == "scf" else {}
    dep = deployment(project, plan, platform, app_routes=app_routes, **options)
    target = get_target(platform)
    target.check(dep)
    return dep, target


def test_fc_gives_the_jobs_function_its_timer_and_no_http_trigger():
    dep, target = split_deployment("fc")
    document = yaml.safe_load(target.render(dep)["s.yaml"])
    schema = json.loads((SCHEMAS / "fc3.schema.json").read_text())
    props = {}
    for resource in document["resources"].values():
        if resource["component"] == "fc3":
            jsonschema.Draft7Validator(schema).validate(resource["props"])
            props[resource["props"]["functionName"]] = resource["props"]
    triggers = {
        name: [(t["triggerName"], t["triggerType"]) for t in p["triggers"]] for name, p in props.items()
    }
    assert triggers["shop-jobs"] == [("cleanup", "timer")]
    assert triggers["shop-ops"] == [("http", "http"), ("digest", "timer")]
    assert triggers["shop-default"] == triggers["shop-api"] == [("http", "http")]
    assert props["shop-jobs"]["timeout"] == 900
    assert props["shop-jobs"]["environmentVariables"]["BRIDGE_FUNCTION"] == "shop-jobs"
    routes = document["resources"]["custom_domain"]["props"]["routeConfig"]["routes"]
    assert "shop-jobs" not in {r["functionName"] for r in routes}


def test_scf_multi_scf_puts_each_timer_on_its_function_and_no_url_on_the_jobs_function():
    dep, target = split_deployment("scf")
    document = yaml.safe_load(target.render(dep)["serverless.yml"])
    inputs = document["inputs"]
    assert inputs["functions"]["shop_jobs"]["timeout"] == 900
    triggers = [(t["type"], t["function"], t["parameters"].get("name")) for t in inputs["triggers"]]
    assert ("timer", "shop_jobs", "cleanup") in triggers and ("timer", "shop_ops", "digest") in triggers
    assert [t for t in triggers if t[1] == "shop_jobs"] == [("timer", "shop_jobs", "cleanup")]
    assert {t[1] for t in triggers if t[0] == "http"} == {"shop_default", "shop_api", "shop_ops"}


def test_sam_puts_each_schedule_on_its_function_and_passes_cfn_lint(tmp_path):
    dep, target = split_deployment("aws")
    text = target.render(dep)["template.yaml"]
    (tmp_path / "template.yaml").write_text(text)
    result = subprocess.run([cfn_lint(), str(tmp_path / "template.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    resources = yaml.safe_load(text)["Resources"]
    events = {key: r.get("Properties", {}).get("Events", {}) for key, r in resources.items()}
    assert {e["Type"] for e in events["ShopJobsFunction"].values()} == {"Schedule"}
    assert events["ShopJobsFunction"]["JobCleanup"]["Properties"]["Name"] == "shop-cleanup"
    assert events["ShopOpsFunction"]["JobDigest"]["Properties"]["Schedule"] == "cron(0 8 ? * 2-6 *)"
    assert resources["ShopJobsFunction"]["Properties"]["Timeout"] == 900


@pytest.mark.parametrize("platform, limit", [("aws", "1-900 s on AWS Lambda"), ("scf", "1-900 s on Tencent")])
def test_a_jobs_timeout_the_vendor_cannot_give_is_refused_naming_the_limit(platform, limit):
    with pytest.raises(
        ConfigError, match=f"function 'shop-jobs': timeout 3600 s is outside {limit}"
    ) as raised:
        split_deployment(platform, jobs={"timeout": "1h"})
    assert "change `timeout` in [jobs]" in str(raised.value)
    dep, _ = split_deployment("fc", jobs={"timeout": "1h"})  # FC gives up to 24 h
    assert dep.function("shop-jobs").timeout == 3600


def test_the_routes_file_lists_the_jobs_function_with_no_route():
    dep, _ = split_deployment("fc")
    functions = json.loads(routes_json(dep))["functions"]
    assert functions["shop-jobs"] == [] and functions["shop-default"] is None
    assert [r["path"] for r in functions["shop-ops"]] == ["/internal/digest", "/internal/uploaded"]


# --- at run time: each function runs its jobs behind its route guard ------------------------------


def _fc_timer(name):
    return {"triggerTime": "2026-11-30T08:00:00Z", "triggerName": name, "payload": name}


def _function(name, app, events=None):
    project = shop(events=events)
    plan, app_routes = plan_for(project, app)
    document = json.loads(routes_json(deployment(project, plan, "fc", app_routes=app_routes)))
    return Bridge(guarded(app, document, name), jobs={"name": "shop", **project.jobs.tables})


def test_the_route_job_passes_the_guard_of_its_function_and_http_callers_get_404():
    from _deploy_fixtures import fc_event

    app = make_app()
    ops = _function("shop-ops", app)
    assert ops(_fc_timer("digest"), None) == {
        "status": 200,
        "body": '{"digest":"digest","function":"ops"}\n',
    }
    assert ops(fc_event("/internal/digest", "POST"), None)["statusCode"] == 404
    # Elsewhere the same job's request is not that function's route: the guard refuses it.
    assert _function("shop-api", app)(_fc_timer("digest"), None)["status"] == 404


def test_the_jobs_function_runs_commands_and_answers_no_http_route():
    from _deploy_fixtures import fc_event

    runner = _function("shop-jobs", make_app())
    assert runner(_fc_timer("cleanup"), None) == {"exit_code": 0, "output": "purged 1\n"}
    assert runner(fc_event("/", "GET"), None)["statusCode"] == 404


def test_a_storage_event_reaches_the_route_on_the_function_serving_it():
    events = {"uploads": {"source": "oss:my-bucket/uploads/*", "post": "/internal/uploaded"}}
    sample = json.loads((Path(__file__).parent / "events" / "fc-oss.json").read_text())
    record = sample["events"][0]
    record["oss"]["bucket"]["name"], record["oss"]["object"]["key"] = "my-bucket", "uploads/a.txt"
    ops = _function("shop-ops", make_app(), events)
    assert ops(sample, None) == {"status": 200, "body": '{"key":"uploads/a.txt"}\n'}


# --- the todo sample ------------------------------------------------------------------------------


def test_todo_split_builds_put_the_cleanup_on_todo_jobs_without_an_http_trigger() -> None:
    out = built_sample("flask_todo") / "out"
    fc = yaml.safe_load((out / "fc-split" / "s.yaml").read_text())
    props = {
        r["props"]["functionName"]: r["props"] for r in fc["resources"].values() if r["component"] == "fc3"
    }
    assert [(t["triggerName"], t["triggerType"]) for t in props["todo-jobs"]["triggers"]] == [
        ("cleanup", "timer")
    ]
    assert props["todo-jobs"]["timeout"] == 900
    assert all(
        t["triggerType"] == "http" for n, p in props.items() if n != "todo-jobs" for t in p["triggers"]
    )
    scf = yaml.safe_load((out / "scf-split" / "serverless.yml").read_text())["inputs"]
    assert [t["function"] for t in scf["triggers"] if t["type"] == "timer"] == ["todo_jobs"]
    aws = yaml.safe_load((out / "aws-split" / "template.yaml").read_text())["Resources"]
    assert aws["TodoJobsFunction"]["Properties"]["Events"]["JobCleanup"]["Properties"]["Schedule"] == (
        "rate(1 hour)"
    )
    manifest = json.loads((out / "fc-split" / "bridge-build.json").read_text())
    assert "todo-jobs" in manifest["functions"]
