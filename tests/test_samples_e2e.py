"""The two samples, end to end through ``bridge serve``: each sample's own user journey, unchanged,
with a real HTTP client, through every platform's local gateway.

The samples' own tests run the same journeys against a real server (Werkzeug, gunicorn), at the
root and under ``/release``; passing them here as well means a user sees the same site through
each gateway. One gateway per (sample, platform), one journey each; every gateway gets its own
SQLite file through ``DATABASE_URL`` and is always stopped.

Platforms: FC 3.0, FC 2.0 (default URL, under its ``/2016-08-15/proxy/...`` prefix), SCF API
Gateway on a custom domain (no stage in the URL), SCF Function URL, AWS HTTP API ``$default``;
and the stage forms, where the stage is part of the URL: SCF ``--stage release`` and AWS REST
``--stage prod``.

On a real database: each sample's journey on PostgreSQL and MariaDB as well as SQLite (above), each
in a database made for the test and dropped after it (``_databases``), and the connection an instance
keeps between invocations closed by the server in between, as it is when a frozen instance's
connection times out: the next request must still succeed.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, ContextManager, Dict, Iterator, List, Tuple, Union

import httpx
import pytest
from _databases import DatabaseServer, fresh_database
from _serving import Served, bridge_serve, load_journey, sample_env

from bridge import Bridge
from bridge.emulators import GatewayRequest, GatewayResponse, get_emulator

pytest.importorskip("flask_sqlalchemy")
pytest.importorskip("django")
pytest.importorskip("whitenoise")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TODO = EXAMPLES / "flask_todo"
BLOG = EXAMPLES / "django_blog"
REQUEST_TIMEOUT_S = 60.0
# `manage.py seed_blog`'s staff user (examples/django_blog/README.md).
BLOG_USER = {"username": "demo", "password": "demo"}

PLATFORMS: List[List[str]] = [
    ["--platform", "fc"],
    ["--platform", "fc2"],
    ["--platform", "scf"],
    ["--platform", "scf-url"],
    ["--platform", "aws-v2"],
    ["--platform", "scf", "--stage", "release"],
    ["--platform", "aws-v1", "--stage", "prod"],
    # As in the cloud: the app sees the platform's default domain over https.
    ["--platform", "fc", "--default-domain"],
    ["--platform", "scf", "--default-domain"],
]


def _platform_id(args: List[str]) -> str:
    return "-".join(arg.lstrip("-") for arg in args[1:])


DATABASE_SERVERS = ["postgresql", "mariadb"]


def _blog_env(database: Union[Path, str]) -> Dict[str, str]:
    # As deployed: no debug pages, WhiteNoise scans static files once.
    return sample_env(database, DJANGO_DEBUG="0")


def _migrate_and_seed_blog(database: Union[Path, str]) -> None:
    for command in (["migrate", "--noinput"], ["seed_blog"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=str(BLOG),
            env=_blog_env(database),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"manage.py {' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def blog_template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite file, made once; each gateway gets a copy."""
    database = tmp_path_factory.mktemp("blog-e2e") / "template.sqlite3"
    _migrate_and_seed_blog(database)
    return database


@pytest.mark.parametrize("platform", PLATFORMS, ids=_platform_id)
def test_flask_todo_journey_through_the_gateway(platform: List[str], tmp_path: Path) -> None:
    journey = load_journey(TODO, "e2e")
    env = sample_env(tmp_path / "todo.sqlite3")
    with bridge_serve("index:handler", "--chdir", str(TODO), *platform, env=env) as gateway:
        _run(journey.run_journey, gateway)


@pytest.mark.parametrize("platform", PLATFORMS, ids=_platform_id)
def test_django_blog_journey_through_the_gateway(
    platform: List[str], tmp_path: Path, blog_template_database: Path
) -> None:
    journey = load_journey(BLOG, "e2e")
    database = tmp_path / "blog.sqlite3"
    shutil.copyfile(blog_template_database, database)
    env = _blog_env(database)
    with bridge_serve("index:handler", "--chdir", str(BLOG), *platform, env=env) as gateway:
        _run(lambda client: journey.run_journey(client, **BLOG_USER), gateway)


def _client(gateway: Served) -> httpx.Client:
    """A client of the app where the gateway mounts it (its URL prefix included)."""
    return httpx.Client(base_url=gateway.url, timeout=REQUEST_TIMEOUT_S)


def _run(journey: Callable[[httpx.Client], None], gateway: Served) -> None:
    """Run ``journey`` with a client of the app where the gateway mounts it; a failure shows what
    the gateway logged (each request, the app's errors)."""
    try:
        with _client(gateway) as client:
            journey(client)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bridge serve output ---\n{gateway.log}") from None


# -- on a real database -------------------------------------------------------------------------


@pytest.fixture(params=DATABASE_SERVERS)
def todo_server_database(request: pytest.FixtureRequest) -> Iterator[Tuple[DatabaseServer, str]]:
    """A fresh, empty database on each server kind: (the server, the database's name)."""
    with fresh_database(request.param, "todo") as made:
        yield made


@pytest.fixture(scope="module", params=DATABASE_SERVERS)
def blog_server_database(request: pytest.FixtureRequest) -> Iterator[Tuple[DatabaseServer, str]]:
    """A migrated and seeded database for the blog on each server kind, shared by this module's
    tests (the journey makes unique titles): (the server, the database's name)."""
    with fresh_database(request.param, "blog") as (server, name):
        _migrate_and_seed_blog(server.url(name))
        yield server, name


