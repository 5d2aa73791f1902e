"""Notes: a Flask app made by a factory, with its SQLite database in the instance folder."""

import os
import sqlite3
import tempfile

from flask import Flask, current_app, g, jsonify, request


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    try:
        os.makedirs(app.instance_path, exist_ok=True)
    except OSError:
        # A function's code directory is read-only: keep per-instance data in the temp directory.
        app.instance_path = os.path.join(tempfile.gettempdir(), "notes-instance")
        os.makedirs(app.instance_path, exist_ok=True)
    app.config["DATABASE"] = os.path.join(app.instance_path, "notes.sqlite")

    @app.get("/")
    def home():
        return f"{os.environ.get('NOTES_GREETING', 'hi')} from notes"

    @app.get("/health")
    def health():
        return jsonify(instance_path=app.instance_path, tmpdir=tempfile.gettempdir())

    @app.get("/notes")
    def list_notes():
        rows = db().execute("SELECT text FROM note ORDER BY id").fetchall()
        return jsonify([row[0] for row in rows])

    @app.post("/notes")
    def add_note():
        db().execute("INSERT INTO note (text) VALUES (?)", (request.get_json()["text"],))
        db().commit()
        return jsonify(ok=True), 201

    @app.get("/admin/stats")
    def stats():
        return jsonify(notes=db().execute("SELECT count(*) FROM note").fetchone()[0])

    app.teardown_appcontext(close_db)
    return app


def db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT)")
    return g.db


def close_db(exc=None):
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()
