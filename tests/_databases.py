"""Database servers for the samples' tests: a fresh database per test, and killing its connections.

The development and CI machines run PostgreSQL at 127.0.0.1:5432 (trust auth, user ``postgres``)
and MariaDB at 127.0.0.1:3306 (``root``, no password); ``BRIDGE_TEST_POSTGRESQL_URL`` and
``BRIDGE_TEST_MARIADB_URL`` point elsewhere. Each kind keeps one administrative connection for the
whole test session (creating, dropping and killing go through it); a test that needs a server that
does not answer is skipped, naming the address and the error.

A test database is named ``faas_bridge_<what>_<random>``: created empty, with the URL the samples
read from ``DATABASE_URL``, and dropped after the test even when the app still holds connections.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest

#: The server kinds, and the URL of their administrative database.
ADMIN_URLS: Dict[str, str] = {
    "postgresql": os.environ.get(
        "BRIDGE_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get("BRIDGE_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/mysql"),
}
CONNECT_TIMEOUT_S = 5


class DatabaseServer:
    """One server, through one administrative connection (autocommit)."""

    def __init__(self, kind: str, admin_url: str) -> None:
        self.kind = kind
        parts = urlsplit(admin_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (5432 if kind == "postgresql" else 3306)
        self.user = parts.username or ("postgres" if kind == "postgresql" else "root")
        self.password = parts.password or ""
        self._connection = self._connect(parts.path.lstrip("/"))

    def _connect(self, database: str) -> Any:
        if self.kind == "postgresql":
            import psycopg

            return psycopg.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=database,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
            )
        import pymysql

        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
        )

    def url(self, database: str) -> str:
        """The ``DATABASE_URL`` of ``database`` on this server, as a user would write it."""
        scheme = "postgresql" if self.kind == "postgresql" else "mysql"
        credentials = self.user + (f":{self.password}" if self.password else "")
        return f"{scheme}://{credentials}@{self.host}:{self.port}/{database}"

    def _execute(self, statement: str, parameters: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
        with self._connection.cursor() as cursor:
            cursor.execute(statement, parameters or None)
            return list(cursor.fetchall()) if cursor.description else []

    def create_database(self, what: str) -> str:
        """A new, empty database; its name."""
        name = f"faas_bridge_{what}_{uuid.uuid4().hex[:10]}"
        if self.kind == "postgresql":
            self._execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        else:
            # utf8mb4, whatever the server's default: four-byte characters (emoji) fit.
            self._execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return name

    def drop_database(self, name: str) -> None:
        if self.kind == "postgresql":
            # FORCE (PostgreSQL 13+) ends the connections an app or a stopped worker left behind.
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            self.kill_connections(name)
            self._execute(f"DROP DATABASE IF EXISTS `{name}`")

    def connections(self, database: str) -> List[int]:
        """The ids of the other sessions connected to ``database``."""
        if self.kind == "postgresql":
            query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        else:
            query = "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()"
        return [row[0] for row in self._execute(query, (database,))]

    def kill_connections(self, database: str) -> int:
        """Close, from the server side, every connection to ``database``; how many there were.

        What a server's idle timeout, a restart or a NAT gateway forgetting the flow does to the
        connections of a frozen function instance.
        """
        if self.kind == "postgresql":
            query = (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()"
            )
            return sum(1 for (terminated,) in self._execute(query, (database,)) if terminated)
        killed = 0
        for connection_id in self.connections(database):
            with contextlib.suppress(Exception):  # it may have ended by itself meanwhile
                self._execute(f"KILL {int(connection_id)}")
                killed += 1
        return killed

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()

    def broken(self) -> Optional[str]:
        """Why the server, though it answers, cannot serve an app; None when it can."""
        if self.kind != "mariadb":
            return None
        try:
            # Column listings go through an on-disk temporary table, in the server's tmpdir.
            self._execute("DESCRIBE mysql.db")
        except Exception as exc:
            tmpdir = self._execute("SELECT @@tmpdir")[0][0]
            return (
                f"MariaDB at {self.host}:{self.port} answers but fails a DESCRIBE ({exc}): its "
                f"tmpdir {tmpdir} must be writable by the server (a /tmp without mode 1777?)"
            )
        return None


_servers: Dict[str, DatabaseServer] = {}
_unreachable: Dict[str, str] = {}
_broken: Dict[str, str] = {}


def database_server(kind: str) -> DatabaseServer:
    """The test session's connection to the ``kind`` server; skips the test when it does not
    answer, and fails it when it answers but cannot serve an app."""
    if kind not in _servers and kind not in _unreachable:
        admin_url = ADMIN_URLS[kind]
        try:
            _servers[kind] = DatabaseServer(kind, admin_url)
        except ImportError as exc:
            _unreachable[kind] = f"no driver for {kind} ({exc}): pip install -e .[dev]"
        except Exception as exc:  # the driver's own error types: refused, timed out, auth
            where = urlsplit(admin_url).netloc
            _unreachable[kind] = f"{kind} is not reachable at {where}: {type(exc).__name__}: {exc}"
        else:
            _broken[kind] = _servers[kind].broken() or ""
    if kind in _unreachable:
        pytest.skip(_unreachable[kind])
    if _broken[kind]:
        pytest.fail(_broken[kind])
    return _servers[kind]


@contextlib.contextmanager
def fresh_database(kind: str, what: str) -> Iterator[Tuple[DatabaseServer, str]]:
    """A new database on the ``kind`` server for the block, dropped after it: (server, name)."""
    server = database_server(kind)
    name = server.create_database(what)
    try:
        yield server, name
    finally:
        server.drop_database(name)
