"""``bridge invoke``: one request through a platform, in this process, with everything printed.

Builds the event the platform would send (or reads one from a file), calls the handler here — so
``breakpoint()`` in the app stops in this terminal, and ``--debug`` opens ``pdb`` post-mortem where
the app raised — then prints the platform response and the HTTP the gateway would make of it.
"""

from __future__ import annotations

import base64
import inspect
import json
import sys
import uuid
from dataclasses import dataclass
from typing import Any, Callable, List, Sequence, TextIO, Tuple
from urllib.parse import urlsplit

from .._errors import ConfigError
from ..emulators import Emulator, GatewayRequest, GatewayResponse, get_emulator
from ..emulators.fc2 import run_wsgi


@dataclass
class Invocation:
    """What one in-process invocation produced, for printing or for tests."""

    event: Any
    result: Any  # the handler's return value (FC 2.0: the collected WSGI response)
    response: GatewayResponse
    rejected: bool = False


def build_request(
    method: str, url: str, *, headers: Sequence[str] = (), data: bytes | None = None, emulator: Emulator
) -> GatewayRequest:
    """A request from curl-like arguments: ``GET /path?q=1 -H 'Name: value' -d @file``.

    A URL without the emulator's prefix (a stage, FC 2.0's proxy path) gets it, so
    ``--stage release GET /todos`` requests ``/release/todos``.
    """
    parts = urlsplit(url)
    host = parts.netloc or "127.0.0.1:9000"
    target = parts.path or "/"
    prefix = emulator.url_prefix
    if prefix and not (target == prefix or target.startswith(prefix + "/")):
        target = prefix + target
    if parts.query:
        target += "?" + parts.query
    given: List[Tuple[str, str]] = []
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep:
            raise ConfigError(f"-H {header!r} must look like 'Name: value'")
        given.append((name.strip(), value.strip()))
    given_names = {name.lower() for name, _ in given}
    defaults = [("Host", host), ("User-Agent", "bridge-invoke")]
    pairs = [(name, value) for name, value in defaults if name.lower() not in given_names] + given
    body = data or b""
    if body and not any(n.lower() == "content-type" for n, _ in pairs):
        pairs.append(("Content-Type", "application/x-www-form-urlencoded"))  # curl -d's default
    if body:
        pairs.append(("Content-Length", str(len(body))))
    return GatewayRequest(method.upper(), target, pairs, body, scheme=parts.scheme or "http")


def read_data(value: str | None) -> bytes | None:
    """``-d`` as curl reads it: ``@file``, ``@-`` (stdin) or the text itself."""
    if value is None:
        return None
    if value == "@-":
        return sys.stdin.buffer.read()
    if value.startswith("@"):
        try:
            with open(value[1:], "rb") as file:
                return file.read()
        except OSError as exc:
            raise ConfigError(f"cannot read -d {value}: {exc}")
    return value.encode()


def invoke(
    handler: Callable[..., Any],
    emulator: Emulator,
    *,
    request: GatewayRequest | None = None,
    event: Any = None,
    debug: bool = False,
) -> Invocation:
    """Run one request (or a ready-made ``event``) through ``handler`` as the platform would."""
    request_id = str(uuid.uuid4())
    if event is None:
        assert request is not None
        rejection = emulator.check_request(request)
        if rejection is not None:
            return Invocation(None, None, rejection, rejected=True)
    else:
        request = GatewayRequest("GET", "/")
    call_handler = getattr(emulator, "call_handler", None)
    if call_handler is not None:  # a request object, not a JSON event (Azure, Google)
        event, context = emulator.build_event(request, request_id=request_id)
        result = _call(lambda: call_handler(handler, event, context), debug)
        response = emulator.to_http(result, request)
        return Invocation(emulator.describe(event), emulator.describe(result), response)
    if emulator.name == "fc2":
        environ, _ = emulator.build_event(request, request_id=request_id)
        result = _call(lambda: run_wsgi(handler, environ), debug)
        return Invocation(environ, result, emulator.to_http(result, request))
    if event is None:
        event, context = emulator.build_event(request, request_id=request_id)
    else:
        _, context = emulator.build_event(request, request_id=request_id)
    result = _call(lambda: handler(event, context), debug)
    try:
        serialised = json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        return Invocation(
            event, result, emulator.error_response(f"the result is not JSON-serialisable: {exc}")
        )
    return Invocation(event, result, emulator.to_http(serialised, request))


def _call(function: Callable[[], Any], debug: bool) -> Any:
    if not debug:
        return function()
    try:
        return function()
    except Exception:
        _post_mortem()
        raise


