"""The usual-event fast path against the careful path, on documented, varied and mutated events.

A WSGI app's request usually goes from the event to the environ directly:
``Platform.usual_request`` reads the event's fields, ``runners.wsgi.usual_environ`` builds the
environ, and no :class:`~bridge.HTTPRequest` is made (``benchmarks/hotpath.md``, sixth pass). The
careful path (``decode``, ``check_request``, ``run_wsgi``'s own environ) is the judge: wherever the
fast path takes an event, the app must be handed the same environ and the client must get the
same answer, byte for byte. The careful path itself is held to gunicorn and Werkzeug by
``test_differential.py``.

The events: AWS's documented samples (``tests/events``), the same events varied the way real
traffic varies (custom headers, cookies, queries, bodies, stages, hosts, ports, schemes), and
the fuzz suite's mutations (``test_fuzz.Mutator``).
"""

from __future__ import annotations

import copy
import logging
import random
from base64 import b64encode
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from _support import load_event
from test_fuzz import Mutator

from bridge import Bridge
from bridge._model import check_request
from bridge._options import Options
from bridge.platforms._base import Platform
from bridge.platforms.aws_alb import AwsAlb
from bridge.platforms.aws_v1 import AwsApiGatewayV1
from bridge.platforms.aws_v2 import AwsHttpApiV2
from bridge.platforms.fc3 import FC3
from bridge.platforms.scf import ScfApiGateway
from bridge.runners.asgi import build_scope, usual_scope
from bridge.runners.wsgi import build_environ, usual_environ

SAMPLES: Dict[str, Platform] = {
    "aws-http-v2": AwsHttpApiV2(),
    "aws-apigw-v1": AwsApiGatewayV1(),
    "aws-apigw-v1-usual-names": AwsApiGatewayV1(),
    "aws-alb": AwsAlb(),
    "aws-alb-multivalue": AwsAlb(),
    "fc3-http-captured": FC3(),
    "fc3-http-documented": FC3(),
    "scf-apigw-documented": ScfApiGateway(),
    "scf-apigw-realistic": ScfApiGateway(),
    "scf-apigw-repeated-query": ScfApiGateway(),
}
# Samples the careful path reads: SCF's realistic one flags its text body with the string "true";
# the REST and ALB multi-value ones repeat a header (one pair each for ASGI, joined for WSGI).
UNUSUAL_SAMPLES = {"scf-apigw-realistic", "aws-alb-multivalue", "aws-apigw-v1"}
# Each platform's event as the benchmarks send it, with the Host, port and scheme a gateway adds.
FORWARDED = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "x-forwarded-port": "443",
             "x-forwarded-proto": "https"}  # fmt: skip


class LambdaContext:
    """The attribute of the AWS Python runtime's context that the bridge reads."""

    aws_request_id = "8f6b4d2c-invocation"


def _base_event(name: str) -> Dict[str, Any]:
    """The documented sample, with the forwarded headers an AWS gateway adds (some samples lack them)."""
    if name == "aws-apigw-v1-usual-names":
        # The REST sample without its one unusual name (X-Custom): every name is one the fast path
        # lower-cases from its table, as in a browser's request.
        event = _base_event("aws-apigw-v1")
        for headers in _headers_of(event):
            del headers["X-Custom"]
        return event
    event = load_event(name)
    if not name.startswith("aws-"):  # FC's events name no forwarded headers: the defaults apply
        return event
    for headers in _headers_of(event):
        multi = headers is event.get("multiValueHeaders")
        present = {str(name).lower() for name in headers}
        for header, value in FORWARDED.items():
            if header not in present:
                headers[header] = [value] if multi else value
    return event


def _usual_form(event: Dict[str, Any]) -> Dict[str, Any]:
    """``event`` without what sends an unusual sample down the careful path (see UNUSUAL_SAMPLES)."""
    for headers in _headers_of(event):
        for name, value in headers.items():
            if isinstance(value, list):
                headers[name] = value[:1]
    if event.get("isBase64Encoded") == "true":
        event["isBase64Encoded"] = False
    return event


def _comparable(environ: Dict[str, Any]) -> Dict[str, Any]:
    seen = dict(environ)
    seen["wsgi.input"] = environ["wsgi.input"].getvalue()
    return seen


