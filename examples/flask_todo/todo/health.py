"""``/health``: what a load balancer or a platform's health check polls."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .database import db

health = Blueprint("health", __name__)


@health.get("/health")
def check() -> ResponseReturnValue:
    # Ask the database too: an app that answers but cannot store anything is not healthy.
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}
