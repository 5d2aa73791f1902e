"""``access_log=``: one line per invocation on the ``bridge`` logger, plain or JSON, off by default."""

from __future__ import annotations

import json
import logging

import pytest
from _support import RecordingWSGI, load_event

from bridge import Bridge, ConfigError


class Context:
    aws_request_id = "req-42"
    function_name = "todo-api"

    def get_remaining_time_in_millis(self) -> int:
        return 30000


def _access_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and r.name == "bridge"]


def test_plain_line_has_method_path_status_duration_request_id_and_function(caplog):
    handler = Bridge(RecordingWSGI(), access_log=True)
    with caplog.at_level(logging.INFO, logger="bridge"):
        handler(load_event("aws-http-v2"), Context())
    [line] = _access_lines(caplog)
    method, path, status, duration, request_id, function = line.split(" ")
    assert (method, path, status, request_id, function) == ("POST", "/my/path", "200", "req-42", "todo-api")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0


def test_json_line(caplog):
    handler = Bridge(RecordingWSGI(status="404 Not Found"), access_log="json")
    with caplog.at_level(logging.INFO, logger="bridge"):
        handler(load_event("scf-apigw-realistic"), {"request_id": "scf-1", "function_name": "blog"})
    [line] = _access_lines(caplog)
    record = json.loads(line)
    assert record["method"] == "POST" and record["path"] == "/release/scf/mypath"
    assert (record["status"], record["request_id"], record["function"]) == (404, "scf-1", "blog")
    assert isinstance(record["duration_ms"], float)


def test_rejected_events_are_logged_too(caplog):
    event = load_event("aws-http-v2")
    event["rawPath"] = "no-slash"
    with caplog.at_level(logging.INFO, logger="bridge"):
        Bridge(RecordingWSGI(), access_log=True)(event, Context())
    assert any(" 400 " in line for line in _access_lines(caplog))


def test_off_by_default(caplog):
    with caplog.at_level(logging.INFO, logger="bridge"):
        Bridge(RecordingWSGI())(load_event("aws-http-v2"), Context())
    assert _access_lines(caplog) == []


def test_an_unknown_style_is_a_config_error():
    with pytest.raises(ConfigError, match="access_log"):
        Bridge(RecordingWSGI(), access_log="xml")
