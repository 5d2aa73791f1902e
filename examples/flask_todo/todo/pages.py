"""The HTML pages: list, add, edit, complete and delete todos.

Every form posts and then redirects (303 See Other), so a reload never submits twice and the
outcome reaches the next page as a flash message.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from .database import db
from .models import InvalidTodo, Todo, clean_title

pages = Blueprint("pages", __name__)

# The list page's filter tabs: the `show` query value and the done flag it selects.
FILTERS = {"all": None, "open": False, "done": True}


@pages.get("/")
def index() -> str:
    show = request.args.get("show", "all")
    if show not in FILTERS:
        show = "all"
    query = select(Todo).order_by(Todo.done, Todo.created_at.desc(), Todo.id.desc())
    if FILTERS[show] is not None:
        query = query.where(Todo.done == FILTERS[show])
    todos = db.session.scalars(query).all()
    return render_template("index.html", todos=todos, show=show, filters=list(FILTERS))


@pages.post("/todos")
def create() -> Response:
    try:
        title = clean_title(request.form.get("title", ""))
    except InvalidTodo as exc:
        flash(f"Could not add the todo: {exc}.", "error")
        return _back_to_list()
    todo = Todo(title=title)
    db.session.add(todo)
    db.session.commit()
    flash(f"Added “{todo.title}”.", "success")
    return _back_to_list()


@pages.route("/todos/<int:todo_id>/edit", methods=["GET", "POST"])
def edit(todo_id: int) -> ResponseReturnValue:
    todo = db.get_or_404(Todo, todo_id)
    error = None
    if request.method == "POST":
        try:
            todo.title = clean_title(request.form.get("title", ""))
        except InvalidTodo as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(f"Saved “{todo.title}”.", "success")
            return _back_to_list()
    return render_template("edit.html", todo=todo, error=error), (422 if error else 200)


@pages.post("/todos/<int:todo_id>/toggle")
def toggle(todo_id: int) -> Response:
    todo = db.get_or_404(Todo, todo_id)
    todo.done = not todo.done
    db.session.commit()
    flash(f"{'Completed' if todo.done else 'Reopened'} “{todo.title}”.", "success")
    return _back_to_list()


@pages.post("/todos/<int:todo_id>/delete")
def delete(todo_id: int) -> Response:
    todo = db.get_or_404(Todo, todo_id)
    db.session.delete(todo)
    db.session.commit()
    flash(f"Deleted “{todo.title}”.", "success")
    return _back_to_list()


def _back_to_list() -> Response:
    # 303 makes every client follow with a GET, whatever method the form used.
    return redirect(url_for(".index"), code=303)
