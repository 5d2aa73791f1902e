"""Timer, storage and queue events: decoding the vendors' documented samples, running jobs, config.

The AWS samples are also read with aws-lambda-powertools' event classes: our decoders must agree
with code we did not write.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bridge import Bridge, ConfigError
from bridge.events import cron, queue, storage, timer
from bridge.events.jobs import load_jobs, parse_jobs

EVENTS = Path(__file__).parent / "events"


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


# --- decoding the documented samples -----------------------------------------------------------


@pytest.mark.parametrize(
    "name, vendor, names, time",
    [
        ("fc-timer.json", "fc", ["timer-trigger", "awesome-fc"], "2018-02-09T05:49:00Z"),
        ("scf-timer.json", "scf", ["EveryDay", "user define msg body"], "2019-02-21T11:49:00Z"),
        ("scf-timer-lowercase.json", "scf", ["EveryDay", "user define msg body"], "2019-02-21T11:49:00Z"),
        ("aws-scheduled.json", "aws", ["my-scheduled-rule"], "2015-10-08T16:53:06Z"),
        ("huawei-timer.json", "huawei", ["Timer_001", "User Event"], "2018-06-01T08:30:00+08:00"),
    ],
)
def test_timer_samples_decode(name: str, vendor: str, names: list, time: str) -> None:
    fired = timer.decode(sample(name))
    assert fired is not None
    assert (fired.vendor, fired.names, fired.time) == (vendor, names, time)
    assert storage.decode(sample(name)) is None and queue.decode(sample(name)) is None


def test_storage_samples_decode() -> None:
    (oss,) = storage.decode(sample("fc-oss.json"))
    assert (oss.scheme, oss.buckets, oss.key, oss.event_name) == (
        "oss",
        ["testbucket"],
        "source/a.png",
        "ObjectCreated:PutObject",
    )
    (cos,) = storage.decode(sample("scf-cos.json"))
    # The documented key is /<appid>/<bucket>/<key>; the bucket answers to both of its names.
    assert (cos.scheme, cos.buckets, cos.key) == ("cos", ["testpic", "testpic-1253970026"], "testfile")
    (s3,) = storage.decode(sample("aws-s3-put.json"))
    assert (s3.scheme, s3.buckets, s3.key) == ("s3", ["example-bucket"], "test/key")
    for name in ("fc-oss.json", "scf-cos.json", "aws-s3-put.json"):
        assert timer.decode(sample(name)) is None and queue.decode(sample(name)) is None


def test_queue_samples_decode() -> None:
    (mns,) = queue.decode(sample("fc-mns-topic.json"))
    assert (mns.scheme, mns.queue, mns.message_id, mns.body) == (
        "mns",
        "test-topic",
        "2F5B3C082B923D4EAC694B76D928****",
        "hello topic",
    )
    (cmq,) = queue.decode(sample("scf-cmq-topic.json"))
    assert (cmq.scheme, cmq.queue, cmq.message_id, cmq.body) == (
        "cmq",
        "testtopic",
        "123345346",
        "Hello from CMQ!",
    )
    sqs = queue.decode(sample("aws-sqs.json"))
    assert [(m.queue, m.message_id) for m in sqs] == [
        ("my-queue", "059f36b4-87a3-44ab-83d2-661975830a7d"),
        ("my-queue", "2e1424d4-f796-459a-8184-9c92662be6da"),
    ]
    for name in ("fc-mns-topic.json", "scf-cmq-topic.json", "aws-sqs.json"):
        assert timer.decode(sample(name)) is None and storage.decode(sample(name)) is None


def test_aws_samples_agree_with_powertools() -> None:
    data_classes = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")
    s3_event = data_classes.S3Event(sample("aws-s3-put.json"))
    (ours,) = storage.decode(sample("aws-s3-put.json"))
    assert ours.key == s3_event.object_key and ours.buckets == [s3_event.bucket_name]
    sqs_event = data_classes.SQSEvent(sample("aws-sqs.json"))
    theirs = [(r.message_id, r.body, r.queue_url.rpartition("/")[2]) for r in sqs_event.records]
    assert [(m.message_id, m.body, m.queue) for m in queue.decode(sample("aws-sqs.json"))] == theirs
    scheduled = data_classes.EventBridgeEvent(sample("aws-scheduled.json"))
    assert scheduled.detail_type == "Scheduled Event"
    assert timer.decode(sample("aws-scheduled.json")).names == [scheduled.resources[0].rpartition("/")[2]]


# --- running jobs: Flask ------------------------------------------------------------------------


@pytest.fixture()
def flask_handler():
    flask = pytest.importorskip("flask")
    app = flask.Flask("jobs")
    seen = []

    @app.post("/internal/run")
    def run():
        seen.append((flask.request.headers.get("X-Bridge-Internal"), flask.request.get_json()))
        body = flask.request.get_json().get("body")
        return ("bad", 500) if body == "fail" else "done"

    @app.get("/public")
    def public():
        return "public"

    @app.cli.command("purge-done")
    def purge():
        print("purged 3")

    @app.cli.command("broken")
    def broken():
        raise SystemExit(3)

    jobs = {
        "name": "todo",
        "schedules": {
            "cleanup": {"every": "1h", "command": "purge-done"},
            "fails": {"every": "1h", "command": "broken"},
            "digest": {"cron": "0 8 * * 1-5", "post": "/internal/run"},
            "my-scheduled-rule": {"every": "5m", "post": "/internal/run"},
        },
        "events": {
            "uploads": {"source": "oss:testbucket/source/*", "post": "/internal/run"},
            "pics": {"source": "cos:testpic-1253970026", "post": "/internal/run"},
            "s3": {"source": "s3:example-bucket/test/*", "post": "/internal/run"},
            "topic": {"source": "mns:test-topic", "post": "/internal/run"},
            "cmq": {"source": "cmq:testtopic", "post": "/internal/run"},
            "orders": {"source": "sqs:my-queue", "post": "/internal/run"},
        },
    }
    return Bridge(app, jobs=jobs), seen


def test_timer_runs_a_flask_command_in_process(flask_handler, capsys) -> None:
    handler, _ = flask_handler
    event = dict(sample("fc-timer.json"), triggerName="cleanup")
    assert handler(json.dumps(event).encode(), None) == {"exit_code": 0, "output": "purged 3\n"}
    assert "timer cleanup (command purge-done): exit status 0" in capsys.readouterr().err
    scf = dict(sample("scf-timer.json"), TriggerName="fails")
    assert handler(scf, None)["exit_code"] == 3


def test_timer_posts_to_an_internal_route_on_every_vendor(flask_handler) -> None:
    handler, seen = flask_handler
    aws = sample("aws-scheduled.json")
    aws["resources"] = ["arn:aws:events:us-east-1:123456789012:rule/todo-digest"]
    assert handler(aws, None) == {"status": 200, "body": "done"}
    assert handler(sample("aws-scheduled.json"), None)["status"] == 200  # a rule named as the schedule
    assert handler(dict(sample("scf-timer.json"), TriggerName="digest"), None)["status"] == 200
    assert handler(dict(sample("fc-timer.json"), triggerName="x", payload="digest"), None)["status"] == 200
    header, body = seen[0]
    assert header == "timer:digest"
    assert (body["job"], body["kind"], body["vendor"], body["event"]) == ("digest", "timer", "aws", aws)


def test_storage_and_queue_events_post_each_record(flask_handler) -> None:
    handler, seen = flask_handler
    for name in ("fc-oss.json", "scf-cos.json", "aws-s3-put.json", "fc-mns-topic.json", "scf-cmq-topic.json"):
        result = handler(sample(name), None)
        assert result in ({"status": 200, "body": "done"}, {"processed": 1}), (name, result)
    jobs = [(header, body.get("key") or body.get("body")) for header, body in seen]
    assert jobs == [
        ("storage:uploads", "source/a.png"),
        ("storage:pics", "testfile"),
        ("storage:s3", "test/key"),
        ("queue:topic", "hello topic"),
        ("queue:cmq", "Hello from CMQ!"),
    ]


def test_sqs_batch_reports_only_the_failed_messages(flask_handler) -> None:
    handler, _ = flask_handler
    event = sample("aws-sqs.json")
    assert handler(event, None) == {"batchItemFailures": []}
    event["Records"][1]["body"] = "fail"
    assert handler(event, None) == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]
    }


def test_a_failed_mns_message_raises_for_the_vendor_to_retry(flask_handler) -> None:
    from bridge.events.dispatch import JobFailed

    handler, _ = flask_handler
    with pytest.raises(JobFailed, match="2F5B3C082B923D4EAC694B76D928"):
        handler(dict(sample("fc-mns-topic.json"), Message="fail"), None)


def test_http_callers_get_404_on_internal_routes(flask_handler) -> None:
    handler, seen = flask_handler
    for platform in ("aws-v2", "fc", "scf", "fc2", "alb", "aws-v1"):
        for path in ("/internal/run", "/internal/run/", "//internal//run"):
            assert http_status(handler, platform, "POST", path) == 404, (platform, path)
        assert http_status(handler, platform, "GET", "/public") == 200
    assert seen == []


def http_status(handler, platform: str, method: str, target: str) -> int:
    """The status an HTTP caller gets through ``platform``'s gateway emulator."""
    from bridge.emulators import GatewayRequest, get_emulator

    emulator = get_emulator(platform)
    request = GatewayRequest(
        method, emulator.url_prefix + target, [("Host", "example.com")], b'{"body": "x"}'
    )
    event, context = emulator.build_event(request, request_id="r")
    if platform == "fc2":  # FC 2.0 calls a WSGI handler with the environ
        from bridge.emulators.fc2 import run_wsgi

        return emulator.to_http(run_wsgi(handler, event), request).status
    return emulator.to_http(handler(event, context), request).status


