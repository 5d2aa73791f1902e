"""The project definition and the split plan: strategies, groups, merges, conflicts, ``bridge plan``."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from bridge._errors import ConfigError
from bridge.cli import main
from bridge.project import load_project, project_from_dict
from bridge.split.plan import SplitConflictError, make_plan
from bridge.split.routes import Route
from bridge.split.tables import GATEWAYS

APPS = Path(__file__).parent / "apps"


def project(**data):
    return project_from_dict({"app": "shop:app", "name": "shop", **data}, root=Path("/srv/shop"))


def route(path, methods=None, hint=None, kind="http", **more):
    return Route(
        path=path, methods=methods, endpoint=path, group_hint=hint, kind=kind, framework="flask", **more
    )


def functions(plan):
    return {f.name: [r.path for r in f.routes] for f in plan.functions}


# --- the project definition -------------------------------------------------------------------


def test_tool_bridge_in_pyproject_is_the_project_definition(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "Todo_App"
        [tool.bridge]
        app = "todo:app"
        region = "cn-hangzhou"
        memory = 1024
        environment = { DB_URL = "${env.DB_URL}", DEBUG = 0 }
        [tool.bridge.groups]
        api = { routes = ["/api/*"], memory = 2048, concurrency = 10 }
        web = ["*"]
    """)
    )
    loaded = load_project(tmp_path)
    assert (loaded.app, loaded.name, loaded.region, loaded.memory, loaded.timeout) == (
        "todo:app",
        "todo-app",
        "cn-hangzhou",
        1024,
        30,
    )
    assert loaded.environment == {"DB_URL": "${env.DB_URL}", "DEBUG": "0"}  # references are never resolved
    assert loaded.split == "groups"
    assert loaded.groups["api"].memory == 2048 and loaded.groups["api"].concurrency == 10
    assert loaded.groups["web"].catch_all and loaded.runtime is None  # each platform's default
    assert loaded.requirements_path == tmp_path / "requirements.txt"


def test_bridge_toml_holds_the_same_keys_at_top_level(tmp_path):
    (tmp_path / "bridge.toml").write_text('django = "blog_site.settings"\nsplit = "per-django-app"\n')
    loaded = load_project(tmp_path)
    assert (loaded.app, loaded.django, loaded.split, loaded.name) == (
        "blog_site.settings",
        "blog_site.settings",
        "per-django-app",
        tmp_path.name.lower().replace("_", "-"),
    )


def test_two_project_definitions_are_refused(tmp_path):
    (tmp_path / "bridge.toml").write_text('app = "a:app"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.bridge]\napp = "a:app"\n')
    with pytest.raises(ConfigError, match="keep one of them"):
        load_project(tmp_path)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "app is missing"),
        ({"app": "a:app", "memroy": 1}, "unknown key.*memroy.*allowed"),
        ({"app": "a:app", "memory": 10}, "memory = 10 is out of range: use 64 to 32768"),
        ({"app": "a:app", "split": "per-file"}, "choose one of all-in-one, per-route"),
        ({"app": "a:app", "split": "groups"}, "needs a \\[groups\\] table"),
        ({"app": "a:app", "groups": {"api": ["api/*"]}}, "must start with '/'"),
        ({"app": "a:app", "groups": {"a": ["*"], "b": ["*"]}}, "only one group can take the rest"),
        ({"app": "a:app", "groups": {"API": ["/api/*"]}}, "group name 'API'"),
        ({"app": "a:app", "environment": {"X": ["no"]}}, "environment.X must be a string"),
    ],
)
def test_invalid_definitions_name_the_field_and_what_is_allowed(data, message):
    with pytest.raises(ConfigError, match=message):
        project_from_dict(data, root=Path("/srv/x"))


# --- strategies -------------------------------------------------------------------------------

ROUTES = [
    route("/", ("GET",), "pages"),
    route("/about", ("GET",), "pages"),
    route("/api/items", ("GET", "POST"), "api"),
    route("/api/items/{id:int}", ("GET", "DELETE"), "api"),
    route("/api/users/{id}", ("GET",), "api"),
    route("/static/{filename:path}", ("GET",), None, kind="static"),
    route("/ws", None, None, kind="websocket"),
]


def test_all_in_one_is_one_catch_all_function_named_after_the_project():
    plan = make_plan(project(), ROUTES)
    assert functions(plan) == {"shop": [r.path for r in ROUTES if r.kind != "websocket"]}
    assert plan.catch_all.name == "shop"
    assert plan.table("fc") == [plan.table("fc")[0]] and plan.table("fc")[0].path == "/*"
    assert plan.table("aws")[0].path == "$default"
    assert "websocket route /ws (/ws) is left out" in plan.notes[0]


