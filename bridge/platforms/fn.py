"""Fn Project and OCI Functions (``fdk``): ``handler(ctx, data)``, answered with ``fdk.response.Response``.

Contract: reference/other-platforms.md §6 (fnproject/fn ``docs/developers/fn-format.md``,
fnproject/fdk-python ``fdk/context.py``, ``fdk/response.py``). The FDK gives the HTTP request as
``ctx.Method()``, ``ctx.RequestURL()`` (absolute from the Fn server, path-only behind OCI API
Gateway) and ``ctx.HTTPHeaders()``; the body is ``data``. fdk calls the function as
``handler(ctx, data=data)``, so the entry point is a function passing both on (``bridge build
--platform fn`` writes it): ``def handler(ctx, data=None): return bridge_handler(ctx, data)``.

Known losses, from fdk's own code: the FDK's server keeps one value per request header (a plain
dict of the parsed header list: the last repeat wins), and it writes one response line per header
name, lower-cased. Several ``Set-Cookie`` are kept apart by giving each its own key object (see
:class:`_OwnLine`), so that fdk writes one ``Fn-Http-H-Set-Cookie`` line for each; whether every
front end copies each line on to the client is UNCONFIRMED (the Fn server's Go code does for
repeated header lines). fdk writes a ``Content-Type`` line for every response, ``None`` where the
function set none: a body without one goes as ``application/octet-stream``, an empty one with an
empty value.
"""

from __future__ import annotations

from typing import Any, Dict, List
from urllib.parse import urlsplit

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    HOP_BY_HOP,
    MB,
    Platform,
    apply_base_path,
    header_text,
    last_forwarded_for,
    path_from_encoded,
    read_headers,
    server_of,
)


class FnProject(Platform):
    name = "fn"
    title = "Fn Project / OCI Functions (fdk)"
    # "A function's request & response payload size is limited to 6 MB" (OCI; reference §6).
    max_response_bytes = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        return False  # never a JSON event

    def matches_call(self, event: Any, context: Any) -> bool:
        # fdk's InvokeContext (fdk.context), checked without importing fdk.
        return type(event).__module__.partition(".")[0] == "fdk" and callable(
            getattr(event, "RequestURL", None)
        )

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = event.Method()
        if not isinstance(method, str) or not method:
            raise EventError(f"{title}: the call has no Fn-Http-Method (not an HTTP trigger call?)")
        url = event.RequestURL()
        if not isinstance(url, str) or not url:
            raise EventError(f"{title}: the call has no Fn-Http-Request-Url")
        parts = urlsplit(url)
        headers, index = read_headers(event.HTTPHeaders(), title)
        host = index.get("host") or parts.netloc
        # The Fn server's URL says the scheme; behind OCI API Gateway (path-only, HTTPS only) it is
        # https. X-Forwarded-Proto arrives as the client sent it (Fn-Http-H-*): never trusted.
        scheme = parts.scheme or "https"
        server = server_of(host, None, scheme)
        path, raw_path = path_from_encoded(parts.path or "/")
        body = b""
        if context is not None and callable(getattr(context, "read", None)):
            body = context.read()
        if not isinstance(body, (bytes, bytearray)):
            raise EventError(f"{title}: the request body must be bytes, got {type(body).__name__}")
        client = last_forwarded_for(index.get("x-forwarded-for"))
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            parts.query.encode("ascii", "replace"),
            headers,
            bytes(body),
            scheme=scheme,
            server=server,
            client=(client, 0) if client else None,
            request_id=str(event.CallID() or ""),
            event=event,
            context=event,  # the ctx carries Config(), Deadline() ...: the app's environ gets it
        )
        apply_base_path(request, options)
        return request

    def encode(self, response: HTTPResponse, request: Any, options: Options) -> Any:
        """An ``fdk.response.Response``: the status goes in ``Fn-Http-Status``, each header in an
        ``Fn-Http-H-`` header of its own (fdk's ``encap_headers``)."""
        from fdk.context import InvokeContext
        from fdk.response import Response

        if request is not None:
            ctx = request.event
        else:  # an error before the request was read: a context that answers as an HTTP call does
            ctx = InvokeContext(None, None, None, None, None, headers={"fn-intent": "httprequest"})
        headers: Dict[Any, str] = {}
        cookies: List[str] = []
        for name, value in response.headers:
            lname = name.lower()
            if lname in HOP_BY_HOP:
                continue
            value = header_text(value)
            if lname == "set-cookie":
                cookies.append(value)
            elif lname in headers:
                headers[lname] += "," + value  # RFC 9110 §5.3: fdk writes one line per name
            else:
                headers[lname] = value
        if "content-type" not in headers:
            # fdk writes the Content-Type line whatever happens, "None" when there is none.
            headers["content-type"] = "application/octet-stream" if response.body else ""
        out = Response(ctx, response_data=response.body, headers=headers, status_code=response.status)
        if cookies:
            sent = ctx.GetResponseHeaders()
            sent.pop("fn-http-h-set-cookie", None)
            for value in cookies:
                sent[_OwnLine("fn-http-h-set-cookie")] = value
        return out


class _OwnLine(str):
    """A header name that stays a key of its own in fdk's header dicts, for a line of its own.

    fdk re-keys response headers through ``str.lower()`` (``CaseInsensitiveDict``) and writes one
    line per key: a name equal to no other key, lower-casing to itself, survives both.
    """

    __slots__ = ()

    def lower(self) -> str:
        return self

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return id(self)
