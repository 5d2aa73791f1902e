"""Huawei FunctionGraph APIG, Azure Functions and Google Cloud Functions: decoding and encoding rules
the differential suite does not reach (trust of client addresses, prefixes, UNCONFIRMED shapes,
bad input, the request-object dispatch), on the documented sample event and on the vendors' own
request and response types."""

from __future__ import annotations

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

func = pytest.importorskip("azure.functions", reason="needs the azure-functions library (dev extra)")


def environ_app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    """Answers with the environ's text values as JSON, and two cookies."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
        ],
    )
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    seen["body"] = environ["wsgi.input"].read().decode("latin-1")
    return [json.dumps(seen).encode()]


# --- Huawei ---------------------------------------------------------------------------------------


def test_huawei_documented_sample_decodes():
    result = Bridge(environ_app)(load_event("huawei-apig"), None)
    assert set(result) == {"statusCode", "headers", "body", "isBase64Encoded"}
    seen = json.loads(result["body"])
    assert seen["REQUEST_METHOD"] == "GET"
    assert seen["PATH_INFO"] == "/apig-event-template" and seen["SCRIPT_NAME"] == ""
    assert seen["QUERY_STRING"] == "responseType=html"
    assert seen["body"] == '{"name": "OpenTelekomCloud"}'  # base64 in the event
    assert seen["REMOTE_ADDR"] == "103.218.216.98"
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["bridge.request_id"] == "11cdcdcf33949dc6d722640a13091c77"


def test_huawei_is_not_taken_for_aws_rest_and_the_reverse():
    from bridge.platforms import BY_NAME

    assert BY_NAME["huawei"].matches(load_event("huawei-apig"))
    assert not BY_NAME["huawei"].matches(load_event("aws-apigw-v1"))
    assert not BY_NAME["aws-v1"].matches(load_event("huawei-apig"))
    assert not BY_NAME["scf"].matches(load_event("huawei-apig"))


def test_huawei_list_values_for_query_and_headers_are_accepted():
    event = load_event("huawei-apig")
    event["queryStringParameters"] = {"a": ["1", "2"], "b": "x y"}
    event["headers"]["x-test"] = ["one", "two"]
    event["isBase64Encoded"] = "true"
    seen = json.loads(Bridge(environ_app)(event, None)["body"])
    assert seen["QUERY_STRING"] == "a=1&a=2&b=x%20y"
    assert seen["HTTP_X_TEST"] == "one,two"


def test_huawei_client_is_the_gateways_real_ip_never_the_clients_first_forwarded_hop():
    event = load_event("huawei-apig")
    del event["headers"]["x-real-ip"]
    event["headers"]["x-forwarded-for"] = "6.6.6.6, 103.218.216.98"
    seen = json.loads(Bridge(environ_app)(event, None)["body"])
    assert seen["REMOTE_ADDR"] == "103.218.216.98"


def test_huawei_response_keeps_to_a_string_map_with_every_cookie():
    result = Bridge(environ_app)(load_event("huawei-apig"), None)
    assert all(isinstance(v, str) for v in result["headers"].values())
    cookies = sorted(v for k, v in result["headers"].items() if k.lower() == "set-cookie")
    assert cookies == ["a=1; Path=/", "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/"]
    assert result["headers"]["X-Multi"] == "one,two"
    assert result["isBase64Encoded"] is False


def test_huawei_empty_response_still_has_all_four_keys():
    def empty(environ, start_response):
        start_response("204 No Content", [])
        return []

    result = Bridge(empty)(load_event("huawei-apig"), None)
    assert result == {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}


def test_huawei_context_request_id_is_the_functions_invocation_id():
    class Context:
        def getRequestID(self):  # noqa: N802
            return "fg-invocation-1"

    seen = json.loads(Bridge(environ_app)(load_event("huawei-apig"), Context())["body"])
    assert seen["bridge.request_id"] == "fg-invocation-1"


@pytest.mark.parametrize(
    "mutate, needle",
    [
        (lambda e: e.update(httpMethod=""), "httpMethod"),
        (lambda e: e.update(headers=["x"]), "headers"),
        (lambda e: e.update(isBase64Encoded=True, body="***"), "base64"),
        (lambda e: e.update(queryStringParameters="a=1"), "query"),
    ],
)
def test_huawei_malformed_events_get_a_400_apig_accepts(mutate, needle):
    event = load_event("huawei-apig")
    mutate(event)
    result = Bridge(environ_app, platform="huawei")(event, None)
    assert result["statusCode"] == 400 and needle in result["body"]
    assert {"statusCode", "headers", "body", "isBase64Encoded"} <= set(result)


def test_huawei_emulator_rejects_a_result_without_the_four_keys():
    emulator = get_emulator("huawei")
    response = emulator.invoke(
        lambda event, context: {"statusCode": 200, "body": "x"}, GatewayRequest("GET", "/"), request_id="r"
    )
    assert response.status == 500 and "headers" in response.reason and "isBase64Encoded" in response.reason


# --- Azure ----------------------------------------------------------------------------------------


def azure_request(url: str, route: Any = None, headers: Any = None, body: bytes = b"", method: str = "GET"):
    return func.HttpRequest(
        method,
        url,
        headers=headers or {},
        route_params={"route": route} if route else {},
        body=body,
    )


@pytest.mark.parametrize(
    "url, route, script, path",
    [
        ("https://x.azurewebsites.net/api/a/b", "a/b", "/api", "/a/b"),  # default routePrefix
        ("https://x.azurewebsites.net/api", None, "/api", "/"),  # the bare prefix: nothing captured
        ("https://x.azurewebsites.net/api/", None, "/api", "/"),
        ("https://x.azurewebsites.net/a/b", "a/b", "", "/a/b"),  # routePrefix ""
        ("https://x.azurewebsites.net/api/x", "api/x", "", "/api/x"),  # routePrefix "", an app path /api
        ("https://x.azurewebsites.net/v1/caf%C3%A9/", "café", "/v1", "/café/"),  # routePrefix "v1"
    ],
)
def test_azure_route_prefix_is_the_script_name_not_part_of_the_path(url, route, script, path):
    response = Bridge(environ_app)(azure_request(url, route))
    seen = json.loads(response.get_body())
    assert seen["SCRIPT_NAME"] == script
    assert seen["PATH_INFO"].encode("latin-1").decode("utf-8") == path


def test_azure_explicit_base_path_wins_over_the_route_prefix_guess():
    response = Bridge(environ_app, base_path="/shop")(azure_request("https://x.net/shop/a", "shop/a"))
    seen = json.loads(response.get_body())
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/shop", "/a")


@pytest.mark.parametrize(
    "forwarded, client",
    [
        ("203.0.113.7:52144", "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7:52144", "203.0.113.7"),  # the client's own first hop is not trusted
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::2", "2001:db8::2"),
    ],
)
def test_azure_client_is_the_hop_the_front_end_appended(forwarded, client):
    req = azure_request("https://x.net/api/a", "a", {"X-Forwarded-For": forwarded})
    assert json.loads(Bridge(environ_app)(req).get_body())["REMOTE_ADDR"] == client


def test_azure_query_is_read_whole_from_the_url_repeats_kept():
    req = azure_request("https://x.net/api/a?k=1&k=2&e=", "a")
    assert json.loads(Bridge(environ_app)(req).get_body())["QUERY_STRING"] == "k=1&k=2&e="


def test_azure_response_carries_every_cookie_through_the_librarys_converter():
    from azure.functions.http import HttpResponseConverter

    response = Bridge(environ_app)(azure_request("https://x.net/api/a", "a"))
    assert isinstance(response, func.HttpResponse)
    datum = HttpResponseConverter.encode(response, expected_type=None)
    cookies = [morsel.OutputString() for cookie in datum.value["cookies"] for morsel in cookie.values()]
    assert cookies == ["a=1; Path=/", "b=2; expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/"]
    assert datum.value["headers"]["X-Multi"].value == "one,two"


def test_azure_invocation_id_comes_from_the_context():
    class Context:
        invocation_id = "azure-invocation-1"

    response = Bridge(environ_app)(azure_request("https://x.net/api/a", "a"), Context())
    assert json.loads(response.get_body())["bridge.request_id"] == "azure-invocation-1"


def test_azure_request_to_a_handler_of_another_platform_is_answered_in_azures_type():
    response = Bridge(environ_app, platform="scf")(azure_request("https://x.net/api/a", "a"))
    assert isinstance(response, func.HttpResponse) and response.status_code == 400
    assert b"platform='scf'" in response.get_body()


def test_an_object_of_no_platform_gets_a_clear_400():
    result = Bridge(environ_app)(object(), None)
    assert result["statusCode"] == 400 and "request object of" in result["body"]


def test_json_event_to_an_azure_handler_names_both_platforms():
    result = Bridge(environ_app, platform="azure")(load_event("aws-http-v2"), None)
    assert result["statusCode"] == 400 and "azure" in result["body"]


# --- Google ---------------------------------------------------------------------------------------


def flask_request(path: str, **kwargs: Any) -> Any:
    import flask
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, **kwargs)
    environ = builder.get_environ()
    environ["gunicorn.socket"] = "the server's own key"
    return flask.Request(environ)


def test_gcf_wsgi_app_runs_on_the_servers_own_environ():
    request = flask_request("/a/b", query_string="x=1&x=2", headers={"Function-Execution-Id": "exec-1"})
    response = Bridge(environ_app)(request)
    seen = json.loads(response.get_data())
    assert seen["gunicorn.socket"] == "the server's own key"
    assert (seen["PATH_INFO"], seen["QUERY_STRING"]) == ("/a/b", "x=1&x=2")
    assert seen["bridge.request_id"] == "exec-1"
    assert response.headers.getlist("Set-Cookie") == [
        "a=1; Path=/",
        "b=2; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/",
    ]


def test_gcf_raw_uri_keeps_encoded_slashes_unless_the_front_end_rewrote_the_path():
    request = flask_request("/a%2Fb")
    request.environ["PATH_INFO"] = "/a/b"
    request.environ["RAW_URI"] = "/a%2Fb"
    assert Bridge(_raw_path_asgi)(request).get_data() == b"/a%2Fb"
    # 1st gen strips the function name from the path the function sees: PATH_INFO is the truth.
    request = flask_request("/x")
    request.environ["RAW_URI"] = "/my-function/x"
    assert Bridge(_raw_path_asgi)(request).get_data() == b"/x"


async def _raw_path_asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": scope["raw_path"]})


def test_gcf_body_is_put_back_for_the_app_after_the_bridge_read_it():
    request = flask_request(
        "/p", method="POST", data=b"\x00\xffpayload", content_type="application/octet-stream"
    )
    seen = json.loads(Bridge(environ_app)(request).get_data())
    assert seen["body"] == "\x00\xffpayload" and seen["CONTENT_LENGTH"] == "9"


def test_gcf_base_path_moves_into_script_name():
    seen = json.loads(Bridge(environ_app, base_path="/fn")(flask_request("/fn/a")).get_data())
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/fn", "/a")


def test_gcf_response_without_content_type_gets_none_added():
    def empty(environ, start_response):
        start_response("204 No Content", [])
        return []

    response = Bridge(empty)(flask_request("/"))
    assert response.status_code == 204 and "Content-Type" not in response.headers


# --- bridge invoke ----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["huawei", "azure", "gcf"])
def test_bridge_invoke_prints_what_each_platform_hands_the_handler(platform, tmp_path):
    (tmp_path / "probe_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [environ['PATH_INFO'].encode()]\n"
    )
    out = io.StringIO()
    with redirect_stdout(out):
        code = invoke_command.run(
            "probe_app:app", platform, method="GET", url="/hello?x=1", chdir=str(tmp_path), out=out
        )
    text = out.getvalue()
    assert code == 0, text
    assert "HTTP 200" in text and text.rstrip().endswith("/hello")
    query = '"x": "1"' if platform == "huawei" else "x=1"  # a map on Huawei, the query string elsewhere
    assert query in text.split("--- platform response ---")[0]


# --- bridge serve -----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform, prefix", [("huawei", ""), ("azure", "/api"), ("gcf", "")])
def test_bridge_serve_puts_each_platform_in_front_of_the_app(platform, prefix):
    import httpx
    from _serving import bridge_serve

    apps = str(Path(__file__).resolve().parent / "apps")
    with bridge_serve("gateway_flask:app", "--platform", platform, "--chdir", apps) as gateway:
        response = httpx.get(f"{gateway.root}{prefix}/hello", timeout=60)
        assert response.status_code == 200 and response.json()["message"] == "hello"
        if platform == "gcf":  # the framework's own 404, before the app
            assert httpx.get(f"{gateway.root}/robots.txt", timeout=60).status_code == 404
        if prefix:  # outside the route prefix no function answers
            assert httpx.get(f"{gateway.root}/hello", timeout=60).status_code == 404


def test_bridge_serve_runs_a_split_app_behind_azure_routes_under_the_prefix(tmp_path):
    import httpx
    from _serving import bridge_serve

    project = Path(__file__).resolve().parent.parent / "examples" / "flask_todo"
    env_args = ("--project", str(project), "--split", "per-blueprint", "--platform", "azure")
    with bridge_serve(*env_args) as gateway:
        health = httpx.get(f"{gateway.root}/api/health", timeout=60)
        assert health.status_code == 200, health.text
        todos = httpx.get(f"{gateway.root}/api/api/todos", timeout=60)
        assert todos.status_code == 200 and isinstance(todos.json(), (list, dict)), todos.text


def test_huawei_remaining_time_bounds_an_asgi_app():
    import asyncio

    async def slow(scope, receive, send):
        if scope["type"] != "http":
            return
        await asyncio.sleep(10)

    class Context:
        def getRemainingTimeInMilliSeconds(self):  # noqa: N802
            return 1000

    result = Bridge(slow, lifespan="off")(load_event("huawei-apig"), Context())
    assert result["statusCode"] == 504
