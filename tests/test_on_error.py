"""``on_error=fn(exc, request)``: every exception that ends a request in an error response."""

from __future__ import annotations

import logging

from _support import RecordingWSGI, load_event

from bridge import Bridge, EventError, HTTPRequest, ResponseHeaderError


def test_the_apps_exception_reaches_the_hook_with_the_request():
    seen = []

    def app(environ, start_response):
        raise KeyError("missing")

    handler = Bridge(app, on_error=lambda exc, request: seen.append((exc, request)))
    result = handler(load_event("aws-http-v2"), None)
    assert result["statusCode"] == 500
    [(exc, request)] = seen
    assert isinstance(exc, KeyError) and isinstance(request, HTTPRequest)
    assert request.path == "/my/path" and request.event["rawPath"] == "/my/path"


def test_a_rejected_event_reaches_the_hook():
    seen = []
    event = load_event("aws-http-v2")
    event["rawPath"] = "no-slash"
    Bridge(RecordingWSGI(), on_error=lambda exc, request: seen.append(exc))(event, None)
    assert len(seen) == 1 and isinstance(seen[0], EventError)


def test_the_bridges_own_response_errors_reach_the_hook():
    seen = []
    app = RecordingWSGI(headers=[("X-Bad", "a\r\nb")])
    Bridge(app, on_error=lambda exc, request: seen.append(exc))(load_event("aws-http-v2"), None)
    assert len(seen) == 1 and isinstance(seen[0], ResponseHeaderError)


def test_a_failing_hook_is_logged_and_the_error_response_still_goes_out(caplog):
    def app(environ, start_response):
        raise ValueError("boom")

    def hook(exc, request):
        raise RuntimeError("sentry is down")

    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = Bridge(app, on_error=hook)(load_event("aws-http-v2"), None)
    assert result["statusCode"] == 500
    assert "on_error hook failed" in caplog.text and "sentry is down" in caplog.text


def test_no_hook_is_called_for_a_good_request():
    seen = []
    result = Bridge(RecordingWSGI(), on_error=lambda *a: seen.append(a))(load_event("aws-http-v2"), None)
    assert result["statusCode"] == 200 and seen == []
