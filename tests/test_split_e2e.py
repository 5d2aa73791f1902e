"""A split sample, end to end: every function of the plan in its own worker behind ``bridge serve``.

``bridge serve --project DIR --split ... --platform fc`` makes the plan, routes each request by the
plan's FC custom-domain table with FC's matching rule, and runs each function as the app behind
that function's route guard. The samples' own user journeys (``examples/*/journey.py``) must pass
unchanged across the functions, and the guard must refuse what is not its function's.

Each test has its own database through ``DATABASE_URL``, a SQLite file or a fresh PostgreSQL
database (``_databases``): the gateway and every worker share it, as a deployed split's functions
share one. What one function writes another reads, and the session cookie one function sets (Flask's
flash messages, Django's login, whose session lives in the database) works in the others. Each test
always stops the gateway and its workers.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Union

import httpx
import pytest
from _databases import fresh_database
from _serving import ROOT, bridge_serve, load_journey, sample_env

EXAMPLES = ROOT / "examples"
TODO = EXAMPLES / "flask_todo"
BLOG = EXAMPLES / "django_blog"
REQUEST_TIMEOUT_S = 60.0
# The gateway logs every request as "METHOD /path -> STATUS (N ms, FUNCTION)".
SERVED_BY = re.compile(r"^bridge: [A-Z]+ (\S+) -> (\d{3}) \([^,()]*, ([a-z][a-z0-9-]*)\)", re.M)

pytest.importorskip("flask_sqlalchemy")


@pytest.fixture(params=["sqlite", "postgresql"])
def split_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Union[Path, str]]:
    """The database every function of a split shares: a SQLite file, or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        yield tmp_path / "split.sqlite3"
        return
    with fresh_database(request.param, "split") as (server, name):
        yield server.url(name)


def served_by(log: str) -> Dict[str, List[str]]:
    """Function name -> the paths it answered, from the gateway's request log."""
    found: Dict[str, List[str]] = {}
    for path, _status, function in SERVED_BY.findall(log):
        found.setdefault(function, []).append(path)
    return found


def test_flask_todo_split_per_route_passes_the_whole_journey_across_functions(split_database):
    journey = load_journey(TODO, "split_e2e")
    env = sample_env(split_database)
    split = ("--project", str(TODO), "--split", "per-route", "--platform", "fc")
    with bridge_serve(*split, env=env) as gateway:
        with httpx.Client(base_url=gateway.url, timeout=REQUEST_TIMEOUT_S) as client:
            journey.run_journey(client)
            # Written through the API's function, read through the list page's.
            written = client.post("/api/todos", json={"title": "written by one function"})
            assert written.status_code == 201, written.text
            assert "written by one function" in client.get("/").text
            # The form's function puts the flash in the session cookie; the page's shows it.
            added = client.post("/todos", data={"title": "flashed across functions"})
            assert added.status_code == 303, added.text
            page = client.get(added.headers["location"])
            assert "Added “flashed across functions”." in page.text, page.text[:1000]
        served = served_by(gateway.log)
    # Every function of the plan served its own routes in its own worker; the catch-all the
    # static files. (/todos/{id}/edit, /toggle, /delete are one function: FC's /todos/* takes all.)
    assert set(served) == {
        "todo-root",
        "todo-todos",
        "todo-todos-todo-id",
        "todo-api-todos",
        "todo-api-todos-todo-id",
        "todo-health",
        "todo-default",
    }, gateway.log
    assert {"/api/todos", "/api/todos?done=1"} <= set(served["todo-api-todos"]), served
    assert served["todo-todos"] and set(served["todo-todos"]) == {"/todos"}, served
    assert "/" in served["todo-root"], served
    assert all(path.startswith("/todos/") for path in served["todo-todos-todo-id"]), served
    assert all(path.startswith("/static/") for path in served["todo-default"]), served["todo-default"]
    assert "route guard" not in gateway.log, gateway.log


