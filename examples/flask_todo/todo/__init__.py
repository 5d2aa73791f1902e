"""A small todo app: HTML pages, a JSON API under /api, and /health.

``flask --app todo run`` serves the module-level ``app``; ``index.py`` hands the same object to the
bridge. Tests build their own with :func:`create_app`.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from .api import api
from .database import create_missing_tables, database_uri, db, init_db_command
from .health import health
from .maintenance import purge_done_command
from .pages import pages

# Good enough for `flask run`; the session only carries flash messages, but set SECRET_KEY in any
# real deployment so nobody can forge them.
DEV_SECRET_KEY = "dev-only-not-secret"


def create_app(config: Mapping[str, Any] | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment, ``instance_path`` Flask's default."""
    app = Flask(__name__, instance_path=instance_path)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # A function instance sits frozen between invocations, and the database server (or a proxy,
    # or a NAT gateway) may close its idle connections meanwhile. pool_pre_ping tests a pooled
    # connection as it is checked out and replaces it when dead, so the first request after a
    # thaw does not fail on it; it costs one round trip per checkout, i.e. per request:
    # https://docs.sqlalchemy.org/en/20/core/pooling.html#disconnect-handling-pessimistic
    # Flask-SQLAlchemy hands these options to create_engine:
    # https://flask-sqlalchemy.readthedocs.io/en/stable/config/#flask_sqlalchemy.config.SQLALCHEMY_ENGINE_OPTIONS
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if config:
        app.config.from_mapping(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)

    db.init_app(app)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.cli.add_command(init_db_command)
    app.cli.add_command(purge_done_command)

    # Creating missing tables here costs one query per cold start and means a fresh SQLite file
    # (the temp-dir fallback on a function) works without running `init-db` first.
    with app.app_context():
        create_missing_tables()
    return app


app = create_app()
