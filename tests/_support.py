"""Test support: documented sample events and apps that record what they were given.

A module of its own, not ``conftest``: the examples have conftest modules too, and ``from conftest
import ...`` would find whichever was imported last.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Dict, List

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> Dict[str, Any]:
    """A documented sample event (``tests/events/<name>.json``, sources in its README) as a dict."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def event_bytes(name: str) -> bytes:
    """The same event as FC 3.0's runtime hands it over: JSON bytes."""
    return (EVENTS / f"{name}.json").read_bytes()


def fc2_environ(**changes: Any) -> Dict[str, Any]:
    """A minimal environ as FC 2.0's runtime calls ``handler(environ, start_response)`` with."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/hello",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "fc.example.com",
        "REMOTE_ADDR": "1.2.3.4",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "fc.request_uri": "/hello",
    }
    environ.update(changes)
    return environ


class RecordingWSGI:
    """A WSGI app that keeps the environ it got and answers with fixed headers and body."""

    def __init__(self, status: str = "200 OK", headers: Any = None, body: bytes = b"ok") -> None:
        self.environ: Dict[str, Any] = {}
        self.body_read = b""
        self.status = status
        self.headers = headers if headers is not None else [("Content-Type", "text/plain")]
        self.body = body

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        self.environ = dict(environ)
        self.body_read = environ["wsgi.input"].read()
        start_response(self.status, list(self.headers))
        return [self.body]


class RecordingASGI:
    """An ASGI app that keeps the scope and body it got and answers with fixed headers and body."""

    def __init__(self, status: int = 200, headers: Any = None, body: bytes = b"ok") -> None:
        self.scope: Dict[str, Any] = {}
        self.body_read = b""
        self.status = status
        self.headers = headers if headers is not None else [(b"content-type", b"text/plain")]
        self.body = body

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.scope = dict(scope)
        message = await receive()
        self.body_read = message.get("body", b"")
        await send({"type": "http.response.start", "status": self.status, "headers": list(self.headers)})
        await send({"type": "http.response.body", "body": self.body})
