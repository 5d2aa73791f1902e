"""Alibaba Cloud Function Compute 2.0: the WSGI-style HTTP trigger, ``handler(environ, start_response)``.

Not an event: FC 2.0's Python runtime is itself a WSGI server. A WSGI app runs on the environ it
gets, with the default URL's proxy prefix moved into ``SCRIPT_NAME``; an ASGI app gets a request
built from that environ. Reference: alibaba-fc.md §2 (https://help.aliyun.com/document_detail/56316.htm).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import urlsplit

from .._errors import EventError, ResponseHeaderError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import HOP_BY_HOP, apply_base_path, path_from_decoded, server_of

NAME = "fc2"
TITLE = "Alibaba FC 2.0 HTTP trigger"

# https://<account>.<region>.fc.aliyuncs.com/2016-08-15/proxy/<service>/<function>/... (reference §2.3)
_PROXY_PREFIX = "/2016-08-15/proxy/"


def is_call(event: Any, context: Any) -> bool:
    """True for FC 2.0's ``handler(environ, start_response)`` call."""
    return isinstance(event, dict) and "wsgi.input" in event and callable(context)


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
    for key, value in environ.items():
        # PEP 3333: CGI keys hold native strings; an app indexes and splits them without checking.
        if value.__class__ is not str and key.isupper():
            raise EventError(
                f"{TITLE} environ holds a {type(value).__name__} in {key}, where PEP 3333 puts a string"
            )
    environ["SCRIPT_NAME"] = prefix
    environ["PATH_INFO"] = path_info
    context = environ.get("fc.context")
    environ["bridge.event"] = environ
    environ["bridge.context"] = context
    environ["bridge.request_id"] = getattr(context, "request_id", "") or environ.get(
        "HTTP_X_FC_REQUEST_ID", ""
    )
    return environ


def request_from_environ(environ: Dict[str, Any], options: Options) -> HTTPRequest:
    """An :class:`HTTPRequest` for an ASGI app from FC 2.0's environ."""
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
    request = HTTPRequest(
        (environ.get("REQUEST_METHOD") or "GET").upper(),
        path,
        raw_path,
        (environ.get("QUERY_STRING") or "").encode("latin-1"),
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
