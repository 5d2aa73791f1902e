"""Hazard: a SQLite file relative to the app, which Flask-SQLAlchemy puts in the instance folder."""

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"  # check: sqlite-file
db = SQLAlchemy(app)  # check: write-outside-tmp


@app.get("/")
def index():
    return "hello"
