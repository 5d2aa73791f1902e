"""Fixtures for the todo example: an app on a throwaway database, served by a real HTTP server.

Fixture names start with ``todo_`` so they never shadow the bridge's own fixtures.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Iterator

import httpx
import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
if str(EXAMPLE_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_DIR))


def _import_todo_package() -> ModuleType:
    # `import todo` builds the module-level app, which would create a database in the instance
    # folder; point that one build at a throwaway file so the tests never touch the folder.
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = "sqlite://"  # in memory
    try:
        import todo
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved
    return todo


_todo_package = _import_todo_package()


def _load_journey() -> ModuleType:
    # Loaded by path under its own name: the Django example also has a `journey` module.
    spec = importlib.util.spec_from_file_location("flask_todo_journey", EXAMPLE_DIR / "journey.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_journey = _load_journey()


@pytest.fixture
def todo_create_app():
    """The example's app factory, ``todo.create_app``."""
    return _todo_package.create_app


@pytest.fixture
def todo_run_journey():
    """``journey.run_journey(client)``: the whole user visit, asserting as it goes."""
    return _journey.run_journey


@pytest.fixture
def todo_app(todo_create_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The todo app on its own SQLite file; the instance folder is a fresh tmp dir too."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return todo_create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'todo.sqlite3'}", "TESTING": True},
        instance_path=str(tmp_path / "instance"),
    )


def _serve(wsgi_app, base_path: str = "") -> Iterator[httpx.Client]:
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="todo-server", daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_port}{base_path}"
        with httpx.Client(base_url=base_url, timeout=10) as client:
            yield client
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def todo_server(todo_app) -> Iterator[httpx.Client]:
    """A client of the todo app served by Werkzeug's HTTP server at the root."""
    yield from _serve(todo_app)


@pytest.fixture
def todo_server_under_prefix(todo_app) -> Iterator[httpx.Client]:
    """A client of the todo app mounted at /release, as behind a gateway stage: SCRIPT_NAME is set."""
    yield from _serve(DispatcherMiddleware(NotFound(), {"/release": todo_app}), "/release")