def test_per_blueprint_gives_each_group_hint_a_function_and_the_rest_to_the_catch_all():
    plan = make_plan(project(split="per-blueprint"), ROUTES)
    assert functions(plan) == {
        "shop-pages": ["/", "/about"],
        "shop-api": ["/api/items", "/api/items/{id:int}", "/api/users/{id}"],
        "shop-default": ["/static/{filename:path}"],
    }
    assert [(e.path, e.methods, e.function) for e in plan.table("fc")] == [
        ("/api/items", None, "shop-api"),
        ("/about", None, "shop-pages"),
        ("/", None, "shop-pages"),
        ("/api/items/*", None, "shop-api"),
        ("/api/users/*", None, "shop-api"),
        ("/*", None, "shop-default"),
    ]
    assert [e.path for e in plan.table("aws")] == [
        "/api/items/{id}",
        "/api/users/{id}",
        "/api/items",
        "/",
        "/about",
        "$default",
    ]
    assert [e.path for e in plan.table("scf")] == [
        "=/api/items",
        "=/about",
        "=/",
        "/api/items/",
        "/api/users/",
        "/",
    ]
    assert [e.path for e in plan.table("nginx")] == [
        "= /api/items",
        "= /about",
        "= /",
        "/api/items/",
        "/api/users/",
        "/",
    ]


def test_per_prefix_groups_by_the_first_segments():
    plan = make_plan(project(), ROUTES, split="per-prefix", depth=2)
    assert functions(plan) == {
        "shop-about": ["/about"],
        "shop-api-items": ["/api/items", "/api/items/{id:int}"],
        "shop-api-users": ["/api/users/{id}"],
        "shop-default": ["/", "/static/{filename:path}"],
    }


def test_per_route_keeps_a_paths_methods_together():
    routes = [route("/items", ("GET",)), route("/items", ("POST",)), route("/items/{id}", ("GET",))]
    plan = make_plan(project(), routes, split="per-route")
    assert functions(plan) == {
        "shop-items": ["/items", "/items"],
        "shop-items-id": ["/items/{id}"],
    }
    # No function that serves no route (issue 9): the biggest function takes what no route claims.
    assert plan.catch_all.name == "shop-items"
    assert any("shop-items also takes the requests no route claims" in note for note in plan.notes)


def test_per_route_names_drop_converters_and_merged_paths_take_their_common_part():
    routes = [
        route("/todos/{todo_id:int}/edit", ("GET",)),
        route("/todos/{todo_id:int}/delete", ("POST",)),
        route("/api/todos/{todo_id:int}", ("GET",)),
    ]
    plan = make_plan(project(), routes, split="per-route")
    # FC has no one-segment wildcard: both /todos/{id}/... are /todos/* there, so they merge.
    assert functions(plan) == {
        "shop-todos-todo-id": ["/todos/{todo_id:int}/edit", "/todos/{todo_id:int}/delete"],
        "shop-api-todos-todo-id": ["/api/todos/{todo_id:int}"],
    }
    assert any("is named shop-todos-todo-id, after the paths it serves" in note for note in plan.notes)


def test_table_entries_take_every_method_so_the_app_answers_its_own_405():
    # DELETE /api/items is the app's 405 (its Allow header, its error body), not the gateway's.
    plan = make_plan(project(split="per-blueprint"), ROUTES)
    for name in ("fc", "aws", "scf", "nginx"):
        assert all(entry.methods is None for entry in plan.table(name)), name
        winners = GATEWAYS[name].select(plan.table(name), "/api/items", "DELETE")
        assert [entry.function for entry in winners] == ["shop-api"], name


def test_functions_fc_cannot_tell_apart_are_merged_and_the_note_says_why():
    routes = [route("/users/{id}", ("GET",), "users"), route("/users/{id}/posts", ("GET",), "posts")]
    plan = make_plan(project(split="per-blueprint"), routes)
    # Equal sizes: the first name survives.
    assert functions(plan) == {"shop-posts": ["/users/{id}", "/users/{id}/posts"]}
    # One line per merge, in plain words: which routes, why the gateway cannot separate them, where.
    merges = [n for n in plan.notes if "moved from shop-" in n]
    assert merges == [
        "/users/{id} moved from shop-users into shop-posts: the app sends GET /users/x to /users/{id}, "
        "but fc's pattern /users/* also takes it, so the gateway cannot keep the two functions apart"
    ]


