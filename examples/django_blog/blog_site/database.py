"""Which database the blog uses when settings are loaded.

``DATABASE_URL`` wins (PostgreSQL, MySQL, anything dj-database-url reads): one database every
instance shares. Without it, SQLite in the project directory, as ``manage.py runserver`` expects.
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

logger = logging.getLogger(__name__)


class DatabaseChoice(NamedTuple):
    """A Django ``DATABASES["default"]`` entry, and whether its data is temporary."""

    config: dict[str, Any]
    is_temporary: bool


def choose_database(project_dir: Path) -> DatabaseChoice:
    """The database named by ``DATABASE_URL``, else a SQLite file in the first writable place."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Keep connections across requests: a warm function serves many of them.
        return DatabaseChoice(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True), False)
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
