"""Where the todos are stored, and the command that creates the schema.

Any ``DATABASE_URL`` wins (PostgreSQL, MySQL or MariaDB: a database every instance shares).
Without one the app keeps a SQLite file in its instance folder, which is what ``flask run`` on a
laptop wants. On a function the code directory is read-only, so the file moves to the temp dir:
that works, but each instance then has its own private, short-lived copy of the data.
"""

from __future__ import annotations

import os
import tempfile
import uuid

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.orm import DeclarativeBase

SQLITE_FILENAME = "todo.sqlite3"
#: Passes of CREATE TABLE at startup while other instances race to create the same table.
CREATE_ATTEMPTS = 5
#: Driverless schemes a ``DATABASE_URL`` may use, and the SQLAlchemy dialect+driver they mean here
#: (see :func:`with_shipped_driver`).
SHIPPED_DRIVERS = {
    # Heroku-style providers still hand out `postgres://`, a scheme SQLAlchemy 1.4 dropped.
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def database_uri(app: Flask) -> str:
    """The SQLAlchemy URL for ``app`` when the config names none."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return with_shipped_driver(url)
    folder = app.instance_path
    if not _is_writable_dir(folder):
        folder = tempfile.gettempdir()
        app.logger.warning(
            "instance folder %s is not writable; keeping the SQLite database in %s instead. "
            "That data is private to this instance and lost when it stops: set DATABASE_URL "
            "to share one database between instances.",
            app.instance_path,
            folder,
        )
    # Always absolute: Flask-SQLAlchemy would resolve a relative SQLite path against the
    # instance folder, the very place that may be read-only.
    return "sqlite:///" + os.path.join(folder, SQLITE_FILENAME)


def with_shipped_driver(url: str) -> str:
    """``url`` naming the driver requirements.txt ships, when it names none.

    SQLAlchemy's default drivers are psycopg2 and mysqlclient, which need the database's C client
    libraries at install time (mysqlclient has no Linux wheel at all), so a function package built
    from wheels cannot hold them. The sample ships psycopg 3 (a binary wheel) and PyMySQL (pure
    Python) instead. A URL that names its driver (``postgresql+psycopg2://``) is kept as it is.
    https://docs.sqlalchemy.org/en/20/dialects/postgresql.html#module-sqlalchemy.dialects.postgresql.psycopg
    https://docs.sqlalchemy.org/en/20/dialects/mysql.html#module-sqlalchemy.dialects.mysql.pymysql
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # SQLAlchemy says what is wrong with it when the engine is made
    driver = SHIPPED_DRIVERS.get(parsed.drivername)
    if driver is None:
        return url
    parsed = parsed.set(drivername=driver)
    if driver.endswith("+pymysql") and "charset" not in parsed.query:
        # Four-byte UTF-8 (emoji) needs utf8mb4, MySQL's `utf8` being the three-byte subset; the
        # dialect takes the client charset from the URL:
        # https://docs.sqlalchemy.org/en/20/dialects/mysql.html#charset-selection
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed.render_as_string(hide_password=False)


def _is_writable_dir(path: str) -> bool:
    # Write a probe file instead of asking os.access: that is what SQLite will do, and it gives
    # the true answer for read-only mounts, ACLs and paths that run into a regular file.
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, f".write-probe-{uuid.uuid4().hex}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError:
        return False
    return True


def create_missing_tables() -> None:
    """``db.create_all()``, for instances that may start together on one new database."""
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            db.create_all()
            return
        except DatabaseError:
            # Another instance created the table between this one's check and its CREATE TABLE
            # (PostgreSQL reports a duplicate table or type, or picks a deadlock victim when two
            # create at once); the next pass finds the table once that one has committed. An
            # error of another kind (no permission, no database) comes back from the last pass.
            if attempt == CREATE_ATTEMPTS:
                raise


@click.command("init-db")
@with_appcontext
@click.option("--drop", is_flag=True, help="Drop every table first: all todos are lost.")
def init_db_command(drop: bool) -> None:
    """Create the tables that are missing."""
    if drop:
        db.drop_all()
    db.create_all()
    click.echo(f"Initialized the database at {db.engine.url.render_as_string(hide_password=True)}")

