"""Alibaba Cloud Function Compute 2.0: the WSGI-style HTTP trigger, ``handler(environ, start_response)``.

Not an event: FC 2.0's Python runtime is itself a WSGI server, so this is a call platform
(:meth:`Platform.matches_call`) whose call is a dict. A WSGI app runs on the environ it gets, with
the default URL's proxy prefix moved into ``SCRIPT_NAME``; an ASGI app gets a request built from
that environ. The answer goes back through ``start_response``, the call's second argument, which
:meth:`FC2.decode` keeps on the request (:attr:`FC2Request.start_response`) for :meth:`FC2.encode`.
Reference: alibaba-fc.md §2 (https://help.aliyun.com/document_detail/56316.htm).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from .._errors import EventError, ResponseHeaderError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import HOP_BY_HOP, Platform, apply_base_path, path_from_decoded, raw_query_bytes, server_of

NAME = "fc2"
TITLE = "Alibaba FC 2.0 HTTP trigger"

# https://<account>.<region>.fc.aliyuncs.com/2016-08-15/proxy/<service>/<function>/... (reference §2.3)
_PROXY_PREFIX = "/2016-08-15/proxy/"


class FC2Request(HTTPRequest):
    """A request of an FC 2.0 call, with the call's ``start_response``, which the answer goes through.

    ``context`` stays FC's own context object (``environ["fc.context"]``), as on every platform: the
    cold-start hooks and the remaining time read it.
    """

    __slots__ = ("start_response",)


class FC2(Platform):
    """FC 2.0's ``handler(environ, start_response)`` call; see the module docstring."""

    name = NAME
    title = TITLE
    call_argument = "environ"
    dict_call = True

    def matches(self, event: Dict[str, Any]) -> bool:
        return False  # never a JSON event

    def matches_call(self, event: Any, context: Any) -> bool:
        return isinstance(event, dict) and "wsgi.input" in event and callable(context)

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        """For a WSGI app, only what the bridge itself reads (the app reads FC's environ, made ready
        here by :func:`prepare_environ`); for an ASGI app, the whole request."""
        if options.interface == "wsgi":
            environ = prepare_environ(event, options)
            remote = environ.get("REMOTE_ADDR")
            request = FC2Request(
                environ.get("REQUEST_METHOD", "GET"),
                environ["PATH_INFO"],
                b"",
                client=(remote, 0) if remote else None,
                request_id=environ["bridge.request_id"],
                event=environ,
                context=environ.get("bridge.context"),
            )
        else:
            request = request_from_environ(event, options)
        request.start_response = context
        return request

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Optional[Dict[str, Any]]:
        return request.event  # FC's own environ, prepared by decode

    def encode(self, response: HTTPResponse, request: Any, options: Options) -> Any:
        return respond(response, request.start_response)

    def call_stub(self, event: Any, context: Any) -> HTTPRequest:
        stub = FC2Request("-", "", b"", event=event, context=event.get("fc.context"))
        stub.start_response = context
        return stub


def proxy_prefix(environ: Dict[str, Any]) -> str:
    """``/2016-08-15/proxy/<service>/<function>`` when the request came by the default URL, else ``""``.

    FC strips it from ``PATH_INFO`` but keeps it in ``fc.request_uri`` (INFERRED from funcraft's
    emulator, reference §2.2); a custom domain has no prefix.
    """
    uri = environ.get("fc.request_uri") or ""
    path = urlsplit(uri).path if "://" in uri else uri.split("?", 1)[0]
    if not path.startswith(_PROXY_PREFIX):
        return ""
    parts = path.split("/", 6)  # ['', '2016-08-15', 'proxy', service, function, ...]
    return "/".join(parts[:5]) if len(parts) >= 5 else ""


def prepare_environ(environ: Dict[str, Any], options: Options) -> Dict[str, Any]:
    """The environ a WSGI app should see: the proxy prefix (or ``base_path``) as ``SCRIPT_NAME``."""
    check_environ(environ)
    prefix = proxy_prefix(environ)
    path_info = environ.get("PATH_INFO") or "/"
    if prefix and path_info.startswith(prefix + "/"):  # a runtime that left the prefix in PATH_INFO
        path_info = path_info[len(prefix) :]
    base = options.base_path
    if base:
        wsgi_base = base.encode("utf-8").decode("latin-1")
        if path_info == wsgi_base or path_info.startswith(wsgi_base + "/"):
            path_info = path_info[len(wsgi_base) :] or "/"
        prefix = wsgi_base
    query = environ.get("QUERY_STRING")
    if query and not query.isascii():  # raw bytes a client sent: percent-encoded, as a browser sends them
        environ["QUERY_STRING"] = raw_query_bytes(query, "QUERY_STRING", "latin-1").decode("ascii")
    environ["SCRIPT_NAME"] = prefix
    environ["PATH_INFO"] = path_info
    context = environ.get("fc.context")
    environ["bridge.event"] = environ
    environ["bridge.context"] = context
    environ["bridge.request_id"] = getattr(context, "request_id", "") or environ.get(
        "HTTP_X_FC_REQUEST_ID", ""
    )
    return environ


