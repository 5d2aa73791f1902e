"""Hazard: a view that sleeps while the request (and the bill) runs."""

import time

from flask import Flask

app = Flask(__name__)


@app.get("/report")
def report():
    time.sleep(5)  # check: sleep-in-request
    return "done"
