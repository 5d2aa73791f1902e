"""Tencent SCF: API Gateway trigger (integrated response) and Function URL events."""

from __future__ import annotations

from _support import RecordingASGI, RecordingWSGI, load_event

from bridge import Bridge


def test_documented_apigw_event_decodes_to_the_exact_environ():
    app = RecordingWSGI()
    result = Bridge(app)(load_event("scf-apigw-documented"), {"request_id": "req-1"})
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
            "HTTP_ACCEPT_LANGUAGE",
            "HTTP_HOST",
            "SERVER_NAME",
            "CONTENT_LENGTH",
        )
    } == {
        "REQUEST_METHOD": "POST",
        # The sample's host is not a default API Gateway domain (sic "myqloud"): no stage in the URL.
        "SCRIPT_NAME": "",
        "PATH_INFO": "/test/value",
        "QUERY_STRING": "foo=bar&bob=alice",
        "REMOTE_ADDR": "10.0.2.14",  # requestContext.sourceIp, not identity.sourceIp
        "HTTP_ACCEPT_LANGUAGE": "en-US,en,cn",
        "HTTP_HOST": "service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqloud.com",
        "SERVER_NAME": "service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqloud.com",
        "CONTENT_LENGTH": "15",
    }
    assert app.body_read == b'{"test":"body"}'
    assert env["bridge.request_id"] == "req-1"


def test_stage_becomes_script_name_on_the_default_domain():
    app = RecordingWSGI()
    Bridge(app)(load_event("scf-apigw-realistic"), None)
    env = app.environ
    assert env["SCRIPT_NAME"] == "/release"
    assert env["PATH_INFO"] == "/scf/mypath"
    assert env["wsgi.url_scheme"] == "http"  # x-api-scheme
    assert env["bridge.request_id"] == "12345678906f******7cd8db0fe843dc"


def test_string_true_base64_flag_with_a_text_body_keeps_the_text():
    # The documented sample marks a non-base64 body "true" (reference/events/README.md).
    app = RecordingWSGI()
    Bridge(app)(load_event("scf-apigw-realistic"), None)
    assert app.body_read == b"{key:value}"


def test_string_false_base64_flag_is_false():
    event = load_event("scf-apigw-documented")
    event["isBase64Encoded"] = "false"
    event["body"] = "aGVsbG8="
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.body_read == b"aGVsbG8="


def test_repeated_query_keys_arrays_and_flag_keys():
    app = RecordingASGI()
    Bridge(app)(load_event("scf-apigw-repeated-query"), None)
    assert app.scope["query_string"] == b"a=b&a=c&x=y&i"
    assert app.scope["root_path"] == "/test"
    assert app.scope["path"] == "/test/ritchiechen-apigw-test"
    assert app.scope["client"] == ("8.8.8.8", 0)


def test_stage_in_url_false_keeps_the_script_name_empty():
    app = RecordingWSGI()
    Bridge(app, stage_in_url=False)(load_event("scf-apigw-realistic"), None)
    assert app.environ["SCRIPT_NAME"] == ""


def test_base_path_for_a_custom_domain_mapping():
    event = load_event("scf-apigw-documented")
    event["path"] = "/api/test/value"
    app = RecordingWSGI()
    Bridge(app, base_path="/api")(event, None)
    assert (app.environ["SCRIPT_NAME"], app.environ["PATH_INFO"]) == ("/api", "/test/value")


def test_function_url_event_uses_x_scf_remote_addr_and_the_real_body_length():
    app = RecordingWSGI()
    result = Bridge(app)(load_event("scf-function-url"), None)
    assert result["statusCode"] == 200
    env = app.environ
    assert env["REMOTE_ADDR"] == "111.206.96.145"
    assert env["PATH_INFO"] == "/"
    assert env["QUERY_STRING"] == "a=1&b=2"
    # The sample's content-length header says 17 for a 22-byte body; the app sees the real length.
    assert env["CONTENT_LENGTH"] == "22"
    assert app.body_read == b'{"test":"hello world"}'


def test_two_set_cookie_headers_survive_on_scf_as_an_array():
    app = RecordingWSGI(
        headers=[("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    )
    for name in ("scf-apigw-documented", "scf-function-url"):
        result = Bridge(app)(load_event(name), None)
        assert result == {
            "isBase64Encoded": False,
            "statusCode": 200,
            "headers": {"Content-Type": "text/plain", "Set-Cookie": ["a=1", "b=2"]},
            "body": "ok",
        }
