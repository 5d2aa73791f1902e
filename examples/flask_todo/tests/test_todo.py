"""The todo example, served over real HTTP, at the root and under a stage prefix."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx
import pytest
from flask import Flask
from werkzeug.test import Client


def test_journey_against_a_real_server(todo_server: httpx.Client, todo_run_journey) -> None:
    todo_run_journey(todo_server)


def test_journey_under_a_stage_prefix(todo_server_under_prefix: httpx.Client, todo_run_journey) -> None:
    todo_run_journey(todo_server_under_prefix)


def test_journey_can_run_twice_on_one_database(todo_server: httpx.Client, todo_run_journey) -> None:
    todo_run_journey(todo_server)
    todo_run_journey(todo_server)


def test_pages_under_a_prefix_link_inside_it_only(todo_server_under_prefix: httpx.Client) -> None:
    page = todo_server_under_prefix.get("/").text
    assert 'href="/release/static/style.css' in page
    assert 'action="/release/todos"' in page
    assert 'href="/static/' not in page and 'action="/todos' not in page
    outside_the_prefix = todo_server_under_prefix.get(todo_server_under_prefix.base_url.join("/health"))
    assert outside_the_prefix.status_code == 404


def test_unknown_paths_under_api_answer_json_and_pages_answer_html(todo_app: Flask) -> None:
    client = todo_app.test_client()
    api_miss = client.get("/api/nothing-here")
    assert api_miss.status_code == 404 and api_miss.is_json
    page_miss = client.get("/nothing-here")
    assert page_miss.status_code == 404 and page_miss.mimetype == "text/html"


def test_database_url_overrides_the_instance_folder(
    todo_create_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    app = todo_create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert database.exists()
    assert not (tmp_path / "instance" / "todo.sqlite3").exists()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        # Heroku-style `postgres://`, a scheme SQLAlchemy 1.4 dropped, and plain `postgresql://`.
        ("postgres://user:secret@db.example/todos", "postgresql+psycopg://user:secret@db.example/todos"),
        ("postgresql://user@db.example:5432/todos", "postgresql+psycopg://user@db.example:5432/todos"),
        ("mysql://root@db.example/todos", "mysql+pymysql://root@db.example/todos?charset=utf8mb4"),
        ("mariadb://u:p%40ss@db/t?ssl=1", "mariadb+pymysql://u:p%40ss@db/t?charset=utf8mb4&ssl=1"),
        # What the URL says itself is kept.
        ("mysql://root@db.example/t?charset=latin1", "mysql+pymysql://root@db.example/t?charset=latin1"),
        ("postgresql+psycopg2://db.example/todos", "postgresql+psycopg2://db.example/todos"),
        ("sqlite:////tmp/todo.sqlite3", "sqlite:////tmp/todo.sqlite3"),
    ],
)
def test_database_urls_get_the_driver_requirements_ships(
    given: str, used: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from todo.database import database_uri

    monkeypatch.setenv("DATABASE_URL", given)
    assert database_uri(Flask(__name__)) == used


def test_sqlite_file_lives_in_the_instance_folder_by_default(
    todo_create_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    app = todo_create_app(instance_path=str(instance))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'todo.sqlite3'}"
    assert (instance / "todo.sqlite3").exists()


def test_unwritable_instance_folder_falls_back_to_the_temp_dir_with_a_warning(
    todo_create_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A regular file where the folder's parent should be stands in for a read-only code
    # directory: unlike chmod, it stops the tests even when they run as root.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    blocker = tmp_path / "code"
    blocker.write_text("not a directory")
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp_dir))

    with caplog.at_level(logging.WARNING):
        app = todo_create_app(instance_path=str(blocker / "instance"))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{temp_dir / 'todo.sqlite3'}"
    assert (temp_dir / "todo.sqlite3").exists(), "tables are created in the fallback database"
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("not writable" in message and "DATABASE_URL" in message for message in warnings), warnings
    client = Client(app)
    assert client.post("/api/todos", json={"title": "kept in /tmp"}).status_code == 201
    assert [todo["title"] for todo in client.get("/api/todos").json["todos"]] == ["kept in /tmp"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only folders anyway")
def test_read_only_instance_folder_falls_back_to_the_temp_dir(
    todo_create_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "code" / "instance"
    instance.mkdir(parents=True)
    instance.chmod(0o555)
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp_dir))
    try:
        app = todo_create_app(instance_path=str(instance))
    finally:
        instance.chmod(0o755)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{temp_dir / 'todo.sqlite3'}"


def test_init_db_command_creates_the_tables(todo_create_app, tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    app = todo_create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}, instance_path=str(tmp_path / "instance")
    )
    result = app.test_cli_runner().invoke(args=["init-db", "--drop"])
    assert result.exit_code == 0, result.output
    assert "Initialized the database" in result.output
    assert app.test_client().get("/api/todos").json == {"todos": []}


def test_purge_done_deletes_only_the_done_todos(todo_app: Flask) -> None:
    client = todo_app.test_client()
    first = client.post("/api/todos", json={"title": "keep"}).get_json()
    second = client.post("/api/todos", json={"title": "finished"}).get_json()
    client.patch(f"/api/todos/{second['id']}", json={"done": True})
    result = todo_app.test_cli_runner().invoke(args=["purge-done"])
    assert result.exit_code == 0 and "Purged 1 done todo(s)" in result.output
    titles = [todo["title"] for todo in client.get("/api/todos").get_json()["todos"]]
    assert titles == [first["title"]]
