"""Differential: the same app answers the same through the bridge as under a real server.

Each request is sent (a) with a real HTTP client to the app under a real server (Werkzeug for
WSGI, uvicorn for ASGI) and (b) through a platform emulator (``bridge.emulators``: the event the
platform would send, and the HTTP its gateway would make of the result) into ``Bridge(app)``.
Status, headers (every Set-Cookie included) and body bytes must match, on every platform, except
where a platform itself loses information; those cases are listed in ``LOSSY`` with the reason.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest

from bridge import Bridge
from bridge.emulators import GatewayRequest, get_emulator

MULTIPART_BOUNDARY = "----probe7MA4YWxkTrZu0gW"
BINARY = bytes(range(256)) * 4
BIG_BODY = bytes(range(256)) * (5 * 1024 * 1024 // 256)


def _multipart() -> bytes:
    b = MULTIPART_BOUNDARY.encode()
    return (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello \xe4\xb8\xad\r\n'
        b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + BINARY + b"\r\n--" + b + b"--\r\n"
    )


# (name, method, target, headers, body)
CASES: List[Tuple[str, str, str, List[Tuple[str, str]], bytes]] = [
    ("plain", "GET", "/echo/plain?a=1&b=2", [], b""),
    ("unicode-path", "GET", "/echo/caf%C3%A9/%E4%B8%AD?q=%E4%B8%AD%E6%96%87", [], b""),
    ("encoded-slash-space-plus", "GET", "/echo/a%2Fb/x%20y/1+1", [], b""),
    ("trailing-slash", "GET", "/echo/trailing/", [], b""),
    ("repeated-query", "GET", "/echo/q?a=1&a=2&z=3", [], b""),
    ("empty-query-value", "GET", "/echo/q?empty=&x=1", [], b""),
    ("repeated-header", "GET", "/echo/h", [("X-Test-A", "1"), ("X-Test-A", "2"), ("X-Test-B", "b")], b""),
    ("cookie-header", "GET", "/echo/c", [("Cookie", "a=1; b=2")], b""),
    ("head", "HEAD", "/echo/head", [], b""),
    ("options", "OPTIONS", "/echo/opt", [], b""),
    (
        "patch-json",
        "PATCH",
        "/echo/patch",
        [("Content-Type", "application/json")],
        b'{"n": 1, "s": "\xc3\xa9"}',
    ),
    ("put", "PUT", "/echo/put", [("Content-Type", "text/plain; charset=utf-8")], "é中".encode()),
    ("delete", "DELETE", "/echo/del", [], b""),
    (
        "form",
        "POST",
        "/form",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"a=1&a=2&b=%E4%B8%AD&c=x+y",
    ),
    (
        "multipart-upload",
        "POST",
        "/upload",
        [("Content-Type", f"multipart/form-data; boundary={MULTIPART_BOUNDARY}")],
        _multipart(),
    ),
    ("binary-body", "POST", "/echo/bin", [("Content-Type", "application/octet-stream")], BINARY),
    (
        "json",
        "POST",
        "/json",
        [("Content-Type", "application/json")],
        json.dumps({"b": [1, 2], "a": "é"}).encode(),
    ),
    ("binary-response", "GET", "/binary", [], b""),
    ("gzip-response", "GET", "/gzip", [("Accept-Encoding", "gzip")], b""),
    ("redirect", "GET", "/redirect", [], b""),
    ("two-cookies", "GET", "/cookies", [], b""),
    ("204", "GET", "/empty", [], b""),
    ("304", "GET", "/etag", [("If-None-Match", '"v1"')], b""),
    ("etag-200", "GET", "/etag", [], b""),
    ("unicode-param", "GET", "/unicode/%E4%B8%AD%E6%96%87", [], b""),
    ("large-response", "GET", "/big", [], b""),
    ("large-body", "POST", "/echo/big", [("Content-Type", "application/octet-stream")], BIG_BODY),
]

# (platform, case) -> why the platform cannot carry it; the bridge is not at fault.
LOSSY = {
    ("fc", "repeated-query"): "FC 3.0 comma-joins repeated query keys (reference/alibaba-fc.md §1.2)",
    ("alb", "repeated-query"): "ALB without multi-value headers keeps one value per key",
    ("alb", "repeated-header"): "ALB without multi-value headers keeps one value per header",
    ("scf-url", "binary-body"): "SCF Function URL events carry no isBase64Encoded: binary bodies are mangled",
    (
        "scf-url",
        "multipart-upload",
    ): "SCF Function URL events carry no isBase64Encoded: binary bodies are mangled",
    ("scf-url", "large-body"): "SCF Function URL events carry no isBase64Encoded: binary bodies are mangled",
    ("scf", "large-body"): "over SCF's 6 MB event limit once base64-encoded",
    ("aws-v1", "large-body"): "over Lambda's 6 MB payload limit once base64-encoded",
    ("aws-v2", "large-body"): "over Lambda's 6 MB payload limit once base64-encoded",
    ("alb", "large-body"): "over ALB's 1 MB request body limit",
    ("alb", "large-response"): "over ALB's 1 MB response limit",
}

# The emulator options that make each platform as faithful as its configuration allows.
PLATFORMS: Dict[str, Dict[str, Any]] = {
    "fc": {},
    "fc2": {"custom_domain": True},  # the default domain forces Content-Disposition: attachment
    "scf": {"base64_all": True},  # the API's "base64 on all requests" setting, as `bridge build` sets it
    "scf-url": {},
    "aws-v1": {"binary_media_types": ["*/*"]},
    "aws-v2": {},
    "alb": {"multi_value": False},
}

# Headers a server or gateway adds or changes on its own; they say nothing about the app.
IGNORED_HEADERS = {"date", "server", "connection", "transfer-encoding", "keep-alive", "content-length"}


class RealServer:
    """An app under a real server on 127.0.0.1, in a thread of this process."""

    def __init__(self, app: Any, kind: str, prefix: str = "") -> None:
        self.kind = kind
        if kind == "wsgi":
            from werkzeug.middleware.dispatcher import DispatcherMiddleware
            from werkzeug.serving import make_server

            served = DispatcherMiddleware(_not_found, {prefix: app}) if prefix else app
            self._server = make_server("127.0.0.1", 0, served, threaded=True)
            self.port = self._server.server_port
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        else:
            import uvicorn

            config = uvicorn.Config(
                app, host="127.0.0.1", port=0, root_path=prefix, log_level="error", lifespan="off"
            )
            self._server = uvicorn.Server(config)
            self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        if kind == "asgi":
            deadline = time.monotonic() + 20
            while not self._server.started:
                if time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start")
                time.sleep(0.02)
            self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def request(
        self, method: str, target: str, headers: List[Tuple[str, str]], body: bytes
    ) -> Tuple[int, List[Tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value.encode("utf-8").decode("latin-1"))
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if self.kind == "wsgi":
            self._server.shutdown()
        else:
            self._server.should_exit = True
        self._thread.join(10)


def _not_found(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"outside the prefix"]


def _flask_app() -> Any:
    from apps.probe_flask import app

    return app


def _fastapi_app() -> Any:
    from apps.probe_fastapi import app

    return app


@pytest.fixture(scope="module")
def django_app():
    from apps.probe_django.app import application, configure

    override = configure()
    override.enable()
    try:
        yield application()
    finally:
        override.disable()


def _difference(name: str, got: Tuple[Any, ...], want: Tuple[Any, ...]) -> str:
    lines = [f"{name}:"]
    if got[0] != want[0]:
        lines.append(f"  status bridge={got[0]} real={want[0]}")
    if got[1] != want[1]:
        lines.append(
            f"  headers bridge-only={sorted(set(got[1]) - set(want[1]))} "
            f"real-only={sorted(set(want[1]) - set(got[1]))}"
        )
    if got[2] != want[2]:
        if isinstance(got[2], dict) and isinstance(want[2], dict):
            keys = sorted(k for k in set(got[2]) | set(want[2]) if got[2].get(k) != want[2].get(k))
            lines.append(
                f"  body differs at {keys}: bridge={[got[2].get(k) for k in keys]} "
                f"real={[want[2].get(k) for k in keys]}"
            )
        else:
            lines.append(f"  body bridge={str(got[2])[:200]!r} real={str(want[2])[:200]!r}")
    return "\n".join(lines)


def _origin_free(answer: Tuple[Any, ...]) -> Tuple[Any, ...]:
    status, headers, body = answer
    headers = [(k, _without_origin(v) if k == "location" else v) for k, v in headers]
    if isinstance(body, dict) and "link" in body:
        body = dict(body, link=_without_origin(body["link"]))
    return status, headers, body


def _normalized(headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    return sorted(
        (name.lower(), _http(value) if name.lower() == "location" else value)
        for name, value in headers
        if name.lower() not in IGNORED_HEADERS
    )


def _http(text: str) -> str:
    """The gateways of FC, SCF Function URLs and AWS terminate TLS, so the app rightly sees https
    where the local real server sees http; scheme decoding has its own tests per platform."""
    return text.replace("https://", "http://")


def _without_origin(text: str) -> str:
    """``http://host/path`` → ``/path``: for a default-domain emulation, where the host is the gateway's."""
    if "://" not in text:
        return text
    return "/" + text.split("://", 1)[1].split("/", 1)[-1]