def _careful_environ(platform: Platform, event: Dict[str, Any], options: Options) -> Optional[Dict[str, Any]]:
    """What the careful path hands the app, or None where it refuses the event."""
    try:
        request = platform.decode(event, None, options)
        check_request(request)
        return _comparable(build_environ(request))
    except Exception:
        return None


# --- variations: what real traffic changes in an event ---------------------------------------------

PLAIN = ["x", "application/json", "text/plain; charset=utf-8", "a=1; b=2", "", "gzip", "1.2.3.4, 5.6.7.8"]
HEADER_NAMES = ["X-Api-Key", "x-api-requestid", "x-request-id", "Content-Type", "Content-Length",
                "Cookie", "Accept", "Transfer-Encoding", "X-Custom_Header", "X-Ünicode", "host",
                "HOST"]  # fmt: skip
HOSTS = ["api.example.com", "ABC.EXECUTE-API.US-EAST-1.AMAZONAWS.COM", "example.com:8443", "",
         "abc.execute-api.cn-north-1.amazonaws.com.cn", "[::1]", "h\u00e9llo.example.com"]  # fmt: skip
PATHS = ["/", "/prod", "/prod/items", "/a%20b", "/caf\u00e9", "/items/", "relative", "/x?y", "/%2F"]
QUERIES = [None, {}, {"a": "1"}, {"a": ["1", "2"]}, {"q": "a+b c"}, {"k": "caf\u00e9"}, {"flag": True}]
BODIES = [(None, False), ("", False), ('{"a": 1}', False), ("caf\u00e9", False),
          (b64encode(b"\x00\xffbinary").decode(), True), ("not base64!", True), ("x", "true")]  # fmt: skip


