"""Housekeeping commands, run by a schedule as well as by hand (``flask --app todo purge-done``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .database import db
from .models import Todo


@click.command("purge-done")
@with_appcontext
def purge_done_command() -> None:
    """Delete the todos marked done (hourly: [schedules] in bridge.toml)."""
    deleted = db.session.execute(db.delete(Todo).where(Todo.done.is_(True))).rowcount
    db.session.commit()
    click.echo(f"Purged {deleted} done todo(s)")
