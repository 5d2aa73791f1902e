"""Azure Functions, HTTP trigger (Python v2 model): ``handler(req)`` or ``handler(req, context)``.

The worker calls the function with an ``azure.functions.HttpRequest`` and expects an
``azure.functions.HttpResponse`` back (reference/other-platforms.md §1; Azure/azure-functions-python-library
``azure/functions/_http.py``). ``azure.functions`` is imported only when such a request arrives:
it is on the platform, and nowhere else needs it.

The app is registered as one catch-all function, ``route="{*route}"``, under ``host.json``'s
``extensions.http.routePrefix`` (``api`` by default). The prefix is the app's mount point, so it
goes to ``SCRIPT_NAME``/``root_path`` and out of the path the app routes on; Azure's own
``AsgiMiddleware`` leaves it in the path instead (azure-functions-python-worker #1310).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    HOP_BY_HOP,
    Platform,
    apply_base_path,
    forwarded_scheme,
    last_forwarded_for,
    path_from_encoded,
    read_headers,
    server_of,
    strip_prefix,
)

#: ``host.json`` ``extensions.http.routePrefix`` when the file does not set one.
DEFAULT_ROUTE_PREFIX = "/api"
#: The catch-all route parameter of the generated ``function_app.py`` (``route="{*route}"``).
ROUTE_PARAM = "route"


class AzureFunctions(Platform):
    name = "azure"
    title = "Azure Functions HTTP trigger"
    # No documented response limit; requests are limited to 100 MB (reference §1). Not checked here.
    max_response_bytes = 100 * 1024 * 1024
    context_id = "invocation_id"

    def matches(self, event: Dict[str, Any]) -> bool:
        return False  # never a JSON event

    def matches_call(self, event: Any, context: Any) -> bool:
        kind = type(event)
        return kind.__module__.startswith("azure.functions") and kind.__name__.endswith("HttpRequest")

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = getattr(event, "method", None)
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} request has no method")
        url = getattr(event, "url", None)
        if not isinstance(url, str) or not url:
            raise EventError(f"{title} request has no url")
        parts = urlsplit(url)
        # req.headers is single-valued: the host has already joined repeats (reference §1).
        headers, index = read_headers(dict(event.headers.items()), title)
        path, raw_path = path_from_encoded(parts.path or "/")
        # The URL carries the scheme the host saw; X-Forwarded-Proto is the front end's, where it sets one.
        scheme = forwarded_scheme(index.get("x-forwarded-proto"), parts.scheme or "https")
        host = index.get("host") or parts.netloc
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            parts.query.encode("ascii", "replace"),  # the whole query: req.params keeps one value per key
            headers,
            event.get_body() or b"",
            scheme=scheme,
            server=server_of(host, index.get("x-forwarded-port"), scheme),
            client=_client(index),
            request_id=str(getattr(context, "invocation_id", None) or ""),
            event=event,
            context=context,
        )
        if options.base_path:
            apply_base_path(request, options)
        else:
            _mount_route_prefix(request, getattr(event, "route_params", None))
        return request

    def encode(self, response: HTTPResponse, request: Optional[HTTPRequest], options: Options) -> Any:
        """An ``azure.functions.HttpResponse`` carrying every header, each Set-Cookie on its own.

        The library keeps headers multi-valued and sends every Set-Cookie to the host in the
        response's separate ``cookies`` field (library PR #115, ``HttpResponseConverter.encode``);
        other repeated headers are joined here with commas, since the converter keeps one value per
        name (RFC 9110 §5.3 makes the forms equivalent).
        """
        import azure.functions as func

        # The library's multi-valued headers (wsgiref's Headers): the converter reads Set-Cookie
        # with get_all(); other names it sends as a dict, one value each.
        headers = func.HttpResponse().headers.__class__([])
        for name, value in response.headers:
            lname = name.lower()
            if lname in HOP_BY_HOP:
                continue
            value = value.strip(" \t")
            if lname != "set-cookie" and name in headers:
                joined = ",".join(headers.get_all(name) + [value])
                del headers[name]
                headers.add_header(name, joined)
            else:
                headers.add_header(name, value)
        return func.HttpResponse(response.body, status_code=response.status, headers=headers)


def _client(index: Dict[str, str]) -> Optional[Tuple[str, int]]:
    """The client address Azure's front end vouches for: the hop it appended to X-Forwarded-For.

    The request object has no address (reference §1); Azure "will always set the X-Forwarded-For
    header" (Azure/Azure-Functions#1597), appending what it saw to whatever the client sent, so the
    last hop is the only one not under the client's control. App Service writes it as ``ip:port``.
    """
    hop = last_forwarded_for(index.get("x-forwarded-for"))
    if not hop:
        return None
    if hop.startswith("["):  # [IPv6]:port
        address, _, port = hop[1:].partition("]")
        return address, _int(port.lstrip(":"))
    if hop.count(":") == 1:  # IPv4:port
        address, _, port = hop.partition(":")
        return address, _int(port)
    return hop, 0


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _mount_route_prefix(request: HTTPRequest, route_params: Any) -> None:
    """Move the route prefix (``/api``) from the path into ``root_path``.

    With the catch-all ``{*route}`` the prefix is what the URL path holds before the ``route``
    parameter, whatever ``host.json`` set it to (``""`` included). Without the parameter (the bare
    prefix, ``/api``, matches the catch-all with nothing to capture) it is the default prefix.
    """
    route = route_params.get(ROUTE_PARAM) if hasattr(route_params, "get") else None
    path = request.path
    if isinstance(route, str) and route:
        tail = "/" + route.lstrip("/")
        if path.endswith(tail) or path.endswith(tail + "/"):
            end = path.rfind(tail)
            prefix = path[:end].rstrip("/")
            if prefix:
                strip_prefix(request, prefix)
            return
    strip_prefix(request, DEFAULT_ROUTE_PREFIX)
