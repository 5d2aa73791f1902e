"""Differential, for Huawei FunctionGraph (APIG), Azure Functions, Google Cloud Functions, Apache
OpenWhisk web actions, the Fn Project, OpenFaaS,
Fission and Kubeless.

As ``test_differential.py``: every request case is sent to the Flask, Django and FastAPI probes
under a real server and through the platform into ``Bridge(app)``; status, headers and body must
match. The judges are code we did not write: on Azure the ``azure-functions`` library's own
``HttpRequest`` and its ``HttpResponseConverter`` (what the worker sends the host); on Google the
real ``functions-framework`` server running the ``main.py`` that ``bridge build --platform gcf``
writes, driven over HTTP; on Huawei the documented event and response (the emulator).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from test_differential import (
    CASES,
    RealServer,
    _body_for_compare,
    _difference,
    _fastapi_app,
    _flask_app,
    _normalized,
    _origin_free,
    django_app,  # noqa: F401  (the fixture)
)
from test_differential import (
    _compare as compare,
)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# (platform, case) -> why the platform cannot carry it.
LOSSY = {
    ("huawei", "large-body"): "over the 4 MB request body a dedicated APIG trigger accepts",
    ("huawei", "large-response"): "over FunctionGraph's 6 MB response once base64-encoded",
    ("openwhisk", "large-body"): "over OpenWhisk's 1 MB request limit (open-source default)",
    ("openwhisk", "large-response"): "over OpenWhisk's 1 MB result limit (open-source default)",
    ("openwhisk", "repeated-header"): "OpenWhisk's __ow_headers keep one value per header",
    ("fn", "repeated-header"): "fdk's server keeps one value per request header (the last)",
    ("openfaas", "options"): "the python3-http template's Flask answers OPTIONS itself",
    ("fission", "patch-json"): "the Fission Python environment routes no PATCH (405)",
    ("kubeless", "put"): "the Kubeless Python runtime routes no PUT (bottle's 405)",
    ("kubeless", "options"): "the Kubeless Python runtime routes no OPTIONS (bottle's 405)",
}

# Emulator options per platform; Azure's route prefix is the app's mount point.
PLATFORMS: Dict[str, Dict[str, Any]] = {
    name: {} for name in ("huawei", "azure", "gcf", "openwhisk", "fn", "openfaas", "fission", "kubeless")
}
PREFIX = {
    "azure": "/api",
    "openwhisk": "/api/v1/web/guest/default/bridge-function",
    "openfaas": "/function/bridge-function",
    "fission": "/bridge-function",
}
# The gateway strips OpenFaaS's prefix without saying so: the generated handler.py names it.
BRIDGE_OPTIONS: Dict[str, Dict[str, Any]] = {"openfaas": {"base_path": "/function/bridge-function"}}

# Azure's converter gives every response a Content-Type: the HttpResponse mimetype, text/plain
# unless set (azure/functions/http.py, HttpResponseConverter.encode). The app did not send it.
AZURE_DEFAULT_TYPE = ("content-type", "text/plain; charset=utf-8")
# bottle gives every response a Content-Type, BaseResponse.default_content_type unless set
# (BaseResponse.headerlist); the Kubeless runtime answers through bottle.
KUBELESS_DEFAULT_TYPE = ("content-type", "text/html; charset=UTF-8")


def _cookies(headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """Set-Cookie values as (name=value, sorted attributes): Azure re-renders each cookie from its
    parsed form, so attribute order and letter case are the renderer's (worker #944)."""
    out = []
    for name, value in headers:
        if name != "set-cookie":
            out.append((name, value))
            continue
        for key, morsel in SimpleCookie(value).items():
            attributes = sorted((k.lower(), str(v).lower()) for k, v in morsel.items() if v)
            out.append((name, f"{key}={morsel.value}; {attributes}"))
    return sorted(out)


def _without_default_type(got: Tuple[Any, ...], want: Tuple[Any, ...], default: Tuple[str, str]) -> List[Any]:
    """The platform's headers less the Content-Type its library adds where the app sent none."""
    if any(name == "content-type" for name, _ in want[1]):
        return list(got[1])
    return [header for header in got[1] if header != default]


def _azure_adjust(got: Tuple[Any, ...], want: Tuple[Any, ...]) -> Tuple[Tuple[Any, ...], Tuple[Any, ...]]:
    """What Azure's library changes: a Content-Type where the app sent none, cookie spelling."""
    got_headers = _without_default_type(got, want, AZURE_DEFAULT_TYPE)
    return (got[0], _cookies(got_headers), got[2]), (want[0], _cookies(want[1]), want[2])


