"""Run a WSGI app (PEP 3333) on a request: buffering its response, or streaming it."""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .._headers import REQUEST_NAMES
from .._model import BufferedStream, HTTPRequest, HTTPResponse, HTTPStream

TYPE_CHECKING = False  # typing's [] costs start-up time; annotations are strings (PEP 563)
if TYPE_CHECKING:
    Headers = List[Tuple[str, str]]
    from ..platforms._base import Usual

    WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Any]


class _UnusualHeader(Exception):
    """A header the one-pass environ loop does not set: :func:`_set_headers` takes over."""


class _EnvironKeys(dict):
    """The environ key of each request header name.

    The usual names are computed once, at import: spelling ``HTTP_`` keys one header at a time is
    most of an environ's cost otherwise. Any other name is spelled on lookup and not kept, so the
    table never grows with what clients send.
    """

    def __missing__(self, name: str) -> str:
        if "_" in name or not name.isascii() or not name.isprintable():
            raise _UnusualHeader(name)
        return "HTTP_" + name.upper().replace("-", "_")


def _environ_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


def _environ_keys() -> _EnvironKeys:
    keys = _EnvironKeys()
    for name in REQUEST_NAMES:
        keys[name] = _environ_key(name)
    keys["content-type"] = "CONTENT_TYPE"
    # Both are replaced or removed once the headers are in: the body is complete, and
    # CONTENT_LENGTH is its real length.
    keys["content-length"] = "CONTENT_LENGTH"
    keys["transfer-encoding"] = "HTTP_TRANSFER_ENCODING"
    return keys


_ENVIRON_KEYS = _environ_keys()

