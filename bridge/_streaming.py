"""Streamed responses: the body leaves as the app produces it (:meth:`bridge.Bridge.stream`).

Only a runtime that can send a body in parts calls for it (AWS Lambda's response streaming,
:mod:`bridge.aws_runtime`); an event mode that returns responses whole buffers what the app
streamed and says so once. Neither happens on a buffered first call, so this loads when used.
"""

from __future__ import annotations

from time import perf_counter

from ._bridge import _UNREADABLE, _error_response, _internal_key, _log_error, _printable, _request_id
from ._errors import EventError
from ._failures import as_event_error, failed, one_line, report
from ._model import HTTPRequest, HTTPStream, check_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._bridge import Bridge


def stream(bridge: Bridge, event: Any, context: Any = None) -> Any:
    """:meth:`bridge.Bridge.stream`: an :class:`HTTPStream` for a platform that streams, else what
    the handler's call returns."""
    platform = None
    if type(event) is dict:
        platform = bridge._last
        if platform is None or not platform.matches(event):
            try:
                platform = bridge._platform_for(event)
            except EventError:
                platform = None
    if platform is None or not platform.streams:
        return bridge(event, context)
    started = perf_counter() if bridge._access_log is not None else 0.0
    try:
        request = platform.decode(event, context, bridge.options)
        check_request(request)
    except _UNREADABLE as exc:
        error = as_event_error(exc, f"the {platform.title} event")
        _log_error("[%s] rejected %s event: %s", _request_id(context) or "-", platform.name, error)
        if bridge.on_error is not None:
            report(bridge, error, HTTPRequest("-", "", b"", event=event, context=context))
        return HTTPStream.whole(_error_response(error.status, str(error)))
    request.request_id = _request_id(context) or request.request_id
    if bridge._internal_paths is not None and _internal_key(request.path) in bridge._internal_paths:
        response = HTTPStream.whole(_error_response(404, "Not Found"))
    else:
        response = _respond_stream(bridge, request)
    try:
        response.prelude = platform.stream_prelude(response.status, response.headers, bridge.options)
    except Exception as exc:  # the app's headers have no form on this platform (CR/LF in a value)
        response.close()
        response = HTTPStream.whole(failed(bridge, exc, request))
        response.prelude = platform.stream_prelude(response.status, response.headers, bridge.options)
    if bridge._access_log is not None:
        bridge._access_log.write(request, response.status, started)
    return response


def _respond_stream(bridge: Bridge, request: HTTPRequest) -> HTTPStream:
    """``Bridge._respond`` for a streamed response: hooks before, errors, a server's rules."""
    try:
        if not bridge._initialized:
            bridge.initialize(request.context)
        for before in bridge._before:
            response = before(request)
            if response is not None:
                return HTTPStream.whole(response)
        if bridge._wsgi is not None:
            response = bridge._wsgi.stream_wsgi(bridge.app, request)
        else:
            response = bridge._asgi_runner().stream(request, bridge._time_left(request.context))
    except Exception as exc:
        return HTTPStream.whole(failed(bridge, exc, request))
    status = response.status
    if status in (204, 304) or status < 200 or request.method == "HEAD":
        response.close()  # what an HTTP server sends for these, whatever the app wrote
        return HTTPStream(status, response.headers, iter(()))
    response.chunks = _guarded(bridge, response.chunks, request)
    return response


def _guarded(bridge: Bridge, chunks: Any, request: HTTPRequest) -> Any:
    """``chunks``, with an error part way through logged (one line) and reported, then re-raised."""
    try:
        yield from chunks
    except Exception as exc:
        _log_error(
            "[%s] %s %s: the app raised %s after its response began streaming",
            request.request_id or "-",
            request.method,
            _printable(request.path),
            one_line(exc),
        )
        if bridge.on_error is not None:
            report(bridge, exc, request)
        raise


def warn_buffered(bridge: Bridge, platform: Any) -> None:
    """Say once per instance that the app streamed a response this platform returns whole."""
    import logging

    bridge._stream_warned = True
    logging.getLogger("bridge").warning(
        "the app streamed a response; %s returns responses whole, so it was buffered (up to %d MB). %s",
        platform.title,
        platform.max_response_bytes // (1024 * 1024),
        platform.stream_hint,
    )
