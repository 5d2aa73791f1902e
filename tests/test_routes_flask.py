"""``bridge routes`` on Flask: url_map rules, blueprints, converters, strict_slashes, subdomains."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from bridge.cli import main
from bridge.split.routes import Route, discover_routes, route_for

APPS = Path(__file__).parent / "apps"
ANY = ("GET", "HEAD", "OPTIONS")


@pytest.fixture(scope="module")
def shop_routes():
    sys.path.insert(0, str(APPS))
    try:
        return discover_routes(importlib.import_module("flask_shop").app)
    finally:
        sys.path.remove(str(APPS))


def rows(routes):
    return [(r.methods, r.path, r.endpoint, r.module, r.group_hint, r.kind, r.notes) for r in routes]


def test_flask_routes_are_listed_in_werkzeug_match_order_with_blueprints_and_converters(shop_routes):
    assert rows(shop_routes) == [
        (ANY, "/", "pages.index", "flask_shop", "pages", "http", ()),
        (ANY, "/about", "pages.about", "flask_shop", "pages", "http", ("strict_slashes off",)),
        (ANY, "/healthz", "healthz", "flask_shop", None, "http", ()),
        (
            ANY,
            "/admin/",
            "admin.dashboard",
            "flask_shop",
            "admin",
            "http",
            ("subdomain admin", "redirects /admin to /admin/"),
        ),
        (
            ("GET", "HEAD", "OPTIONS", "POST"),
            "/api/items/",
            "api.items",
            "flask_shop",
            "api",
            "http",
            ("redirects /api/items to /api/items/",),
        ),
        (
            ("DELETE", "GET", "HEAD", "OPTIONS"),
            "/api/items/{item_id:int}",
            "api.item",
            "flask_shop",
            "api",
            "http",
            (),
        ),
        (ANY, "/api/prices/{amount:float}", "api.price", "flask_shop", "api", "http", ()),
        (ANY, "/api/orders/{order_id:uuid}", "api.order", "flask_shop", "api", "http", ()),
        (ANY, "/static/{filename:path}", "static", "flask.app", None, "static", ()),
        (ANY, "/docs/{page:path}", "pages.docs", "flask_shop", "pages", "http", ()),
        (ANY, "/{lang:lang}/welcome", "pages.welcome", "flask_shop", "pages", "http", ()),
    ]


def test_a_custom_converter_keeps_its_own_regex(shop_routes):
    welcome = next(r for r in shop_routes if r.endpoint == "pages.welcome")
    assert welcome.regex == r"^/(?:[a-z]{2})/welcome\Z"
    assert welcome.matches_path("/fr/welcome")
    assert not welcome.matches_path("/french/welcome")


def test_strict_slashes_routes_answer_the_path_without_the_slash(shop_routes):
    assert route_for(shop_routes, "/api/items", "POST").endpoint == "api.items"
    assert route_for(shop_routes, "/about/", "GET").endpoint == "pages.about"


def test_method_view_methods_come_from_its_handlers(shop_routes):
    assert route_for(shop_routes, "/api/items/3", "DELETE").endpoint == "api.item"
    assert route_for(shop_routes, "/api/items/x", "GET") is None


def test_bridge_routes_json_round_trips_to_the_same_routes(shop_routes, capsys, monkeypatch):
    monkeypatch.chdir(APPS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert main(["routes", "flask_shop:create_app()", "--chdir", str(APPS), "--json"]) == 0
    listed = [Route.from_dict(d) for d in json.loads(capsys.readouterr().out)]
    assert listed == shop_routes


def test_bridge_routes_prints_a_table(capsys, monkeypatch):
    monkeypatch.chdir(APPS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert main(["routes", "flask_shop", "--chdir", str(APPS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["METHODS", "PATH", "ENDPOINT", "MODULE", "GROUP", "NOTES"]
    assert lines[1].split() == ["GET,HEAD,OPTIONS", "/", "pages.index", "flask_shop", "pages"]
    assert lines[9].split() == [
        "GET,HEAD,OPTIONS",
        "/static/{filename:path}",
        "static",
        "flask.app",
        "-",
        "static",
    ]


TODO = Path(__file__).resolve().parents[1] / "examples" / "flask_todo"


@pytest.mark.skipif(not (TODO / "index.py").exists(), reason="examples/flask_todo not there yet")
def test_bridge_routes_on_the_flask_todo_sample():
    # A subprocess: the sample's package name (todo) must not clash with anything in this process.
    import os
    import subprocess

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "routes", "index:handler", "--chdir", str(TODO), "--json"],
        capture_output=True,
        text=True,
        cwd=str(root),
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(root)),
    )
    assert done.returncode == 0, done.stderr
    listed = [Route.from_dict(d) for d in json.loads(done.stdout)]
    post = ("OPTIONS", "POST")
    assert [(r.methods, r.path, r.endpoint, r.module, r.group_hint, r.kind) for r in listed] == [
        (ANY, "/", "pages.index", "todo.pages", "pages", "http"),
        (post, "/todos", "pages.create", "todo.pages", "pages", "http"),
        (ANY, "/health", "health.check", "todo.health", "health", "http"),
        (ANY, "/api/todos", "api.list_todos", "todo.api", "api", "http"),
        (post, "/api/todos", "api.create_todo", "todo.api", "api", "http"),
        (ANY, "/api/todos/{todo_id:int}", "api.get_todo", "todo.api", "api", "http"),
        (
            ("OPTIONS", "PATCH", "PUT"),
            "/api/todos/{todo_id:int}",
            "api.update_todo",
            "todo.api",
            "api",
            "http",
        ),
        (("DELETE", "OPTIONS"), "/api/todos/{todo_id:int}", "api.delete_todo", "todo.api", "api", "http"),
        (
            ("GET", "HEAD", "OPTIONS", "POST"),
            "/todos/{todo_id:int}/edit",
            "pages.edit",
            "todo.pages",
            "pages",
            "http",
        ),
        (post, "/todos/{todo_id:int}/toggle", "pages.toggle", "todo.pages", "pages", "http"),
        (post, "/todos/{todo_id:int}/delete", "pages.delete", "todo.pages", "pages", "http"),
        (ANY, "/static/{filename:path}", "static", "flask.app", None, "static"),
    ]
