"""FC 2.0's ``handler(environ, start_response)`` as a call platform: the one path every call takes.

The request itself (prefixes, bytes, bad environs) is covered by test_hardening, test_fuzz and the
emulator tests; these pin what moving FC 2.0 out of Bridge's core must keep, and what the shared
call path now gives every call platform.
"""

from __future__ import annotations

import logging

from _support import RecordingASGI, RecordingWSGI, event_bytes, fc2_environ

from bridge import Bridge
from bridge.platforms import BY_NAME, CALL_PLATFORMS, EVENT_PLATFORMS


class FCContext:
    request_id = "fc-req-1"


def _environ(**changes):
    return fc2_environ(**{"fc.context": FCContext(), **changes})


def _call(handler, environ):
    started = []
    body = b"".join(handler(environ, lambda status, headers, exc_info=None: started.append(status)))
    return started[-1], body


def test_fc2_is_a_call_platform_never_a_json_one():
    fc2 = BY_NAME["fc2"]
    assert fc2 in CALL_PLATFORMS and fc2 not in EVENT_PLATFORMS
    assert fc2.matches_call(_environ(), lambda *a: None)
    assert not fc2.matches_call(_environ(), FCContext())  # no start_response: not FC 2.0's call
    assert not fc2.matches(_environ())


def test_a_handler_for_fc2_rejects_a_json_event_as_another_platforms():
    result = Bridge(RecordingWSGI(), platform="fc2")(event_bytes("fc3-http-documented"), FCContext())
    assert result["statusCode"] == 400
    assert "platform='fc2'" in result["body"] and "FC 3.0" in result["body"]


def test_an_fc2_call_to_a_handler_for_another_platform_gets_the_mismatch_answer():
    app = RecordingWSGI()
    status, body = _call(Bridge(app, platform="fc"), _environ())
    assert status.startswith("400") and b"platform='fc'" in body and b"FC 2.0" in body
    assert app.environ == {}


def test_the_cold_start_hook_gets_fcs_context_not_start_response():
    for app in (RecordingWSGI(), RecordingASGI()):
        handler = Bridge(app, platform="fc2")
        seen = []
        handler.on_cold_start(seen.append)
        status, _ = _call(handler, _environ())
        assert status.startswith("200") and isinstance(seen[0], FCContext)


def test_an_unreadable_environ_is_reported_and_logged_with_fcs_context(caplog):
    reported = []
    handler = Bridge(RecordingWSGI(), access_log=True, on_error=lambda exc, req: reported.append(req))
    with caplog.at_level(logging.INFO, logger="bridge"):
        status, body = _call(handler, _environ(**{"fc.request_uri": 5}))
    assert status.startswith("400") and b"environ" in body
    assert isinstance(reported[0].context, FCContext)
    assert any(" 400 " in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_an_unreadable_google_request_is_in_the_access_log_too(caplog):
    from werkzeug.test import EnvironBuilder

    request = EnvironBuilder(path="/x").get_request()
    request.environ["REQUEST_METHOD"] = ""
    with caplog.at_level(logging.INFO, logger="bridge"):
        response = Bridge(RecordingWSGI(), access_log=True)(request)
    assert response.status_code == 400
    assert any(" 400 " in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_a_dict_with_wsgi_input_but_no_start_response_is_read_as_an_event():
    seen = []
    handler = Bridge(RecordingWSGI(), on_event=lambda event, context: seen.append(event) or "done")
    assert handler(_environ(), FCContext()) == "done" and seen
