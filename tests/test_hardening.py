"""Issue 14, items 1-6, and issue 16 bug 9: what a hostile client or a careless app can send the handler.

Every bad input gets a well-formed platform response naming what is wrong, one log line, no
traceback, and the next invocation works.
"""

from __future__ import annotations

import json
import logging

import pytest
from _support import RecordingASGI, RecordingWSGI, event_bytes, load_event
from _support import fc2_environ as _fc2_environ

from bridge import Bridge

SURROGATE = "\ud800"  # what a JSON "\ud800" escape decodes to: text that stands for no bytes


def assert_answer(result, status):
    assert isinstance(result, dict)
    assert result["statusCode"] == status
    assert "Traceback" not in result["body"]
    json.dumps(result, ensure_ascii=False).encode("utf-8")  # the platform's JSON encoder succeeds


def assert_next_invocation_works(handler):
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 200


# --- item 1: underscore header names -------------------------------------------------------------


@pytest.mark.parametrize("app_kind", ["wsgi", "asgi"])
def test_underscore_header_cannot_fold_into_x_forwarded_for_on_alb(app_kind):
    # The ALB sets x-forwarded-for; a client adds x_forwarded_for. gunicorn >= 22 drops the latter
    # (header_map="drop"); so does the bridge, so ProxyFix-style code reads only the ALB's value.
    event = load_event("aws-alb")
    event["headers"]["x-forwarded-for"] = "203.0.113.9"
    event["headers"]["x_forwarded_for"] = "6.6.6.6"
    if app_kind == "wsgi":
        app = RecordingWSGI()
        Bridge(app)(event, None)
        assert app.environ["HTTP_X_FORWARDED_FOR"] == "203.0.113.9"
        assert app.environ["REMOTE_ADDR"] == "203.0.113.9"
        assert "6.6.6.6" not in repr({k: v for k, v in app.environ.items() if k.startswith("HTTP_")})
    else:
        app = RecordingASGI()
        Bridge(app)(event, None)
        assert (b"x-forwarded-for", b"203.0.113.9") in app.scope["headers"]
        assert all(b"_" not in name for name, _ in app.scope["headers"])


@pytest.mark.parametrize(
    "name", ["fc3-http-documented", "aws-http-v2", "aws-apigw-v1", "scf-apigw-documented"]
)
def test_underscore_header_names_are_dropped_on_every_platform(name):
    event = load_event(name)
    key = "multiValueHeaders" if "multiValueHeaders" in event else "headers"
    event[key]["x_custom"] = ["1"] if key == "multiValueHeaders" else "1"
    app = RecordingWSGI()
    assert Bridge(app)(event, None)["statusCode"] == 200
    assert "HTTP_X_CUSTOM" not in app.environ or app.environ["HTTP_X_CUSTOM"] != "1"


# --- item 2: the scheme ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["javascript", "gopher://x", "ftp", "HTTPS://evil"])
@pytest.mark.parametrize(
    "name,header",
    [
        ("fc3-http-documented", "x-forwarded-proto"),
        ("aws-http-v2", "x-forwarded-proto"),
        ("aws-alb", "x-forwarded-proto"),
        ("scf-apigw-documented", "x-api-scheme"),
    ],
)
def test_scheme_is_http_or_https_only(name, header, value):
    event = load_event(name)
    event["headers"] = {k: v for k, v in event["headers"].items() if k.lower() != header}
    event["headers"][header] = value
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["wsgi.url_scheme"] in ("http", "https")


def test_scheme_header_http_is_still_honoured():
    event = load_event("aws-alb")
    event["headers"]["x-forwarded-proto"] = "HTTP"
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["wsgi.url_scheme"] == "http"


# --- item 3: CR, LF, NUL in the app's response headers ----------------------------------------------

SPLITTING = [
    ("X-Evil", "a\r\nSet-Cookie: admin=1"),
    ("X-Evil\r\nSet-Cookie", "admin=1"),
    ("X-Nul", "a\x00b"),
    ("X-Lf", "a\nb"),
]


