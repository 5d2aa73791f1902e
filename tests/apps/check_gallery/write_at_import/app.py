"""Hazard: a cache file created next to the code when the module is imported."""

from pathlib import Path

from flask import Flask

app = Flask(__name__)
Path(__file__).with_name("cache.json").write_text("{}")  # check: write-outside-tmp


@app.get("/")
def index():
    return "hello"
