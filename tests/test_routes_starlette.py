"""``bridge routes`` on FastAPI/Starlette: APIRoute, routers, Mount (sub-app, Router, static), WebSocket."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from bridge.split.routes import discover_routes, route_for

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def shop_routes():
    sys.path.insert(0, str(APPS))
    try:
        return discover_routes(importlib.import_module("fastapi_shop").app)
    finally:
        sys.path.remove(str(APPS))


def rows(routes):
    return [(r.methods, r.path, r.endpoint, r.module, r.group_hint, r.kind, r.notes) for r in routes]


def test_fastapi_routes_with_routers_mounts_static_files_and_websockets(shop_routes):
    assert rows(shop_routes) == [
        (("GET",), "/users/", "list_users", "fastapi_shop", "users", "http", ()),
        (("POST",), "/users/", "create_user", "fastapi_shop", "users", "http", ()),
        (("GET",), "/users/{user_id:int}", "get_user", "fastapi_shop", "users", "http", ()),
        (("GET",), "/items/{item_id}", "get_item", "fastapi_shop", "items", "http", ()),
        (("PUT",), "/items/{item_id}", "put_item", "fastapi_shop", "items", "http", ()),
        (("GET",), "/reports/daily", "daily", "fastapi_shop", "reports", "http", ("mounted at /reports",)),
        (
            None,
            "/reports/{path:path}",
            "reports",
            "fastapi.applications",
            "reports",
            "mount",
            ("the mounted app's own 404 for paths it does not route",),
        ),
        (("GET", "HEAD"), "/legacy/ping", "legacy_ping", "fastapi_shop", "legacy", "http", ()),
        (("GET", "HEAD"), "/static/{path:path}", "static", "starlette.staticfiles", None, "static", ()),
        (("GET",), "/", "home", "fastapi_shop", "fastapi_shop", "http", ()),
        (None, "/ws", "ws", "fastapi_shop", None, "websocket", ("not servable by event functions",)),
    ]


def test_a_mount_takes_its_bare_prefix_with_a_slash(shop_routes):
    static = next(r for r in shop_routes if r.kind == "static")
    assert static.matches_path("/static/") and static.matches_path("/static/css/site.css")
    assert not static.matches_path("/static")


def test_a_mounted_app_answers_its_own_405_and_404(shop_routes):
    assert route_for(shop_routes, "/reports/daily", "POST").path == "/reports/daily"
    assert route_for(shop_routes, "/reports/weekly", "GET").kind == "mount"


def test_starlette_tries_the_next_route_for_another_method(shop_routes):
    assert route_for(shop_routes, "/users/", "POST").endpoint == "create_user"
    assert route_for(shop_routes, "/users/", "DELETE").endpoint == "list_users"  # its 405


def test_a_websocket_route_is_never_an_http_route(shop_routes):
    assert route_for(shop_routes, "/ws", "GET") is None
