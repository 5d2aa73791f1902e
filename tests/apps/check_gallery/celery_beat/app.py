"""Hazard: periodic jobs scheduled with Celery beat, which needs a long-running process."""

from flask import Flask

app = Flask(__name__)
app.config["CELERY_BEAT_SCHEDULE"] = {  # check: scheduler
    "nightly-report": {"task": "reports.nightly", "schedule": 86400},
}


@app.get("/")
def index():
    return "hello"
