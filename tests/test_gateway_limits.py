"""The local gateway against a hostile client or a hung function (issue 14, items 9–11).

Each test bounds its own run time: small timeouts configured for the test, a few connections,
traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Iterator, Tuple

import httpx
import pytest
from _serving import bridge_serve

from bridge.emulators import PLATFORM_NAMES, GatewayRequest
from bridge.gateway.routes import single_function
from bridge.gateway.server import Function, Gateway, ReadLimits, bind_socket, make_server
from bridge.gateway.worker import Worker, WorkerSpec

APPS = Path(__file__).resolve().parent / "apps"


def test_a_hung_function_answers_its_platform_error_at_the_timeout_and_the_next_request_runs():
    worker = Worker(WorkerSpec("gateway_flask:app", "fc", {}, str(APPS)))
    try:
        assert (
            worker.invoke(GatewayRequest("GET", "/hello"), request_id="warm", timeout_s=60).response.status
            == 200
        )
        started = time.monotonic()
        outcome = worker.invoke(GatewayRequest("GET", "/hang"), request_id="hung", timeout_s=1.0)
        answered_after = time.monotonic() - started
        assert outcome.response.status == 502 and "timed out" in outcome.error
        # At the timeout, not after a grace period for an instance that cannot hear the request to stop.
        assert answered_after < 3.0, answered_after
        assert (
            worker.invoke(GatewayRequest("GET", "/hello"), request_id="next", timeout_s=60).response.status
            == 200
        )
    finally:
        worker.stop()


# -- item 9: what the client says about itself is never the source address or the scheme ----------

FORGED = {
    "X-Forwarded-For": "6.6.6.6",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Real-IP": "6.6.6.6",
    "Forwarded": "for=6.6.6.6;proto=https",
}


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_forwarded_headers_from_the_client_never_become_the_source_ip_or_the_scheme(platform):
    with bridge_serve("gateway_flask:app", "--platform", platform, "--chdir", str(APPS)) as gateway:
        response = httpx.get(f"{gateway.url}/echo/x", headers=FORGED, timeout=60)
        assert response.status_code == 200, gateway.log
        seen = response.json()
        assert seen["remote_addr"] == "127.0.0.1"
        assert seen["scheme"] == "http"


# -- item 10: read timeouts, and a declared body over the limit refused unread -----------------------

#: Small enough that every test here ends within seconds.
TEST_LIMITS = ReadLimits(header_timeout_s=1.0, body_timeout_s=1.0)
#: How long a test waits for the gateway to act before it fails (several times the limits).
PATIENCE_S = 6.0


@contextlib.contextmanager
def gateway_on_a_thread(platform: str, limits: ReadLimits = TEST_LIMITS) -> Iterator[Tuple[str, int]]:
    """The gateway for ``gateway_flask:app`` served in this process on a free 127.0.0.1 port."""
    spec = WorkerSpec("gateway_flask:app", platform, {"function_name": "fn"}, str(APPS))
    gateway = Gateway(
        single_function(spec.target, "fn"), {"fn": Function("fn", spec, 30.0)}, platform, limits
    )
    sock = bind_socket("127.0.0.1", 0)
    server = make_server(gateway)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + PATIENCE_S
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the gateway did not start"
            time.sleep(0.02)
        yield sock.getsockname()[:2]
    finally:
        server.should_exit = True
        thread.join(PATIENCE_S)
        gateway.stop()
        sock.close()


def connect(address: Tuple[str, int]) -> socket.socket:
    client = socket.create_connection(address, timeout=PATIENCE_S)
    client.settimeout(0.1)
    return client


def read_until_closed(client: socket.socket, patience_s: float = PATIENCE_S) -> bytes:
    """Everything the gateway sends until it closes the connection; fails if it does not in time."""
    received = b""
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        try:
            chunk = client.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    pytest.fail(f"the gateway kept the connection open for {patience_s} s; it sent {received[:200]!r}")


def test_slow_request_heads_are_cut_off_at_the_header_timeout():
    with gateway_on_a_thread("fc") as address:
        clients = [connect(address) for _ in range(3)]
        started = time.monotonic()
        for client in clients:
            client.sendall(b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = set()
        # One header line per client every 0.2 s, until the gateway closes them or patience ends.
        while len(closed) < len(clients) and time.monotonic() - started < PATIENCE_S:
            for index, client in enumerate(clients):
                if index in closed:
                    continue
                try:
                    client.sendall(b"X-Slow: 1\r\n")
                    if client.recv(1) == b"":
                        closed.add(index)
                except socket.timeout:
                    pass
                except OSError:  # reset or broken pipe: closed by the gateway
                    closed.add(index)
            time.sleep(0.2)
        for client in clients:
            client.close()
        assert len(closed) == len(clients), f"{len(clients) - len(closed)} slow connection(s) still open"
        # And the gateway still serves a client that sends its request at once.
        assert httpx.get(f"http://{address[0]}:{address[1]}/hello", timeout=60).status_code == 200


def test_a_body_that_stops_arriving_gets_408_at_the_body_timeout():
    with gateway_on_a_thread("fc") as address:
        client = connect(address)
        client.sendall(b"POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc")
        answer = read_until_closed(client)
        client.close()
        assert answer.startswith(b"HTTP/1.1 408 "), answer


#: The platform's answer to a request body over its limit.
OVER_LIMIT_STATUS = {
    "fc": 413,
    "fc2": 413,
    "scf": 413,
    "scf-url": 406,
    "aws-v1": 413,
    "aws-v2": 413,
    "alb": 413,
    "huawei": 413,
    "azure": 413,
    "gcf": 413,
    "openwhisk": 413,
    "fn": 413,
}


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_a_declared_length_over_the_platform_limit_is_refused_before_the_body_is_read(platform):
    if platform not in OVER_LIMIT_STATUS:
        pytest.skip(f"{platform} documents no request body limit (self-hosted: the operator sets one)")
    with gateway_on_a_thread(platform) as address:
        client = connect(address)
        client.sendall(b"POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\nabc")
        # Answered at once (well before the body timeout could), and the connection closed.
        answer = read_until_closed(client, patience_s=TEST_LIMITS.body_timeout_s * 0.8)
        client.close()
        status = OVER_LIMIT_STATUS[platform]
        assert answer.startswith(b"HTTP/1.1 %d " % status), answer


def test_a_chunked_body_is_refused_as_soon_as_it_grows_over_the_limit():
    with gateway_on_a_thread(
        "alb", ReadLimits(header_timeout_s=1.0, body_timeout_s=PATIENCE_S * 2)
    ) as address:
        client = connect(address)
        client.sendall(b"POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(17):  # just over ALB's 1 MB, and no last chunk: the body never ends
            client.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = read_until_closed(client)
        client.close()
        assert answer.startswith(b"HTTP/1.1 413 "), answer
