"""The todo item, and the rules a title and a done flag must follow."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from .database import db

TITLE_MAX_LENGTH = 200


class InvalidTodo(ValueError):
    """A value a todo cannot hold; the message says which field and why."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    # PostgreSQL gives it back aware, in the session's time zone; SQLite and MySQL keep no zone and
    # give back the UTC wall time that was stored.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# MySQL's DATETIME keeps whole seconds unless asked for microseconds, as the other two keep them:
# https://dev.mysql.com/doc/refman/8.0/en/fractional-seconds.html
TIMESTAMP = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class Todo(db.Model):
    __tablename__ = "todos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, nullable=False, default=_utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "done": self.done,
            "created_at": _as_utc(self.created_at).isoformat(),
        }

    def __repr__(self) -> str:
        return f"<Todo {self.id} {self.title!r}{' done' if self.done else ''}>"


def clean_title(value: object) -> str:
    """``value`` as a title: a non-blank string of at most TITLE_MAX_LENGTH characters."""
    if not isinstance(value, str):
        raise InvalidTodo("title must be a string")
    title = value.strip()
    if not title:
        raise InvalidTodo("title must not be blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTodo(f"title must be at most {TITLE_MAX_LENGTH} characters, not {len(title)}")
    return title


def clean_done(value: object) -> bool:
    """``value`` as a done flag; only JSON booleans, so ``"false"`` is not silently true."""
    if not isinstance(value, bool):
        raise InvalidTodo("done must be true or false")
    return value
