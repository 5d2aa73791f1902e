"""Apache OpenWhisk web actions and the Fn Project: decoding and encoding rules the differential
suite does not reach (mount points, ``--web true``, the controller's base64 rules, bad input), on
the documented sample event, and on Fn the ``fdk`` package's own context and response types."""

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


def test_bridge_invoke_prints_what_openwhisk_hands_the_action(tmp_path):
    (tmp_path / "probe_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [environ['SCRIPT_NAME'].encode()]\n"
    )
    out = io.StringIO()
    with redirect_stdout(out):
        code = invoke_command.run(
            "probe_app:app", "openwhisk", method="GET", url="/hello?x=1", chdir=str(tmp_path), out=out
        )
    text = out.getvalue()
    assert code == 0, text
    assert "HTTP 200" in text and text.rstrip().endswith("/api/v1/web/guest/default/bridge-function")
    assert '"__ow_query": "x=1"' in text.split("--- platform response ---")[0]


@pytest.mark.parametrize("platform, prefix", [("openwhisk", "/api/v1/web/guest/default/bridge-function")])
def test_bridge_serve_puts_each_platform_in_front_of_the_app(platform, prefix):
    import httpx
    from _serving import bridge_serve

    apps = str(Path(__file__).resolve().parent / "apps")
    with bridge_serve("gateway_flask:app", "--platform", platform, "--chdir", apps) as gateway:
        response = httpx.get(f"{gateway.root}{prefix}/hello", timeout=60)
        assert response.status_code == 200 and response.json()["message"] == "hello"
        assert httpx.get(f"{gateway.root}/hello", timeout=60).status_code == 404
