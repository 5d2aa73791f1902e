"""Calls: a platform's own request object rather than a JSON event (Azure, Google, Fn, OpenFaaS,
Fission, FC 2.0's ``(environ, start_response)``, Kubeless).

The platform whose ``matches_call`` accepts the call decodes its request and encodes the answer
in its runtime's own form. A JSON event never comes here, so this loads with the first call of
that kind only (the cold-start share of ``benchmarks/hotpath.md``).
"""

from __future__ import annotations

from ._bridge import _UNREADABLE, _error_response, _internal_key, _log_error, _request_id
from ._errors import EventError, PlatformMismatchError
from ._failures import as_event_error, event_error, failed, report
from ._model import HTTPRequest, check_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._bridge import Bridge


def serve_call(bridge: Bridge, call: Any, context: Any, started: float = 0.0, platform: Any = None) -> Any:
    """Serve a call whose first argument is a platform's own request, not a JSON event.

    The platform (unless given) is the first of ``CALL_FORMATS`` whose ``matches_call`` accepts
    the call; it decodes the request and encodes the answer in its runtime's own form.
    """
    if platform is None:
        platform = next(
            (
                entry.platform
                for entry in bridge._call_platforms
                if entry.may_match(call) and entry.platform.matches_call(call, context)
            ),
            None,
        )
    if platform is None:
        if bridge.on_event is not None:
            return bridge.on_event(call, context)
        titles = ", ".join(p.platform.title for p in bridge._call_platforms if not p.dict_call)
        exc = EventError(
            f"the event must be a JSON object (dict, bytes or str) or a request object of {titles};"
            f" got {type(call).__module__}.{type(call).__name__}"
        )
        return event_error(bridge, exc, call, context)
    options = bridge.options
    if bridge.platform is not None and bridge.platform != platform.name:
        exc = PlatformMismatchError(
            f"this handler serves platform={bridge.platform!r} but was called as {platform.title}"
        )
        _log_error("[-] %s", exc)
        response = _error_response(exc.status, str(exc))
        return platform.encode(response, platform.call_stub(call, context), options)
    try:
        request = platform.decode(call, context, options)
        check_request(request)
    except _UNREADABLE as exc:
        return _rejected_call(bridge, platform, exc, call, context, started)
    environ = platform.wsgi_environ(request, options) if bridge._wsgi is not None else None
    if bridge._internal_paths is not None and _internal_key(request.path) in bridge._internal_paths:
        response = _error_response(404, "Not Found")  # a job's route: not for HTTP callers
    elif environ is not None:
        run_app = bridge._wsgi.run_wsgi
        response = bridge._respond(request, lambda: run_app(bridge.app, request, environ))
    else:
        response = bridge._respond(request)
    try:
        result = platform.encode(response, request, options)
    except Exception as exc:  # the app's response has no form on this platform (CR/LF in a header)
        response = failed(bridge, exc, request)
        result = platform.encode(response, request, options)
    if bridge._access_log is not None:
        bridge._access_log.write(request, response.status, started)
    return result


def _rejected_call(
    bridge: Bridge, platform: Any, exc: Exception, call: Any, context: Any, started: float
) -> Any:
    """The platform's 400 answer to a call it could not read; one log line."""
    what = platform.call_argument
    exc = as_event_error(exc, f"the {platform.title} {what}")
    _log_error("[%s] rejected %s %s: %s", _request_id(context) or "-", platform.name, what, exc)
    stub = platform.call_stub(call, context)
    request = stub if stub is not None else HTTPRequest("-", "", b"", event=call, context=context)
    if bridge.on_error is not None:
        report(bridge, exc, request)
    response = _error_response(exc.status, str(exc))
    if bridge._access_log is not None:
        bridge._access_log.write(request, response.status, started)
    return platform.encode(response, stub, bridge.options)
