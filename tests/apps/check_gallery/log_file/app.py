"""Hazard: logging to a file in the working directory, which is the code package on a function."""

import logging

from flask import Flask

app = Flask(__name__)
app.logger.addHandler(logging.FileHandler("app.log"))  # check: log-file, write-outside-tmp


@app.get("/")
def index():
    return "hello"
