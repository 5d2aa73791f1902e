"""Fixtures for the blog example: the project served by gunicorn in a subprocess.

Django settings are global to a process, so each server runs in its own, on its own copy of a
migrated and seeded SQLite database. Fixture names start with ``blog_`` so they never shadow the
bridge's own fixtures.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import httpx
import pytest

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
if str(EXAMPLE_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_DIR))

USERNAME = "writer"
PASSWORD = "correct horse battery staple"


def _load_journey() -> ModuleType:
    # Loaded by path under its own name: the Flask example also has a `journey` module.
    spec = importlib.util.spec_from_file_location("django_blog_journey", EXAMPLE_DIR / "journey.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_journey = _load_journey()


def _blog_environment(database: Path, **overrides: str) -> dict[str, str]:
    """The environment of a blog process: this one's, minus its Django settings, on ``database``."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name != "DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="blog_site.settings",
        DJANGO_DEBUG="0",  # as deployed: WhiteNoise scans static files once, errors are not pages
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONUNBUFFERED="1",
    )
    environment.update(overrides)
    return environment


def _manage(database: Path, *args: str) -> str:
    """Run ``manage.py`` with ``args`` against ``database``; its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE_DIR,
        env=_blog_environment(database),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def _gunicorn(environment: dict[str, str], log: Path) -> Iterator[str]:
    """Serve the blog with gunicorn on a free port; yields ``http://127.0.0.1:<port>``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "blog_site.wsgi:application",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--threads",
        "4",
        "--chdir",
        str(EXAMPLE_DIR),
    ]
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, env=environment, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield _wait_until_listening(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # gunicorn names the port the OS picked for port 0 once its socket is bound.
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if found and "Booting worker" in log.read_text():
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def blog_seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file, migrated and seeded once per session; tests copy it rather than share it."""
    database = tmp_path_factory.mktemp("blog-template") / "db.sqlite3"
    _manage(database, "migrate", "--noinput")
    _manage(database, "seed_blog", "--username", USERNAME, "--password", PASSWORD)
    return database


@pytest.fixture
def blog_database(blog_seeded_database: Path, tmp_path: Path) -> Path:
    """This test's own copy of the seeded database."""
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(blog_seeded_database, database)
    return database


@pytest.fixture
def blog_credentials() -> dict[str, str]:
    """The staff user the seeded database has, as ``run_journey`` takes it."""
    return {"username": USERNAME, "password": PASSWORD}


@pytest.fixture
def blog_run_journey():
    """``journey.run_journey(client, *, username, password)``."""
    return _journey.run_journey


@pytest.fixture
def blog_serve(tmp_path: Path):
    """``blog_serve(database, prefix="", **environment)``: a context manager serving the blog with
    gunicorn on ``database`` and yielding an httpx client whose base_url is the site's root.

    A ``prefix`` is passed to gunicorn as SCRIPT_NAME, which moves it from PATH_INFO to SCRIPT_NAME
    as the bridge does with a gateway stage.
    """

    @contextmanager
    def serve(database: Path, prefix: str = "", **environment: str) -> Iterator[httpx.Client]:
        if prefix:
            environment["SCRIPT_NAME"] = prefix
        log = tmp_path / f"gunicorn-{time.monotonic_ns()}.log"
        with (
            _gunicorn(_blog_environment(database, **environment), log) as root_url,
            httpx.Client(base_url=root_url + prefix, timeout=10) as client,
        ):
            yield client

    return serve


@pytest.fixture
def blog_server(blog_serve, blog_database: Path) -> Iterator[httpx.Client]:
    """A client of the blog served by gunicorn at the root."""
    with blog_serve(blog_database) as client:
        yield client


@pytest.fixture
def blog_server_under_prefix(blog_serve, blog_database: Path) -> Iterator[httpx.Client]:
    """A client of the blog mounted at /release, as behind a gateway stage."""
    with blog_serve(blog_database, prefix="/release") as client:
        yield client
