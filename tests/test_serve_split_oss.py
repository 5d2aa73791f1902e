"""``bridge serve --project`` on the open-source platforms: a split routed as their gateways route it.

The local gateway picks each request's function by the plan's table for the platform (OpenWhisk
API Gateway resources, OpenFaaS FunctionIngress paths, Fission HTTP triggers, Kubeless
HTTPTriggers) with that gateway's rule, and hands it over in the platform's own way: the OpenFaaS
ingress rewrites to ``/function/<name>/<path>``, the OpenWhisk API Gateway sends ``__ow_path`` and
``X-Forwarded-Url``, the Fission router forwards ``/`` for a ``relativeurl`` trigger with
``X-Fission-Full-Url`` and ``X-Fission-Params-*``, Kubeless's ingress rewrites a path to itself.
Each function then runs as that platform runs it (its emulator), and the app must answer every
request, with its links at the app's own paths, from the function the table picks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import httpx
import pytest
from _serving import bridge_serve, child_env
from test_split_oss import ITEMS_REQUESTS, route
from test_split_oss import items_root as items_root  # a fixture

from bridge.emulators import GatewayRequest, get_emulator
from bridge.gateway.split import FORWARDS, PlanRouteTable
from bridge.split.tables import GatewayRoute

pytest.importorskip("flask")

# The gateway logs every request as "METHOD /path -> STATUS (N ms, FUNCTION)".
SERVED_BY = re.compile(r"bridge: ([A-Z]+) (\S+) -> (\d{3}) \([^,()]*, ([a-z][a-z0-9-]*)\)")


def plan_table(root: Path, table: str) -> List[GatewayRoute]:
    """The plan's table for ``table``, as `bridge plan --json` prints it (a process of its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "plan", "--project", str(root), "--split", "per-route"]
        + ["--gateway", table, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(),
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["tables"][table]
    return [GatewayRoute(row["path"], None, row["function"]) for row in rows]


@pytest.mark.parametrize("platform", ["openwhisk", "openfaas", "fission", "kubeless"])
def test_a_split_is_served_from_the_function_the_platforms_table_picks(platform, items_root):
    if platform == "kubeless":
        pytest.importorskip("bottle")
    table = plan_table(items_root, platform)
    arguments = ["--project", str(items_root), "--platform", platform, "--split", "per-route"]
    with bridge_serve(*arguments, cwd=items_root) as served:
        assert served.prefix == ""  # the tables sit at the app's own paths
        with httpx.Client(base_url=served.url, timeout=60.0) as client:
            for method, path, expected in ITEMS_REQUESTS:
                answer = client.request(method, path + "?q=1")
                # The app's own answer, its links at the app's own paths: the guard let it through.
                assert (answer.status_code, answer.text) == (200, expected.format(root="")), (
                    platform,
                    method,
                    path,
                    served.log[-3000:],
                )
        log = served.log_with(SERVED_BY, len(ITEMS_REQUESTS))
    picked: Dict[str, str] = {f"{m} {p}": function for m, p, _status, function in SERVED_BY.findall(log)}
    for method, path, _ in ITEMS_REQUESTS:
        assert picked[f"{method} {path}?q=1"] == route(table, platform, method, path), (method, path)
    assert len(set(picked.values())) > 3  # several functions answered


def _forward(platform: str, entry: str, target: str, headers=()) -> GatewayRequest:
    table = PlanRouteTable([GatewayRoute(entry, None, "f")], platform, forward=FORWARDS[platform])
    (row,) = table.routes
    request = GatewayRequest("GET", target, headers=list(headers), host="shop.example")
    options = {"routed": True} if platform == "fission" else {}
    return table.forward(row, request, get_emulator(platform, function_name="f", **options))


def test_the_fission_router_forwards_slash_for_a_relative_url_and_the_whole_path_for_a_prefix():
    spoofed = [("X-Fission-Full-Url", "/elsewhere"), ("X-Fission-Params-id", "9")]
    forwarded = _forward("fission", "/items/{item_id}/tags/{tag}", "/items/7/tags/red?x=1", spoofed)
    assert forwarded.target == "/?x=1"
    # requesthHeader.go: Header.Set, so the client's values are replaced.
    assert forwarded.header("x-fission-full-url") == "/items/7/tags/red?x=1"
    assert forwarded.header("x-fission-params-item_id") == "7"
    assert forwarded.header("x-fission-params-tag") == "red"
    assert forwarded.header("x-fission-params-id") is None
    kept = _forward("fission", "/files/*", "/files/a/b.txt?x=1")
    assert kept.target == "/files/a/b.txt?x=1" and kept.header("x-fission-full-url") == "/files/a/b.txt?x=1"


def test_the_openwhisk_api_gateway_sends_the_path_and_the_public_url():
    forwarded = _forward("openwhisk", "/items/{itemid}", "/items/7?x=1", [("X-Forwarded-Url", "http://evil/")])
    assert forwarded.target == "/api/v1/web/guest/default/f/items/7?x=1"
    assert forwarded.header_values("x-forwarded-url") == ["http://shop.example/items/7?x=1"]


def test_openfaas_and_kubeless_ingresses_hand_the_app_its_own_path():
    assert _forward("openfaas", "(?-i)/(items/.*)", "/items/7?x=1").target == "/function/f/items/7?x=1"
    assert _forward("kubeless", "/(?-i)(items/.*)", "/items/7?x=1").target == "/items/7?x=1"
