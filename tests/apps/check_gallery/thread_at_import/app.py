"""Hazard: a flusher thread started at import; it freezes between requests on a function."""

import threading
import time

from flask import Flask

app = Flask(__name__)
PENDING = []


def _flush():
    while True:
        time.sleep(1)


flusher = threading.Thread(target=_flush, name="flusher", daemon=True)  # check: background-thread
flusher.start()  # check: thread-at-import


@app.get("/")
def index():
    return "hello"
