"""``bridge serve``: a real HTTP server in front of the emulated platform, the app in its own process.

Each test starts ``python -m bridge serve`` on a free port (``--port 0``; the banner says which),
talks to it with httpx, and always stops it (``tests/_serving.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from _serving import bridge_serve

from bridge.gateway.server import bind_socket

APPS = Path(__file__).resolve().parent / "apps"
REQUEST_TIMEOUT_S = 60.0
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


@contextlib.contextmanager
def serving(*args: str) -> Iterator[str]:
    """Run ``bridge serve ARGS`` on the test apps and yield its base URL (without the platform prefix)."""
    with bridge_serve(*args, "--chdir", str(APPS)) as gateway:
        yield gateway.root


def get(url: str, **kwargs) -> httpx.Response:
    return httpx.get(url, timeout=REQUEST_TIMEOUT_S, **kwargs)


def post(url: str, **kwargs) -> httpx.Response:
    return httpx.post(url, timeout=REQUEST_TIMEOUT_S, **kwargs)


@pytest.fixture(scope="module")
def fc_gateway() -> Iterator[str]:
    with serving("gateway_flask:app", "--platform", "fc", "--methods", "GET,POST") as base:
        yield base


def test_flask_app_answers_through_the_fc_gateway(fc_gateway):
    response = get(f"{fc_gateway}/hello")
    assert response.status_code == 200
    assert response.json()["message"] == "hello"
    assert "uvicorn" not in response.headers.get("server", "")


def test_fc_gateway_sends_the_lossy_comma_joined_query_fc_documents(fc_gateway):
    response = post(f"{fc_gateway}/echo/a?x=1&x=2", content=b"hi", headers={"X-Test": "t"})
    body = response.json()
    assert body["args"] == {"x": ["1,2"]}
    assert (body["body"], body["header"], body["method"]) == ("hi", "t", "POST")


def test_worker_crash_is_a_platform_error_and_the_next_request_gets_a_new_instance(fc_gateway):
    before = get(f"{fc_gateway}/hello").json()["pid"]
    crashed = get(f"{fc_gateway}/crash")
    assert crashed.status_code == 502
    assert "crashed" in crashed.json()["errorMessage"]
    after = get(f"{fc_gateway}/hello")
    assert after.status_code == 200 and after.json()["pid"] != before


def test_app_exception_is_a_500(fc_gateway):
    assert get(f"{fc_gateway}/boom").status_code == 500


def test_every_response_has_one_date_header_the_apps_when_it_dated_it(fc_gateway):
    assert len(get(f"{fc_gateway}/hello").headers.get_list("date")) == 1
    assert get(f"{fc_gateway}/dated").headers.get_list("date") == ["Tue, 01 Jan 2030 00:00:00 GMT"]


def test_forbidden_fc_header_is_rejected_with_400(fc_gateway):
    response = get(f"{fc_gateway}/hello", headers={"X-Fc-Request-Id": "forged"})
    assert response.status_code == 400
    assert "x-fc-" in response.json()["ErrorMessage"].lower()


def test_method_not_in_the_trigger_config_is_rejected(fc_gateway):
    response = httpx.put(f"{fc_gateway}/echo/a", content=b"x", timeout=REQUEST_TIMEOUT_S)
    assert response.status_code == 405


def test_two_set_cookie_headers_survive_the_scf_gateway_under_its_stage():
    with serving("gateway_flask:app", "--platform", "scf", "--stage", "release") as base:
        response = get(f"{base}/release/cookies")
        assert response.status_code == 200
        assert len(response.headers.get_list("set-cookie")) == 2
        echo = get(f"{base}/release/echo/x?flag&a=1&a=2").json()
        assert echo["rest"] == "x"
        assert echo["args"]["a"] == ["1", "2"]
        assert get(f"{base}/echo/x").status_code == 404


def test_scf_url_rejects_a_forged_remote_address_header():
    with serving("gateway_flask:app", "--platform", "scf-url") as base:
        assert get(f"{base}/hello").status_code == 200
        assert get(f"{base}/hello", headers={"X-Scf-Remote-Addr": "1.2.3.4"}).status_code == 400


def test_alb_rejects_a_body_over_1_mb_and_serves_multi_value_mode():
    with serving("gateway_flask:app", "--platform", "alb", "-o", "multi_value=true") as base:
        assert post(f"{base}/echo/x", content=b"x" * (1024 * 1024 + 1)).status_code == 413
        response = get(f"{base}/cookies")
        assert response.status_code == 200 and len(response.headers.get_list("set-cookie")) == 2


def test_fastapi_app_behind_aws_http_api_with_binary_and_errors():
    with serving("gateway_fastapi:app", "--platform", "aws-v2") as base:
        assert get(f"{base}/hello").json()["message"] == "hello"
        echoed = post(f"{base}/echo?q=a+b", content="é".encode()).json()
        assert echoed == {"path": "/echo", "query": "q=a+b", "body": "é"}
        assert get(f"{base}/boom").status_code == 500
        assert len(get(f"{base}/cookies").headers.get_list("set-cookie")) == 2
        assert get(f"{base}/crash").status_code == 500
        assert get(f"{base}/hello").status_code == 200


def test_binary_response_is_bytes_through_the_rest_api_only_with_binary_media_types():
    with serving(
        "gateway_flask:app", "--platform", "aws-v1", "--stage", "prod", "-o", "binary_media_types=*/*"
    ) as base:
        response = get(f"{base}/prod/binary")
        assert response.status_code == 200 and response.content == PNG
        missing = get(f"{base}/binary")
        assert missing.status_code == 403
        assert missing.json() == {"message": "Missing Authentication Token"}


def test_fc2_serves_under_the_proxy_prefix():
    with serving("gateway_flask:app", "--platform", "fc2") as base:
        response = get(f"{base}/2016-08-15/proxy/bridge-service/bridge-function/hello")
        assert response.status_code == 200 and response.json()["message"] == "hello"
        assert response.headers["content-disposition"] == "attachment"


def test_route_table_runs_each_function_in_its_own_process(tmp_path):
    table = tmp_path / "routes.json"
    table.write_text(
        json.dumps(
            [
                {"path": "/hello", "methods": ["GET"], "function": "fast", "target": "gateway_fastapi:app"},
                {"path": "/echo/*", "methods": "ANY", "function": "flask", "target": "gateway_flask:app"},
                {"path": "/cookies", "methods": ["GET"], "function": "flask", "target": "gateway_flask:app"},
            ]
        )
    )
    with serving("--platform", "aws-v2", "--routes", str(table)) as base:
        fast_pid = get(f"{base}/hello").json()["pid"]
        echo = post(f"{base}/echo/deep/path", content=b"b").json()
        assert echo["rest"] == "deep/path"
        assert get(f"{base}/nowhere").status_code == 404
        assert httpx.delete(f"{base}/hello", timeout=REQUEST_TIMEOUT_S).status_code == 404
        flask_pid = echo["pid"]
        assert fast_pid != flask_pid
        assert os.getpid() not in (fast_pid, flask_pid)


def test_gateway_connections_have_tcp_nodelay():
    # uvicorn writes a response head and body in two sends: with Nagle's algorithm on, the body
    # waits for the client's delayed ACK, 40 ms per keep-alive request. asyncio turns Nagle off on
    # accepted connections only when the listening socket says it is TCP (``proto``).
    listener = bind_socket("127.0.0.1", 0)

    async def accepted_nodelay() -> int:
        result: asyncio.Future = asyncio.get_running_loop().create_future()

        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connection = writer.get_extra_info("socket")
            result.set_result(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        try:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            try:
                return await asyncio.wait_for(result, timeout=30)
            finally:
                writer.close()
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0
