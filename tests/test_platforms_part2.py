"""Apache OpenWhisk web actions, the Fn Project, OpenFaaS and Fission: decoding and encoding rules
the differential suite does not reach (mount points, ``--web true``, the controller's base64 rules,
bad input), on the documented sample event, and on Fn the ``fdk`` package's own context and
response types."""

from __future__ import annotations

import base64
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, Dict, List

import pytest
from _support import load_event

from bridge import Bridge
from bridge.emulators import GatewayRequest, get_emulator
from bridge.gateway import invoke as invoke_command


def environ_app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    """Answers with the environ's text values as JSON, and two cookies."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/"),
        ],
    )
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    seen["body"] = environ["wsgi.input"].read().decode("latin-1")
    return [json.dumps(seen).encode()]


def _seen(result: Dict[str, Any]) -> Dict[str, Any]:
    """The environ_app's JSON, which OpenWhisk's answer carries base64-encoded."""
    return json.loads(base64.b64decode(result["body"]))


# --- OpenWhisk ------------------------------------------------------------------------------------


def test_openwhisk_documented_sample_decodes(monkeypatch):
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/demo/hello")
    monkeypatch.setenv("__OW_ACTIVATION_ID", "a1b2c3")
    result = Bridge(environ_app)(load_event("openwhisk-web-raw"))
    assert set(result) == {"statusCode", "headers", "body"}
    seen = _seen(result)
    assert seen["REQUEST_METHOD"] == "POST"  # the controller sends "post"
    assert seen["SCRIPT_NAME"] == "/api/v1/web/guest/demo/hello" and seen["PATH_INFO"] == "/"
    assert seen["QUERY_STRING"] == "name=Jane"
    assert seen["body"] == '{"name":"Jane"}'  # base64 in the event: JSON is sent encoded
    assert seen["CONTENT_TYPE"] == "application/json"
    assert seen["bridge.request_id"] == "a1b2c3"


@pytest.mark.parametrize(
    "action, base",
    [
        ("/guest/hello", "/api/v1/web/guest/default/hello"),  # outside a package
        ("/guest/pkg/hello", "/api/v1/web/guest/pkg/hello"),
        ("", ""),  # not set: nothing to mount
    ],
)
def test_openwhisk_action_name_is_the_mount_point(monkeypatch, action, base):
    monkeypatch.setenv("__OW_ACTION_NAME", action)
    event = dict(load_event("openwhisk-web-raw"), __ow_path="/a/b")
    seen = _seen(Bridge(environ_app)(event))
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == (base, "/a/b")


def test_openwhisk_base_path_wins_behind_an_api_gateway_route(monkeypatch):
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/hello")
    event = dict(load_event("openwhisk-web-raw"), __ow_path="/shop/cart")
    seen = _seen(Bridge(environ_app, base_path="/shop")(event))
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/shop", "/cart")


def test_openwhisk_text_body_arrives_as_text_and_binary_as_base64():
    event = dict(load_event("openwhisk-web-raw"), __ow_body="a=1&b=%E4%B8%AD")
    event["__ow_headers"] = {"content-type": "application/x-www-form-urlencoded", "host": "h"}
    assert _seen(Bridge(environ_app)(event))["body"] == "a=1&b=%E4%B8%AD"
    event["__ow_headers"] = {"content-type": "application/octet-stream", "host": "h"}
    event["__ow_body"] = base64.b64encode(b"\x00\xff").decode()
    assert _seen(Bridge(environ_app)(event))["body"] == "\x00\xff"


def test_openwhisk_web_true_rebuilds_the_query_from_the_merged_arguments():
    """`--web true`: no __ow_query, the parameters are top-level arguments (the documented loss)."""
    event = {"__ow_method": "get", "__ow_headers": {"host": "h"}, "__ow_path": "", "name": "Jane", "n": 2}
    seen = _seen(Bridge(environ_app)(event))
    assert seen["QUERY_STRING"] == "name=Jane&n=2"


def test_openwhisk_response_carries_every_cookie_as_an_array():
    result = Bridge(environ_app)(load_event("openwhisk-web-raw"))
    assert result["headers"]["Set-Cookie"] == [
        "a=1; Path=/",
        "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/",
    ]
    response = get_emulator("openwhisk").to_http(result, GatewayRequest("GET", "/"))
    assert response.header_values("set-cookie") == result["headers"]["Set-Cookie"]


@pytest.mark.parametrize("text", ["true", "1234", '"abcd"', '{"a": 1}'])
def test_openwhisk_json_that_looks_like_base64_survives_the_controller(text):
    """The controller base64-decodes a JSON body that looks like base64 (`true`): we always encode."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [text.encode()]

    result = Bridge(app)(load_event("openwhisk-web-raw"))
    response = get_emulator("openwhisk").to_http(result, GatewayRequest("GET", "/"))
    assert response.body == text.encode()


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"__ow_method": 3}, "__ow_method"),
        ({"__ow_headers": ["x"]}, "headers must be an object"),
        ({"__ow_path": 5}, "__ow_path"),
        ({"__ow_query": {"a": 1}}, "__ow_query"),
        ({"__ow_body": 7}, "__ow_body"),
    ],
)
def test_openwhisk_malformed_events_get_a_clear_400(change, needle):
    result = Bridge(environ_app)(dict(load_event("openwhisk-web-raw"), **change))
    assert result["statusCode"] == 400
    assert needle in result["body"]


