"""What the handler answers, logs and reports when an invocation fails.

An exception in the app or the bridge, an event no platform can read, a response too large to
return: each becomes an error response in the platform's form, one log line on the ``bridge``
logger and a call of the ``on_error`` hook. A first HTTP call that succeeds never runs any of it,
so it lives apart from :mod:`bridge._bridge` and loads on the first failure (the cold-start share
of ``benchmarks/hotpath.md``).
"""

from __future__ import annotations

import os

from ._bridge import _error_response, _log_error, _printable, _request_id
from ._errors import AppTimeoutError, BridgeError, EventError, ResponseHeaderError, ResponseTooLargeError
from ._model import HTTPRequest, HTTPResponse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

    from ._bridge import Bridge

# Errors whose message tells the client what to change; the others answer with the status phrase.
_TOLD_TO_CLIENT = (EventError, AppTimeoutError, ResponseTooLargeError, ResponseHeaderError)

_PHRASES = {
    400: "Bad Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def failed(bridge: Bridge, exc: Exception, request: HTTPRequest) -> HTTPResponse:
    """The error response for ``exc``, raised while answering ``request``; one log line.

    A :class:`BridgeError` is the bridge's own finding (its status and, where it tells the client
    what to change, its message); anything else is the app's failure: 500, no detail.
    """
    if isinstance(exc, BridgeError):
        status = exc.status
        _log_error("[%s] %s %s: %s", request.request_id or "-", request.method, _printable(request.path), exc)
        message = str(exc) if isinstance(exc, _TOLD_TO_CLIENT) else _PHRASES[status]
    else:
        status = 500
        _log_error(
            "[%s] %s %s: the app raised %s",
            request.request_id or "-",
            request.method,
            _printable(request.path),
            one_line(exc),
        )
        message = _PHRASES[500]
    if bridge.options.debug:
        message = f"{message}\n\n{_traceback_text(exc)}"
    if bridge.on_error is not None:
        report(bridge, exc, request)
    return _error_response(status, message)


def report(bridge: Bridge, exc: BaseException, request: HTTPRequest) -> None:
    """Hand ``exc`` to the ``on_error`` hook; the hook's own failure is logged, never raised."""
    try:
        bridge.on_error(exc, request)  # type: ignore[misc]
    except Exception as hook_exc:
        _log_error("[%s] on_error hook failed: %s", request.request_id or "-", one_line(hook_exc))


def rejected(
    bridge: Bridge, platform: Any, exc: Exception, event: Any, context: Any, started: float = 0.0
) -> Dict[str, Any]:
    """The platform's 400 response for an event it could not decode; one log line."""
    exc = as_event_error(exc, f"the {platform.title} event")
    request = HTTPRequest("-", "", b"", event=event, context=context)
    request.request_id = _request_id(context)
    _log_error("[%s] rejected %s event: %s", request.request_id or "-", platform.name, exc)
    if bridge.on_error is not None:
        report(bridge, exc, request)
    result = platform.encode(_error_response(exc.status, str(exc)), request, bridge.options)
    if bridge._access_log is not None:
        bridge._access_log.write(request, result["statusCode"], started)
    return result


def event_error(bridge: Bridge, exc: EventError, event: Any, context: Any) -> Dict[str, Any]:
    """A response every platform accepts, for an event no platform could decode."""
    _log_error("[%s] %s", _request_id(context) or "-", exc)
    if bridge.on_error is not None:
        report(bridge, exc, HTTPRequest("-", "", b"", event=event, context=context))
    return {
        "statusCode": exc.status,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "isBase64Encoded": False,
        "body": str(exc),
    }


def checked_size(
    bridge: Bridge, platform: Any, result: Dict[str, Any], request: HTTPRequest
) -> Dict[str, Any]:
    """``result``, or a 502 in its place when its JSON is over what ``platform`` returns."""
    import json

    size = len(json.dumps(result).encode("utf-8"))
    limit = platform.max_response_bytes
    if size <= limit:
        return result
    exc = ResponseTooLargeError(
        f"the response is {size} bytes, over the {limit // (1024 * 1024)} MB that {platform.title} "
        "returns synchronously; serve large files from object storage instead"
    )
    return platform.encode(failed(bridge, exc, request), request, bridge.options)


def as_event_error(exc: Exception, what: str) -> EventError:
    """``exc``, raised reading ``what``, as the :class:`EventError` that answers it (400)."""
    if isinstance(exc, EventError):
        return exc
    if isinstance(exc, RecursionError):
        return EventError(f"{what} could not be read: nested too deeply")
    return EventError(f"{what} could not be read: {type(exc).__name__}: {_printable(str(exc))}")


def one_line(exc: BaseException) -> str:
    """``Type: message (at file:line in function)``: one log line, the innermost frame."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"
    message = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {message}{where}"


def _traceback_text(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