def test_unmatched_jobs_and_unknown_events_get_clear_errors(flask_handler) -> None:
    handler, _ = flask_handler
    result = handler(dict(sample("fc-timer.json"), triggerName="nope", payload=""), None)
    assert (
        result["statusCode"] == 400
        and "no [schedules] entry" in result["body"]
        and "cleanup" in result["body"]
    )
    other = dict(sample("fc-oss.json"))
    other["events"] = [dict(other["events"][0], oss=dict(other["events"][0]["oss"], bucket={"name": "b"}))]
    assert "matches no [events] source" in handler(other, None)["body"]
    unknown = handler({"hello": "world"}, None)
    assert unknown["statusCode"] == 400 and "not an HTTP event" in unknown["body"]


def test_on_event_still_gets_events_no_job_claims() -> None:
    calls = []
    handler = Bridge(
        lambda environ, start_response: [],
        jobs={"schedules": {"a": {"every": "1h", "post": "/a"}}},
        on_event=lambda event, context: calls.append(event) or "handled",
    )
    assert handler({"hello": "world"}, None) == "handled"
    plain = Bridge(lambda environ, start_response: [], on_event=lambda event, context: "plain")
    assert plain(sample("fc-timer.json"), None) == "plain"  # no jobs: timers go to on_event as before


