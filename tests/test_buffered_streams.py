"""Honest buffering: in event mode, where the platform returns responses whole, a streamed response
(a WSGI generator of several chunks, ASGI ``more_body``) is buffered up to the platform's limit with
one warning per instance naming the mode that streams; past the limit, the documented 502."""

from __future__ import annotations

import logging

import pytest
from apps import gated_streaming_apps

from bridge import Bridge
from bridge.emulators import get_emulator
from bridge.emulators._base import GatewayRequest

MB = 1024 * 1024


def _invoke(handler: Bridge, platform: str, path: str):
    emulator = get_emulator(platform)
    request = GatewayRequest("GET", emulator.url_prefix + path, [("Accept", "*/*")])
    return emulator.invoke(handler, request, request_id="req-1")


def _warnings(caplog) -> list:
    return [r for r in caplog.records if r.name == "bridge" and r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    "platform,hint",
    [
        ("fc", "FC: use --mode web"),
        ("scf", "SCF: use --mode web"),
        ("huawei", "Huawei: use --mode web"),
        ("aws-v1", "AWS: build with --streaming and call through a Function URL"),
        ("aws-v2", "AWS: build with --streaming and call through a Function URL"),
        ("alb", "AWS: an ALB target cannot stream"),
    ],
)
@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_a_streamed_response_is_buffered_with_one_warning_per_instance(platform, hint, framework, caplog):
    app = gated_streaming_apps.flask_app if framework == "flask" else gated_streaming_apps.fastapi_app
    handler = Bridge(app)
    caplog.set_level(logging.WARNING, logger="bridge")
    for _ in range(3):
        response = _invoke(handler, platform, "/events")
        assert response.status == 200
        assert response.body == b"event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n"
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert hint in warnings[0].getMessage()
    assert "buffered" in warnings[0].getMessage()


def test_a_whole_response_gives_no_warning(caplog):
    caplog.set_level(logging.WARNING, logger="bridge")
    response = _invoke(Bridge(gated_streaming_apps.flask_app), "aws-v2", "/hello")
    assert response.body == b"hello"
    assert _warnings(caplog) == []


@pytest.mark.parametrize("platform,limit", [("alb", 1), ("aws-v2", 6)])
def test_a_stream_past_the_platforms_limit_is_the_documented_502(platform, limit, caplog):
    handler = Bridge(gated_streaming_apps.fastapi_app)
    size = (limit + 1) * MB
    response = _invoke(handler, platform, f"/big?size={size}&chunk=65536")
    assert response.status == 502
    assert f"over the {limit} MB" in response.body.decode()
    assert len(_warnings(caplog)) == 1  # and it said which mode would have streamed it
