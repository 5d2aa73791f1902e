"""The platform emulators send what the platforms document, and read answers as their gateways do.

Shapes are checked against the documented sample events in ``tests/events`` (sources in its
README); the decoding here is deliberately naive, independent of the core's decoders.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Dict

import pytest
from _support import load_event

from bridge._errors import ConfigError
from bridge.emulators import PLATFORM_NAMES, GatewayRequest, get_emulator
from bridge.emulators.fc import go_canonical_header
from bridge.emulators.fc2 import WSGIResult
from bridge.emulators.scf_url import DROPPED_KEYS

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
TRICKY_TARGET = "/caf%C3%A9/a%2Fb/c+d/%E4%BD%A0?a=1&a=2&flag&empty=&sp=x+y%20z&enc=%2F%26"


def tricky_request(**changes: Any) -> GatewayRequest:
    fields: Dict[str, Any] = dict(
        method="POST",
        target=TRICKY_TARGET,
        headers=[
            ("Host", "127.0.0.1:9000"),
            ("User-Agent", "pytest/1"),
            ("accept-encoding", "gzip"),
            ("X-Rep", "one"),
            ("x-rep", "two"),
            ("Cookie", "a=1; b=2"),
            ("Content-Type", "application/json"),
        ],
        body='{"name": "café"}'.encode(),
        client=("203.0.113.7", 51000),
    )
    fields.update(changes)
    return GatewayRequest(**fields)


def event_of(name: str, request: GatewayRequest, **options: Any) -> Any:
    event, _ = get_emulator(name, **options).build_event(request, request_id="req-1")
    return json.loads(event) if isinstance(event, bytes) else event


def types_of(mapping: Dict[str, Any]) -> Dict[str, type]:
    return {key: type(value) for key, value in mapping.items()}


# -- the registry --------------------------------------------------------------------------------


def test_every_platform_name_has_an_emulator_of_that_name():
    assert set(PLATFORM_NAMES) == {
        *("fc", "fc2", "scf", "scf-url", "aws-v1", "aws-v2", "alb", "huawei", "azure", "gcf"),
        *("openwhisk", "fn", "openfaas", "fission", "kubeless"),
    }
    for name in PLATFORM_NAMES:
        assert get_emulator(name).name == name


def test_unknown_platform_and_unknown_option_are_config_errors():
    with pytest.raises(ConfigError, match="unknown platform"):
        get_emulator("gcp")
    with pytest.raises(ConfigError, match="does not take"):
        get_emulator("fc", multi_value=True)


def test_options_set_to_none_mean_the_default_on_every_platform():
    for name in PLATFORM_NAMES:
        get_emulator(name, stage=None, multi_value=None, base64_all=None)


# -- FC 3.0 --------------------------------------------------------------------------------------


def test_fc_event_is_json_bytes_shaped_like_the_documented_sample():
    sample = load_event("fc3-http-documented")
    raw, context = get_emulator("fc").build_event(tricky_request(), request_id="req-1")
    assert isinstance(raw, bytes)
    event = json.loads(raw)
    assert types_of(event) == types_of(sample)
    assert types_of(event["requestContext"]) == types_of(sample["requestContext"])
    assert types_of(event["requestContext"]["http"]) == types_of(sample["requestContext"]["http"])
    assert isinstance(event["requestContext"]["timeEpoch"], str)
    assert context.request_id == "req-1"
    assert context.function.name and context.function.handler and context.function.memory and context.region


def test_fc_raw_path_stays_encoded_and_http_path_is_decoded():
    event = event_of("fc", tricky_request())
    assert event["rawPath"] == "/caf%C3%A9/a%2Fb/c+d/%E4%BD%A0"
    assert event["requestContext"]["http"]["path"] == "/café/a/b/c+d/你"


def test_fc_query_parameters_are_decoded_and_repeats_comma_joined():
    event = event_of("fc", tricky_request())
    assert event["queryParameters"] == {"a": "1,2", "flag": "", "empty": "", "sp": "x y z", "enc": "/&"}
    assert event_of("fc", tricky_request(target="/"))["queryParameters"] == {}


def test_fc_headers_are_go_canonical_comma_joined_and_without_host():
    headers = event_of("fc", tricky_request())["headers"]
    assert headers["Accept-Encoding"] == "gzip"
    assert headers["X-Rep"] == "one,two"
    assert headers["Cookie"] == "a=1; b=2"
    assert "Host" not in headers and "host" not in headers
    assert go_canonical_header("x-fc-request-id") == "X-Fc-Request-Id"
    assert go_canonical_header("bad header") == "bad header"


def test_fc_escapes_html_characters_like_go_json():
    raw, _ = get_emulator("fc").build_event(tricky_request(body=b'{"x": "<a&b>"}'), request_id="r")
    assert b"\\u003ca\\u0026b\\u003e" in raw
    assert json.loads(raw)["body"] == '{"x": "<a&b>"}'


def test_fc_client_ip_and_host_are_in_request_context():
    context = event_of("fc", tricky_request())["requestContext"]
    assert context["http"]["sourceIp"] == "203.0.113.7"
    assert context["domainName"] == "127.0.0.1:9000"
    assert context["http"]["userAgent"] == "pytest/1"


def test_fc_binary_body_is_base64_and_text_is_not():
    binary = event_of("fc", tricky_request(headers=[("Content-Type", "image/png")], body=PNG))
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == PNG
    text = event_of("fc", tricky_request())
    assert text["isBase64Encoded"] is False and text["body"] == '{"name": "café"}'
    everything = event_of("fc", tricky_request(), base64_all=True)
    assert everything["isBase64Encoded"] is True
    assert base64.b64decode(everything["body"]).decode() == '{"name": "café"}'


def test_fc_documented_response_becomes_http():
    response = get_emulator("fc").to_http(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain"},
            "isBase64Encoded": False,
            "body": "hi",
        },
        tricky_request(),
    )
    assert (response.status, response.header("content-type"), response.body) == (201, "text/plain", b"hi")


def test_fc_list_header_value_becomes_repeated_headers():
    result = {"statusCode": 200, "headers": {"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]}, "body": ""}
    response = get_emulator("fc").to_http(result, tricky_request())
    assert response.header_values("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_fc_base64_response_is_decoded():
    result = {"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(PNG).decode()}
    assert get_emulator("fc").to_http(result, tricky_request()).body == PNG


@pytest.mark.parametrize(
    "result",
    ["hello", {"body": "no status"}, {"statusCode": "200"}, {"statusCode": 200, "headers": {"X": 1}}],
)
def test_fc_result_without_a_valid_status_code_is_a_502_that_says_why(result):
    response = get_emulator("fc").to_http(result, tricky_request())
    assert response.status == 502
    assert response.reason
    assert json.loads(response.body)["ErrorMessage"]


def test_fc_rejects_x_fc_headers_long_urls_big_headers_and_unconfigured_methods():
    fc = get_emulator("fc", methods=["GET", "POST"])
    assert fc.check_request(tricky_request()) is None
    assert fc.check_request(tricky_request(headers=[("X-Fc-Request-Id", "forged")])).status == 400
    assert fc.check_request(tricky_request(target="/" + "a" * 4096)).status == 400
    assert fc.check_request(tricky_request(headers=[("X-Big", "v" * 8200)])).status == 400
    rejected = fc.check_request(tricky_request(method="DELETE"))
    assert rejected.status == 405 and "DELETE" in rejected.reason


def test_fc_rejects_a_body_over_32_mb():
    response = get_emulator("fc").check_request(tricky_request(body=b"x" * (32 * 1024 * 1024 + 1)))
    assert response.status == 413 and "33554432" in response.reason


# -- FC 2.0 --------------------------------------------------------------------------------------


def test_fc2_environ_strips_the_proxy_prefix_from_path_info_and_keeps_it_in_request_uri():
    fc2 = get_emulator("fc2", service_name="svc", function_name="fn")
    target = "/2016-08-15/proxy/svc/fn/caf%C3%A9/x?a=1&a=2"
    request = tricky_request(target=target)
    assert fc2.check_request(request) is None
    environ, context = fc2.build_event(request, request_id="req-1")
    assert environ["PATH_INFO"] == "/café/x".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "a=1&a=2"
    assert environ["fc.request_uri"] == target
    assert environ["fc.context"] is context and context.request_id == "req-1"
    assert context.service.name == "svc" and context.function.name == "fn"
    assert environ["REMOTE_ADDR"] == "203.0.113.7"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["HTTP_X_REP"] == "one,two"
    assert environ["wsgi.input"].read() == '{"name": "café"}'.encode()


def test_fc2_serves_bare_paths_on_a_custom_domain_and_rejects_them_on_the_default_one():
    request = tricky_request(target="/x")
    assert get_emulator("fc2").check_request(request).status == 404
    custom = get_emulator("fc2", custom_domain=True)
    assert custom.check_request(request) is None
    assert custom.build_event(request, request_id="r")[0]["PATH_INFO"] == "/x"


def test_fc2_invoke_runs_the_wsgi_handler_and_forces_attachment_on_the_default_domain():
    def app(environ, start_response):
        start_response("201 Created", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        return [b"made ", environ["PATH_INFO"].encode("latin-1")]

    fc2 = get_emulator("fc2")
    response = fc2.invoke(app, tricky_request(target=fc2.url_prefix + "/thing"), request_id="r")
    assert response.status == 201 and response.body == b"made /thing"
    assert response.header_values("set-cookie") == ["a=1", "b=2"]
    assert response.header("content-disposition") == "attachment"
    custom = get_emulator("fc2", custom_domain=True).to_http(WSGIResult("200 OK", [], b""), tricky_request())
    assert custom.header("content-disposition") is None


# -- SCF API Gateway -----------------------------------------------------------------------------


def test_scf_event_has_the_documented_keys_and_types():
    documented = load_event("scf-apigw-documented")
    realistic = load_event("scf-apigw-realistic")
    event = event_of("scf", tricky_request())
    assert set(documented) <= set(event) <= set(documented) | set(realistic)
    assert set(event["requestContext"]) == set(documented["requestContext"])
    for key in documented:
        assert type(event[key]) is type(documented[key]), key
    assert all(isinstance(value, str) for value in event["headers"].values())


def test_scf_query_string_has_lists_for_repeats_and_true_for_flags():
    sample = load_event("scf-apigw-repeated-query")["queryString"]
    query = event_of("scf", tricky_request())["queryString"]
    assert [type(v) for v in (query["a"], query["flag"])] == [type(sample["a"]), type(sample["i"])]
    assert query == {"a": ["1", "2"], "flag": True, "empty": "", "sp": "x y z", "enc": "/&"}


def test_scf_release_stage_serves_under_the_stage_with_the_default_domain_host():
    scf = get_emulator("scf", stage="release")
    request = tricky_request(target="/release/api/x?q=1")
    assert scf.check_request(request) is None
    event, context = scf.build_event(request, request_id="req-1")
    assert event["path"] == "/api/x"
    assert event["requestContext"]["stage"] == "release"
    assert event["headers"]["host"].endswith(".apigw.tencentcs.com")
    assert event["requestContext"]["sourceIp"] == "203.0.113.7"
    assert context["request_id"] == "req-1" and context["time_limit_in_ms"] and context["function_name"]
    assert scf.check_request(tricky_request(target="/api/x")).status == 404


@pytest.mark.parametrize(
    ("name", "stage", "target", "host_of"),
    [
        ("scf", "release", "/release/api/x", lambda event: event["headers"]["host"]),
        ("aws-v1", "prod", "/prod/api/x", lambda event: event["headers"]["Host"]),
        ("aws-v2", "dev", "/dev/api/x", lambda event: event["headers"]["host"]),
    ],
)
def test_keep_host_sends_the_clients_host_under_a_stage(name, stage, target, host_of):
    # `bridge serve`: the client's URL is http://127.0.0.1:9000/<stage>/..., so that is the domain.
    event = event_of(name, tricky_request(target=target), stage=stage, keep_host=True)
    assert host_of(event) == "127.0.0.1:9000"
    assert event["requestContext"]["stage"] == stage
    assert event["requestContext"].get("domainName", "127.0.0.1:9000") == "127.0.0.1:9000"
    default_domain = event_of(name, tricky_request(target=target), stage=stage)
    assert host_of(default_domain) != "127.0.0.1:9000"


def test_scf_custom_domain_form_keeps_the_path_and_the_real_host():
    event = event_of("scf", tricky_request(target="/api/x"))
    assert event["path"] == "/api/x"
    assert event["headers"]["host"] == "127.0.0.1:9000"
    assert event["requestContext"]["stage"] == "release"


def test_scf_headers_are_lower_cased_with_platform_headers():
    headers = event_of("scf", tricky_request())["headers"]
    assert headers["x-rep"] == "one,two"
    assert headers["requestsource"] == "APIGW"
    assert headers["x-api-requestid"] == "req-1"
    assert headers["x-api-scheme"] == "http"
    assert all(name == name.lower() for name in headers)


def test_scf_binary_upload_needs_the_base64_setting():
    request = tricky_request(headers=[("Content-Type", "image/png")], body=PNG)
    mangled = event_of("scf", request)
    assert mangled["isBase64Encoded"] is False and "\ufffd" in mangled["body"]
    encoded = event_of("scf", request, base64_all=True)
    assert encoded["isBase64Encoded"] is True and base64.b64decode(encoded["body"]) == PNG
    by_rule = event_of("scf", request, base64_rules=[("Content_Type", ["image/"])])
    assert by_rule["isBase64Encoded"] is True
    as_string = event_of("scf", request, base64_all=True, string_booleans=True)
    assert as_string["isBase64Encoded"] == "true"


def test_two_set_cookie_headers_survive_on_scf():
    result = {
        "isBase64Encoded": False,
        "statusCode": 200,
        "headers": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "x",
    }
    response = get_emulator("scf").to_http(result, tricky_request())
    assert response.header_values("set-cookie") == ["a=1", "b=2"]


def test_scf_accepts_the_string_true_for_is_base64_encoded():
    result = {
        "isBase64Encoded": "true",
        "statusCode": 200,
        "headers": {},
        "body": base64.b64encode(PNG).decode(),
    }
    assert get_emulator("scf").to_http(result, tricky_request()).body == PNG
    result = {"isBase64Encoded": "false", "statusCode": 200, "headers": {}, "body": "plain"}
    assert get_emulator("scf").to_http(result, tricky_request()).body == b"plain"


@pytest.mark.parametrize("result", ["text", {"body": "x"}, {"statusCode": 200, "headers": {"n": 1}}])
def test_scf_invalid_integrated_response_is_the_errno_403(result):
    response = get_emulator("scf").to_http(result, tricky_request())
    assert response.status == 403
    assert json.loads(response.body) == {
        "errno": 403,
        "error": "Invalid scf response format. please check your scf response format.",
    }
    assert response.reason


def test_scf_rejects_x_scf_headers_and_events_over_6_mb():
    scf = get_emulator("scf")
    assert scf.check_request(tricky_request(headers=[("X-Scf-Request-Id", "x")])).status == 400
    big = tricky_request(headers=[("Content-Type", "image/png")], body=b"\0" * (5 * 1024 * 1024))
    assert get_emulator("scf", base64_all=True).check_request(big).status == 413  # 5 MB is 6.7 MB in base64
    assert scf.check_request(tricky_request(body=b"x" * 1024)) is None


def test_scf_function_error_is_http_200_with_the_error_body():
    response = get_emulator("scf").error_response("boom")
    assert response.status == 200 and json.loads(response.body)["errorMessage"] == "boom"


# -- SCF Function URL ----------------------------------------------------------------------------


def test_scf_url_event_is_the_apigw_event_minus_the_dropped_keys():
    sample = load_event("scf-function-url")
    event = event_of("scf-url", tricky_request())
    assert set(event) == set(sample)
    assert not set(DROPPED_KEYS) & set(event)
    assert types_of(event) == types_of(sample)
    assert event["headers"]["x-scf-remote-addr"] == "203.0.113.7"
    assert event["queryString"]["a"] == ["1", "2"] and event["queryString"]["flag"] is True


def test_scf_url_names_the_scheme_only_for_plain_http():
    # Function URLs are HTTPS only, and their events name no scheme; the local gateway is plain HTTP.
    assert event_of("scf-url", tricky_request())["headers"]["x-api-scheme"] == "http"
    assert "x-api-scheme" not in event_of("scf-url", tricky_request(scheme="https"))["headers"]


def test_scf_url_rejects_a_forged_remote_addr_header():
    forged = tricky_request(headers=[("X-Scf-Remote-Addr", "1.2.3.4")])
    assert get_emulator("scf-url").check_request(forged).status == 400


def test_scf_url_infers_a_json_200_when_there_is_no_status_code():
    response = get_emulator("scf-url").to_http({"message": "hi"}, tricky_request())
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert json.loads(response.body) == {"message": "hi"}


def test_scf_url_reads_a_full_response_like_apigw():
    result = {"statusCode": 404, "headers": {"Content-Type": "text/plain", "X": ["1", "2"]}, "body": "nope"}
    response = get_emulator("scf-url").to_http(result, tricky_request())
    assert (response.status, response.body, response.header_values("x")) == (404, b"nope", ["1", "2"])


# -- AWS API Gateway REST (v1) -------------------------------------------------------------------


def test_aws_v1_event_has_the_sample_keys_and_types():
    sample = load_event("aws-apigw-v1")
    event = event_of("aws-v1", tricky_request(), stage="prod")
    assert set(event) == set(sample)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    for key in ("headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters"):
        assert type(event[key]) is type(sample[key]), key
    assert all(isinstance(v, list) for v in event["multiValueHeaders"].values())


def test_aws_v1_stage_is_in_the_url_and_request_context_but_not_in_path():
    v1 = get_emulator("aws-v1", stage="prod")
    request = tricky_request(target="/prod/hello/world?name=me&name=you")
    assert v1.check_request(request) is None
    event, context = v1.build_event(request, request_id="req-1")
    assert event["path"] == "/hello/world"
    assert event["requestContext"]["path"] == "/prod/hello/world"
    assert event["requestContext"]["stage"] == "prod"
    assert event["headers"]["Host"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "hello/world"}
    assert event["queryStringParameters"] == {"name": "you"}
    assert event["multiValueQueryStringParameters"] == {"name": ["me", "you"]}
    assert context.aws_request_id == "req-1" and context.get_remaining_time_in_millis() > 0
    assert v1.check_request(tricky_request(target="/hello")).status == 403


def test_aws_v1_repeated_headers_keep_all_values_in_multi_value_headers():
    event = event_of("aws-v1", tricky_request())
    assert event["multiValueHeaders"]["X-Rep"] == ["one", "two"]
    assert event["headers"]["X-Rep"] == "two"
    assert event["requestContext"]["identity"]["sourceIp"] == "203.0.113.7"
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.7"


def test_aws_v1_root_and_empty_query_are_null_maps():
    event = event_of("aws-v1", tricky_request(method="GET", target="/", body=b""))
    assert event["resource"] == "/" and event["pathParameters"] is None
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_aws_v1_binary_needs_binary_media_types():
    request = tricky_request(headers=[("Content-Type", "image/png"), ("Accept", "image/png")], body=PNG)
    assert event_of("aws-v1", request)["isBase64Encoded"] is False
    event = event_of("aws-v1", request, binary_media_types=["image/*"])
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == PNG
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "isBase64Encoded": True,
        "body": base64.b64encode(PNG).decode(),
    }
    assert get_emulator("aws-v1", binary_media_types=["image/*"]).to_http(result, request).body == PNG
    # Without binary media types the client gets the base64 text, as on a fresh REST API.
    assert get_emulator("aws-v1").to_http(result, request).body == base64.b64encode(PNG)


def test_aws_v1_multi_value_headers_win_over_headers():
    result = {
        "statusCode": 200,
        "headers": {"X-One": "single", "Content-Type": "text/plain"},
        "multiValueHeaders": {"x-one": ["m1", "m2"], "Set-Cookie": ["a=1", "b=2"]},
        "body": "ok",
    }
    response = get_emulator("aws-v1").to_http(result, tricky_request())
    assert response.header_values("x-one") == ["m1", "m2"]
    assert response.header_values("set-cookie") == ["a=1", "b=2"]
    assert response.header("content-type") == "text/plain"


@pytest.mark.parametrize("result", [{"body": "x"}, "x", {"statusCode": 200, "multiValueHeaders": {"a": "b"}}])
def test_aws_v1_malformed_response_is_502_internal_server_error(result):
    response = get_emulator("aws-v1").to_http(result, tricky_request())
    assert response.status == 502 and json.loads(response.body) == {"message": "Internal server error"}


def test_aws_v1_rejects_events_over_6_mb_and_missing_methods():
    big = tricky_request(body=b"x" * (6 * 1024 * 1024))
    assert get_emulator("aws-v1").check_request(big).status == 413
    response = get_emulator("aws-v1", methods=["GET"]).check_request(tricky_request())
    assert response.status == 403 and json.loads(response.body) == {"message": "Missing Authentication Token"}


# -- AWS HTTP API (v2) / Function URL ------------------------------------------------------------


def test_aws_v2_event_has_the_sample_keys_and_types():
    sample = load_event("aws-http-v2")
    event = event_of("aws-v2", tricky_request())
    optional = {"pathParameters", "stageVariables"}
    assert set(sample) - optional <= set(event) <= set(sample)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    for key in set(event) & set(sample):
        assert type(event[key]) is type(sample[key]), key
    assert isinstance(event["requestContext"]["timeEpoch"], int)


def test_aws_v2_raw_path_and_raw_query_string_are_verbatim():
    event = event_of("aws-v2", tricky_request())
    assert event["rawPath"] == "/caf%C3%A9/a%2Fb/c+d/%E4%BD%A0"
    assert event["rawQueryString"] == "a=1&a=2&flag&empty=&sp=x+y%20z&enc=%2F%26"
    assert event["queryStringParameters"]["a"] == "1,2"
    slash = event_of("aws-v2", tricky_request(target="/dir/"))
    assert slash["rawPath"] == "/dir/" and "queryStringParameters" not in slash


def test_aws_v2_cookies_move_out_of_headers():
    event = event_of("aws-v2", tricky_request())
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-rep"] == "one,two"


def test_aws_v2_named_stage_stays_in_raw_path():
    v2 = get_emulator("aws-v2", stage="dev")
    request = tricky_request(target="/dev/items")
    assert v2.check_request(request) is None
    event, _ = v2.build_event(request, request_id="r")
    assert event["rawPath"] == "/dev/items" and event["requestContext"]["stage"] == "dev"
    assert v2.check_request(tricky_request(target="/items")).status == 404


def test_aws_v2_binary_body_is_base64():
    event = event_of(
        "aws-v2", tricky_request(headers=[("Content-Type", "application/octet-stream")], body=PNG)
    )
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == PNG
    empty = event_of("aws-v2", tricky_request(method="GET", body=b""))
    assert "body" not in empty and empty["isBase64Encoded"] is False


def test_aws_v2_cookies_become_set_cookie_headers():
    result = {
        "statusCode": 200,
        "headers": {"content-type": "text/plain"},
        "cookies": ["a=1", "b=2"],
        "body": "x",
    }
    response = get_emulator("aws-v2").to_http(result, tricky_request())
    assert response.header_values("set-cookie") == ["a=1", "b=2"]


def test_aws_v2_infers_a_json_200_without_status_code():
    response = get_emulator("aws-v2").to_http({"hello": "world"}, tricky_request())
    assert response.status == 200 and response.header("content-type") == "application/json"
    assert json.loads(response.body) == {"hello": "world"}


def test_aws_v2_malformed_response_is_an_internal_server_error():
    response = get_emulator("aws-v2").to_http({"statusCode": "teapot"}, tricky_request())
    assert response.status == 500 and json.loads(response.body) == {"message": "Internal Server Error"}


# -- ALB -----------------------------------------------------------------------------------------


def test_alb_event_has_the_sample_keys_in_both_modes():
    single = event_of("alb", tricky_request())
    assert set(single) == set(load_event("aws-alb"))
    multi = event_of("alb", tricky_request(), multi_value=True)
    assert set(multi) == set(load_event("aws-alb-multivalue"))
    assert multi["multiValueHeaders"]["x-rep"] == ["one", "two"]


def test_alb_query_values_are_not_decoded():
    single = event_of("alb", tricky_request())
    assert single["queryStringParameters"] == {
        "a": "2",
        "flag": "",
        "empty": "",
        "sp": "x+y%20z",
        "enc": "%2F%26",
    }
    multi = event_of("alb", tricky_request(), multi_value=True)
    assert multi["multiValueQueryStringParameters"]["a"] == ["1", "2"]


def test_alb_appends_the_client_to_x_forwarded_for():
    request = tricky_request(headers=[("X-Forwarded-For", "198.51.100.1")])
    headers = event_of("alb", request)["headers"]
    assert headers["x-forwarded-for"] == "198.51.100.1, 203.0.113.7"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"]
    assert "targetGroupArn" in event_of("alb", request)["requestContext"]["elb"]


def test_alb_response_must_use_the_header_form_of_its_mode():
    single = {"statusCode": 200, "headers": {"Set-Cookie": "a=1", "set-Cookie": "b=2"}, "body": "x"}
    multi = {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "x"}
    assert get_emulator("alb").to_http(single, tricky_request()).header_values("set-cookie") == ["a=1", "b=2"]
    in_multi_mode = get_emulator("alb", multi_value=True).to_http(multi, tricky_request())
    assert in_multi_mode.header_values("set-cookie") == ["a=1", "b=2"]
    wrong = get_emulator("alb").to_http(multi, tricky_request())
    assert wrong.status == 502 and "multiValueHeaders" in wrong.reason
    assert get_emulator("alb", multi_value=True).to_http(single, tricky_request()).status == 502


def test_alb_rejects_bodies_over_1_mb_and_websocket_upgrades():
    alb = get_emulator("alb")
    assert alb.check_request(tricky_request(body=b"x" * (1024 * 1024 + 1))).status == 413
    assert alb.check_request(tricky_request(headers=[("Upgrade", "websocket")])).status == 400
    too_big = {"statusCode": 200, "headers": {}, "body": "x" * (1024 * 1024)}
    assert alb.to_http(too_big, tricky_request()).status == 502


# -- invoke --------------------------------------------------------------------------------------


# The simplest valid answer on each platform (ALB below in multi-value mode: multiValueHeaders only).
VALID_RESULTS = {
    "fc": {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"},
    "scf": {
        "isBase64Encoded": False,
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain"},
        "body": "hello",
    },
    "scf-url": {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"},
    "aws-v1": {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["text/plain"]}, "body": "hello"},
    "aws-v2": {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"},
    "alb": {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["text/plain"]}, "body": "hello"},
}


@pytest.mark.parametrize("name", sorted(VALID_RESULTS))
def test_invoke_builds_the_event_calls_the_handler_and_decodes_the_answer(name):
    seen = []

    def handler(event, context):
        seen.append((event, context))
        return VALID_RESULTS[name]

    emulator = get_emulator(name, multi_value=True if name == "alb" else None)
    response = emulator.invoke(handler, tricky_request(target="/x"), request_id="r1")
    assert (response.status, response.body) == (200, b"hello"), response.reason
    assert response.header("content-type") == "text/plain"
    assert len(seen) == 1


def test_invoke_lets_handler_exceptions_through_and_turns_unserialisable_results_into_errors():
    def failing(event, context):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        get_emulator("fc").invoke(failing, tricky_request(), request_id="r")
    response = get_emulator("aws-v1").invoke(
        lambda e, c: {"statusCode": 200, "body": object()}, tricky_request(), request_id="r"
    )
    assert response.status == 502 and "JSON" in response.reason
