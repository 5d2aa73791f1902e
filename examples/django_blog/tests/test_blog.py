"""The blog example, served by gunicorn, at the root and under a stage prefix."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import httpx
import pytest


def test_journey_against_a_real_server(blog_server: httpx.Client, blog_run_journey, blog_credentials) -> None:
    blog_run_journey(blog_server, **blog_credentials)


def test_journey_under_a_stage_prefix(
    blog_server_under_prefix: httpx.Client, blog_run_journey, blog_credentials
) -> None:
    blog_run_journey(blog_server_under_prefix, **blog_credentials)


def test_journey_can_run_twice_on_one_database(
    blog_server: httpx.Client, blog_run_journey, blog_credentials
) -> None:
    blog_run_journey(blog_server, **blog_credentials)
    blog_run_journey(blog_server, **blog_credentials)


def test_pages_under_a_prefix_link_inside_it_only(blog_server_under_prefix: httpx.Client) -> None:
    page = blog_server_under_prefix.get("/").text
    assert 'href="/release/static/blog/style.css"' in page
    assert 'href="/release/posts/demo-post-12/"' in page
    assert 'href="/release/accounts/login/' in page
    assert 'href="/static/' not in page and 'href="/posts/' not in page
    admin_login = blog_server_under_prefix.get("/admin/login/").text
    assert 'href="/release/static/admin/css/base.css"' in admin_login


def test_one_process_links_each_request_under_its_own_prefix(blog_serve, blog_database: Path) -> None:
    # A function instance may serve a gateway's default domain (stage in the path) and a custom
    # domain (none) one after the other; static links must follow each request, not the first.
    # gunicorn takes a SCRIPT_NAME header from a trusted proxy (127.0.0.1) as the mount prefix.
    with blog_serve(blog_database) as client:
        pages = [
            client.get("/").text,
            client.get(client.base_url.join("/release/"), headers={"SCRIPT_NAME": "/release"}).text,
            client.get("/").text,
        ]
    assert 'href="/static/blog/style.css"' in pages[0]
    assert 'href="/release/static/blog/style.css"' in pages[1]
    assert 'href="/static/blog/style.css"' in pages[2]


def test_fresh_database_is_migrated_at_startup_when_asked(blog_serve, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    with blog_serve(empty, DJANGO_MIGRATE_AT_STARTUP="1") as client:
        home = client.get("/")
    assert home.status_code == 200, home.text[:500]
    assert "No posts yet." in home.text


def test_database_url_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from blog_site.database import choose_database

    monkeypatch.setenv("DATABASE_URL", "postgres://blog:secret@db.example:5432/blog")
    choice = choose_database(tmp_path)
    assert choice.config["ENGINE"] == "django.db.backends.postgresql"
    assert choice.config["NAME"] == "blog" and choice.config["HOST"] == "db.example"
    assert not choice.is_temporary


def test_server_connections_are_kept_and_checked_before_reuse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from blog_site.database import choose_database

    monkeypatch.setenv("DATABASE_URL", "postgres://blog@db.example:5432/blog")
    config = choose_database(tmp_path).config
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True


def test_mysql_urls_use_pymysql_when_mysqlclient_is_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pymysql

    from blog_site.database import choose_database

    monkeypatch.setenv("DATABASE_URL", "mysql://blog:secret@db.example:3306/blog")
    monkeypatch.delitem(sys.modules, "MySQLdb", raising=False)  # whatever an earlier test installed
    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("mysqlclient is installed, and Django uses it")
    choice = choose_database(tmp_path)
    assert choice.config["ENGINE"] == "django.db.backends.mysql"
    assert choice.config["NAME"] == "blog" and choice.config["PORT"] == 3306
    assert sys.modules["MySQLdb"] is pymysql, "Django's MySQL backend imports MySQLdb"


def test_sqlite_file_lives_in_the_project_dir_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from blog_site.database import choose_database

    monkeypatch.delenv("DATABASE_URL", raising=False)
    choice = choose_database(tmp_path)
    assert choice.config == {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    assert not choice.is_temporary


def test_unwritable_project_dir_falls_back_to_the_temp_dir_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from blog_site.database import choose_database

    # A regular file where the project directory should be stands in for a read-only code
    # directory: unlike chmod, it stops the probe even when the tests run as root.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    project_dir = tmp_path / "code"
    project_dir.write_text("not a directory")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    with caplog.at_level(logging.WARNING):
        choice = choose_database(project_dir)

    assert choice.config["NAME"] == str(tmp_path / "db.sqlite3")
    assert choice.is_temporary, "settings migrate a temporary database at startup"
    assert "not writable" in caplog.text and "DATABASE_URL" in caplog.text