def test_openwhisk_emulator_answers_options_itself_without_custom_options():
    emulator = get_emulator("openwhisk", custom_options=False)
    request = GatewayRequest("OPTIONS", emulator.url_prefix + "/x")
    rejection = emulator.check_request(request)
    assert rejection is not None and rejection.header("access-control-allow-origin") == "*"
    assert get_emulator("openwhisk").check_request(request) is None  # bridge build's annotation


def test_openwhisk_emulator_refuses_a_malformed_result():
    emulator = get_emulator("openwhisk")
    request = GatewayRequest("GET", emulator.url_prefix)
    assert emulator.to_http("text", request).status == 502
    bad = {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "body": "not base64!"}
    assert emulator.to_http(bad, request).status == 502


# --- Fn (fdk's own context and response) -----------------------------------------------------------


def fn_context(url: str, method: str = "GET", **headers: str) -> Any:
    """fdk's InvokeContext as fdk's server makes it for an HTTP-trigger call."""
    fdk_context = pytest.importorskip("fdk.context", reason="needs the fdk package (dev extra)")
    call = {"fn-call-id": "call-7", "fn-intent": "httprequest", "fn-http-request-url": url}
    if method:
        call["fn-http-method"] = method
    call.update({"fn-http-h-" + name.replace("_", "-"): value for name, value in headers.items()})
    ctx, _ = fdk_context.context_from_format("http-stream", headers=call, data=io.BytesIO(b""))
    return ctx


@pytest.mark.parametrize(
    "url, path, query, host",
    [
        ("http://fn.example:8080/a%2Fb/c?x=1&x=2", "/a/b/c", "x=1&x=2", "fn.example"),
        (
            "/v2/employee/123?param1=value%20with%20spaces",
            "/v2/employee/123",
            "param1=value%20with%20spaces",
            "gw",
        ),
    ],
)
def test_fn_request_url_absolute_or_path_only(url, path, query, host):
    # The Fn server's absolute URL names the host; behind OCI API Gateway the Host header does.
    headers = {} if url.startswith("http") else {"host": "gw"}
    response = Bridge(environ_app)(fn_context(url, **headers), io.BytesIO(b"body"))
    seen = json.loads(response.body())
    assert (seen["PATH_INFO"], seen["QUERY_STRING"], seen["SERVER_NAME"]) == (path, query, host)
    assert seen["body"] == "body" and seen["bridge.request_id"] == "call-7"


def test_fn_status_and_every_cookie_go_in_fdks_own_headers():
    from fdk.response import Response

    response = Bridge(environ_app)(fn_context("/x"), io.BytesIO(b""))
    assert isinstance(response, Response) and response.status() == 200
    sent = response.context().GetResponseHeaders()
    assert sent["fn-http-status"] == "200" and sent["content-type"] == "application/json"
    cookies = sorted(value for name, value in sent.items() if name.startswith("fn-http-h-set-cookie"))
    assert cookies == ["a=1; Path=/", "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/"]


def test_fn_call_without_http_fields_gets_a_clear_400_in_fdks_type():
    response = Bridge(environ_app)(fn_context("/x", method=""), io.BytesIO(b""))
    assert response.context().GetResponseHeaders()["fn-http-status"] == "400"
    assert b"Fn-Http-Method" in response.body_bytes()


def test_fn_handler_of_another_platform_is_answered_in_fdks_type():
    response = Bridge(environ_app, platform="gcf")(fn_context("/x"), io.BytesIO(b""))
    assert response.context().GetResponseHeaders()["fn-http-status"] == "400"
    assert b"platform='gcf'" in response.body_bytes()


# --- OpenFaaS -------------------------------------------------------------------------------------