# The environ keys PEP 3333 says are always present, which an app may index without checking.
_REQUIRED = ("REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme")


def check_environ(environ: Dict[str, Any]) -> None:
    """Refuse (:class:`EventError`) an environ that breaks what PEP 3333 promises the app.

    FC's own server makes it, so this never fires in production; it keeps a hand-made or hostile
    call from crashing the app instead of answering 400.
    """
    for key, value in environ.items():
        # CGI variables hold native (latin-1) strings; "wsgi.input" and "fc.context" are the server's.
        if (key.startswith("HTTP_") or "." not in key) and (
            value.__class__ is not str or not value.isascii() or not key.isascii()
        ):
            _wire_text(key, "a variable name")
            _wire_text(value, _printable_name(key))
    for key in _REQUIRED:
        if not environ.get(key):
            raise EventError(f"{TITLE} environ has no {key}, which PEP 3333 requires")
    if environ["wsgi.url_scheme"] not in ("http", "https"):
        raise EventError(f"{TITLE} environ's wsgi.url_scheme is neither http nor https")


def request_from_environ(environ: Dict[str, Any], options: Options) -> FC2Request:
    """An :class:`HTTPRequest` for an ASGI app from FC 2.0's environ."""
    check_environ(environ)
    headers: List[Tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), _wire_text(value, key)))
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", environ["CONTENT_TYPE"]))
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = stream.read(length) if stream is not None and length > 0 else b""
    scheme = environ.get("wsgi.url_scheme") or "http"
    path, raw_path = path_from_decoded(_wire_text(environ.get("PATH_INFO") or "/", "path (PATH_INFO)"))
    remote = environ.get("REMOTE_ADDR")
    context = environ.get("fc.context")
    request = FC2Request(
        (environ.get("REQUEST_METHOD") or "GET").upper(),
        path,
        raw_path,
        raw_query_bytes(environ.get("QUERY_STRING") or "", "QUERY_STRING", "latin-1"),
        headers,
        body,
        scheme=scheme,
        server=server_of(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "", None, scheme),
        client=(remote, 0) if remote else None,
        root_path=_wire_text(proxy_prefix(environ), "fc.request_uri"),
        request_id=getattr(context, "request_id", "") or environ.get("HTTP_X_FC_REQUEST_ID", ""),
        event=environ,
        context=context,
    )
    apply_base_path(request, options)
    return request


def respond(response: HTTPResponse, start_response: Callable[..., Any]) -> List[bytes]:
    """Hand ``response`` to FC 2.0's server through ``start_response``."""
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    # FC 2.0's own server frames the response: connection headers are its to set.
    headers = [pair for pair in response.headers if pair[0].lower() not in HOP_BY_HOP]
    for name, value in headers:
        if not (name.isprintable() and value.isprintable()) and _splits(name + value):
            raise ResponseHeaderError("the app's response has a header with CR, LF or NUL")
    start_response(f"{response.status} {phrase}", headers)
    return [response.body]


def _printable_name(key: str) -> str:
    return key.encode("ascii", "backslashreplace").decode("ascii")


def _splits(text: str) -> bool:
    """True when ``text`` holds what would end a header line on the wire."""
    return "\r" in text or "\n" in text or "\0" in text


def _wire_text(value: str, field: str) -> str:
    """A WSGI (latin-1) string as the text whose UTF-8 bytes were on the wire."""
    if not isinstance(value, str):
        raise EventError(
            f"{TITLE} environ holds a {type(value).__name__} in {field}, where PEP 3333 puts a string"
        )
    if value.isascii():
        return value
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # not a native string a WSGI server makes
        raise EventError(f"{TITLE} environ {field} is not a latin-1 string (PEP 3333)")
    return raw.decode("utf-8", "replace")
