"""Which database the blog uses when settings are loaded.

``DATABASE_URL`` wins (PostgreSQL, MySQL or MariaDB, anything dj-database-url reads): one database
every instance shares. Without it, SQLite in the project directory, as ``manage.py runserver``
expects.
On a function the code directory is read-only; the file then goes to the temp dir, where it is
private to one instance, empty at each cold start and gone when the instance stops.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import dj_database_url

SQLITE_FILENAME = "db.sqlite3"
#: How long one connection is reused; past that the next request opens a new one.
CONN_MAX_AGE_S = 60

logger = logging.getLogger(__name__)


class DatabaseChoice(NamedTuple):
    """A Django ``DATABASES["default"]`` entry, and whether its data is temporary."""

    config: dict[str, Any]
    is_temporary: bool


def choose_database(project_dir: Path) -> DatabaseChoice:
    """The database named by ``DATABASE_URL``, else a SQLite file in the first writable place."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # A warm function serves many requests: keep its connection across them (CONN_MAX_AGE)
        # rather than open one per request. But the instance sits frozen between invocations,
        # and the server (or a proxy, or a NAT gateway) may close an idle connection meanwhile;
        # CONN_HEALTH_CHECKS (Django 4.1+) pings a reused connection before its first use in
        # each request and reconnects when it is dead, so the request after a thaw succeeds:
        # https://docs.djangoproject.com/en/stable/ref/databases/#persistent-connections
        config = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE_S, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.mysql":
            _use_pymysql_unless_mysqlclient()
        return DatabaseChoice(config, False)
    if _is_writable_dir(project_dir):
        return DatabaseChoice(_sqlite(project_dir / SQLITE_FILENAME), False)
    fallback = Path(tempfile.gettempdir()) / SQLITE_FILENAME
    # Settings load before Django configures logging; Python's last-resort handler still prints it.
    logger.warning(
        "%s is not writable; using the SQLite database %s instead. Its data is private to this "
        "instance and lost when it stops, and migrations run at startup. Set DATABASE_URL to share "
        "one database between instances.",
        project_dir,
        fallback,
    )
    return DatabaseChoice(_sqlite(fallback), True)


def _use_pymysql_unless_mysqlclient() -> None:
    # Django's MySQL backend imports mysqlclient (`MySQLdb`), which has no Linux wheel
    # (https://pypi.org/project/mysqlclient/#files): it builds against the MySQL client library,
    # so a function package made of wheels cannot hold it. PyMySQL is pure Python and installs
    # itself under that name (`install_as_MySQLdb`, https://github.com/PyMySQL/PyMySQL); Django's
    # list of drivers: https://docs.djangoproject.com/en/stable/ref/databases/#mysql-db-api-drivers
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        import pymysql

        pymysql.install_as_MySQLdb()


def _sqlite(path: Path) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def _is_writable_dir(path: Path) -> bool:
    # Write a probe file instead of asking os.access: SQLite needs to create its journal next to
    # the database, and a probe gives the true answer on read-only mounts too.
    probe = path / f".write-probe-{uuid.uuid4().hex}"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True
