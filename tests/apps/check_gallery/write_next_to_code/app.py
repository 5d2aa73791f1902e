"""Hazard: a log of visits appended next to the code (read-only on a function)."""

import os

from flask import Flask

app = Flask(__name__)
HERE = os.path.dirname(os.path.abspath(__file__))


@app.get("/")
def index():
    with open(os.path.join(HERE, "visits.log"), "a") as log:  # check: write-outside-tmp
        log.write("visit\n")
    return "hello"
