"""The Kubeless Python runtime: ``handler(event, context)`` with a bottle request in the event.

The judge is bottle itself (the runtime's framework, from PyPI) inside the runtime's own routing
and process crossing as ``_kubeless.py`` does them (kubeless/runtimes ``stable/python``), reproduced
by :func:`bridge.emulators.kubeless.runtime_app`: the request and the answer cross a pickle as they
cross the runtime's process boundary, and bottle writes the answer.
"""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("bottle", reason="needs bottle, the Kubeless runtime's framework (dev extra)")

import bottle  # noqa: E402
from _support import RecordingWSGI  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bridge import Bridge  # noqa: E402
from bridge.emulators.fc2 import run_wsgi  # noqa: E402
from bridge.emulators.kubeless import CrossingRequest, runtime_app  # noqa: E402
from bridge.platforms import BY_NAME, CALL_PLATFORMS, EVENT_PLATFORMS  # noqa: E402

EVENTS = Path(__file__).resolve().parent / "events"
CONTEXT = {"function-name": "handler", "timeout": 180.0, "runtime": "python3.8", "memory-limit": "128Mi"}


def through_runtime(
    handler: Any, path: str = "/", context: Any = None, **request: Any
) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """``(status, headers, body)`` of ``handler`` served by the runtime's bottle app."""
    environ = EnvironBuilder(path=path, **request).get_environ()
    result = run_wsgi(runtime_app(handler, context or CONTEXT), environ)
    return int(result.status.split(" ", 1)[0]), result.headers, result.body


def kubeless_event(path: str = "/", namespace: Any = None, **request: Any) -> Dict[str, Any]:
    """An event as the runtime makes it, after the pickle (what the function gets)."""
    environ = EnvironBuilder(path=path, **request).get_environ()
    body = environ["wsgi.input"].read()
    event = {
        "data": body,
        "event-id": None,
        "event-type": None,
        "event-time": None,
        "event-namespace": namespace,
        "extensions": {"request": CrossingRequest(body, environ)},
    }
    return pickle.loads(pickle.dumps(event))


def flask_app() -> Any:
    import flask

    app = flask.Flask("kubeless_probe")

    @app.route("/<path:rest>", methods=["GET", "POST", "PATCH", "DELETE"])
    def echo(rest: str) -> Any:
        response = flask.make_response(
            {
                "path": flask.request.path,
                "script_root": flask.request.script_root,
                "link": flask.url_for("echo", rest="x"),
                "body": flask.request.get_data().decode("latin-1"),
            },
            201,
        )
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", expires=0)
        response.headers["X-Name"] = "café".encode().decode("latin-1")  # PEP 3333: UTF-8 bytes as latin-1
        return response

    return app


# --- detection ----------------------------------------------------------------------------------


def test_kubeless_is_a_dict_call_platform_and_no_json_platform_takes_its_event():
    kubeless = BY_NAME["kubeless"]
    assert kubeless in CALL_PLATFORMS and kubeless not in EVENT_PLATFORMS and kubeless.dict_call
    event = kubeless_event("/x")
    assert kubeless.matches_call(event, CONTEXT)
    assert not any(p.matches(event) for p in EVENT_PLATFORMS)
    assert not any(p.matches_call(event, CONTEXT) for p in CALL_PLATFORMS if p is not kubeless)


@pytest.mark.parametrize("sample", sorted(path.name for path in EVENTS.glob("*.json")))
def test_no_documented_event_of_another_platform_is_taken_for_kubeless(sample):
    event = json.loads((EVENTS / sample).read_text())
    assert not BY_NAME["kubeless"].matches_call(event, None)


# --- the answer, through bottle -----------------------------------------------------------------


def test_status_headers_and_several_set_cookie_survive_the_runtime():
    status, headers, body = through_runtime(Bridge(flask_app()), "/a/b", method="POST", data=b"\x00\xff")
    assert status == 201
    cookies = [value for name, value in headers if name.lower() == "set-cookie"]
    assert len(cookies) == 2 and cookies[0].startswith("a=1") and cookies[1].startswith("b=2")
    # bottle writes values as UTF-8: the app's bytes come out as they went in.
    assert ("X-Name", "café".encode().decode("latin-1")) in headers
    answer = json.loads(body)
    assert answer["path"] == "/a/b" and answer["body"] == "\x00\xff"


def test_the_runtime_routes_no_put_and_no_options():
    for method in ("PUT", "OPTIONS"):
        app = RecordingWSGI()
        status, headers, _ = through_runtime(Bridge(app), "/x", method=method)
        assert status == 405 and app.environ == {}


