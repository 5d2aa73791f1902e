"""The AWS Lambda Runtime API bootstrap (bridge.aws_runtime), against a stand-in written from AWS's
documentation (tests/standins/lambda_runtime_api.py, parsing with h11).

What a streamed response must be: runtimes-custom.html "Response streaming" (the streaming header,
chunked transfer, error trailers) and the HTTP-integration form a Function URL relays (JSON prelude,
8 NUL bytes, body). Chunk timing is proved by order, never by a clock: the app waits on an event the
test sets only after the stand-in received the first chunk.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from _serving import child_env
from apps import gated_streaming_apps
from standins.lambda_runtime_api import STREAMING_TYPE, RuntimeAPIStandIn
from test_differential import IGNORED_HEADERS, RealServer

from bridge import Bridge
from bridge.aws_runtime import LambdaContext, Runtime, RuntimeAPI
from bridge.aws_runtime.wrapper import wrapper_script
from bridge.emulators import get_emulator
from bridge.emulators._base import GatewayRequest

TESTS = Path(__file__).resolve().parent
APPS = {"fastapi": gated_streaming_apps.fastapi_app, "flask": gated_streaming_apps.flask_app}


@pytest.fixture
def standin():
    with RuntimeAPIStandIn() as api:
        yield api


@pytest.fixture(autouse=True)
def released():
    gated_streaming_apps.release.set()
    yield
    gated_streaming_apps.release.set()  # never leave an app waiting


def function_url_event(path: str, method: str = "GET") -> Dict[str, Any]:
    emulator = get_emulator("aws-v2")
    event, _ = emulator.build_event(
        GatewayRequest(method, path, [("Accept", "*/*")], host="abc.lambda-url.us-east-1.on.aws"),
        request_id="req",
    )
    return event


def serve(standin: RuntimeAPIStandIn, handler: Any, streaming: bool, count: int = 1) -> threading.Thread:
    runtime = Runtime(RuntimeAPI(standin.address), handler, streaming)

    def loop() -> None:
        for _ in range(count):
            runtime.serve_one()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


# --- streaming: the first chunk leaves before the last is produced ------------------------------------


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_first_chunk_reaches_lambda_before_the_app_produces_the_last(standin, framework):
    gated_streaming_apps.release.clear()
    thread = serve(standin, Bridge(APPS[framework]), streaming=True)
    invocation = standin.invoke(function_url_event("/stream"))
    first = invocation.wait_for_body(len(b"first chunk\n"))
    # The app is blocked until release is set: the response cannot have ended.
    assert first == b"first chunk\n"
    assert not invocation.done.is_set()
    gated_streaming_apps.release.set()
    invocation.wait()
    thread.join(30)
    assert invocation.kind == "response"
    assert invocation.body == b"first chunk\nsecond chunk\nlast chunk\n"
    assert invocation.trailers == {}


def test_streamed_request_follows_the_documented_form(standin):
    serve(standin, Bridge(gated_streaming_apps.fastapi_app), streaming=True)
    invocation = standin.invoke(function_url_event("/stream")).wait()
    headers = invocation.headers
    assert headers["lambda-runtime-function-response-mode"] == "streaming"
    assert headers["transfer-encoding"] == "chunked"
    assert headers["content-type"] == STREAMING_TYPE
    declared = {name.strip() for name in headers["trailer"].split(",")}
    assert declared == {"Lambda-Runtime-Function-Error-Type", "Lambda-Runtime-Function-Error-Body"}
    prelude = invocation.prelude()
    assert prelude["statusCode"] == 200
    assert prelude["headers"]["content-type"] == "text/plain; charset=utf-8"
    # Several Set-Cookie travel in `cookies`, one item each, as Function URLs read them.
    assert [cookie.split(";")[0] for cookie in prelude["cookies"]] == ["a=1", "b=2"]


# --- the same bytes and headers as a real server --------------------------------------------------------


def _real(framework: str, path: str) -> Tuple[int, Dict[str, List[str]], bytes]:
    server = RealServer(APPS[framework], "asgi" if framework == "fastapi" else "wsgi")
    try:
        status, headers, body = server.request("GET", path, [("Accept", "*/*")], b"")
    finally:
        server.stop()
    return status, _grouped(headers), body


def _grouped(pairs: Any) -> Dict[str, List[str]]:
    grouped: Dict[str, List[str]] = {}
    for name, value in pairs:
        if name.lower() not in IGNORED_HEADERS:
            grouped.setdefault(name.lower(), []).append(value)
    return grouped


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
@pytest.mark.parametrize("path", ["/stream", "/events"])
def test_streamed_response_equals_the_real_servers(standin, framework, path):
    serve(standin, Bridge(APPS[framework]), streaming=True)
    invocation = standin.invoke(function_url_event(path)).wait()
    prelude = invocation.prelude()
    pairs = []
    for name, value in prelude["headers"].items():
        # A Function URL sends a comma-joined value as one header (RFC 9110 §5.3: the same field).
        pairs.append((name, value))
    pairs += [("set-cookie", cookie) for cookie in prelude.get("cookies", [])]
    got = (prelude["statusCode"], _grouped(pairs), invocation.body)
    assert got == _real(framework, path)


def _gunicorn(path: str) -> Tuple[int, Dict[str, List[str]], bytes]:
    """``path`` from the Flask app under gunicorn (a sync worker), as a web function would serve it."""
    import http.client
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--chdir", str(TESTS)]
    server = subprocess.Popen(
        [*command, "apps.gated_streaming_apps:flask_app"],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers={"Accept": "*/*"})
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        response = connection.getresponse()
        return response.status, _grouped(response.getheaders()), response.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("path", ["/stream", "/events"])
def test_flask_streamed_response_equals_gunicorns(standin, path):
    serve(standin, Bridge(gated_streaming_apps.flask_app), streaming=True)
    invocation = standin.invoke(function_url_event(path)).wait()
    prelude = invocation.prelude()
    pairs = list(prelude["headers"].items()) + [("set-cookie", c) for c in prelude.get("cookies", [])]
    assert (prelude["statusCode"], _grouped(pairs), invocation.body) == _gunicorn(path)


# --- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_error_mid_stream_goes_in_trailers_and_the_next_invocation_works(standin, framework, caplog):
    serve(standin, Bridge(APPS[framework]), streaming=True, count=2)
    broken = standin.invoke(function_url_event("/broken")).wait()
    assert broken.kind == "response"
    assert broken.prelude()["statusCode"] == 200
    assert broken.body == b"partial "
    assert broken.trailers["lambda-runtime-function-error-type"] == "Function.RuntimeError"
    error = json.loads(base64.b64decode(broken.trailers["lambda-runtime-function-error-body"]))
    assert error["errorType"] == "RuntimeError"
    # The trailer is forwarded to the client: no detail of the app's failure goes there.
    assert "secret" not in json.dumps(error)
    assert "secret detail" in caplog.text  # the log has it, once
    assert caplog.text.count("after its response began streaming") == 1
    after = standin.invoke(function_url_event("/events")).wait()
    assert after.trailers == {}
    assert after.body.startswith(b"event: tick")


def test_error_before_the_first_chunk_is_a_500_response(standin):
    def app(environ, start_response):
        raise ValueError("boom")

    serve(standin, Bridge(app), streaming=True)
    invocation = standin.invoke(function_url_event("/")).wait()
    assert invocation.prelude()["statusCode"] == 500
    assert invocation.body == b"Internal Server Error"
    assert invocation.trailers == {}


def test_buffered_mode_posts_the_handlers_result_and_reports_its_failure(standin):
    calls = []

    def handler(event, context):
        calls.append((event, context, os.environ.get("_X_AMZN_TRACE_ID")))
        if event.get("fail"):
            raise KeyError("missing")
        return {"statusCode": 200, "body": "ok"}

    serve(standin, handler, streaming=False, count=3)
    failed = standin.invoke({"fail": True}).wait()
    assert failed.kind == "error"
    assert failed.headers["lambda-runtime-function-error-type"] == "Runtime.Unhandled"
    assert failed.json()["errorType"] == "KeyError"
    bad = standin.invoke(b"{not json").wait()
    assert bad.kind == "error"
    assert bad.headers["lambda-runtime-function-error-type"] == "Runtime.UnmarshalError"
    good = standin.invoke({"n": 1}, trace_id="Root=1-abc").wait()
    assert good.kind == "response"
    assert good.json() == {"statusCode": 200, "body": "ok"}
    assert "lambda-runtime-function-response-mode" not in good.headers
    event, context, trace = calls[-1]
    assert event == {"n": 1} and trace == "Root=1-abc"
    assert isinstance(context, LambdaContext)
    assert context.aws_request_id == good.request_id
    assert context.invoked_function_arn == standin.function_arn
    assert 0 < context.get_remaining_time_in_millis() <= 30000


def test_streaming_mode_posts_a_non_http_events_result_whole(standin):
    handler = Bridge(gated_streaming_apps.flask_app, on_event=lambda event, context: {"handled": event["n"]})
    serve(standin, handler, streaming=True)
    invocation = standin.invoke({"n": 7}).wait()
    assert invocation.kind == "response" and not invocation.streamed
    assert invocation.json() == {"handled": 7}


def test_streaming_needs_a_bridge_handler():
    with pytest.raises(Exception, match="bridge.Bridge"):
        Runtime(RuntimeAPI("127.0.0.1:9"), lambda event, context: None, streaming=True)


# --- as Lambda starts it: the wrapper script execs the loop -----------------------------------------------


def _start(standin: RuntimeAPIStandIn, handler: str, tmp_path: Path) -> subprocess.Popen:
    wrapper = tmp_path / "wrapper"
    wrapper.write_text(wrapper_script(streaming=True))
    wrapper.chmod(0o755)
    env = child_env(
        {
            "AWS_LAMBDA_RUNTIME_API": standin.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(TESTS),
            "AWS_LAMBDA_FUNCTION_NAME": "app",
        }
    )
    # What Lambda runs: the wrapper, given the interpreter and the standard start-up's arguments.
    return subprocess.Popen(
        [str(wrapper), sys.executable, "/var/runtime/bootstrap.py"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_wrapper_script_runs_the_streaming_loop(standin, tmp_path):
    process = _start(standin, "apps.gated_streaming_apps.fastapi_handler", tmp_path)
    try:
        invocation = standin.invoke(function_url_event("/stream")).wait(60)
        assert invocation.streamed
        assert invocation.body == b"first chunk\nsecond chunk\nlast chunk\n"
        again = standin.invoke(function_url_event("/events")).wait(60)
        assert again.body == b"event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n"
    finally:
        process.kill()
        process.communicate(timeout=30)


def test_a_handler_that_fails_to_import_is_an_init_error(standin, tmp_path):
    process = _start(standin, "apps.no_such_module.handler", tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert standin.init_error_seen.is_set()
    headers, error = standin.init_errors[0]
    assert headers["lambda-runtime-function-error-type"] == "Runtime.ImportModuleError"
    assert error["errorType"] == "ModuleNotFoundError"
    assert b"could not be loaded" in output