# What every environ holds, copied per request: a copy is cheaper than building these entries, and
# with every key the run sets already in it, setting them replaces values where adding them would
# grow the copy's table (and rehash it) several times over.
_ENVIRON_BASE: Dict[str, Any] = dict.fromkeys(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
        "REMOTE_ADDR", "wsgi.url_scheme", "wsgi.input", "wsgi.errors", "bridge.event",
        "bridge.context", "bridge.request_id", "bridge.identity", "bridge.stage_variables",
    ),  # fmt: skip
    "",
)
_ENVIRON_BASE.update(
    {
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.input_terminated": True,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
)
# The usual ports as SERVER_PORT spells them, without str() per request.
_PORTS = {443: "443", 80: "80"}


def _latin1(value: str) -> str:
    """PEP 3333's native string for a header value: its UTF-8 bytes (as sent) read as latin-1."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("latin-1")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte (a JSON "\ud800" escape)
        from .._errors import EventError

        raise EventError("a request header value holds text that is not valid Unicode")


def _set_headers(environ: Dict[str, Any], headers: Iterable[Tuple[str, str]]) -> None:
    """Set every header's key again, the careful way: repeats joined as Werkzeug and gunicorn join
    them ("; " for cookies), names with ``_`` dropped, names that are not text refused.

    A name with an underscore would fold into the dashed name's key (``x_forwarded_for`` into
    ``HTTP_X_FORWARDED_FOR``, after the value the gateway set, where proxy-aware code reads the
    client's hop): gunicorn drops such headers since 22.0 (its ``header_map`` setting, default
    ``drop``: https://docs.gunicorn.org/en/stable/settings.html#header-map), and so does this.
    """
    for key in [key for key in environ if key.startswith("HTTP_")]:
        del environ[key]
    environ.pop("CONTENT_TYPE", None)
    environ.pop("CONTENT_LENGTH", None)
    keys = _ENVIRON_KEYS
    seen = set()
    for name, value in headers:
        key = keys.get(name)
        if key is None:
            if "_" in name:
                continue
            if not name.isascii() or not name.isprintable():
                from .._errors import EventError

                raise EventError("a request header name is not an HTTP token")
            key = _environ_key(name)
        if not value.isascii():
            value = _latin1(value)
        if key in seen:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            seen.add(key)
            environ[key] = value


def usual_environ(usual: Usual, event: Any, context: Any, request_id: str) -> Dict[str, Any]:
    """The environ of a usual request (:meth:`bridge.Platform.usual_request`): what :func:`run_wsgi`
    builds for the same request, without the checks its values have already passed (ASCII text,
    unique names without "_", a path without "%")."""
    (method, root_path, path, query, headers, body, scheme, host, port, client, _, user, identity,
     variables) = usual  # fmt: skip
    environ = _ENVIRON_BASE.copy()
    environ["REQUEST_METHOD"] = method
    environ["SCRIPT_NAME"] = root_path
    environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = query
    environ["SERVER_NAME"] = host
    environ["SERVER_PORT"] = _PORTS.get(port) or str(port)
    environ["REMOTE_ADDR"] = client
    environ["wsgi.url_scheme"] = scheme
    environ["wsgi.input"] = BytesIO(body)
    environ["wsgi.errors"] = sys.stderr
    environ["bridge.event"] = event
    environ["bridge.context"] = context
    environ["bridge.request_id"] = request_id
    environ["bridge.identity"] = identity
    environ["bridge.stage_variables"] = variables
    if user is not None:
        environ["REMOTE_USER"] = user
    keys = _ENVIRON_KEYS
    for name, value in headers.items():
        environ[keys[name]] = value
    if body or "CONTENT_LENGTH" in environ or method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    if "HTTP_TRANSFER_ENCODING" in environ:
        del environ["HTTP_TRANSFER_ENCODING"]
    return environ


def run_wsgi(app: WSGIApp, request: HTTPRequest, environ: Optional[Dict[str, Any]] = None) -> HTTPResponse:
    """The app's whole response to ``request``; ``close()`` is always called on its result.

    The app gets ``environ`` where the platform made one (FC 2.0), else the PEP 3333 environ of
    ``request``: native strings are latin-1, as a real server makes them. The environ is built here
    rather than in a function of its own because this is the per-invocation path, where a call
    costs more than its lines (benchmarks/hotpath.md); :func:`build_environ` shows it.
    """
    if environ is None:
        raw_path = request.raw_path
        if b"%" in raw_path:
            from urllib.parse import unquote_to_bytes

            # %2F becomes "/" as in Werkzeug's and gunicorn's servers; bytes are kept, read as latin-1.
            raw_path = unquote_to_bytes(raw_path)
        root_path = request.root_path
        client = request.client
        body = request.body
        server = request.server
        environ = _ENVIRON_BASE.copy()
        environ["REQUEST_METHOD"] = request.method
        environ["SCRIPT_NAME"] = root_path if root_path.isascii() else _latin1(root_path)
        environ["PATH_INFO"] = raw_path.decode("latin-1")
        query = request.query_string
        environ["QUERY_STRING"] = query.decode("latin-1") if query else ""
        environ["SERVER_NAME"] = server[0]
        environ["SERVER_PORT"] = _PORTS.get(server[1]) or str(server[1])
        environ["REMOTE_ADDR"] = client[0] if client else ""
        environ["wsgi.url_scheme"] = request.scheme
        environ["wsgi.input"] = BytesIO(body)
        environ["wsgi.errors"] = sys.stderr  # looked up per request: a test or a logger may swap it
        environ["bridge.event"] = request.event
        environ["bridge.context"] = request.context
        environ["bridge.request_id"] = request.request_id
        environ["bridge.identity"] = request.identity
        environ["bridge.stage_variables"] = request.stage_variables
        if request.remote_user is not None:  # PEP 3333 and Django's RemoteUserMiddleware: absent if none
            user = request.remote_user
            environ["REMOTE_USER"] = user if user.isascii() else _latin1(user)
        # The platform's map of unique names as it is, where the pairs were never asked for.
        header_map = request._header_map
        headers = header_map.items() if header_map is not None else request._headers
        expected = len(environ) + len(headers)
        keys = _ENVIRON_KEYS
        try:
            for name, value in headers:
                if not value.isascii():
                    value = _latin1(value)
                environ[keys[name]] = value
        except _UnusualHeader:  # a name with "_" or not ASCII: the careful pass below decides
            expected = -1
        if len(environ) != expected:
            # Two headers fell on one key: a repeated header, which the loop above overwrote. Checking
            # the size once costs less than looking each key up before setting it.
            _set_headers(environ, headers)
        if body or "CONTENT_LENGTH" in environ or request.method in ("POST", "PUT", "PATCH"):
            # The real length: a gateway that base64-decoded or re-framed the body may leave a stale
            # header. A bodiless request's "0" stays, as Werkzeug and gunicorn pass it on.
            environ["CONTENT_LENGTH"] = str(len(body))
        if "HTTP_TRANSFER_ENCODING" in environ:
            del environ["HTTP_TRANSFER_ENCODING"]  # the body is complete: its framing was the gateway's
    started: List[Optional[Tuple[str, Headers]]] = [None]
    chunks: List[bytes] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                # Nothing has reached the client yet (the response is buffered), so an error page may
                # replace what was started, body included (PEP 3333, "error handling").
                chunks.clear()
            finally:
                exc_info = None
        elif started[0] is not None:
            raise AssertionError("start_response() called a second time without exc_info")
        started[0] = (status, headers)
        return chunks.append  # the legacy write() callable

    result = app(environ, start_response)
    try:
        chunks.extend(result)  # after what write() gave, if anything; a C-level loop
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if started[0] is None:
        raise RuntimeError("the WSGI app returned without calling start_response()")
    status, headers = started[0]
    if len(chunks) > 1:  # a generator or write() calls: a stream this platform returns whole
        return BufferedStream(int(status[:3]), headers, b"".join(chunks))
    # The headers list is ours to keep: "the server may change its contents in any way" (PEP 3333).
    return HTTPResponse(int(status[:3]), headers, b"".join(chunks))  # one chunk is returned as it is


def stream_wsgi(app: WSGIApp, request: HTTPRequest) -> HTTPStream:
    """The app's response to ``request`` as it produces it.

    PEP 3333 ("Buffering and Streaming"): the status and headers go once the first non-empty chunk
    is ready (or the iterable is exhausted), then each chunk as the app yields it; what ``write()``
    got goes first, in order. ``close()`` on the app's iterable is called by :meth:`HTTPStream.close`,
    whether the stream was read to the end or abandoned.
    """
    environ = build_environ(request)
    environ["wsgi.input"].seek(0)
    started: List[Optional[Tuple[str, Headers]]] = [None]
    written: List[bytes] = []
    sent = [False]

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if sent[0]:  # the headers are out: PEP 3333 says re-raise, the stream ends in error
                    raise exc_info[1].with_traceback(exc_info[2])
                written.clear()
            finally:
                exc_info = None
        elif started[0] is not None:
            raise AssertionError("start_response() called a second time without exc_info")
        started[0] = (status, headers)
        return written.append

    result = app(environ, start_response)
    close = getattr(result, "close", None)
    try:
        iterator = iter(result)
        first = b"".join(written)
        written.clear()
        while not first:
            chunk = next(iterator, None)
            if chunk is None:
                break
            first = b"".join(written) + chunk
            written.clear()
        if started[0] is None:
            raise RuntimeError("the WSGI app returned without calling start_response()")
    except BaseException:
        if close is not None:
            close()
        raise
    sent[0] = True
    status, headers = started[0]
    return HTTPStream(int(status[:3]), headers, _chunks(first, iterator, written), close)


def _chunks(first: bytes, iterator: Any, written: List[bytes]) -> Any:
    if first:
        yield first
    for chunk in iterator:
        if written:  # write() called while the iterable was running: its bytes go first
            yield b"".join(written)
            written.clear()
        if chunk:
            yield bytes(chunk)
    if written:
        yield b"".join(written)
        written.clear()


def build_environ(request: HTTPRequest) -> Dict[str, Any]:
    """The environ :func:`run_wsgi` gives an app for ``request`` (for tests and benchmarks)."""
    environs: List[Dict[str, Any]] = []

    def record(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        environs.append(environ)
        start_response("204 No Content", [])
        return []

    run_wsgi(record, request)
    return environs[0]
