"""`bridge invoke TARGET --event NAME --file F`: one [events] entry fired with a vendor's sample event.

The sample is AWS's documented S3 put notification (tests/events/aws-s3-put.json, bucket
`example-bucket`, key `test%2Fkey`): naming the entry restricts the run to it, so a sample that does
not match that entry's source fails clearly instead of running another entry.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EVENTS = Path(__file__).parent / "events"

APP = """\
from flask import Flask, request

app = Flask(__name__)


@app.post("/internal/uploaded")
def uploaded():
    body = request.get_json()  # the neutral fields every vendor's storage event gives a route
    return {"seen": [body["job"], body["bucket"], body["key"]]}


@app.post("/internal/order")
def order():
    return {"order": True}
"""

PROJECT = """\
app = "web:app"
[events]
uploads = { source = "s3:example-bucket/", post = "/internal/uploaded" }
orders = { source = "sqs:orders", post = "/internal/order" }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "web.py").write_text(APP)
    (tmp_path / "bridge.toml").write_text(PROJECT)
    return tmp_path


def _invoke(project: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bridge", "invoke", "web:app", "--chdir", str(project)]
    return subprocess.run([*command, "--platform", "aws-v2", *args], capture_output=True, text=True)


def test_the_named_entry_runs_on_the_vendors_sample_event(project: Path) -> None:
    done = _invoke(project, "--event", "uploads", "--file", str(EVENTS / "aws-s3-put.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one object: the route's answer to the one record
    assert result["status"] == 200
    assert json.loads(result["body"]) == {"seen": ["uploads", "example-bucket", "test/key"]}


def test_a_sample_that_is_not_the_named_entrys_fails_clearly(project: Path) -> None:
    done = _invoke(project, "--event", "orders", "--file", str(EVENTS / "aws-s3-put.json"))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "matches no [events] source; sources: sqs:orders" in done.stdout  # only the named entry


def test_an_unknown_entry_and_a_file_without_a_name_say_what_to_change(project: Path) -> None:
    unknown = _invoke(project, "--event", "nightly", "--file", str(EVENTS / "aws-s3-put.json"))
    assert unknown.returncode == 1 and "no such [events] entry; events: uploads, orders" in unknown.stderr
    alone = _invoke(project, "--file", str(EVENTS / "aws-s3-put.json"))
    assert alone.returncode == 1 and "--file goes with --event NAME" in alone.stderr
