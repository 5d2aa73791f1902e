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
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List

import httpx
import pytest
from _serving import Served, bridge_serve, load_journey, sample_env

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


def _blog_env(database: Path) -> Dict[str, str]:
    # As deployed: no debug pages, WhiteNoise scans static files once.
    return sample_env(database, DJANGO_DEBUG="0")


@pytest.fixture(scope="module")
def blog_template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded SQLite file, made once; each gateway gets a copy."""
    database = tmp_path_factory.mktemp("blog-e2e") / "template.sqlite3"
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


def _run(journey: Callable[[httpx.Client], None], gateway: Served) -> None:
    """Run ``journey`` with a client of the app where the gateway mounts it (its URL prefix
    included); a failure shows what the gateway logged (each request, the app's errors)."""
    try:
        with httpx.Client(base_url=gateway.url, timeout=REQUEST_TIMEOUT_S) as client:
            journey(client)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bridge serve output ---\n{gateway.log}") from None
