"""Apache OpenWhisk web actions: ``main(args)``, the HTTP context in ``__ow_*`` keys of ``args``.

Format: reference/other-platforms.md §4 (apache/openwhisk ``docs/webactions.md``, "HTTP Context"
and "Handling HTTP requests with actions"), sample tests/events/openwhisk-web-raw.json. Deploy the
action with ``--web raw``: then the query arrives unparsed (``__ow_query``) and the body whole
(``__ow_body``). Plain ``--web true`` merges query parameters and JSON or form bodies into the
top-level arguments; that is accepted, but the original query order and body bytes are gone (the
query is rebuilt from the top-level arguments, default parameters included).

The app's mount point is the action's web URL, ``/api/v1/web/<namespace>/<package>/<action>``,
read from the ``__OW_ACTION_NAME`` the runtime sets for every activation; behind a custom
domain, ``base_path`` names the public prefix instead. Through OpenWhisk's API Gateway the action
gets the API's base path and the rest in ``__ow_path``, and the gateway's ``X-Forwarded-Url``
(apache/openwhisk-apigateway ``scripts/lua/routing.lua``) holds the public URL: what comes before
``__ow_path`` there is the mount point, to which ``base_path`` (the API's base path) is added.
"""

from __future__ import annotations

import binascii
import os
from base64 import b64decode, b64encode
from typing import Any, Dict, List, Union
from urllib.parse import urlsplit

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    MB,
    Platform,
    addressed,
    apply_base_path,
    last_forwarded_for,
    path_from_encoded,
    query_from_map,
    read_headers,
    response_fields,
)

# Request bodies the controller passes as text, all others base64 ("as a base64 encoded string when
# content is binary or JSON object/array, or plain string otherwise", docs/webactions.md). Which
# media types it counts as binary is UNCONFIRMED beyond these: a body that is not valid base64 is
# taken as the text it is.
_TEXT_PREFIXES = ("text/", "application/x-www-form-urlencoded", "application/xml", "application/javascript")


def is_text_media(content_type: str) -> bool:
    """Whether OpenWhisk's controller carries a body of ``content_type`` as text, not base64."""
    media = content_type.partition(";")[0].strip().lower()
    return media.startswith(_TEXT_PREFIXES) or media.endswith("+xml")


def web_base(action_name: str) -> str:
    """The web-action URL of ``__OW_ACTION_NAME`` (``/ns/action`` or ``/ns/pkg/action``)."""
    parts = [part for part in action_name.split("/") if part]
    if len(parts) == 2:
        parts.insert(1, "default")  # an action outside a package is under the `default` package
    if len(parts) != 3:
        return ""
    return "/api/v1/web/" + "/".join(parts)


class OpenWhiskWebAction(Platform):
    name = "openwhisk"
    title = "Apache OpenWhisk web action"
    # "The maximum size of a result returned from an action is 1MB" (open-source default,
    # docs/reference.md); deployments such as IBM Cloud Functions allow more.
    max_response_bytes = 1 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        return "__ow_method" in event and "__ow_headers" in event

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = event.get("__ow_method")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no __ow_method")
        headers, index = read_headers(event.get("__ow_headers"), title)
        # `__ow_path` is "the unmatched path of the request", after the action name and extension;
        # taken as the controller forwards it, percent-encoded (UNCONFIRMED: the docs do not say).
        path = event.get("__ow_path") or "/"
        if not isinstance(path, str):
            raise EventError(f"{title} event field '__ow_path' must be a string, got {type(path).__name__}")
        if not path.startswith("/"):
            path = "/" + path
        path, raw_path = path_from_encoded(path)
        raw_query = event.get("__ow_query")
        if raw_query is None:  # --web true: the parameters were merged into the arguments
            arguments = {k: v for k, v in event.items() if not k.startswith("__ow_")}
            query = query_from_map({k: v for k, v in arguments.items() if _scalar(v)}, title)
        elif isinstance(raw_query, str):
            query = raw_query.encode("utf-8")
        else:
            raise EventError(f"{title} event field '__ow_query' must be a string")
        host = index.get("x-forwarded-host") or index.get("host", "")
        scheme, server = addressed(index, host)
        # The hop the front end (OpenWhisk's nginx) appended; UNCONFIRMED for every deployment.
        client = last_forwarded_for(index.get("x-forwarded-for"))
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            query,
            headers,
            _body(event, index.get("content-type", ""), title),
            scheme=scheme,
            server=server,
            client=(client, 0) if client else None,
            request_id=os.environ.get("__OW_ACTIVATION_ID", ""),
            event=event,
            context=context,
        )
        request.root_path = web_base(os.environ.get("__OW_ACTION_NAME", ""))
        mount = _gateway_mount(index.get("x-forwarded-url"), raw_path)
        apply_base_path(request, options)
        if mount is not None:
            request.root_path = mount + (options.base_path or "")
        return request

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        headers, cookies, body, is_base64 = response_fields(response, options)
        out: Dict[str, Union[str, List[str]]] = dict(headers)
        if cookies is not None:
            # "To send multiple values for a single header, the header's value should be a JSON array".
            out[cookies[0]] = cookies[1] if len(cookies[1]) > 1 else cookies[1][0]
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if body and not is_base64 and not is_text_media(content_type):
            # The controller base64-decodes a JSON-family body that looks like base64 ("true",
            # "1234": Exec.isBinaryCode): sent encoded, every JSON body survives.
            body = b64encode(body.encode("utf-8")).decode("ascii")
        return {"statusCode": response.status, "headers": out, "body": body}


def _gateway_mount(forwarded_url: str | None, raw_path: bytes) -> str | None:
    """The public prefix before ``__ow_path`` in the API Gateway's ``X-Forwarded-Url``; ``None``
    for a call that did not come through it."""
    if not forwarded_url:
        return None
    try:
        public = urlsplit(forwarded_url).path
    except ValueError:  # not a URL ("http://[", say): not the gateway's
        return None
    own = raw_path.decode("ascii", "replace")
    if not public.endswith(own):
        return None
    return path_from_encoded(public[: len(public) - len(own)])[0] if len(public) > len(own) else ""


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or (
        isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value)
    )


def _body(event: Dict[str, Any], content_type: str, title: str) -> bytes:
    body = event.get("__ow_body")
    if not body:
        return b""
    if not isinstance(body, str):
        raise EventError(f"{title} event field '__ow_body' must be a string, got {type(body).__name__}")
    if not is_text_media(content_type):
        try:
            return b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            pass  # a type the controller passed as text after all
    return body.encode("utf-8")