def _post_mortem() -> None:
    import pdb

    pdb.post_mortem(sys.exc_info()[2])


def debuggable(app: Any) -> Any:
    """``app`` wrapped so that an exception stops in ``pdb`` where it was raised, before the
    handler turns it into a 500. Flask is told to let exceptions out (``PROPAGATE_EXCEPTIONS``)."""
    config = getattr(app, "config", None)
    if type(app).__module__.startswith("flask") and isinstance(config, dict):
        config["PROPAGATE_EXCEPTIONS"] = True
    call = type(app).__call__ if callable(app) else None
    if inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call):

        async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
            try:
                await app(scope, receive, send)
            except Exception:
                _post_mortem()
                raise

        return asgi_app

    def wsgi_app(environ: Any, start_response: Any) -> Any:
        try:
            return list(app(environ, start_response))
        except Exception:
            _post_mortem()
            raise

    return wsgi_app


def load_handler(target: str, platform: str, *, chdir: str | None = None, debug: bool = False) -> Any:
    """TARGET as a handler for ``platform``; with ``debug`` the app inside stops in ``pdb``."""
    from .. import Bridge
    from ._target import load_handler as load

    handler = load(target, platform=platform, chdir=chdir, debug=debug)
    if debug and isinstance(handler, Bridge):
        handler.app = debuggable(handler.app)
    return handler


def print_invocation(invocation: Invocation, emulator: Emulator, out: TextIO) -> None:
    if invocation.rejected:
        _section(out, f"rejected by the {emulator.name} gateway before the function ran")
        out.write(f"{invocation.response.reason}\n")
    else:
        _section(out, f"event ({emulator.name})")
        out.write(_pretty_event(invocation.event) + "\n")
        _section(out, "platform response")
        out.write(_pretty_json(invocation.result) + "\n")
    _section(out, "HTTP response")
    response = invocation.response
    out.write(f"HTTP {response.status}\n")
    for name, value in response.headers:
        out.write(f"{name}: {value}\n")
    out.write("\n" + _body_text(response.body) + "\n")
    if response.reason and not invocation.rejected:
        out.write(f"(gateway: {response.reason})\n")


def _section(out: TextIO, title: str) -> None:
    out.write(f"\n--- {title} ---\n")


def _pretty_event(event: Any) -> str:
    if isinstance(event, bytes):
        return _pretty_json(json.loads(event))
    if isinstance(event, dict) and "wsgi.input" in event:  # FC 2.0's environ
        shown = {k: v for k, v in event.items() if not k.startswith("wsgi.")}
        return _pretty_json({k: v if isinstance(v, (str, int)) else repr(v) for k, v in shown.items()})
    return _pretty_json(event)


def _pretty_json(value: Any) -> str:
    if hasattr(value, "status") and hasattr(value, "body") and isinstance(value, tuple):  # a WSGIResult
        return _pretty_json(
            {"status": value.status, "headers": value.headers, "body": _body_text(value.body)}
        )
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def _body_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes of binary; base64: {base64.b64encode(body[:48]).decode()}...>"


def run(
    target: str,
    platform: str,
    *,
    method: str = "GET",
    url: str = "/",
    headers: Sequence[str] = (),
    data: str | None = None,
    event_file: str | None = None,
    options: dict | None = None,
    chdir: str | None = None,
    debug: bool = False,
    fail: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """The ``bridge invoke`` command; 0 when the function answered, 1 when the gateway did, or
    (``fail``, as ``curl --fail``) when the answer is a 5xx."""
    emulator = get_emulator(platform, **(options or {}))
    event: Any = None
    if event_file is not None:
        if platform in ("fc2", "azure", "gcf"):
            raise ConfigError(
                f"{platform} calls the handler with a request, not an event: give METHOD URL, not --event"
            )
        event = _read_event(event_file, platform)
    request = (
        None
        if event is not None
        else build_request(method, url, headers=headers, data=read_data(data), emulator=emulator)
    )
    handler = load_handler(target, platform, chdir=chdir, debug=debug)
    invocation = invoke(handler, emulator, request=request, event=event, debug=debug)
    print_invocation(invocation, emulator, out)
    if fail and invocation.response.status >= 500:
        return 1
    return 1 if invocation.rejected or invocation.response.reason else 0


def _read_event(path: str, platform: str) -> Any:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as exc:
        raise ConfigError(f"cannot read --event {path}: {exc}")
    if platform == "fc":
        return raw  # FC 3.0 hands the handler the event's JSON bytes
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"--event {path} is not valid JSON: {exc}")
