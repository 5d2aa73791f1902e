"""The route guard: a carved function answers its own routes only, 404 and a log line otherwise."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

from bridge.project import project_from_dict
from bridge.split.guard import ASGIRouteGuard, RouteGuard, WSGIRouteGuard, guard
from bridge.split.plan import make_plan
from bridge.split.routes import Route

API = [
    Route("/api/items", ("GET", "POST"), "items", framework="flask"),
    Route("/api/items/{id:int}", ("GET",), "item", framework="flask"),
]
PAGES = [
    Route("/", ("GET",), "index", framework="flask"),
    Route("/api/items/{name}", ("PUT",), "rename", framework="flask"),
]
ALL = API + PAGES


def wsgi_call(app, path, method="GET", script_name=""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": script_name,
        "wsgi.input": io.BytesIO(),
    }
    status = []
    body = b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
    return status[0], body


def asgi_call(app, scope):
    sent = []

    async def receive():
        return (
            {"type": "http.request", "body": b"", "more_body": False}
            if scope["type"] == "http"
            else {"type": "websocket.connect"}
        )

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_wsgi_function_serves_its_own_routes(wsgi_app):
    guarded = RouteGuard(wsgi_app, API, "shop-api")
    assert isinstance(guarded, WSGIRouteGuard)
    assert wsgi_call(guarded, "/api/items/3") == ("200 OK", b"ok")
    assert wsgi_app.environ["PATH_INFO"] == "/api/items/3"


def test_another_path_gets_404_and_a_log_line_naming_the_function(wsgi_app, caplog):
    guarded = RouteGuard(wsgi_app, API, "shop-api")
    with caplog.at_level(logging.WARNING, logger="bridge.split.guard"):
        assert wsgi_call(guarded, "/admin/") == ("404 Not Found", b"Not Found")
    assert wsgi_app.environ == {}
    assert "GET /admin/ is not a route of function shop-api" in caplog.text


def test_a_wrong_method_on_an_own_path_reaches_the_app_for_its_405(wsgi_app):
    guarded = RouteGuard(wsgi_app, API, "shop-api")
    assert wsgi_call(guarded, "/api/items", "DELETE")[0] == "200 OK"


def test_with_every_app_route_the_guard_follows_the_apps_choice(wsgi_app, caplog):
    guarded = RouteGuard(wsgi_app, API, "shop-api", app_routes=ALL)
    # PUT /api/items/3: Flask skips the GET-only item route and gives it to rename, another function's.
    with caplog.at_level(logging.WARNING, logger="bridge.split.guard"):
        assert wsgi_call(guarded, "/api/items/3", "PUT")[0] == "404 Not Found"
    assert "PUT /api/items/3 is not a route of function shop-api" in caplog.text
    assert wsgi_call(guarded, "/api/items/3", "GET")[0] == "200 OK"


def test_a_utf8_path_is_matched_as_text(wsgi_app):
    guarded = RouteGuard(wsgi_app, [Route("/café", None, "cafe")], "f")
    assert wsgi_call(guarded, "/café".encode().decode("latin-1"))[0] == "200 OK"


def test_an_asgi_function_serves_its_routes_below_root_path(asgi_app):
    guarded = RouteGuard(asgi_app, API, "shop-api")
    assert isinstance(guarded, ASGIRouteGuard)
    sent = asgi_call(
        guarded, {"type": "http", "method": "POST", "path": "/stage/api/items", "root_path": "/stage"}
    )
    assert sent[0]["status"] == 200


def test_an_asgi_request_outside_the_routes_gets_404(asgi_app, caplog):
    guarded = RouteGuard(asgi_app, API, "shop-api")
    with caplog.at_level(logging.WARNING, logger="bridge.split.guard"):
        sent = asgi_call(guarded, {"type": "http", "method": "GET", "path": "/", "root_path": ""})
    assert sent[0]["status"] == 404 and sent[1]["body"] == b"Not Found"
    assert asgi_app.scope == {}
    assert "function shop-api" in caplog.text


def test_lifespan_passes_through_to_the_asgi_app():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asgi_call(RouteGuard(app, API, "shop-api"), {"type": "lifespan"})
    assert seen == ["lifespan"]


def test_a_websocket_outside_the_routes_is_closed():
    async def app(scope, receive, send):
        raise AssertionError("not reached")

    sent = asgi_call(RouteGuard(app, API, "shop-api"), {"type": "websocket", "path": "/ws", "root_path": ""})
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_catch_all_functions_run_unguarded(wsgi_app):
    plan = make_plan(
        project_from_dict({"app": "a:app", "name": "shop"}, root=Path(".")), ALL, split="per-route"
    )
    catch_all = plan.catch_all
    assert guard(wsgi_app, catch_all, ALL) is wsgi_app
    carved = next(f for f in plan.functions if not f.catch_all)
    assert isinstance(guard(wsgi_app, carved, ALL), RouteGuard)