def _headers_of(event: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [event[key] for key in ("headers", "multiValueHeaders") if isinstance(event.get(key), dict)]


def vary(event: Dict[str, Any], rnd: random.Random) -> Dict[str, Any]:
    """``event`` with one to four changes of the kinds real requests differ by."""
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(10)
        maps = _headers_of(event)
        if kind < 3 and maps:
            name, value = rnd.choice(HEADER_NAMES), rnd.choice(PLAIN)
            if name in ("host", "HOST"):
                value = rnd.choice(HOSTS)
            for headers in maps:
                multi = headers is event.get("multiValueHeaders")
                headers[name] = [value] if multi else value
                if multi and rnd.random() < 0.1:
                    headers[name] = [value, "second"]
            if len(maps) == 2 and rnd.random() < 0.3:
                # AWS's two maps out of step: a name in one only, values that differ, a multi-value
                # entry that is not a list of strings (hand-written and console test events).
                single, multi = maps
                odd = rnd.choice([{"k": "v"}, "s", "", [], [{"k": "v"}], "other", ["other"]])
                target = rnd.choice([single, multi])
                if rnd.random() < 0.5:
                    target.pop(name, None)
                else:
                    target[name] = odd
        elif kind == 3 and maps:
            scheme = rnd.choice(["https", "http", "HTTPS", "", "ftp"])
            port = rnd.choice(["443", "80", "8080", ""])
            for headers in maps:
                multi = headers is event.get("multiValueHeaders")
                for name, value in (("X-Forwarded-Proto", scheme), ("X-Forwarded-Port", port),
                                    ("x-api-scheme", scheme)):  # fmt: skip
                    lname = name.lower() if name.lower() in headers else name
                    headers[lname] = [value] if multi else value
        elif kind == 4:
            path = rnd.choice(PATHS)
            event["rawPath" if "rawPath" in event else "path"] = path
        elif kind == 5:
            query = rnd.choice(QUERIES)
            if "rawQueryString" in event:
                event["rawQueryString"] = rnd.choice(["", "a=1&b=2", "q=caf\u00e9", "x=%41"])
            elif "queryParameters" in event:
                event["queryParameters"] = query
            elif "queryString" in event:
                event["queryString"] = query
            else:
                key = rnd.choice(["queryStringParameters", "multiValueQueryStringParameters"])
                event[key] = query
        elif kind == 6:
            body, flag = rnd.choice(BODIES)
            event["body"], event["isBase64Encoded"] = body, flag
            if "httpMethod" in event:
                event["httpMethod"] = rnd.choice(["POST", "PUT", "GET", "get", "PROPFIND"])
            else:
                event["requestContext"]["http"]["method"] = rnd.choice(["POST", "PATCH", "DELETE", "HEAD"])
        elif kind == 7:
            if "rawQueryString" in event:
                event["cookies"] = rnd.choice([["a=1"], ["a=1", "b=2"], [], ["caf\u00e9=1"], "a=1", [1]])
            elif "queryString" in event:
                identities = [{}, None, {"secretId": "AKID"}, {"secretId": "\u00e9"}]
                event["requestContext"]["identity"] = rnd.choice(identities)
                event["stageVariables"] = rnd.choice([None, {}, {"env": "prod"}])
            else:
                event["stageVariables"] = rnd.choice([None, {}, {"env": "prod"}])
        elif kind == 8:
            context = event.get("requestContext")
            if isinstance(context, dict) and "domainName" in context and rnd.random() < 0.5:
                context["domainName"] = rnd.choice(["", None, "x.fc.aliyuncs.com", "d\u00f6main.cn"])
            elif isinstance(context, dict) and "elb" not in context:
                context["stage"] = rnd.choice(["$default", "prod", "v1", "", None, "st\u00e4ge"])
                if rnd.random() < 0.3:
                    context["authorizer"] = rnd.choice(
                        [None, {}, {"principalId": "user"}, {"jwt": {"claims": {"sub": "s\u00fcb"}}},
                         {"claims": {"cognito:username": "ann"}}]
                    )  # fmt: skip
        else:
            source = rnd.choice(["192.0.2.1", "", "2001:db8::1", "not\nprintable", None])
            context = event.get("requestContext")
            if "rawPath" in event:
                context["http"]["sourceIp"] = source
            elif "queryString" in event:
                context["sourceIp"] = source
            elif isinstance(context, dict) and isinstance(context.get("identity"), dict):
                context["identity"]["sourceIp"] = source
    return event


OPTIONS = [Options(), Options(stage_in_url=True), Options(stage_in_url=False), Options(base_path="/api")]


def _events(name: str, count: int, seed: int) -> List[Tuple[Dict[str, Any], Options]]:
    rnd = random.Random(seed)
    out = [(_base_event(name), options) for options in OPTIONS]
    mutator = Mutator(rnd)
    for n in range(count):
        event = _usual_form(_base_event(name))
        # Most events varied as traffic varies; some mutated as the fuzz suite does.
        event = vary(event, rnd) if n % 4 else mutator.mutate(event)
        out.append((event, rnd.choice(OPTIONS)))
    return out


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(SAMPLES) - UNUSUAL_SAMPLES))
def test_documented_samples_take_the_fast_path(name):
    # The fast path is for the usual event; a documented sample that missed it would leave it unused.
    platform = SAMPLES[name]
    assert platform.usual_request(_base_event(name), Options()) is not None


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_fast_environ_is_the_careful_environ(name):
    platform = SAMPLES[name]
    taken = 0
    events = _events(name, 600, seed=sorted(SAMPLES).index(name))
    for event, options in events:
        if not platform.matches(event):  # Bridge asks only the platform whose event it is
            continue
        try:
            usual = platform.usual_request(event, options)
        except Exception as exc:  # Bridge then takes the careful path, which must refuse the event
            assert _careful_environ(platform, event, options) is None, f"{exc!r} on {event!r:.300}"
            continue
        if usual is None:
            continue
        taken += 1
        careful = _careful_environ(platform, event, options)
        assert careful is not None, f"the fast path took an event the careful path refuses: {event!r:.400}"
        fast = _comparable(usual_environ(usual, event, None, usual[10]))
        assert fast == careful, f"{event!r:.400}"
        request = platform.decode(event, None, options)
        assert usual_scope(usual, event, None, usual[10], {}) == build_scope(request, {}), f"{event!r:.400}"
    # Varied events are mostly usual ones: the comparison must have been made on many of them.
    assert taken > len(events) // 5, taken


def _recording_app(seen: List[Dict[str, Any]], answer: Callable[[Dict[str, Any]], Any]) -> Any:
    def app(environ: Dict[str, Any], start_response: Any) -> Any:
        seen.append(_comparable(environ))
        return answer(environ, start_response)

    return app


def _hello(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2"),
         ("X-Repeat", "1"), ("X-Repeat", "2")],
    )  # fmt: skip
    return [b"<p>", environ["PATH_INFO"].encode("latin-1"), b"</p>"]


