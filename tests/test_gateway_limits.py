"""The local gateway against a hostile client or a hung function (issue 14, items 9–11).

Each test bounds its own run time: small timeouts configured for the test, a few connections,
traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from _serving import bridge_serve

from bridge.emulators import PLATFORM_NAMES, GatewayRequest
from bridge.gateway.worker import Worker, WorkerSpec

APPS = Path(__file__).resolve().parent / "apps"


def test_a_hung_function_answers_its_platform_error_at_the_timeout_and_the_next_request_runs():
    worker = Worker(WorkerSpec("gateway_flask:app", "fc", {}, str(APPS)))
    try:
        assert worker.invoke(GatewayRequest("GET", "/hello"), request_id="warm", timeout_s=60).response.status == 200
        started = time.monotonic()
        outcome = worker.invoke(GatewayRequest("GET", "/hang"), request_id="hung", timeout_s=1.0)
        answered_after = time.monotonic() - started
        assert outcome.response.status == 502 and "timed out" in outcome.error
        # At the timeout, not after a grace period for an instance that cannot hear the request to stop.
        assert answered_after < 3.0, answered_after
        assert worker.invoke(GatewayRequest("GET", "/hello"), request_id="next", timeout_s=60).response.status == 200
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