def _kubeless_adjust(got: Tuple[Any, ...], want: Tuple[Any, ...]) -> Tuple[Tuple[Any, ...], Tuple[Any, ...]]:
    """What bottle changes: its default Content-Type where the app sent none, and the headers it
    drops from a 204 or 304 (``BaseResponse.bad_headers``, asked of bottle itself)."""
    import bottle

    dropped = {name.lower() for name in bottle.BaseResponse.bad_headers.get(want[0], ())}
    want_headers = [header for header in want[1] if header[0] not in dropped]
    return (got[0], _without_default_type(got, want, KUBELESS_DEFAULT_TYPE), got[2]), (
        want[0],
        want_headers,
        want[2],
    )


def _compare(app: Any, kind: str, platform: str) -> None:
    if platform == "azure":
        pytest.importorskip("azure.functions", reason="needs the azure-functions library (dev extra)")
    if platform == "fn":
        pytest.importorskip("fdk", reason="needs the fdk package (dev extra)")
    if platform == "kubeless":
        pytest.importorskip("bottle", reason="needs bottle, the Kubeless runtime's framework (dev extra)")
    prefix = PREFIX.get(platform, "")
    adjust = {"azure": _azure_adjust, "kubeless": _kubeless_adjust}.get(platform)
    compare(
        app,
        kind,
        platform,
        PLATFORMS[platform],
        bridge_options=BRIDGE_OPTIONS.get(platform),
        server_prefix=prefix,
        url_prefix=prefix,
        lossy=LOSSY,
        adjust=adjust,
    )


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_flask_answers_the_same_through_the_platform(platform):
    _compare(_flask_app(), "wsgi", platform)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_fastapi_answers_the_same_through_the_platform(platform):
    _compare(_fastapi_app(), "asgi", platform)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_django_answers_the_same_through_the_platform(platform, django_app):  # noqa: F811
    _compare(django_app, "wsgi", platform)


# --- Google: the real functions-framework server ---------------------------------------------------

_APPS = {
    "flask": "from apps.probe_flask import app\n",
    "fastapi": "from apps.probe_fastapi import app\n",
    "django": "from apps.probe_django.app import application, configure\n\nconfigure()\n"
    "app = application()\n",
}


class FrameworkServer:
    """``functions-framework --target handler`` on the generated ``main.py``, in its own process."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(directory), str(TESTS), str(ROOT)]))
        command = [
            sys.executable, "-m", "functions_framework", "--target", "handler",
            "--source", str(directory / "main.py"), "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=directory, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("functions-framework did not start")
                time.sleep(0.1)

    request = RealServer.request

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module", params=sorted(_APPS))
def functions_framework(request, tmp_path_factory):
    pytest.importorskip("functions_framework", reason="needs functions-framework (dev extra)")
    from bridge.deploy.targets.gcf import main_module

    directory = tmp_path_factory.mktemp(f"gcf-{request.param}")
    (directory / "index.py").write_text(
        _APPS[request.param] + "\nfrom bridge import Bridge\n\nhandler = Bridge(app)\n"
    )
    (directory / "main.py").write_text(main_module("index"))
    server = FrameworkServer(directory)
    yield request.param, server
    server.stop()


def test_the_real_functions_framework_serves_the_app_as_its_own_server_does(functions_framework, request):
    framework, gcf = functions_framework
    if framework == "flask":
        app, kind = _flask_app(), "wsgi"
    elif framework == "fastapi":
        app, kind = _fastapi_app(), "asgi"
    else:
        app, kind = request.getfixturevalue("django_app"), "wsgi"
    server = RealServer(app, kind)
    failures = []
    try:
        for name, method, target, headers, body in CASES:
            want = server.request(method, target, headers, body)
            got = gcf.request(method, target, headers, body)
            # Two servers, two ports: absolute links differ in the origin only. Starlette lists `Allow`
            # in set order, which differs between the two processes.
            got = _origin_free((got[0], _allow_sorted(_normalized(got[1])), _body_for_compare(got[2])))
            want = _origin_free((want[0], _allow_sorted(_normalized(want[1])), _body_for_compare(want[2])))
            if got != want:
                failures.append(_difference(name, got, want))
    finally:
        server.stop()
    assert not failures, f"gcf/{framework}: {len(failures)} differences\n" + "\n".join(failures)


def test_the_framework_answers_robots_txt_and_favicon_itself(functions_framework):
    """functions-framework routes /robots.txt and /favicon.ico to its own 404: the app never sees them."""
    _, gcf = functions_framework
    for path in ("/robots.txt", "/favicon.ico"):
        status, _, body = gcf.request("GET", path, [], b"")
        assert status == 404, path
        assert b"Not Found" in body


def _allow_sorted(headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    return [
        (name, ", ".join(sorted(value.split(", "))) if name == "allow" else value) for name, value in headers
    ]
