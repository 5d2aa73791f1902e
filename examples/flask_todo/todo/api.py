"""The JSON API under ``/api``: list, create, read, update and delete todos.

Errors are JSON too, ``{"error": "..."}``: 400 for a request that is not JSON or has a bad query
string, 422 for JSON that breaks a rule, 404 for an unknown id.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from .database import db
from .models import InvalidTodo, Todo, clean_done, clean_title

api = Blueprint("api", __name__, url_prefix="/api")

# The query values of ?done= and the flag each one selects.
DONE_FILTERS = {"1": True, "0": False}
FIELDS = {"title": clean_title, "done": clean_done}


@api.get("/todos")
def list_todos() -> ResponseReturnValue:
    query = select(Todo).order_by(Todo.id)
    done = request.args.get("done")
    if done is not None:
        if done not in DONE_FILTERS:
            return _error(400, f"done must be one of {sorted(DONE_FILTERS)}, not {done!r}")
        query = query.where(Todo.done == DONE_FILTERS[done])
    return {"todos": [todo.to_json() for todo in db.session.scalars(query)]}


@api.post("/todos")
def create_todo() -> ResponseReturnValue:
    payload = _json_object()
    try:
        values = _clean(payload, required=("title",))
    except InvalidTodo as exc:
        return _error(422, str(exc))
    todo = Todo(**values)
    db.session.add(todo)
    db.session.commit()
    return todo.to_json(), 201, {"Location": url_for(".get_todo", todo_id=todo.id)}


@api.get("/todos/<int:todo_id>")
def get_todo(todo_id: int) -> ResponseReturnValue:
    return _todo_or_404(todo_id).to_json()


@api.route("/todos/<int:todo_id>", methods=["PUT", "PATCH"])
def update_todo(todo_id: int) -> ResponseReturnValue:
    todo = _todo_or_404(todo_id)
    payload = _json_object()
    # PUT replaces the todo, so it must say everything; PATCH changes what it names.
    required = tuple(FIELDS) if request.method == "PUT" else ()
    try:
        values = _clean(payload, required=required)
    except InvalidTodo as exc:
        return _error(422, str(exc))
    for name, value in values.items():
        setattr(todo, name, value)
    db.session.commit()
    return todo.to_json()


@api.delete("/todos/<int:todo_id>")
def delete_todo(todo_id: int) -> ResponseReturnValue:
    db.session.delete(_todo_or_404(todo_id))
    db.session.commit()
    return "", 204


@api.app_errorhandler(HTTPException)
def _json_error_under_api(error: HTTPException) -> ResponseReturnValue:
    # An app-wide handler, not a blueprint one: a blueprint's handlers only see errors raised in its
    # views, and an unknown path or method under /api matches no view. request.path leaves out the
    # mount prefix (SCRIPT_NAME), so the test holds under a stage prefix too.
    if not (request.path + "/").startswith(api.url_prefix + "/"):
        return error
    response = _error(error.code or 500, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # keeps Allow on a 405
            response.headers[name] = value
    return response


def _todo_or_404(todo_id: int) -> Todo:
    return db.get_or_404(Todo, todo_id, description=f"no todo with id {todo_id}")


def _json_object() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object, sent as Content-Type: application/json")
    return payload


def _clean(payload: dict[str, Any], *, required: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise InvalidTodo(f"unknown field(s): {', '.join(unknown)}; a todo has {', '.join(FIELDS)}")
    missing = [name for name in required if name not in payload]
    if missing:
        raise InvalidTodo(f"missing field(s): {', '.join(missing)}")
    return {name: FIELDS[name](value) for name, value in payload.items()}


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response