def _body_for_compare(body: bytes) -> Any:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and "link" in data:
        data["link"] = _http(data["link"])
    if isinstance(data, dict) and "external" in data:
        # Scheme and host are the gateway's (https, its own domain), not the local server's: the
        # path part is what url_for/reverse control.
        data["external"] = "/" + data["external"].split("://", 1)[-1].split("/", 1)[-1]
    return data


def _compare(
    app: Any,
    kind: str,
    platform: str,
    options: Dict[str, Any],
    *,
    bridge_options: Optional[Dict[str, Any]] = None,
    server_prefix: str = "",
    url_prefix: str = "",
    cases=CASES,
    lossy: Dict[Tuple[str, str], str] = LOSSY,
    adjust: Optional[Any] = None,
) -> None:
    """``adjust(got, want)``, where given, evens out what a platform itself changes (see LOSSY)."""
    server = RealServer(app, kind, server_prefix)
    handler = Bridge(app, **(bridge_options or {}))
    emulator = get_emulator(platform, **options)
    failures = []
    try:
        for name, method, target, headers, body in cases:
            if (platform, name) in lossy:
                continue
            status, real_headers, real_body = server.request(
                method, (server_prefix if kind == "wsgi" else "") + target, headers, body
            )
            request = GatewayRequest(
                method, url_prefix + target, list(headers), body, host=f"127.0.0.1:{server.port}"
            )
            response = emulator.invoke(handler, request, request_id=str(uuid.uuid4()))
            got = (response.status, _normalized(response.headers), _body_for_compare(response.body))
            want = (status, _normalized(real_headers), _body_for_compare(real_body))
            if options.get("stage"):
                got, want = _origin_free(got), _origin_free(want)
            if adjust is not None:
                got, want = adjust(got, want)
            if got != want:
                failures.append(_difference(name, got, want))
    finally:
        server.stop()
    assert not failures, f"{platform}: {len(failures)} differences\n" + "\n".join(failures)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_flask_answers_the_same_through_the_bridge_as_under_werkzeug(platform):
    _compare(_flask_app(), "wsgi", platform, PLATFORMS[platform])


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_fastapi_answers_the_same_through_the_bridge_as_under_uvicorn(platform):
    _compare(_fastapi_app(), "asgi", platform, PLATFORMS[platform])


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_django_answers_the_same_through_the_bridge_as_under_werkzeug(platform, django_app):
    _compare(django_app, "wsgi", platform, PLATFORMS[platform])


