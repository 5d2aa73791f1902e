"""Hazard: the development server started when the module is imported."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hello"


app.run(port=0)  # check: server-at-import
