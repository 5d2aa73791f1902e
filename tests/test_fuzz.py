"""Property-based fuzzing of every platform decoder and the whole handler (issue 16).

Each example starts from a documented sample event (``tests/events``) and mutates it: wrong types,
missing keys, huge values, invalid base64, lone surrogates, CR/LF and NUL, very long paths, ``..``
segments, deep nesting; FC 3.0 also gets raw bytes (truncated, spliced, not UTF-8) and FC 2.0 its
WSGI environ. The promise checked on every invocation:

- no exception escapes the handler;
- no 500 caused by bridge code (the probe apps never fail unless what they were handed breaks
  PEP 3333 or the ASGI spec, which they check);
- no traceback in a body;
- the result is well formed for the platform (JSON-encodable as strict UTF-8, statusCode an int,
  body a str, header names and values free of CR, LF and NUL);
- the next valid invocation still answers.

``make test`` runs a bounded number of examples; ``make fuzz`` (``BRIDGE_FUZZ=1``) runs at least
100,000 events, collects failures instead of stopping at the first, and prints the count.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import random
from typing import Any, Dict, List, Tuple

import pytest
from _support import EVENTS, load_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge import Bridge

FUZZ = os.environ.get("BRIDGE_FUZZ") == "1"
# make fuzz: five property tests share the 100,000 events; make test: a few seconds' worth.
EXAMPLES = int(os.environ.get("BRIDGE_FUZZ_EXAMPLES", "21000")) if FUZZ else 100
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not FUZZ,  # make test is reproducible; make fuzz explores
    suppress_health_check=list(HealthCheck),
)

SAMPLES: Dict[str, Dict[str, Any]] = {
    path.stem: load_event(path.stem)
    for path in sorted(EVENTS.glob("*.json"))
    if path.stem not in ("huawei-apig", "openwhisk-web-raw", "scf-function-url-captured-2025")
}
SAMPLES.update(
    {
        f"scf-function-url-captured-2025-{k}": v
        for k, v in load_event("scf-function-url-captured-2025").items()
    }
)

COUNT = {"events": 0}
FAILURES: List[str] = []


class _LastError(logging.Handler):
    """Keeps the bridge's last log line, so a failure report says what the handler saw."""

    message = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _LastError.message = record.getMessage()[:400]
        except Exception:  # as logging's own handlers do: a bad record never escapes the logger
            self.handleError(record)


logging.getLogger("bridge").addHandler(_LastError())

# --- the probe apps: they fail only when handed what no server would hand them ---------------------


def wsgi_probe(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    from werkzeug.wrappers import Request

    for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "SERVER_NAME", "SERVER_PORT"):
        environ[key].encode("latin-1")  # PEP 3333: present, native strings
    environ.get("QUERY_STRING", "").encode("latin-1")  # "may be empty or absent"
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            value.encode("latin-1")
    assert environ["PATH_INFO"][:1] in ("", "/")
    assert environ["wsgi.url_scheme"] in ("http", "https")
    body = environ["wsgi.input"].read()
    if environ.get("bridge.event") is not environ:  # not FC 2.0, whose server set CONTENT_LENGTH
        assert int(environ.get("CONTENT_LENGTH") or 0) == len(body)
    request = Request(environ)  # a real framework's reading of the environ
    request.args, request.headers.items(), request.cookies, request.path, request.url
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Path", "probe")])
    return [b"ok:" + request.method.encode("latin-1")]


