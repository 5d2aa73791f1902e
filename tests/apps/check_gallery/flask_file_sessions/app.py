"""Hazard: Flask-Session's filesystem sessions, kept in ./flask_session (the code) by default."""

from flask import Flask

app = Flask(__name__)
app.config["SESSION_TYPE"] = "filesystem"  # check: file-store


@app.get("/")
def index():
    return "hello"
