"""``bridge invoke``: one request through a platform, in process, with the event and answers printed."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bridge._errors import ConfigError
from bridge.emulators import get_emulator
from bridge.gateway import cli, invoke

APPS = Path(__file__).resolve().parent / "apps"
EVENTS = Path(__file__).resolve().parent / "events"


@pytest.fixture(autouse=True)
def _restore_cwd(monkeypatch):
    # --chdir changes the working directory of this process; put it back after each test.
    monkeypatch.chdir(Path.cwd())


def run(*args: str, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    code = invoke.run(*args, chdir=str(APPS), out=out, **kwargs)
    return code, out.getvalue()


def test_invoke_prints_the_event_the_platform_response_and_the_http_response():
    code, text = run("gateway_flask:app", "fc", method="GET", url="/hello?x=1")
    assert code == 0
    assert '"rawPath": "/hello"' in text
    assert '"queryParameters"' in text
    assert "--- platform response ---" in text and '"statusCode": 200' in text
    assert "HTTP 200" in text and '"message":"hello"' in text


def test_invoke_sends_headers_and_a_body_from_a_file(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"done": true}')
    emulator = get_emulator("scf")
    request = invoke.build_request(
        "POST",
        "/echo/todos?done=1",
        headers=["Accept: application/json", "X-Test: yes", "Content-Type: application/json"],
        data=invoke.read_data(f"@{body}"),
        emulator=emulator,
    )
    handler = invoke.load_handler("gateway_flask:app", "scf", chdir=str(APPS))
    result = invoke.invoke(handler, emulator, request=request)
    assert result.event["headers"]["x-test"] == "yes"
    echoed = json.loads(result.response.body)
    assert echoed["body"] == '{"done": true}'
    assert echoed["header"] == "yes"
    assert echoed["args"] == {"done": ["1"]}


def test_invoke_puts_the_stage_in_front_of_a_bare_path():
    emulator = get_emulator("scf", stage="release")
    request = invoke.build_request("GET", "/todos?x=1", emulator=emulator)
    assert request.target == "/release/todos?x=1"
    code, text = run("gateway_flask:app", "scf", method="GET", url="/echo/x", options={"stage": "release"})
    assert code == 0 and '"path": "/echo/x"' in text and "service-" in text


def test_invoke_with_a_documented_event_file():
    code, text = run("gateway_flask:app", "scf", event_file=str(EVENTS / "scf-apigw-documented.json"))
    assert code == 0
    assert "HTTP 404" in text  # the sample's /test/value is not a route of the app


def test_invoke_reports_what_the_gateway_rejects():
    code, text = run("gateway_flask:app", "alb", method="POST", url="/echo/x", data="x" * (1024 * 1024 + 1))
    assert code == 1
    assert "rejected by the alb gateway" in text and "HTTP 413" in text


def test_invoke_fc2_runs_the_wsgi_handler():
    code, text = run("gateway_flask:app", "fc2", method="GET", url="/hello")
    assert code == 0
    assert "/2016-08-15/proxy/bridge-service/bridge-function/hello" in text
    assert "HTTP 200" in text


def test_debug_opens_pdb_post_mortem_where_the_app_raised(monkeypatch):
    frames = []
    monkeypatch.setattr("pdb.post_mortem", lambda tb=None: frames.append(tb))
    code, text = run("gateway_flask:app", "aws-v2", method="GET", url="/boom", debug=True)
    assert len(frames) == 1
    innermost = frames[0]
    while innermost.tb_next is not None:
        innermost = innermost.tb_next
    assert innermost.tb_frame.f_code.co_name == "boom"
    assert "HTTP 500" in text


def test_fc_event_file_reaches_the_handler_as_bytes(tmp_path):
    seen = []

    def handler(event, context):
        seen.append(event)
        return {"statusCode": 204, "headers": {}, "body": ""}

    emulator = get_emulator("fc")
    raw = (EVENTS / "fc3-http-documented.json").read_bytes()
    result = invoke.invoke(handler, emulator, event=raw)
    assert seen == [raw] and result.response.status == 204


def test_cli_parses_curl_like_arguments(monkeypatch):
    calls = []
    monkeypatch.setattr(invoke, "run", lambda *args, **kwargs: calls.append((args, kwargs)) or 0)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(
        ["invoke", "app:app", "--platform", "scf", "/api?x=1", "-H", "A: b", "-d", "@f.json"]
    )
    assert args.run(args) == 0
    (target, platform), kwargs = calls[0]
    assert (target, platform) == ("app:app", "scf")
    assert (kwargs["method"], kwargs["url"]) == ("POST", "/api?x=1")
    assert (kwargs["headers"], kwargs["data"]) == (["A: b"], "@f.json")


def test_cli_rejects_an_option_the_platform_does_not_take():
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["invoke", "app:app", "--platform", "fc", "-o", "multi_value=true"])
    with pytest.raises(ConfigError):
        args.run(args)