@pytest.mark.parametrize("header", SPLITTING)
@pytest.mark.parametrize(
    "name",
    [
        "fc3-http-documented",
        "aws-http-v2",
        "aws-apigw-v1",
        "aws-alb",
        "aws-alb-multivalue",
        "scf-apigw-documented",
    ],
)
def test_response_header_with_cr_lf_or_nul_is_a_500_and_one_log_line(name, header, caplog):
    app = RecordingWSGI(headers=[("Content-Type", "text/plain"), header])
    handler = Bridge(app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(load_event(name), {"request_id": "req-crlf"})
    assert_answer(result, 500)
    assert "admin=1" not in json.dumps(result)
    assert len(caplog.records) == 1 and "req-crlf" in caplog.text
    app.headers = [("Content-Type", "text/plain")]
    assert handler(load_event(name), None)["statusCode"] == 200


@pytest.mark.parametrize("header", SPLITTING)
def test_asgi_response_header_with_cr_lf_or_nul_is_a_500(header):
    name, value = header
    app = RecordingASGI(headers=[(name.encode("latin-1"), value.encode("latin-1"))])
    result = Bridge(app)(load_event("aws-http-v2"), None)
    assert_answer(result, 500)


@pytest.mark.parametrize("header", SPLITTING)
def test_fc2_response_header_with_cr_lf_or_nul_is_a_500(header):
    started = []
    app = RecordingWSGI(headers=[("Content-Type", "text/plain"), header])
    Bridge(app)(_fc2_environ(), lambda status, headers, exc_info=None: started.append((status, headers)))
    assert started[-1][0].startswith("500")
    assert all("\n" not in name + value for name, value in started[-1][1])


# --- item 4: more Set-Cookie than a single-value map can spell ---------------------------------------


@pytest.mark.parametrize("name", ["fc3-http-documented", "aws-alb"])
def test_over_512_set_cookie_on_a_case_variant_platform_is_a_clear_error(name, caplog):
    cookies = [("Set-Cookie", f"c{i}=1") for i in range(600)]
    handler = Bridge(RecordingWSGI(headers=[("Content-Type", "text/plain")] + cookies))
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(load_event(name), None)
    assert_answer(result, 500)
    assert "600 Set-Cookie" in result["body"] and "512" in result["body"]
    assert len(caplog.records) == 1


# --- item 5: the unknown-event message -----------------------------------------------------------------


def test_unknown_event_message_escapes_the_keys_it_echoes():
    result = Bridge(RecordingWSGI())({"odd" + SURROGATE: 1, "line\r\nbreak": 2}, None)
    assert_answer(result, 400)
    result["body"].encode("utf-8")  # strict: no lone surrogate left
    assert "\\ud800" in result["body"] and "\r" not in result["body"]


# --- item 6 and bug 9: strings no server would produce ------------------------------------------------


def _mutated(name, change):
    event = load_event(name)
    change(event)
    return event


def _set_http(key, value):
    def change(event):
        event["requestContext"]["http"][key] = value

    return change


BAD_EVENTS = [
    # (id, platform sample, mutation, what the 400 names)
    ("surrogate-path-v2", "aws-http-v2", lambda e: e.update(rawPath="/a" + SURROGATE), "path"),
    ("surrogate-path-fc3", "fc3-http-documented", lambda e: e.update(rawPath="/a" + SURROGATE), "path"),
    ("surrogate-path-v1", "aws-apigw-v1", lambda e: e.update(path="/a" + SURROGATE), "path"),
    ("surrogate-path-scf", "scf-apigw-documented", lambda e: e.update(path="/a" + SURROGATE), "path"),
    (
        "surrogate-query-v2",
        "aws-http-v2",
        lambda e: e.update(rawQueryString="a=" + SURROGATE),
        "rawQueryString",
    ),
    (
        "surrogate-query-scf",
        "scf-apigw-documented",
        lambda e: e.update(queryString={"a": SURROGATE}),
        "query",
    ),
    (
        "surrogate-query-fc3",
        "fc3-http-documented",
        lambda e: e.update(queryParameters={SURROGATE: "1"}),
        "query",
    ),
    ("surrogate-query-alb", "aws-alb", lambda e: e.update(queryStringParameters={"a": SURROGATE}), "query"),
    (
        "surrogate-body-v2",
        "aws-http-v2",
        lambda e: e.update(body="x" + SURROGATE, isBase64Encoded=False),
        "body",
    ),
    ("surrogate-body-scf", "scf-apigw-realistic", lambda e: e.update(body="x" + SURROGATE), "body"),
    ("surrogate-header-value", "aws-http-v2", lambda e: e["headers"].update({"x-a": SURROGATE}), "header"),
    (
        "surrogate-header-name",
        "aws-http-v2",
        lambda e: e["headers"].update({"x-" + SURROGATE: "1"}),
        "header",
    ),
    ("non-latin1-header-name", "fc3-http-documented", lambda e: e["headers"].update({"x-中": "1"}), "header"),
    ("path-wrong-type-v1", "aws-apigw-v1", lambda e: e.update(path=["/a"]), "path"),
    ("path-wrong-type-fc3", "fc3-http-documented", lambda e: _fc3_path(e, ["/"]), "path"),
    ("path-wrong-type-fc3-http", "fc3-http-documented", lambda e: _fc3_path(e, 7), "path"),
    ("path-without-slash", "aws-http-v2", lambda e: e.update(rawPath="etc/passwd"), "'/'"),
    ("method-not-a-token", "aws-http-v2", _set_http("method", "GET /x"), "method"),
    ("method-not-latin1", "aws-apigw-v1", lambda e: e.update(httpMethod="GÉT中"), "method"),
    ("host-with-control", "aws-http-v2", lambda e: e["headers"].update(host="evil\x01.com"), "Host"),
    ("host-not-ascii", "aws-alb", lambda e: e["headers"].update(host="例子.com"), "Host"),
    ("source-ip-surrogate", "aws-http-v2", _set_http("sourceIp", "1.2.3.4" + SURROGATE), "source IP"),
    ("source-ip-newline", "fc3-http-documented", _set_http("sourceIp", "1.2.3.4\nevil"), "source IP"),
    (
        "stage-surrogate",
        "scf-apigw-realistic",
        lambda e: e["requestContext"].update(stage="r" + SURROGATE),
        "stage",
    ),
]


def _fc3_path(event, value):
    event["rawPath"] = None
    event["requestContext"]["http"]["path"] = value
    return event


@pytest.mark.parametrize("app_kind", ["wsgi", "asgi"])
@pytest.mark.parametrize("case", BAD_EVENTS, ids=[c[0] for c in BAD_EVENTS])
def test_strings_no_server_would_produce_get_400_naming_the_field(case, app_kind, caplog):
    _, name, change, needle = case
    app = RecordingWSGI() if app_kind == "wsgi" else RecordingASGI()
    handler = Bridge(app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(_mutated(name, change), {"request_id": "req-bad"})
    assert_answer(result, 400)
    assert needle in result["body"]
    assert len(caplog.records) == 1 and "req-bad" in caplog.text
    assert app.environ == {} if app_kind == "wsgi" else app.scope == {}  # never reached the app
    assert_next_invocation_works(handler)


def test_deeply_nested_json_is_a_400_not_a_recursion_error(caplog):
    event = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    handler = Bridge(RecordingWSGI())
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(event, None)
    assert_answer(result, 400)
    assert "nested" in result["body"]
    assert handler(event_bytes("fc3-http-documented"), None)["statusCode"] == 200


def test_deeply_nested_value_inside_a_known_event_is_a_400():
    inner: list = []
    for _ in range(5000):
        inner = [inner]
    event = load_event("scf-apigw-documented")
    event["queryString"] = {"a": inner}
    result = Bridge(RecordingWSGI())(event, None)
    assert_answer(result, 400)


# --- FC 2.0's environ path ----------------------------------------------------------------------------


@pytest.mark.parametrize("app_kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    "changes,needle",
    [
        ({"PATH_INFO": "/a" + SURROGATE}, "PATH_INFO"),
        ({"PATH_INFO": 7}, "environ"),
        ({"REQUEST_METHOD": "GET /x"}, "method"),
        ({"fc.request_uri": 5}, "environ"),
        ({"HTTP_X_A": 5}, "environ"),
        ({"REMOTE_ADDR": "1.2.3.4\x00"}, "source IP"),
    ],
)
def test_fc2_environ_with_bad_values_gets_a_400(changes, needle, app_kind):
    app = RecordingWSGI() if app_kind == "wsgi" else RecordingASGI()
    handler = Bridge(app)
    started = []
    body = b"".join(handler(_fc2_environ(**changes), lambda s, h, e=None: started.append(s)))
    assert started[-1].startswith("400")
    assert needle.encode() in body and b"Traceback" not in body
    body = b"".join(handler(_fc2_environ(), lambda s, h, e=None: started.append(s)))
    assert started[-1].startswith("200")


@pytest.mark.parametrize("app_kind", ["wsgi", "asgi"])
def test_fc2_raw_query_bytes_reach_the_app_percent_encoded(app_kind):
    # A raw 0xff byte in the query (latin-1 "ÿ" in the environ) crashes Werkzeug's and Starlette's
    # query parsers; the ASGI spec promises a percent-encoded query_string (found by the fuzz suite).
    app = RecordingWSGI() if app_kind == "wsgi" else RecordingASGI()
    Bridge(app)(_fc2_environ(QUERY_STRING="a=\xff&b=%41"), lambda s, h, e=None: None)
    if app_kind == "wsgi":
        assert app.environ["QUERY_STRING"] == "a=%FF&b=%41"
    else:
        assert app.scope["query_string"] == b"a=%FF&b=%41"


def test_non_ascii_raw_query_of_an_http_api_event_is_percent_encoded():
    event = load_event("aws-http-v2")
    event["rawQueryString"] = "q=中"
    app = RecordingASGI()
    Bridge(app)(event, None)
    assert app.scope["query_string"] == b"q=%E4%B8%AD"


@pytest.mark.parametrize(
    "name", ["fc3-http-documented", "aws-http-v2", "aws-apigw-v1", "scf-apigw-documented"]
)
def test_a_request_id_that_is_not_text_is_ignored(name):
    # Found by make fuzz: a deeply nested requestId became bridge.request_id and broke log lines.
    nested: dict = {}
    for _ in range(5000):
        nested = {"k": nested}
    event = load_event(name)
    event["requestContext"]["requestId"] = nested
    app = RecordingASGI()
    assert Bridge(app)(event, None)["statusCode"] == 200
    assert isinstance(app.scope["bridge.request_id"], str)
