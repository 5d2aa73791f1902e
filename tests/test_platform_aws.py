"""AWS Lambda: API Gateway REST (v1) and HTTP API payload 1.0, HTTP API 2.0 / Function URL, ALB."""

from __future__ import annotations

import base64

from _support import RecordingASGI, RecordingWSGI, load_event

from bridge import Bridge

COOKIE_APP_HEADERS = [
    ("Content-Type", "text/plain"),
    ("Set-Cookie", "a=1"),
    ("Set-Cookie", "b=2"),
    ("X-A", "1"),
    ("X-A", "2"),
]


class Context:
    aws_request_id = "aws-req-1"
    function_name = "fn"

    def get_remaining_time_in_millis(self) -> int:
        return 30000


def test_rest_v1_event_decodes_with_the_stage_as_script_name():
    app = RecordingWSGI()
    result = Bridge(app)(load_event("aws-apigw-v1"), Context())
    assert result["statusCode"] == 200
    env = app.environ
    assert {
        k: env[k]
        for k in (
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "QUERY_STRING",
            "REMOTE_ADDR",
            "CONTENT_TYPE",
            "HTTP_X_CUSTOM",
            "HTTP_COOKIE",
            "SERVER_NAME",
            "SERVER_PORT",
        )
    } == {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "/prod",
        "PATH_INFO": "/hello/world",
        "QUERY_STRING": "name=me&name=you&pet=dog",  # the lossless multi-value map
        "REMOTE_ADDR": "203.0.113.10",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_X_CUSTOM": "first,second",
        "HTTP_COOKIE": "a=1; b=2",
        "SERVER_NAME": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "SERVER_PORT": "443",
    }
    assert env["wsgi.url_scheme"] == "https"
    assert env["bridge.request_id"] == "aws-req-1"  # the invocation's id, which Lambda's log lines carry
    assert app.body_read == b"field=value"


def test_rest_v1_response_uses_multi_value_headers():
    result = Bridge(RecordingWSGI(headers=COOKIE_APP_HEADERS))(load_event("aws-apigw-v1"), Context())
    assert result == {
        "statusCode": 200,
        "multiValueHeaders": {
            "Content-Type": ["text/plain"],
            "Set-Cookie": ["a=1", "b=2"],
            # Every repeated header keeps its values apart where the format can (issue 16, bug 11).
            "X-A": ["1", "2"],
        },
        "isBase64Encoded": False,
        "body": "ok",
    }


def test_rest_v1_on_a_custom_domain_has_no_stage_prefix():
    event = load_event("aws-apigw-v1")
    event["headers"]["Host"] = event["multiValueHeaders"]["Host"][0] = "api.example.com"
    app = RecordingWSGI()
    Bridge(app)(event, Context())
    assert app.environ["SCRIPT_NAME"] == ""


def test_http_api_v2_event_decodes_to_the_exact_scope():
    app = RecordingASGI()
    Bridge(app)(load_event("aws-http-v2"), Context())
    scope = app.scope
    assert scope["method"] == "POST"
    assert scope["path"] == "/my/path"
    assert scope["root_path"] == ""
    assert scope["query_string"] == b"parameter1=value1&parameter1=value2&parameter2=value"
    assert scope["headers"] == [
        (b"header1", b"value1"),
        (b"header2", b"value1,value2"),
        (b"cookie", b"cookie1; cookie2"),
    ]
    assert scope["client"] == ("192.0.2.1", 0)
    assert scope["bridge.request_id"] == "aws-req-1"
    assert app.body_read == b"Hello from Lambda"


def test_http_api_v2_keeps_the_trailing_slash_of_raw_path():
    event = load_event("aws-http-v2")
    event["rawPath"] = "/my/path/"
    event["requestContext"]["http"]["path"] = "/my/path"
    app = RecordingWSGI()
    Bridge(app)(event, Context())
    assert app.environ["PATH_INFO"] == "/my/path/"


def test_http_api_v2_named_stage_moves_from_raw_path_into_script_name():
    event = load_event("aws-http-v2")
    event["requestContext"]["stage"] = "dev"
    event["rawPath"] = "/dev/my/path"
    app = RecordingWSGI()
    Bridge(app)(event, Context())
    assert (app.environ["SCRIPT_NAME"], app.environ["PATH_INFO"]) == ("/dev", "/my/path")


def test_two_set_cookie_headers_survive_on_aws_v2_as_cookies():
    result = Bridge(RecordingWSGI(headers=COOKIE_APP_HEADERS))(load_event("aws-http-v2"), Context())
    assert result == {
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain", "X-A": "1,2"},
        "cookies": ["a=1", "b=2"],
        "isBase64Encoded": False,
        "body": "ok",
    }


def test_alb_single_value_event_keeps_query_values_encoded_once():
    app = RecordingWSGI()
    Bridge(app)(load_event("aws-alb"), Context())
    env = app.environ
    assert env["QUERY_STRING"] == "myKey=val2&q=b%20c"
    assert env["REMOTE_ADDR"] == "72.21.198.66"
    assert env["wsgi.url_scheme"] == "https"
    assert env["bridge.request_id"] == "aws-req-1"


def test_alb_multi_value_event_and_response():
    app = RecordingWSGI(headers=COOKIE_APP_HEADERS)
    result = Bridge(app)(load_event("aws-alb-multivalue"), Context())
    assert app.environ["QUERY_STRING"] == "myKey=val1&myKey=val2&q=b%20c"
    assert app.environ["HTTP_COOKIE"] == "name1=value1; name2=value2"
    assert result == {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "multiValueHeaders": {
            "Content-Type": ["text/plain"],
            "Set-Cookie": ["a=1", "b=2"],
            # Every repeated header keeps its values apart where the format can (issue 16, bug 11).
            "X-A": ["1", "2"],
        },
        "isBase64Encoded": False,
        "body": "ok",
    }


def test_two_set_cookie_headers_survive_on_alb_single_value_as_case_variants():
    result = Bridge(RecordingWSGI(headers=COOKIE_APP_HEADERS))(load_event("aws-alb"), Context())
    headers = result["headers"]
    assert sorted(v for k, v in headers.items() if k.lower() == "set-cookie") == ["a=1", "b=2"]
    assert [v for k, v in headers.items() if k.lower() == "x-a"] == ["1,2"]  # RFC 9110 §5.3
    assert "multiValueHeaders" not in result


def test_binary_request_and_response_bodies_round_trip():
    event = load_event("aws-http-v2")
    payload = bytes(range(256)) * 4
    event["body"] = base64.b64encode(payload).decode()
    event["isBase64Encoded"] = True
    app = RecordingWSGI(headers=[("Content-Type", "application/octet-stream")], body=payload[::-1])
    result = Bridge(app)(event, Context())
    assert app.body_read == payload
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == payload[::-1]