def test_import_bridge_does_not_load_the_events_package() -> None:
    code = "import bridge, sys; bridge.Bridge(lambda e, s: []); print('bridge.events' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- running jobs: Django -----------------------------------------------------------------------

_DJANGO_SCRIPT = """
import json, os, sys
sys.path.insert(0, {site!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "site_conf.settings"
from bridge import Bridge
from bridge.emulators import GatewayRequest, get_emulator
handler = Bridge.django(jobs={{"schedules": {{
    "check": {{"every": "1h", "command": "check"}},
    "nope": {{"every": "1h", "command": "no-such-command"}},
    "ping": {{"cron": "0 * * * *", "post": "/healthz"}},
}}}})
timer = {{"Type": "Timer", "TriggerName": "check", "Time": "2019-02-21T11:49:00Z", "Message": ""}}
out = [handler(timer, None)]
out.append(handler(dict(timer, TriggerName="nope"), None))
out.append(handler(dict(timer, TriggerName="ping"), None))
request = GatewayRequest("GET", "/healthz", [("Host", "x")])
event, context = get_emulator("aws-v2").build_event(request, request_id="r")
out.append(handler(event, context)["statusCode"])
print(json.dumps(out))
"""


def test_django_commands_and_routes_run() -> None:
    pytest.importorskip("django")
    site = str(Path(__file__).parent / "apps" / "django_site")
    script = _DJANGO_SCRIPT.format(site=site)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    check, nope, ping, http_status = json.loads(done.stdout.strip().splitlines()[-1])
    assert check == {"exit_code": 0, "output": "System check identified no issues (0 silenced).\n"}
    assert nope["exit_code"] == 1 and "no-such-command" in nope["output"]
    assert ping == {"status": 200, "body": "ok"}
    assert http_status == 404


# --- configuration and cron translation ---------------------------------------------------------