STAGE_CASES = [
    case
    for case in CASES
    if case[0] in ("plain", "unicode-path", "redirect", "two-cookies", "form", "trailing-slash")
]


@pytest.mark.parametrize("framework", ["flask", "fastapi", "django"])
@pytest.mark.parametrize("platform,stage", [("scf", "release"), ("aws-v1", "prod")])
def test_url_for_and_reverse_under_a_default_domain_stage(framework, platform, stage, request):
    app, kind = _app_for(framework, request)
    options = dict(PLATFORMS[platform], stage=stage)
    _compare(
        app, kind, platform, options, server_prefix="/" + stage, url_prefix="/" + stage, cases=STAGE_CASES
    )


@pytest.mark.parametrize("framework", ["flask", "fastapi", "django"])
def test_url_for_and_reverse_under_a_custom_domain_base_path(framework, request):
    app, kind = _app_for(framework, request)
    # An API mapping on a custom domain: the gateway strips /api; the app must still link under it.
    _compare(
        app, kind, "aws-v2", {}, bridge_options={"base_path": "/api"}, server_prefix="/api", cases=STAGE_CASES
    )


def test_fc2_default_url_proxy_prefix_becomes_script_name():
    app = _flask_app()
    handler = Bridge(app)
    emulator = get_emulator("fc2", service_name="svc", function_name="fn")
    response = emulator.invoke(
        handler, GatewayRequest("GET", "/2016-08-15/proxy/svc/fn/echo/x"), request_id="r1"
    )
    data = json.loads(response.body)
    assert data["path"] == "/echo/x"
    assert data["script"] == "/2016-08-15/proxy/svc/fn"
    assert data["link"] == "/2016-08-15/proxy/svc/fn/echo/x%20y/%C3%A9"


def _app_for(framework: str, request: Any) -> Tuple[Any, str]:
    if framework == "flask":
        return _flask_app(), "wsgi"
    if framework == "fastapi":
        return _fastapi_app(), "asgi"
    return request.getfixturevalue("django_app"), "wsgi"
