"""Alibaba FC 3.0 HTTP trigger: documented events in, documented response dicts out."""

from __future__ import annotations

import base64
import json

import pytest
from _support import RecordingASGI, RecordingWSGI, event_bytes, load_event

from bridge import Bridge


def test_documented_event_as_bytes_decodes_to_the_exact_environ():
    app = RecordingWSGI()
    result = Bridge(app)(event_bytes("fc3-http-documented"), None)
    assert result["statusCode"] == 200
    env = app.environ
    assert {
        k: env[k]
        for k in (
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "QUERY_STRING",
            "SERVER_NAME",
            "SERVER_PORT",
            "SERVER_PROTOCOL",
            "REMOTE_ADDR",
            "HTTP_HEADER1",
            "HTTP_HEADER2",
        )
    } == {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/example",
        # A comma-joined value stays one value (FC cannot tell a=1&a=2 from a=1,2; reference §1.2).
        "QUERY_STRING": "parameter1=value1&parameter2=value1,value2",
        # No Host header in FC's event: the addressed domain is requestContext.domainName.
        "SERVER_NAME": "<http-trigger-id>.<region-id>.fcapp.run",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "11.11.11.**",
        "HTTP_HEADER1": "value1",
        "HTTP_HEADER2": "value1,value2",
    }
    assert env["wsgi.url_scheme"] == "https"
    assert env["CONTENT_LENGTH"] == "9"
    assert app.body_read == b"Hello FC!"
    assert env["bridge.request_id"] == "1-64f6cd87-*************"
    assert env["bridge.event"]["rawPath"] == "/example"


def test_event_as_str_and_dict_are_accepted_too():
    for event in (event_bytes("fc3-http-documented").decode(), load_event("fc3-http-documented")):
        app = RecordingWSGI()
        assert Bridge(app)(event, None)["statusCode"] == 200
        assert app.environ["PATH_INFO"] == "/example"


def test_documented_event_decodes_to_the_exact_asgi_scope():
    app = RecordingASGI()
    Bridge(app)(event_bytes("fc3-http-documented"), None)
    scope = app.scope
    assert scope["type"] == "http"
    assert scope["method"] == "GET"
    assert scope["path"] == "/example"
    assert scope["raw_path"] == b"/example"
    assert scope["root_path"] == ""
    assert scope["query_string"] == b"parameter1=value1&parameter2=value1,value2"
    assert scope["headers"] == [
        (b"header1", b"value1"),
        (b"header2", b"value1,value2"),
        (b"host", b"<http-trigger-id>.<region-id>.fcapp.run"),
    ]
    assert scope["client"] == ("11.11.11.**", 0)
    assert scope["server"] == ("<http-trigger-id>.<region-id>.fcapp.run", 443)
    assert scope["scheme"] == "https"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}
    assert scope["bridge.request_id"] == "1-64f6cd87-*************"
    assert app.body_read == b"Hello FC!"


def test_captured_event_with_go_canonical_headers_and_empty_query():
    app = RecordingWSGI()
    Bridge(app)(event_bytes("fc3-http-captured"), None)
    env = app.environ
    assert env["REQUEST_METHOD"] == "POST"
    assert env["CONTENT_TYPE"] == "application/octet-stream"
    assert env["HTTP_X_FC_LOG_TYPE"] == "Tail"
    assert env["QUERY_STRING"] == ""
    assert env["REMOTE_ADDR"] == "112.10.236.5"


def test_raw_path_is_percent_decoded_into_path_info_and_kept_raw_for_asgi():
    event = load_event("fc3-http-documented")
    event["rawPath"] = "/caf%C3%A9/a%2Fb/x%20y/1+1"
    wsgi, asgi = RecordingWSGI(), RecordingASGI()
    Bridge(wsgi)(event, None)
    Bridge(asgi)(event, None)
    assert wsgi.environ["PATH_INFO"] == "/café/a/b/x y/1+1".encode().decode("latin-1")
    assert asgi.scope["path"] == "/café/a/b/x y/1+1"
    assert asgi.scope["raw_path"] == b"/caf%C3%A9/a%2Fb/x%20y/1+1"


def test_base64_body_is_decoded():
    event = load_event("fc3-http-documented")
    event["body"] = base64.b64encode(bytes(range(256))).decode()
    event["isBase64Encoded"] = True
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.body_read == bytes(range(256))


def test_response_is_the_documented_dict():
    app = RecordingWSGI(
        headers=[("Content-Type", "text/html; charset=utf-8"), ("X-A", "1"), ("X-A", "2")], body=b"<p>hi</p>"
    )
    result = Bridge(app)(event_bytes("fc3-http-documented"), None)
    assert result == {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html; charset=utf-8", "X-A": "1,2"},
        "isBase64Encoded": False,
        "body": "<p>hi</p>",
    }
    json.dumps(result)  # the runtime serialises it


def test_binary_response_is_base64():
    app = RecordingWSGI(headers=[("Content-Type", "image/png")], body=b"\x89PNG\r\n\x1a\n\x00")
    result = Bridge(app)(event_bytes("fc3-http-documented"), None)
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == b"\x89PNG\r\n\x1a\n\x00"


def test_gzip_json_response_is_base64_because_of_content_encoding():
    app = RecordingWSGI(
        headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body=b"\x1f\x8b.."
    )
    result = Bridge(app)(event_bytes("fc3-http-documented"), None)
    assert result["isBase64Encoded"] is True


COOKIES = [
    ("Content-Type", "text/plain"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
]


def test_two_set_cookie_headers_survive_on_fc3_as_case_variants_by_default():
    result = Bridge(RecordingWSGI(headers=COOKIES))(event_bytes("fc3-http-documented"), None)
    cookies = sorted(v for k, v in result["headers"].items() if k.lower() == "set-cookie")
    assert cookies == ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]
    assert all(isinstance(v, str) for v in result["headers"].values())  # map[string]string, as documented


@pytest.mark.parametrize(
    "mode,expected",
    [
        ("list", ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]),
        ("join", "a=1; Path=/, b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
    ],
)
def test_fc_multi_header_mode_is_configurable(mode, expected):
    result = Bridge(RecordingWSGI(headers=COOKIES), fc_multi_header=mode)(
        event_bytes("fc3-http-documented"), None
    )
    assert result["headers"]["Set-Cookie"] == expected