def test_openfaas_app_sees_the_clients_host_and_the_gateway_prefix():
    emulator = get_emulator("openfaas")
    request = GatewayRequest("GET", "/function/bridge-function/p%2Fq?a=1&a=2", [("Host", "gw.example:8080")])
    response = emulator.invoke(
        Bridge(environ_app, base_path="/function/bridge-function"), request, request_id="c1"
    )
    seen = json.loads(response.body)
    assert seen["SCRIPT_NAME"] == "/function/bridge-function" and seen["PATH_INFO"] == "/p/q"
    assert seen["QUERY_STRING"] == "a=1&a=2" and seen["HTTP_HOST"] == "gw.example:8080"
    assert seen["bridge.request_id"] == "c1"
    assert response.header_values("set-cookie") == [
        "a=1; Path=/",
        "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/",
    ]


def test_openfaas_event_outside_the_templates_request_gets_a_clear_400():
    class Event:
        body, headers, method, query, path = b"", {}, "GET", {}, "/"

    class Context:
        hostname = "h"

    response = Bridge(environ_app)(Event(), Context())
    assert response.status_code == 400 and b"Flask request" in response.get_data()


# --- Fission --------------------------------------------------------------------------------------


def fission_request(path: str, full_url: str, **headers: str) -> Any:
    """The environment's Flask request for what the router forwarded."""
    import flask
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=path,
        headers={"X-Fission-Function-Name": "shop", "X-Fission-Full-Url": full_url, **headers},
    )
    return flask.Request(builder.get_environ())


@pytest.mark.parametrize(
    "path, full_url, script, path_info",
    [
        ("/cart/1", "/shop/cart/1?x=1", "/shop", "/cart/1"),  # a prefix trigger, trimmed
        ("/", "/shop/", "/shop", "/"),
        ("/x", "/fission-function/default/shop/x", "/fission-function/default/shop", "/x"),
        ("/", "/hello", "", "/hello"),  # a --url trigger: the router forwards `/`
    ],
)
def test_fission_full_url_gives_the_mount_point_and_the_path(path, full_url, script, path_info):
    from werkzeug.wrappers import Response

    response = Bridge(environ_app)(fission_request(path, full_url))
    assert isinstance(response, Response)
    seen = json.loads(response.get_data())
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == (script, path_info)


def test_fission_request_is_not_taken_for_googles_and_the_reverse():
    from bridge.platforms import BY_NAME

    fission = fission_request("/", "/shop/")
    assert BY_NAME["fission"].matches_call(fission, None) and BY_NAME["gcf"].matches_call(fission, None)
    google = flask_plain_request()
    assert not BY_NAME["fission"].matches_call(google, None)
    result = Bridge(environ_app, platform="fission")(google)
    assert result.status_code == 400 and b"platform='fission'" in result.get_data()


def flask_plain_request() -> Any:
    import flask
    from werkzeug.test import EnvironBuilder

    return flask.Request(EnvironBuilder(path="/").get_environ())


def test_bridge_invoke_prints_what_openwhisk_hands_the_action(tmp_path):
    (tmp_path / "openwhisk_probe_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [environ['SCRIPT_NAME'].encode()]\n"
    )
    out = io.StringIO()
    with redirect_stdout(out):
        code = invoke_command.run(
            "openwhisk_probe_app:app",
            "openwhisk",
            method="GET",
            url="/hello?x=1",
            chdir=str(tmp_path),
            out=out,
        )
    text = out.getvalue()
    assert code == 0, text
    assert "HTTP 200" in text and text.rstrip().endswith("/api/v1/web/guest/default/bridge-function")
    assert '"__ow_query": "x=1"' in text.split("--- platform response ---")[0]


@pytest.mark.parametrize(
    "platform, prefix",
    [
        ("openwhisk", "/api/v1/web/guest/default/bridge-function"),
        ("fn", ""),
        ("openfaas", "/function/bridge-function"),
        ("fission", "/bridge-function"),
        ("kubeless", ""),
    ],
)
def test_bridge_serve_puts_each_platform_in_front_of_the_app(platform, prefix):
    import httpx
    from _serving import bridge_serve

    apps = str(Path(__file__).resolve().parent / "apps")
    with bridge_serve("gateway_flask:app", "--platform", platform, "--chdir", apps) as gateway:
        response = httpx.get(f"{gateway.root}{prefix}/hello", timeout=60)
        assert response.status_code == 200 and response.json()["message"] == "hello"
        if prefix:  # outside the gateway's prefix no function answers
            assert httpx.get(f"{gateway.root}/hello", timeout=60).status_code == 404