async def asgi_probe(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    from starlette.requests import Request

    assert isinstance(scope["method"], str) and scope["method"].encode("latin-1")
    assert isinstance(scope["path"], str) and scope["path"].startswith("/")
    scope["path"].encode("utf-8")
    assert isinstance(scope["raw_path"], bytes) and isinstance(scope["query_string"], bytes)
    assert isinstance(scope["root_path"], str)
    scope["root_path"].encode("utf-8")
    assert scope["scheme"] in ("http", "https")
    for name, value in scope["headers"]:
        assert isinstance(name, bytes) and isinstance(value, bytes) and name == name.lower()
    client = scope["client"]
    assert client is None or (isinstance(client[0], str) and client[0].isprintable() and client[0].isascii())
    server = scope["server"]
    assert isinstance(server[0], str) and isinstance(server[1], int)
    request = Request(scope, receive)
    await request.body()
    request.headers.items(), request.query_params.items(), request.cookies, request.client, str(request.url)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


HANDLERS = {"wsgi": Bridge(wsgi_probe), "asgi": Bridge(asgi_probe)}

# --- what is mutated in, and how -----------------------------------------------------------------

NASTY = [
    "",
    "\ud800",
    "a\udcff",
    "\udfff/x",
    "\r\n",
    "x\r\nSet-Cookie: admin=1",
    "\x00",
    "a\x00b",
    "..",
    "/../../etc/passwd",
    "/a/./b/../c",
    "%",
    "%zz",
    "%00",
    "%2F",
    "%ff%fe",
    "+",
    "a+b%2B",
    "x_forwarded_for",
    "!!notbase64",
    "====",
    "true",
    "false",
    "TRUE",
    "GET",
    "get",
    "GET /x",
    "/",
    "//",
    "\\",
    "é中",
    "\xff",
    "\u2028",
    "javascript",
    "gopher://x",
    "https",
    "$default",
    "release",
    "[::1]:8080",
    "host:notaport",
    "*",
]
LONG = ["a" * 70_000, "/" + "x/" * 20_000, "/" + "../" * 5_000, "%41" * 20_000]


class Mutator:
    """Nasty values and mutations, drawn from one ``random.Random`` that hypothesis seeds.

    One seed per example rather than one hypothesis draw per choice: the engine's bookkeeping per
    draw would cost more than the invocation under test, and ``make fuzz`` needs 100,000 events.
    """

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def text(self) -> str:
        rnd = self.rnd
        kind = rnd.random()
        if kind < 0.45:
            return rnd.choice(NASTY)
        if kind < 0.75:  # any code point, surrogates included
            return "".join(chr(rnd.randint(0, 0x10FFFF)) for _ in range(rnd.randint(0, 12)))
        if kind < 0.97:
            return "".join(rnd.choice(NASTY) for _ in range(rnd.randint(2, 4)))
        return rnd.choice(LONG)

    def value(self) -> Any:
        rnd = self.rnd
        kind = rnd.randrange(12)
        if kind < 5:
            return self.text()
        if kind == 5:
            return rnd.choice([None, True, False, 0, -1, 2**70, 1.5, float("nan"), float("inf")])
        if kind == 6:
            return [self.text() for _ in range(rnd.randint(0, 4))]
        if kind == 7:
            return {self.text(): self.leaf() for _ in range(rnd.randint(0, 4))}
        if kind == 8:
            return _nested(rnd.randint(50, 3000))
        if kind == 9:
            return rnd.randint(-(2**70), 2**70)
        return rnd.choice(["", [], {}, "true", "GET", "/"])

    def leaf(self) -> Any:
        return self.rnd.choice([self.text(), None, True, [self.text(), self.text()]])

    def mutate(self, event: Dict[str, Any]) -> Dict[str, Any]:
        rnd = self.rnd
        for _ in range(rnd.randint(1, 4)):
            positions = _positions(event)
            op = rnd.choice(["set", "set", "delete", "add", "rename"])
            if op == "add" or not positions:
                target = event
                if positions:
                    path = rnd.choice(positions)
                    inner = _container(event, path)[path[-1]]
                    target = inner if isinstance(inner, dict) else event
                target[self.text()] = self.value()
                continue
            path = rnd.choice(positions)
            holder = _container(event, path)
            key = path[-1]
            if op == "set":
                holder[key] = self.value()
            elif op == "delete":
                del holder[key]
            elif isinstance(holder, dict):  # rename: the same value under a nasty key (CR/LF, "_" ...)
                holder[self.text()] = holder.pop(key)
        return event


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


def _positions(event: Any, where: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    """Every (key, key, ...) path to a value in the event, the top level included."""
    found: List[Tuple[Any, ...]] = []
    if len(where) > 6:  # inside a deeply nested value we put there ourselves
        return found
    if isinstance(event, dict):
        for key, value in event.items():
            found.append(where + (key,))
            found.extend(_positions(value, where + (key,)))
    elif isinstance(event, list):
        for index, value in enumerate(event):
            found.append(where + (index,))
            found.extend(_positions(value, where + (index,)))
    return found


def _container(event: Any, path: Tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        event = event[key]
    return event


# --- the promise -----------------------------------------------------------------------------------


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def problems_with(result: Any) -> List[str]:
    """What is wrong with a platform result, per the module's promise (empty when nothing)."""
    if not isinstance(result, dict):
        return [f"result is a {type(result).__name__}, not a dict"]
    found = []
    status = result.get("statusCode")
    if not isinstance(status, int) or not 100 <= status <= 599:
        found.append(f"statusCode {status!r}")
    elif status == 500 or status >= 502:
        found.append(f"status {status}: {_LastError.message}")
    body = result.get("body")
    if not isinstance(body, str):
        found.append(f"body is a {type(body).__name__}")
    elif "Traceback" in body:
        found.append("a traceback in the body")
    if not isinstance(result.get("isBase64Encoded"), bool):
        found.append("isBase64Encoded is not a bool")
    for key in ("headers", "multiValueHeaders"):
        headers = result.get(key)
        if headers is None:
            continue
        for name, value in headers.items():
            for text in [name] + (value if isinstance(value, list) else [value]):
                if not isinstance(text, str) or "\r" in text or "\n" in text or "\0" in text:
                    found.append(f"{key} holds {text!r}")
    for text in _strings(result):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            found.append(f"not UTF-8 encodable: {text[:80]!r}")
            break
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        found.append(f"not JSON: {exc}")
    return found


def check(handler: Bridge, event: Any, valid: Any, what: str) -> None:
    """Invoke with the mutated event, then a valid one; record or raise what breaks the promise."""
    COUNT["events"] += 1
    try:
        found = problems_with(handler(event, None))
    except Exception as exc:  # the one thing that must never happen
        found = [f"{type(exc).__name__} escaped: {exc!s:.300}"]
    after = handler(copy.deepcopy(valid), None)
    if after.get("statusCode") != 200:
        found.append(f"the next valid invocation answered {after.get('statusCode')}")
    _record(found, what, f"event {_short(event)}")


def _record(found: List[str], what: str, subject: str) -> None:
    """Raise (make test) or collect (make fuzz) what broke the promise, if anything."""
    if found:
        report = f"{what}: {'; '.join(found)} | {subject}"
        if not FUZZ:
            raise AssertionError(report)
        FAILURES.append(report)


def _short(event: Any) -> str:
    try:
        text = repr(event)
    except RecursionError:
        text = "<nested too deeply to show>"
    return text if len(text) < 600 else text[:600] + "..."


# --- the properties -------------------------------------------------------------------------------


SEEDS = st.randoms(use_true_random=True)


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@SETTINGS
@given(rnd=SEEDS)
def test_mutated_documented_events_keep_the_promise(kind, rnd):
    name = rnd.choice(sorted(SAMPLES))
    event = Mutator(rnd).mutate(copy.deepcopy(SAMPLES[name]))
    check(HANDLERS[kind], event, SAMPLES["aws-http-v2"], f"{kind} {name}")


@SETTINGS
@given(rnd=SEEDS)
def test_raw_bytes_for_fc3_keep_the_promise(rnd):
    raw = json.dumps(SAMPLES[rnd.choice(["fc3-http-documented", "fc3-http-captured"])]).encode()
    op = rnd.choice(["truncate", "splice", "replace", "random", "deep", "not-utf8", "mutated"])
    if op == "truncate":
        raw = raw[: rnd.randint(0, len(raw))]
    elif op == "splice":
        at = rnd.randint(0, len(raw))
        raw = raw[:at] + rnd.randbytes(rnd.randint(1, 20)) + raw[at:]
    elif op == "replace":
        at = rnd.randrange(len(raw))
        raw = raw[:at] + bytes([rnd.randrange(256)]) + raw[at + 1 :]
    elif op == "random":
        raw = rnd.randbytes(rnd.randint(0, 200))
    elif op == "deep":
        depth = rnd.randint(100, 200_000)
        raw = b'{"rawPath": "/", "requestContext": ' + b"[" * depth + b"]" * depth + b"}"
    elif op == "not-utf8":  # a text field's bytes not UTF-8
        raw = raw.replace(b"Hello FC!", b"Hello \xff\xfe FC!").replace(b'"/example"', b'"/ex\xc3ample"')
    else:  # a mutated event, with surrogates written as JSON escapes
        try:
            raw = json.dumps(Mutator(rnd).mutate(json.loads(raw))).encode()
        except RecursionError:  # a deeply nested value json cannot write: the bytes as they were
            pass
    check(HANDLERS[rnd.choice(["wsgi", "asgi"])], raw, SAMPLES["fc3-http-documented"], f"fc3 raw {op}")


FC2_ENVIRON = {
    "REQUEST_METHOD": "POST",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/hello/w\xc3\xb6rld",
    "QUERY_STRING": "a=1&b=%2B",
    "SERVER_NAME": "fc.example.com",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "CONTENT_TYPE": "text/plain",
    "CONTENT_LENGTH": "5",
    "HTTP_HOST": "fc.example.com",
    "HTTP_X_FORWARDED_FOR": "1.2.3.4",
    "REMOTE_ADDR": "1.2.3.4",
    "wsgi.url_scheme": "http",
    "fc.request_uri": "/2016-08-15/proxy/svc/fn/hello/w%C3%B6rld?a=1&b=%2B",
}


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@SETTINGS
@given(rnd=SEEDS)
def test_mutated_fc2_environs_keep_the_promise(kind, rnd):
    environ, body = _mutated_environ(rnd, FC2_ENVIRON)
    COUNT["events"] += 1
    found = _fc2_problems(HANDLERS[kind], environ, body)
    good = _fc2_problems(HANDLERS[kind], dict(FC2_ENVIRON), b"hello")
    if good:
        found.append(f"the next valid invocation: {good}")
    _record(found, f"fc2 {kind}", f"environ {_short(environ)}")


def _mutated_environ(rnd: Any, valid: Dict[str, Any]) -> Tuple[Dict[str, Any], bytes]:
    """``valid`` with one to three keys (its own or a new ``HTTP_`` one) set to junk or removed, and a
    body that is ``hello`` or random bytes."""
    mutator = Mutator(rnd)
    environ = dict(valid)
    for _ in range(rnd.randint(1, 3)):
        key = rnd.choice(sorted(valid)) if rnd.random() < 0.6 else "HTTP_" + mutator.text()
        if rnd.random() < 0.7:
            environ[key] = mutator.value() if rnd.random() < 0.5 else mutator.text()
        else:
            environ.pop(key, None)
    body = b"hello" if rnd.random() < 0.5 else rnd.randbytes(rnd.randint(0, 50))
    return environ, body

def _fc2_problems(handler: Bridge, environ: Dict[str, Any], body: bytes) -> List[str]:
    environ["wsgi.input"] = io.BytesIO(body)
    calls: List[Tuple[str, List[Tuple[str, str]]]] = []

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        calls.append((status, headers))
        return lambda chunk: None

    try:
        chunks = b"".join(handler(environ, start_response))
    except Exception as exc:
        return [f"{type(exc).__name__} escaped: {exc!s:.300}"]
    found = []
    if len(calls) != 1:
        return [f"start_response called {len(calls)} times"]
    status, headers = calls[0]
    if status[:1] == "5":
        found.append(f"status {status}: {_LastError.message}")
    if b"Traceback" in chunks:
        found.append("a traceback in the body")
    for name, value in headers:
        if (
            not isinstance(name, str)
            or not isinstance(value, str)
            or any(c in name + value for c in "\r\n\0")
        ):
            found.append(f"header {name!r}: {value!r}")
    return found


KUBELESS_ENVIRON = {key: value for key, value in FC2_ENVIRON.items() if not key.startswith("fc.")}
KUBELESS_ENVIRON["REQUEST_URI"] = "/hello/w%C3%B6rld?a=1&b=%2B"
KUBELESS_ENVIRON["bottle.raw_path"] = KUBELESS_ENVIRON["PATH_INFO"]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@SETTINGS
@given(rnd=SEEDS)
def test_mutated_kubeless_requests_keep_the_promise(kind, rnd):
    bottle = pytest.importorskip(
        "bottle", reason="needs bottle, the Kubeless runtime's framework (dev extra)"
    )
    environ, body = _mutated_environ(rnd, KUBELESS_ENVIRON)
    COUNT["events"] += 1
    found = _kubeless_problems(bottle, HANDLERS[kind], environ, body)
    good = _kubeless_problems(bottle, HANDLERS[kind], dict(KUBELESS_ENVIRON), b"hello")
    if good:
        found.append(f"the next valid invocation: {good}")
    _record(found, f"kubeless {kind}", f"environ {_short(environ)}")


def _kubeless_problems(bottle: Any, handler: Bridge, environ: Dict[str, Any], body: bytes) -> List[str]:
    environ = dict(environ, **{"bottle.request.body": io.BytesIO(body)})  # kept across the pickle
    event = {
        "data": body,
        "event-id": None,
        "event-type": None,
        "event-time": None,
        "event-namespace": None,
        "extensions": {"request": bottle.BaseRequest(environ)},
    }
    try:
        answer = handler(event, {"function-name": "handler", "timeout": 180.0})
    except Exception as exc:
        return [f"{type(exc).__name__} escaped: {exc!s:.300}"]
    if not isinstance(answer, bottle.HTTPResponse):
        return [f"answered a {type(answer).__name__}, not a bottle HTTPResponse"]
    found = []
    if answer.status_code >= 500:
        found.append(f"status {answer.status_line}: {_LastError.message}")
    if b"Traceback" in answer.body:
        found.append("a traceback in the body")
    for name, value in answer.headerlist:
        if any(c in name + value for c in "\r\n\0"):
            found.append(f"header {name!r}: {value!r}")
    return found


def test_fuzz_report(capsys):
    """Last in the module: the count, and under ``make fuzz`` every failure collected."""
    if FUZZ:
        assert COUNT["events"] >= 100_000 or "BRIDGE_FUZZ_EXAMPLES" in os.environ, COUNT
    with capsys.disabled():
        print(f"\nfuzz: {COUNT['events']} events, {len(FAILURES)} failures")
        for report in FAILURES[:50]:
            print("  " + report[:1000])
    assert not FAILURES