@pytest.mark.parametrize(
    "schedules, events, message",
    [
        ({"x": {"command": "a"}}, None, "schedules.x: set one of cron"),
        ({"x": {"every": "1h", "cron": "* * * * *", "command": "a"}}, None, "schedules.x: set one of cron"),
        ({"x": {"every": "hourly", "command": "a"}}, None, "schedules.x: every = 'hourly'"),
        ({"x": {"cron": "* * *", "command": "a"}}, None, "schedules.x: cron = '* * *' must have five fields"),
        ({"x": {"every": "1h"}}, None, "schedules.x: set one of command"),
        ({"x": {"every": "1h", "post": "internal"}}, None, "schedules.x: post = 'internal'"),
        ({"x": {"every": "1h", "command": "a", "timeout": 3}}, None, "schedules.x: unknown key(s) timeout"),
        ({"Bad_Name": {"every": "1h", "command": "a"}}, None, "schedules.Bad_Name: the name"),
        (None, {"u": {"source": "ftp:x", "post": "/u"}}, "events.u: source = 'ftp:x' is not an event source"),
        (None, {"u": {"source": "oss:b/a*b", "post": "/u"}}, "events.u: source = 'oss:b/a*b'"),
        (None, {"u": {"source": "sqs:q", "command": "x"}}, "events.u: an event runs a route"),
        (
            {"u": {"every": "1h", "command": "a"}},
            {"u": {"source": "sqs:q", "post": "/u"}},
            "schedules.u and events.u share a name",
        ),
    ],
)
def test_bad_jobs_are_errors_naming_the_entry(schedules, events, message) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_jobs(schedules, events, "pyproject.toml")
    assert message in str(raised.value)


def test_jobs_file_round_trips(tmp_path: Path) -> None:
    jobs = parse_jobs({"a": {"every": "1h", "command": "purge-done --days 7"}}, None, "p", prefix="todo")
    path = tmp_path / "bridge_jobs.json"
    path.write_text(json.dumps(jobs.document()))
    again = load_jobs(str(path))
    assert again.prefix == "todo" and again.timers["a"].command == ["purge-done", "--days", "7"]
    with pytest.raises(ConfigError, match="cannot read the jobs file"):
        load_jobs(str(tmp_path / "missing.json"))


@pytest.mark.parametrize(
    "when, fc, scf, aws",
    [
        ({"every": "1h"}, "@every 1h", "0 0 * * * * *", "rate(1 hour)"),
        ({"every": "15m"}, "@every 15m", "0 */15 * * * * *", "rate(15 minutes)"),
        ({"every": "1d"}, "@every 1d", "0 0 0 * * * *", "rate(1 day)"),
        ({"cron": "0 8 * * 1-5"}, "0 0 8 * * 1-5", "0 0 8 * * 1-5 *", "cron(0 8 ? * 2-6 *)"),
        ({"cron": "30 2 1 * *"}, "0 30 2 1 * *", "0 30 2 1 * * *", "cron(30 2 1 * ? *)"),
        ({"cron": "0 9 * * 0,6"}, "0 0 9 * * 0,6", "0 0 9 * * 0,6 *", "cron(0 9 ? * 1,7 *)"),
    ],
)
def test_cron_in_each_vendors_syntax(when: dict, fc: str, scf: str, aws: str) -> None:
    args = (when.get("cron"), when.get("every"), "schedules.x")
    assert (cron.fc_expression(*args), cron.scf_expression(*args), cron.aws_expression(*args)) == (
        fc,
        scf,
        aws,
    )


@pytest.mark.parametrize(
    "when, vendor, message",
    [
        ({"every": "7m"}, "scf", "cannot be written as a SCF cron expression"),
        ({"every": "30s"}, "fc", "at most once a minute"),
        ({"every": "90s"}, "aws", "whole minutes"),
        ({"cron": "0 8 1 * 1"}, "aws", "sets both day-of-month and day-of-week"),
    ],
)
def test_schedules_a_vendor_cannot_express_are_errors(when: dict, vendor: str, message: str) -> None:
    translate = {"fc": cron.fc_expression, "scf": cron.scf_expression, "aws": cron.aws_expression}[vendor]
    with pytest.raises(ConfigError, match=message) as raised:
        translate(when.get("cron"), when.get("every"), "schedules.x")
    assert "schedules.x" in str(raised.value)


def test_an_asgi_app_gets_the_job_request_too() -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen = []

    async def order(request):
        body = await request.json()
        seen.append((request.headers.get("x-bridge-internal"), body["message_id"]))
        return JSONResponse({"ok": True}, status_code=500 if len(seen) == 2 else 200)

    app = Starlette(routes=[Route("/internal/order", order, methods=["POST"])])
    handler = Bridge(app, jobs={"events": {"orders": {"source": "sqs:my-queue", "post": "/internal/order"}}})
    event = sample("aws-sqs.json")
    second = event["Records"][1]["messageId"]
    assert handler(event, None) == {"batchItemFailures": [{"itemIdentifier": second}]}
    assert seen == [("queue:orders", event["Records"][0]["messageId"]), ("queue:orders", second)]
    assert http_status(handler, "aws-v2", "POST", "/internal/order") == 404
    assert len(seen) == 2