def _binary(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    start_response("201 Created", [("Content-Type", "application/octet-stream")])
    return [environ["wsgi.input"].read() or b"\x00\xff"]


def _failing(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    raise RuntimeError("the app failed")


def _too_big(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"x" * (7 * 1024 * 1024)]


def _no_content(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    start_response("204 No Content", [])
    return [b"ignored"]


def _answers(event: Dict[str, Any], answer: Any, fast: bool, context: Any) -> Tuple[Any, List[Any]]:
    seen: List[Dict[str, Any]] = []
    handler = Bridge(_recording_app(seen, answer))
    if not fast:
        handler.before_invocation(lambda request: None)  # a hook needs the request: the careful path
    return handler(copy.deepcopy(event), context), seen


def _asgi_recording_app(seen: List[Any], fail: bool) -> Any:
    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append({key: value for key, value in scope.items() if key != "state"})
        body = (await receive())["body"]
        if fail:
            raise RuntimeError("the app failed")
        headers = [(b"content-type", b"text/plain"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": scope["path"].encode() + body})

    return app


ANSWERS = [_hello, _binary, _failing, _too_big, _no_content]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_handler_answers_the_same_on_both_paths(name, answer, caplog):
    caplog.set_level(logging.ERROR, logger="bridge")
    rnd = random.Random(7)
    count = 3 if answer is _too_big else 40  # 7 MB a call: a few say enough
    events = [_base_event(name)] + [vary(_usual_form(_base_event(name)), rnd) for _ in range(count)]
    for n, event in enumerate(events):
        context = LambdaContext() if n % 3 else None
        careful = _answers(event, answer, False, context)
        fast = _answers(event, answer, True, context)
        assert fast == careful, f"{event!r:.400}"


@pytest.mark.parametrize("fail", [False, True])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_an_asgi_app_is_answered_the_same_on_both_paths(name, fail, caplog):
    caplog.set_level(logging.ERROR, logger="bridge")
    rnd = random.Random(11)
    events = [_base_event(name)] + [vary(_usual_form(_base_event(name)), rnd) for _ in range(25)]
    answers = {}
    context = LambdaContext()
    for fast in (False, True):
        seen: List[Any] = []
        handler = Bridge(_asgi_recording_app(seen, fail), lifespan="off")
        if not fast:
            handler.before_invocation(lambda request: None)
        results = [handler(copy.deepcopy(event), (None, context)[n % 2]) for n, event in enumerate(events)]
        answers[fast] = (results, seen)
    assert answers[True] == answers[False]


def test_the_fast_path_is_taken_and_left_when_a_hook_needs_the_request():
    event = _base_event("aws-http-v2")
    requests: List[Any] = []
    seen: List[Dict[str, Any]] = []
    handler = Bridge(_recording_app(seen, _hello))
    assert handler._usual
    handler(copy.deepcopy(event), LambdaContext())
    assert seen[-1]["bridge.request_id"] == LambdaContext.aws_request_id
    handler.after_invocation(lambda request, response: requests.append(request))
    assert not handler._usual
    handler(copy.deepcopy(event), LambdaContext())
    assert len(requests) == 1 and requests[0].request_id == LambdaContext.aws_request_id


def test_an_app_error_on_the_fast_path_is_one_log_line_with_the_invocation_id(caplog):
    caplog.set_level(logging.ERROR, logger="bridge")
    handler = Bridge(_failing)
    result = handler(_base_event("aws-apigw-v1"), LambdaContext())
    assert result["statusCode"] == 500 and "Traceback" not in result["body"]
    lines = [r.getMessage() for r in caplog.records if r.name == "bridge"]
    assert len(lines) == 1 and LambdaContext.aws_request_id in lines[0]


def test_an_error_after_the_fast_path_is_answered_even_if_decode_fails(caplog, monkeypatch):
    # Against usual_request's contract, but the client must still get the platform's 500, not a crash.
    caplog.set_level(logging.ERROR, logger="bridge")
    handler = Bridge(_failing)
    first = handler(_base_event("aws-http-v2"), LambdaContext())  # loads the platform module
    platform = handler._last

    def broken(*args: Any) -> Any:
        raise ValueError("decode broke")

    monkeypatch.setattr(platform, "decode", broken)
    result = handler(_base_event("aws-http-v2"), LambdaContext())
    assert result["statusCode"] == first["statusCode"] == 500 and "Traceback" not in result["body"]
    assert any(LambdaContext.aws_request_id in r.getMessage() for r in caplog.records)