# SQLite: the platform tests above run the same journeys on it.
def test_flask_todo_journey_on_a_database_server(todo_server_database: Tuple[DatabaseServer, str]) -> None:
    journey = load_journey(TODO, "db_e2e")
    server, name = todo_server_database
    with _serve_on_fc(TODO, sample_env(server.url(name))) as gateway:
        _run(journey.run_journey, gateway)


def test_django_blog_journey_on_a_database_server(blog_server_database: Tuple[DatabaseServer, str]) -> None:
    journey = load_journey(BLOG, "db_e2e")
    server, name = blog_server_database
    with _serve_on_fc(BLOG, _blog_env(server.url(name))) as gateway:
        _run(lambda client: journey.run_journey(client, **BLOG_USER), gateway)


def test_flask_todo_survives_its_connection_closed_by_the_server_between_invocations(
    todo_server_database: Tuple[DatabaseServer, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, name = todo_server_database
    with _todo_function(server.url(name), tmp_path, monkeypatch) as invoke:
        assert invoke("POST", "/api/todos", {"title": "before the freeze"}).status == 201
        # The instance kept its pooled connection after the invocation: the server closes it.
        assert server.kill_connections(name) >= 1
        after = invoke("GET", "/api/todos")
        assert after.status == 200, after.body[:500]
        assert [todo["title"] for todo in json.loads(after.body)["todos"]] == ["before the freeze"]
        assert invoke("POST", "/api/todos", {"title": "after the thaw"}).status == 201


def test_without_pre_ping_the_first_request_after_the_close_fails(
    todo_server_database: Tuple[DatabaseServer, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control for the test above: the same app with the pool's pre-ping turned off answers
    # the request after the close with a 500, so the close is real and the setting is what saves it.
    server, name = todo_server_database
    with _todo_function(server.url(name), tmp_path, monkeypatch, SQLALCHEMY_ENGINE_OPTIONS={}) as invoke:
        assert invoke("GET", "/api/todos").status == 200
        assert server.kill_connections(name) >= 1
        assert invoke("GET", "/api/todos").status == 500
        assert invoke("GET", "/api/todos").status == 200, "the pool drops the dead connection"


_COLD_START_INSTANCE = """
import json, os, sys, time
import todo  # imported before the start signal: only create_app races, as on the platform
go = sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.001)
try:
    app = todo.create_app(instance_path=sys.argv[1])
    answer = app.test_client().get("/api/todos").json
    with app.app_context():
        todo.db.engine.dispose()
    print(json.dumps({"todos": answer}))
except Exception as exc:
    print(json.dumps({"failed": f"{type(exc).__name__}: {exc}"}))
"""


def test_todo_instances_cold_starting_together_on_a_new_database_all_start(
    todo_server_database: Tuple[DatabaseServer, str], tmp_path: Path
) -> None:
    # A split app's functions (or one function scaled out) may cold-start at once on a database
    # that has no table yet: each creates the missing table, and all but one lose that race.
    # Instances are processes, as on the platform (threads compiling at once also trip a CPython
    # 3.11 bug, "AST constructor recursion depth mismatch": github.com/python/cpython/issues/106905).
    server, name = todo_server_database
    env = sample_env(server.url(name), PYTHONPATH=str(TODO))
    go = tmp_path / "go"
    instances = [
        subprocess.Popen(
            [sys.executable, "-c", _COLD_START_INSTANCE, str(tmp_path / f"instance-{number}"), str(go)],
            cwd=str(TODO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for number in range(6)
    ]
    go.touch()
    answers = []
    for instance in instances:
        out, err = instance.communicate(timeout=120)
        assert instance.returncode == 0, err[-2000:]
        answers.append(json.loads(out.strip().splitlines()[-1]))
    assert answers == [{"todos": {"todos": []}}] * 6, answers


def test_django_blog_survives_its_connection_closed_by_the_server_between_invocations(
    blog_server_database: Tuple[DatabaseServer, str],
) -> None:
    server, name = blog_server_database
    with _serve_on_fc(BLOG, _blog_env(server.url(name))) as gateway, _client(gateway) as client:
        assert client.get("/").status_code == 200
        # CONN_MAX_AGE kept the connection open after the response: the server closes it.
        assert server.kill_connections(name) >= 1, gateway.log
        after = client.get("/")
        assert after.status_code == 200, f"{after.text[:500]}\n--- bridge serve output ---\n{gateway.log}"
        assert "Demo post 12" in after.text
        assert client.get("/posts/demo-post-1/").status_code == 200


def _serve_on_fc(sample: Path, env: Dict[str, str]) -> ContextManager[Served]:
    return bridge_serve("index:handler", "--chdir", str(sample), "--platform", "fc", env=env)


@contextlib.contextmanager
def _todo_function(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **config: object
) -> Iterator[Callable[..., GatewayResponse]]:
    """The todo app on ``url`` as a function instance, in this process: ``Bridge(app)`` invoked
    with FC 3.0 events; ``invoke(method, path, json_body=None)`` returns the gateway's response."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.syspath_prepend(str(TODO))
    todo = importlib.import_module("todo")
    app = todo.create_app(config or None, instance_path=str(tmp_path / "instance"))
    handler = Bridge(app)
    fc = get_emulator("fc")
    invocations = itertools.count()

    def invoke(method: str, path: str, json_body: object = None) -> GatewayResponse:
        headers = [("Content-Type", "application/json")] if json_body is not None else []
        body = json.dumps(json_body).encode() if json_body is not None else b""
        request = GatewayRequest(method, path, headers=headers, body=body)
        return fc.invoke(handler, request, request_id=f"invocation-{next(invocations)}")

    try:
        yield invoke
    finally:
        with app.app_context():
            todo.db.engine.dispose()  # before the database is dropped