def test_the_runtime_parses_a_json_body_before_the_app_and_refuses_a_path_that_is_not_utf8():
    app = RecordingWSGI()
    status, _, _ = through_runtime(
        Bridge(app), "/x", method="POST", data=b"{", content_type="application/json"
    )
    assert status == 500 and app.environ == {}  # json.loads in the runtime, before the function
    status, _, body = through_runtime(Bridge(app), "/x", method="POST", data=b"{", content_type="text/plain")
    assert status == 200 and app.environ["PATH_INFO"] == "/x"
    environ = EnvironBuilder(path="/x").get_environ()
    environ["PATH_INFO"] = "/\xff"  # the byte 0xff, as a WSGI server hands it
    assert run_wsgi(runtime_app(Bridge(RecordingWSGI()), CONTEXT), environ).status.startswith("400")


def test_an_asgi_app_gets_the_body_the_runtime_read_before_the_pickle():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        message = await receive()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": scope["path"].encode() + b"|" + message["body"]})

    status, _, body = through_runtime(
        Bridge(app), "/a%2Fb/c", method="POST", data=b'{"k": 1}', content_type="application/json"
    )
    assert status == 200 and body == b'/a/b/c|{"k": 1}'


def test_an_asgi_app_is_stopped_within_the_functions_timeout_with_a_504():
    import asyncio
    import time

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await asyncio.sleep(30)

    started = time.monotonic()
    status, _, body = through_runtime(Bridge(app), "/slow", context={**CONTEXT, "timeout": 0.5})
    assert status == 504 and time.monotonic() - started < 5, body


def test_a_base_path_an_ingress_strips_becomes_the_mount_point():
    handler = Bridge(flask_app(), base_path="/shop")
    for path in ("/shop/a", "/a"):  # an Ingress that forwards the prefix, and one that strips it
        status, _, body = through_runtime(handler, path)
        answer = json.loads(body)
        assert status == 201 and answer["script_root"] == "/shop" and answer["path"] == "/a"
        assert answer["link"] == "/shop/x"


# --- bad input: a clear 400, one log line, the next call works ----------------------------------


def test_a_message_trigger_call_is_refused_with_the_reason(caplog):
    app = RecordingWSGI()
    handler = Bridge(app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        answer = handler(kubeless_event("/", "kafkatriggers.kubeless.io", method="POST", data=b"{}"), CONTEXT)
    assert isinstance(answer, bottle.HTTPResponse) and answer.status_code == 400
    assert b"kafkatriggers trigger is not an HTTP request" in answer.body
    assert app.environ == {} and len(caplog.records) == 1
    assert handler(kubeless_event("/ok"), CONTEXT).status_code == 200


def test_a_cronjob_trigger_call_is_the_get_it_is():
    # kubeless/cronjob-trigger pkg/utils/kubelessutil.go: `curl -Lv -H "Event-Namespace:
    # cronjobtrigger.kubeless.io" ... <function service>`, a plain GET of the function's root.
    app = RecordingWSGI()
    answer = Bridge(app)(kubeless_event("/", "cronjobtrigger.kubeless.io"), CONTEXT)
    assert answer.status_code == 200 and app.environ["PATH_INFO"] == "/"


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda e: e["extensions"].pop("request"), b"no bottle request"),
        (lambda e: e["extensions"]["request"].environ.pop("REQUEST_METHOD"), b"no REQUEST_METHOD"),
        (lambda e: e["extensions"]["request"].environ.update(HTTP_X_A=5), b"holds a int in 'HTTP_X_A'"),
        (lambda e: e["extensions"]["request"].environ.pop("bottle.request.body"), b"body could not be read"),
        (lambda e: e["extensions"]["request"].environ.update(HTTP_HOST="\u4e2d"), b"not a latin-1 string"),
    ],
)
def test_an_unreadable_event_gets_a_400_that_names_the_field(change, needle):
    app = RecordingWSGI()
    event = kubeless_event("/x")
    change(event)
    answer = Bridge(app)(event, CONTEXT)
    assert isinstance(answer, bottle.HTTPResponse) and answer.status_code == 400, answer.body
    assert needle in answer.body and app.environ == {}


def test_a_handler_for_another_platform_answers_a_kubeless_call_in_bottles_form():
    answer = Bridge(RecordingWSGI(), platform="fc")(kubeless_event("/x"), CONTEXT)
    assert isinstance(answer, bottle.HTTPResponse) and answer.status_code == 400
    assert b"platform='fc'" in answer.body and b"Kubeless" in answer.body


def test_a_kubeless_handler_rejects_a_json_event_as_another_platforms():
    event = json.loads((EVENTS / "aws-http-v2.json").read_text())
    result = Bridge(RecordingWSGI(), platform="kubeless")(event, None)
    assert result["statusCode"] == 400 and "platform='kubeless'" in result["body"]


def test_a_header_with_a_line_break_from_the_app_is_a_500_not_a_split_response():
    def app(environ, start_response):
        start_response("200 OK", [("X-Bad\r\nInjected", "1")])
        return [b"never"]

    status, headers, body = through_runtime(Bridge(app), "/x")
    assert status == 500 and b"never" not in body
    assert not any(name.lower().startswith("injected") for name, _ in headers)