def test_django_blog_split_per_django_app_passes_the_whole_journey(split_database):
    journey = load_journey(BLOG, "split_e2e")
    env = sample_env(split_database, DJANGO_SETTINGS_MODULE="blog_site.settings", DJANGO_DEBUG="0")
    credentials = {"username": "writer", "password": "correct horse battery staple"}
    for command in (
        ["migrate", "--noinput"],
        ["seed_blog", "--username", credentials["username"], "--password", credentials["password"]],
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BLOG,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    split = ("--project", str(BLOG), "--split", "per-django-app", "--platform", "fc")
    with bridge_serve(*split, env=env) as gateway:
        with httpx.Client(base_url=gateway.url, timeout=REQUEST_TIMEOUT_S) as client:
            journey.run_journey(client, **credentials)
            # The log-in function writes the session to the database; the admin's reads it.
            _log_in(client, **credentials)
            admin = client.get("/admin/blog/post/")
            assert admin.status_code == 200 and "Demo post 12" in admin.text, admin
        served = served_by(gateway.log)
    # Pages, log-in and log-out, the admin: each Django app's own function served its part.
    assert {"blog-blog", "blog-auth", "blog-admin"} <= set(served), gateway.log
    assert any(path.startswith("/accounts/login/") for path in served["blog-auth"]), served
    assert "/admin/blog/post/" in served["blog-admin"], served
    # Every route belongs to an app's function, so no function is made for no route: the biggest,
    # the admin, also takes what no route claims (WhiteNoise's /static/).
    assert "blog-default" not in served, served
    assert all(path.startswith(("/admin/", "/static/")) for path in served["blog-admin"]), served
    assert "route guard" not in gateway.log, gateway.log


def _log_in(client: httpx.Client, *, username: str, password: str) -> None:
    """Log in through Django's login form, as a browser posts it (CSRF token, cookie, Origin)."""
    form = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token, form.text[:500]
    origin = f"{form.url.scheme}://{form.url.netloc.decode('ascii')}"
    answer = client.post(
        form.url,
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        headers={"origin": origin, "referer": str(form.url)},
    )
    assert answer.status_code == 302, answer.text[:500]


def test_a_request_sent_to_the_wrong_function_gets_the_guards_404_naming_the_function(
    tmp_path, monkeypatch, caplog
):
    from bridge.apploader import load_target
    from bridge.emulators import GatewayRequest, get_emulator
    from bridge.project import load_project
    from bridge.split.plan import make_plan
    from bridge.split.routes import discover_routes
    from bridge.split.serving import function_handler, routes_document

    # Import the sample as a worker does: from its root, on this test's own database.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'todo.sqlite3'}")
    monkeypatch.chdir(TODO)
    monkeypatch.syspath_prepend(str(TODO))
    project = load_project(TODO)
    app_routes = discover_routes(load_target(project.app))
    plan = make_plan(project, app_routes, split="per-route", gateways=("fc",))
    routes_file = tmp_path / "bridge_routes.json"
    routes_file.write_text(json.dumps(routes_document(plan.functions, app_routes, app=project.app)))
    handler = function_handler("todo-health", str(routes_file))
    fc = get_emulator("fc", function_name="todo-health")

    with caplog.at_level(logging.WARNING, logger="bridge.split.guard"):
        refused = fc.invoke(handler, GatewayRequest("GET", "/api/todos"), request_id="wrong-function")
    assert refused.status == 404 and refused.body == b"Not Found"
    assert any(
        "/api/todos" in record.getMessage() and "function todo-health" in record.getMessage()
        for record in caplog.records
    ), caplog.text
    # Its own route it answers. The catch-all is not guarded: it answers any route it is sent.
    caplog.clear()
    assert fc.invoke(handler, GatewayRequest("GET", "/health"), request_id="own").status == 200
    default = function_handler("todo-default", str(routes_file))
    assert fc.invoke(default, GatewayRequest("GET", "/health"), request_id="other").status == 200
    assert "route guard" not in caplog.text