def test_the_same_functions_stay_apart_when_only_aws_is_targeted():
    routes = [route("/users/{id}", ("GET",), "users"), route("/users/{id}/posts", ("GET",), "posts")]
    plan = make_plan(project(split="per-blueprint"), routes, gateways=["aws"])
    assert functions(plan) == {
        "shop-users": ["/users/{id}"],
        "shop-posts": ["/users/{id}/posts"],
    }
    assert [e.path for e in plan.table("aws")] == ["/users/{id}/posts", "/users/{id}", "$default"]
    with pytest.raises(ValueError, match="checked for aws only"):
        plan.table("fc")


def test_explicit_groups_carry_their_own_settings_and_the_star_group_is_the_catch_all():
    groups = {
        "api": {
            "routes": ["/api/*"],
            "memory": 1024,
            "timeout": 60,
            "environment": {"ROLE": "api"},
            "concurrency": 5,
        },
        "web": ["*"],
    }
    plan = make_plan(project(groups=groups, environment={"ROLE": "web", "DB": "x"}), ROUTES)
    api, web = plan.functions
    assert (api.name, api.memory, api.timeout, api.environment, api.concurrency, api.group) == (
        "shop-api",
        1024,
        60,
        {"ROLE": "api", "DB": "x"},
        5,
        "api",
    )
    assert (web.name, web.memory, web.catch_all, web.group) == ("shop-web", 512, True, "web")
    assert [r.path for r in web.routes] == ["/", "/about", "/static/{filename:path}"]


def test_a_true_conflict_between_groups_names_both_routes_and_both_functions():
    routes = [route("/users/{id}", ("GET",)), route("/users/{id}/posts", ("GET",))]
    groups = {
        "posts": ["/users/{id}/posts"],
        "users": ["/users/*"],
    }  # the first group that takes a route wins
    with pytest.raises(SplitConflictError) as caught:
        make_plan(project(groups=groups), routes)
    message = str(caught.value)
    assert "/users/{id}" in message and "/users/{id}/posts" in message
    assert "shop-users" in message and "shop-posts" in message and "same group" in message


def test_a_group_without_routes_is_left_out_with_a_note():
    plan = make_plan(project(groups={"admin": ["/admin/*"]}), ROUTES)
    assert [f.name for f in plan.functions] == ["shop-default"]
    assert "group admin takes no route and is left out" in plan.notes


def test_catch_all_routes_get_their_own_entries_where_another_function_would_take_them():
    routes = [route("/api/health", ("GET",), None), route("/api/{name}", ("GET",), "api")]  # match order
    plan = make_plan(project(split="per-blueprint"), routes)
    assert [(e.path, e.function) for e in plan.table("fc")] == [
        ("/api/health", "shop-default"),
        ("/api/*", "shop-api"),
        ("/*", "shop-default"),
    ]


# --- bridge plan ------------------------------------------------------------------------------


@pytest.fixture
def shop_project(tmp_path, monkeypatch):
    (tmp_path / "bridge.toml").write_text('app = "flask_shop:app"\nname = "shop"\nsplit = "per-blueprint"\n')
    for item in (APPS / "flask_shop").iterdir():
        if item.suffix == ".py":
            (tmp_path / "flask_shop").mkdir(exist_ok=True)
            (tmp_path / "flask_shop" / item.name).write_text(item.read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "flask_shop", raising=False)
    return tmp_path


def test_bridge_plan_prints_functions_notes_and_tables(shop_project, capsys):
    assert main(["plan", "--project", str(shop_project)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("project shop: 3 function(s)\n")
    assert "shop-api  memory=512MB timeout=30s" in out
    assert "moved from shop-pages into shop-default" in out
    assert "fc route table:" in out and "aws route table:" in out and "nginx route table:" in out


def test_bridge_plan_json_with_an_overridden_split(shop_project, capsys):
    assert (
        main(["plan", "--project", str(shop_project), "--split", "all-in-one", "--json", "--gateway", "fc"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [f["name"] for f in data["functions"]] == ["shop"]
    assert data["tables"] == {
        "fc": [{"path": "/*", "methods": None, "function": "shop", "priority": 1, "source": []}]
    }


def test_fastapi_docs_stay_together_in_a_per_route_split():
    from fastapi import FastAPI

    from bridge.split.routes import discover_routes

    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return {"id": item_id}

    plan = make_plan(project(), discover_routes(app), split="per-route")
    docs = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
    holding = [f for f in plan.functions if docs & {r.path for r in f.routes}]
    assert [f.name for f in holding] == ["shop-api-docs"]
    assert {r.path for r in holding[0].routes} == docs
    assert all(f.routes for f in plan.functions)  # no function that serves no route
