"""Run a WSGI app (PEP 3333) on a request, buffering its response."""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any, Callable, Dict, List, Optional, Tuple

from .._model import HTTPRequest, HTTPResponse

Headers = List[Tuple[str, str]]
WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Any]


def build_environ(request: HTTPRequest) -> Dict[str, Any]:
    """The PEP 3333 environ for ``request``: native strings are latin-1, as a real server makes them."""
    raw_path = request.raw_path
    if b"%" in raw_path:
        from urllib.parse import unquote_to_bytes

        # %2F becomes "/" as in Werkzeug's and gunicorn's servers; bytes are kept, read as latin-1.
        raw_path = unquote_to_bytes(raw_path)
    root_path = request.root_path
    client = request.client
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": root_path if root_path.isascii() else root_path.encode("utf-8").decode("latin-1"),
        "PATH_INFO": raw_path.decode("latin-1"),
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "SERVER_NAME": request.server[0],
        "SERVER_PORT": str(request.server[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client[0] if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "bridge.event": request.event,
        "bridge.context": request.context,
        "bridge.request_id": request.request_id,
    }
    body = request.body
    if body or request.method in ("POST", "PUT", "PATCH"):
        # The real length: a gateway that base64-decoded or re-framed the body may leave a stale header.
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in request.headers:
        if not value.isascii():
            value = value.encode("utf-8", "surrogateescape").decode("latin-1")
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "content-length" or name == "transfer-encoding":
            continue  # the body is complete and its length is known
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            # Repeated headers are joined as Werkzeug and gunicorn join them; cookies with "; ".
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    return environ


def run_wsgi(app: WSGIApp, environ: Dict[str, Any]) -> HTTPResponse:
    """Call ``app`` and collect its whole response; ``close()`` is always called on the result."""
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
        for chunk in result:
            if chunk:
                chunks.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if started[0] is None:
        raise RuntimeError("the WSGI app returned without calling start_response()")
    status, headers = started[0]
    return HTTPResponse(int(status[:3]), list(headers), b"".join(chunks) if len(chunks) != 1 else chunks[0])
