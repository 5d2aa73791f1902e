"""Issue 16: edge cases the peers learned the hard way. Each test names where its case came from."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from urllib.parse import parse_qs

import pytest
from _support import RecordingASGI, RecordingWSGI, load_event

from bridge import Bridge

START = "2020-10-12T14:00:00+02:00"  # apig-wsgi #186's value


def _with_query(name: str, value: str) -> dict:
    """A documented sample event carrying ``start=<value>`` in its decoded query map."""
    if name == "aws-apigw-v1.0-without-multi":
        event = load_event("aws-apigw-v1")
        event["version"] = "1.0"
        del event["multiValueQueryStringParameters"]
        event["queryStringParameters"] = {"start": value}
        return event
    event = load_event(name)
    if name == "aws-apigw-v1":
        event["queryStringParameters"] = {"start": value}
        event["multiValueQueryStringParameters"] = {"start": [value]}
    elif name.startswith("scf"):
        event["queryString"] = {"start": value}
    else:  # FC 3.0
        event["queryParameters"] = {"start": value}
    return event


# --- bug 1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "aws-apigw-v1",
        "aws-apigw-v1.0-without-multi",
        "scf-apigw-documented",
        "scf-function-url",
        "fc3-http-documented",
    ],
)
def test_plus_in_query_value_stays_literal(name):
    # apig-wsgi #186 and #101, fixed in its PR #187: decoded query maps are re-encoded with %2B.
    app = RecordingWSGI()
    Bridge(app)(_with_query(name, START), None)
    query = app.environ["QUERY_STRING"]
    assert "%2B" in query
    assert parse_qs(query) == {"start": [START]}  # how every form parser reads it


def test_plus_in_query_value_stays_literal_on_aws_rest_for_asgi_apps():
    app = RecordingASGI()
    Bridge(app)(_with_query("aws-apigw-v1", START), None)
    assert parse_qs(app.scope["query_string"].decode()) == {"start": [START]}


def test_plus_in_an_alb_query_value_is_still_what_the_client_sent():
    # ALB passes values through undecoded (Mangum #178): a `+` there is the client's own space.
    event = load_event("aws-alb")
    event["queryStringParameters"] = {"start": "2020-10-12T14:00:00%2B02:00", "q": "a+b"}
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert parse_qs(app.environ["QUERY_STRING"]) == {"start": [START], "q": ["a b"]}


# --- bugs 2 and 11: repeated response headers --------------------------------------------------

TWO_COOKIES = [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
ANIMALS = [("Content-Type", "application/json"), ("animal", "dog"), ("animal", "cat")]


def test_several_set_cookie_survive_on_rest_events_without_multi_value_headers():
    # Console test events and direct invokes carry no multiValueHeaders (Mangum's and
    # serverless-wsgi's captured fixtures); API Gateway reads multiValueHeaders in every response.
    event = load_event("aws-apigw-v1")
    del event["multiValueHeaders"]
    del event["multiValueQueryStringParameters"]
    result = Bridge(RecordingWSGI(headers=TWO_COOKIES))(event, None)
    assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert "headers" not in result


@pytest.mark.parametrize(
    "name,where",
    [
        ("aws-apigw-v1", "multiValueHeaders"),
        ("aws-alb-multivalue", "multiValueHeaders"),
        ("scf-apigw-documented", "headers"),
        ("scf-function-url", "headers"),
    ],
)
def test_repeated_response_headers_keep_each_value_where_the_platform_carries_several(name, where):
    # httpbin's own test of /response-headers?animal=dog&animal=cat expects ['dog', 'cat'].
    result = Bridge(RecordingWSGI(headers=ANIMALS))(load_event(name), None)
    assert result[where]["animal"] == ["dog", "cat"]


@pytest.mark.parametrize(
    "name,where", [("aws-http-v2", "headers"), ("aws-alb", "headers"), ("fc3-http-documented", "headers")]
)
def test_repeated_response_headers_are_joined_where_the_platform_has_one_value_per_name(name, where):
    result = Bridge(RecordingWSGI(headers=ANIMALS))(load_event(name), None)
    assert result[where]["animal"] == "dog,cat"


# --- bug 3 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_context", ["absent", None])
def test_rest_event_without_request_context_is_decoded(request_context):
    # Direct SDK invokes: apig-wsgi #289, Zappa PR #970.
    event = load_event("aws-apigw-v1")
    if request_context == "absent":
        del event["requestContext"]
    else:
        event["requestContext"] = None
    app = RecordingWSGI()
    result = Bridge(app)(event, None)
    assert result["statusCode"] == 200
    assert app.environ["PATH_INFO"] == "/hello/world"
    assert app.environ["REQUEST_METHOD"] == "POST"


# --- bug 4 ----------------------------------------------------------------------------------------


def test_headers_only_in_the_single_value_map_reach_the_app():
    # AWS's documented sample has Host only in `headers` (Mangum PR #229).
    event = load_event("aws-apigw-v1")
    del event["multiValueHeaders"]["Host"]
    event["headers"]["X-Only-Single"] = "yes"
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["SERVER_NAME"] == "abcdef1234.execute-api.us-east-1.amazonaws.com"
    assert app.environ["HTTP_X_ONLY_SINGLE"] == "yes"
    assert app.environ["HTTP_ACCEPT"] == event["multiValueHeaders"]["Accept"][0]


# --- bug 5 ----------------------------------------------------------------------------------------


def test_alb_event_with_single_value_query_and_multi_value_headers_keeps_the_query():
    event = load_event("aws-alb-multivalue")
    del event["multiValueQueryStringParameters"]
    event["queryStringParameters"] = {"myKey": "val2", "q": "b%20c"}
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["QUERY_STRING"] == "myKey=val2&q=b%20c"
    assert app.environ["HTTP_COOKIE"] == "name1=value1; name2=value2"


def test_alb_event_with_multi_value_query_and_single_value_headers_keeps_the_query():
    event = load_event("aws-alb")
    del event["queryStringParameters"]
    event["multiValueQueryStringParameters"] = {"myKey": ["val1", "val2"]}
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["QUERY_STRING"] == "myKey=val1&myKey=val2"
    assert app.environ["HTTP_HOST"] == "lambda-846800462-us-east-2.elb.amazonaws.com"


# --- bug 6 ----------------------------------------------------------------------------------------


def test_scf_route_that_starts_with_the_stage_name_stays_whole_on_a_custom_domain():
    event = load_event("scf-apigw-realistic")  # stage "release"
    event["path"] = "/release/notes"
    event["headers"]["host"] = "api.example.com"
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert (app.environ["SCRIPT_NAME"], app.environ["PATH_INFO"]) == ("", "/release/notes")


def test_scf_route_that_starts_with_the_stage_name_stays_whole_on_the_default_domain():
    # SCF's `path` never carries the stage (reference/tencent-scf.md §1.5): the URL is /release/release/notes.
    event = load_event("scf-apigw-realistic")
    event["path"] = "/release/notes"
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert (app.environ["SCRIPT_NAME"], app.environ["PATH_INFO"]) == ("/release", "/release/notes")


# --- bug 7 ----------------------------------------------------------------------------------------


async def _failing_lifespan_app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database down"})
        await receive()  # waits for a shutdown that never comes, as some apps do
        return
    await RecordingASGI()(scope, receive, send)


def test_failed_lifespan_startup_leaves_no_task_behind(caplog):
    handler = Bridge(_failing_lifespan_app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        results = [handler(load_event("aws-http-v2"), None) for _ in range(5)]
    assert [r["statusCode"] for r in results] == [503] * 5
    loop = handler._asgi.instance.loop
    assert [t for t in asyncio.all_tasks(loop) if not t.done()] == []


# --- bug 8 ----------------------------------------------------------------------------------------


def test_scf_function_url_captured_events_decode():
    events = load_event("scf-function-url-captured-2025")
    app = RecordingWSGI()
    handler = Bridge(app)
    assert handler(events["get"], None)["statusCode"] == 200
    assert parse_qs(app.environ["QUERY_STRING"]) == {"age": ["30"], "city": ["New York"], "name": ["John"]}
    assert app.environ["REMOTE_ADDR"] == "36.159.237.104"
    handler(events["post"], None)
    assert app.body_read == b'{"name": "John", "age": 30, "city": "New York"}'


def test_scf_function_url_base64_body_is_decoded():
    # The captured 2025 events carry isBase64Encoded; honoured as on the API Gateway trigger.
    event = load_event("scf-function-url-captured-2025")["post"]
    binary = bytes(range(256))
    event.update(body=base64.b64encode(binary).decode(), isBase64Encoded=True)
    event["headers"]["content-type"] = "application/octet-stream"
    app = RecordingWSGI()
    Bridge(app, platform="scf-url")(event, None)
    assert app.body_read == binary
    assert app.environ["CONTENT_LENGTH"] == "256"


# --- bug 10 ---------------------------------------------------------------------------------------


def test_fc3_applies_base_path_for_wsgi():
    event = load_event("fc3-http-documented")
    event["rawPath"] = "/api/items/7"
    app = RecordingWSGI()
    Bridge(app, base_path="/api")(event, None)
    assert (app.environ["SCRIPT_NAME"], app.environ["PATH_INFO"]) == ("/api", "/items/7")


def test_fc3_applies_base_path_for_asgi():
    # FastAPI's "behind a proxy" docs test reads root_path (https://fastapi.tiangolo.com/advanced/behind-a-proxy/).
    event = load_event("fc3-http-documented")
    event["rawPath"] = "/api/items/7"
    app = RecordingASGI()
    Bridge(app, base_path="/api")(event, None)
    assert (app.scope["root_path"], app.scope["path"], app.scope["raw_path"]) == (
        "/api",
        "/api/items/7",
        b"/api/items/7",
    )


# --- bug 12 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent,seen",
    [
        ("0", "0"),  # Werkzeug's and gunicorn's servers pass the client's "0" through
        (None, None),  # a bodiless GET without the header has none
        ("99", "0"),  # a stale length is replaced by the real one
    ],
)
def test_bodiless_request_content_length_is_what_the_client_sent_when_true(sent, seen):
    event = load_event("aws-http-v2")
    event["requestContext"]["http"]["method"] = "GET"
    event["body"] = ""
    event["headers"].pop("content-length", None)
    if sent is not None:
        event["headers"]["content-length"] = sent
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ.get("CONTENT_LENGTH") == seen


# --- Django's ASGI handler and lifespan -----------------------------------------------------------


def test_lifespan_auto_quietly_runs_without_lifespan_for_an_app_that_rejects_it(caplog):
    # Django's ASGIHandler raises ValueError on any scope but http; uvicorn's "auto" carries on.
    async def django_like(scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await RecordingASGI()(scope, receive, send)

    handler = Bridge(django_like)
    with caplog.at_level(logging.INFO, logger="bridge"):
        assert [handler(load_event("aws-http-v2"), None)["statusCode"] for _ in range(3)] == [200] * 3
    assert caplog.records == []
    assert handler._asgi.lifespan.supported is False


def test_json_body_of_the_result_is_serialisable():
    result = Bridge(RecordingWSGI(headers=ANIMALS))(load_event("scf-apigw-documented"), None)
    json.dumps(result)


def test_djangos_own_asgi_handler_with_lifespan_auto_logs_nothing(tmp_path):
    # Django's ASGIHandler rejects the lifespan scope; as under uvicorn's "auto", the bridge carries
    # on without lifespan, quietly (no error line per instance). Run in a process of its own:
    # Django's settings are global.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = f"""
import json, logging, sys
sys.path.insert(0, {str(root / "examples" / "django_blog")!r})
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)
logging.getLogger().addHandler(Keep(logging.WARNING))
from bridge import Bridge
handler = Bridge.django("blog_site.settings", asgi=True)
event = json.load(open({str(root / "tests" / "events" / "aws-http-v2.json")!r}))
event["requestContext"]["http"]["method"] = "GET"
statuses = [handler(event, None)["statusCode"] for _ in range(3)]
bridge_records = [r.getMessage() for r in records if r.name.startswith("bridge")]
print(json.dumps([statuses, bridge_records, handler._asgi.lifespan.supported]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    statuses, bridge_records, supported = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(set(statuses)) == 1 and statuses[0] < 500
    assert bridge_records == [] and supported is False
