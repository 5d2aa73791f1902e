"""Where the todos are stored, and the command that creates the schema.

Any ``DATABASE_URL`` wins (PostgreSQL, MySQL: a database every instance shares). Without one the
app keeps a SQLite file in its instance folder, which is what ``flask run`` on a laptop wants. On a
function the code directory is read-only, so the file moves to the temp dir: that works, but each
instance then has its own private, short-lived copy of the data.
"""

from __future__ import annotations

import os
import tempfile
import uuid

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

SQLITE_FILENAME = "todo.sqlite3"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def database_uri(app: Flask) -> str:
    """The SQLAlchemy URL for ``app`` when the config names none."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style providers still hand out `postgres://`, a scheme SQLAlchemy 1.4 dropped.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        return url
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


@click.command("init-db")
@with_appcontext
@click.option("--drop", is_flag=True, help="Drop every table first: all todos are lost.")
def init_db_command(drop: bool) -> None:
    """Create the tables that are missing."""
    if drop:
        db.drop_all()
    db.create_all()
    click.echo(f"Initialized the database at {db.engine.url.render_as_string(hide_password=True)}")

