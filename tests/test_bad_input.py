"""Bad input gets a clear, well-formed error response, never a crash; the next invocation works."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from _support import EVENTS, RecordingWSGI, event_bytes, load_event

from bridge import Bridge, HTTPResponse


def assert_platform_error(result, status):
    assert isinstance(result, dict)
    assert result["statusCode"] == status
    assert isinstance(result["body"], str)
    assert "Traceback" not in result["body"]
    json.dumps(result)


@pytest.mark.parametrize(
    "event",
    [
        event_bytes("fc3-http-documented")[:50],  # truncated JSON
        b"\xff\xfe not json",
        "[1, 2, 3]",  # JSON, but not an object
        12345,
    ],
)
def test_malformed_events_get_400_naming_what_is_wrong(event, caplog):
    handler = Bridge(RecordingWSGI())
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(event, {"request_id": "req-9"})
    assert_platform_error(result, 400)
    assert "event" in result["body"]
    assert len(caplog.records) == 1 and "req-9" in caplog.text
    assert handler(event_bytes("fc3-http-documented"), None)["statusCode"] == 200


@pytest.mark.parametrize(
    "name,mutate,needle",
    [
        ("fc3-http-documented", lambda e: e["requestContext"]["http"].pop("method"), "method"),
        ("fc3-http-documented", lambda e: e.__setitem__("headers", ["not", "a", "map"]), "headers"),
        ("fc3-http-documented", lambda e: e.__setitem__("queryParameters", "a=1"), "query"),
        ("aws-http-v2", lambda e: e.__setitem__("cookies", "a=1"), "cookies"),
        ("aws-http-v2", lambda e: e.__setitem__("body", {"a": 1}), "body"),
        ("aws-apigw-v1", lambda e: e.__setitem__("httpMethod", None), "httpMethod"),
        ("scf-apigw-documented", lambda e: e.__setitem__("path", 7), "path"),
        ("aws-alb", lambda e: e.update(body="!!notbase64", isBase64Encoded=True), "base64"),
    ],
)
def test_wrong_types_and_missing_fields_get_400_in_the_platform_format(name, mutate, needle):
    event = load_event(name)
    mutate(event)
    result = Bridge(RecordingWSGI())(event, None)
    assert_platform_error(result, 400)
    assert needle in result["body"]


def test_events_of_unsupported_platforms_name_what_was_expected():
    unknown = {"method": "GET", "url": "/", "headers": {}}  # an HTTP request in no platform's shape
    result = Bridge(RecordingWSGI())(unknown, None)
    assert_platform_error(result, 400)
    assert "Expected one of" in result["body"] and "on_event" in result["body"]


def test_non_http_events_go_to_the_on_event_hook():
    timer = {"Type": "Timer", "TriggerName": "nightly", "Time": "2026-11-21T00:00:00Z", "Message": ""}
    seen = []
    handler = Bridge(RecordingWSGI(), on_event=lambda event, context: seen.append(event) or "done")
    assert handler(timer, None) == "done"
    assert seen == [timer]


def test_forced_platform_rejects_other_platforms_events():
    result = Bridge(RecordingWSGI(), platform="scf")(load_event("aws-http-v2"), None)
    assert_platform_error(result, 400)
    assert "platform='scf'" in result["body"] and "AWS HTTP API" in result["body"]
    assert (
        Bridge(RecordingWSGI(), platform="scf")(load_event("scf-apigw-documented"), None)["statusCode"] == 200
    )


@pytest.mark.parametrize("when", ["before", "during", "after"])
def test_a_wsgi_app_that_raises_gets_500_without_traceback_and_one_log_line(when, caplog):
    def app(environ, start_response):
        if when == "before":
            raise KeyError("secret-detail")
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body():
            yield b"partial"
            raise KeyError("secret-detail")

        return body() if when == "during" else iter([b"ok"] if False else [])

    if when == "after":

        def app(environ, start_response):  # noqa: F811 - raises from close(), after the body
            start_response("200 OK", [("Content-Type", "text/plain")])

            class Result(list):
                def close(self):
                    raise KeyError("secret-detail")

            return Result([b"ok"])

    handler = Bridge(app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(load_event("aws-http-v2"), {"request_id": "req-77"})
    assert_platform_error(result, 500)
    assert result["body"] == "Internal Server Error"
    assert "secret-detail" not in result["body"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "req-77" in caplog.text and "KeyError" in caplog.text and "\n" not in errors[0].getMessage()
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 500  # still answering


def test_debug_shows_the_traceback():
    def app(environ, start_response):
        raise ValueError("visible in debug")

    result = Bridge(app, debug=True)(load_event("aws-http-v2"), None)
    assert (
        result["statusCode"] == 500 and "Traceback" in result["body"] and "visible in debug" in result["body"]
    )


def test_a_response_over_the_platform_limit_is_a_clear_502():
    app = RecordingWSGI(
        headers=[("Content-Type", "application/octet-stream")], body=b"\0" * (5 * 1024 * 1024)
    )
    result = Bridge(app)(load_event("aws-http-v2"), None)  # base64 makes it ~6.7 MB > 6 MB
    assert_platform_error(result, 502)
    assert "6 MB" in result["body"]
    small = Bridge(RecordingWSGI())(load_event("aws-http-v2"), None)
    assert small["statusCode"] == 200


def test_alb_limit_is_one_megabyte():
    app = RecordingWSGI(headers=[("Content-Type", "text/plain")], body=b"x" * (2 * 1024 * 1024))
    result = Bridge(app)(load_event("aws-alb"), None)
    assert_platform_error(result, 502)
    assert "1 MB" in result["body"]


def test_head_204_and_304_responses_have_no_body():
    for status in ("204 No Content", "304 Not Modified"):
        app = RecordingWSGI(status=status, body=b"should not be sent")
        assert Bridge(app)(load_event("aws-http-v2"), None)["body"] == ""
    event = load_event("aws-http-v2")
    event["requestContext"]["http"]["method"] = "HEAD"
    result = Bridge(RecordingWSGI(headers=[("Content-Type", "text/plain"), ("Content-Length", "2")]))(
        event, None
    )
    assert result["body"] == "" and result["headers"]["Content-Length"] == "2"


def test_hooks_run_around_each_invocation_and_can_answer():
    handler = Bridge(RecordingWSGI())
    calls = []
    handler.on_cold_start(lambda context: calls.append("cold"))

    @handler.before_invocation
    def block(request):
        calls.append(f"before {request.path}")
        if request.path == "/blocked":
            return HTTPResponse(403, [("Content-Type", "text/plain")], b"no")
        return None

    @handler.after_invocation
    def tag(request, response):
        response.headers.append(("X-Served-By", "bridge"))

    handler.on_shutdown(lambda: calls.append("shutdown"))
    event = load_event("aws-http-v2")
    assert handler(event, None)["headers"]["X-Served-By"] == "bridge"
    event["rawPath"] = "/blocked"
    assert handler(event, None)["statusCode"] == 403
    handler.pre_stop()
    assert calls == ["cold", "before /my/path", "before /blocked", "shutdown"]


def test_wsgi_close_is_always_called_and_write_works():
    closed = []

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written-")

        class Result(list):
            def close(self):
                closed.append(True)

        return Result([b"iterated"])

    assert Bridge(app)(load_event("aws-http-v2"), None)["body"] == "written-iterated"
    assert closed == [True]


def test_exc_info_replaces_a_started_response():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise RuntimeError("late")
        except RuntimeError:
            import sys as _sys

            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], _sys.exc_info())
        return [b"error page"]

    result = Bridge(app)(load_event("aws-http-v2"), None)
    assert (result["statusCode"], result["body"]) == (500, "error page")


def test_import_bridge_loads_no_framework_asyncio_yaml_or_logging():
    code = (
        "import sys, bridge; "
        "heavy = ('asyncio', 'flask', 'django', 'fastapi', 'starlette', 'yaml', 'logging', 'typing'); "
        "print(sorted(m for m in heavy "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {sys.path!r}; {code}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[]"


EVENT_FILE = str(EVENTS / "aws-http-v2.json")


def test_asgi_machinery_loads_only_for_asgi_apps():
    code = (
        "import sys, json; from bridge import Bridge; "
        "from flask import Flask; app = Flask('x'); app.route('/')(lambda: 'ok'); "
        f"h = Bridge(app); h(json.load(open({EVENT_FILE!r})), None); "
        "print('bridge.runners.asgi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
