"""Alibaba Cloud Function Compute 3.0: HTTP trigger, built-in Python runtime.

Event and response formats: reference/alibaba-fc.md §1
(https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    MB,
    Platform,
    addressed,
    apply_base_path,
    body_bytes,
    cookie_variants,
    field,
    gateway_request_id,
    http_context,
    path_from_decoded,
    path_from_encoded,
    query_from_map,
    read_headers,
    response_fields,
    set_header,
    usual_address,
    usual_body,
    usual_client,
    usual_headers,
    usual_query,
    usual_target,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._base import Cookies, Usual


class FC3(Platform):
    name = "fc"
    title = "Alibaba FC 3.0 HTTP trigger"
    # Streaming (chunked, SSE) works in web functions only (help.aliyun.com, "does Function Compute
    # support SSE streaming response").
    stream_hint = "FC: use --mode web (a web function streams)"
    # The synchronous response limit is UNCONFIRMED (reference §10.6); the request limit is 32 MB and
    # nothing suggests the response is larger, so the request's limit is the safe bound.
    max_response_bytes = 32 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        # `rawPath` + `queryParameters` is FC's alone: AWS v2 also has `rawPath` but `rawQueryString`.
        return "rawPath" in event and "rawQueryString" not in event and "requestContext" in event

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        request_context, http, method = http_context(event, title)
        raw_path = event.get("rawPath")
        if isinstance(raw_path, str) and raw_path:
            # rawPath is URL-encoded; requestContext.http.path is the decoded form (reference §1.2).
            path, raw = path_from_encoded(raw_path)
        else:
            path, raw = path_from_decoded(field(http, "path", str, title, "/") or "/")
        headers, index = read_headers(event.get("headers"), title)
        host = index.get("host")
        if not host:
            # Go's net/http moves Host out of the header map, so FC's event has none; the domain the
            # client addressed is requestContext.domainName (reference §1.2, captured sample §1.3).
            domain = request_context.get("domainName")
            host = domain if isinstance(domain, str) else ""
            if host:
                headers = set_header(headers, index, "host", host)
        scheme, server = addressed(index, host)
        source_ip = http.get("sourceIp")
        request = HTTPRequest(
            method.upper(),
            path,
            raw,
            # Repeated keys arrive comma-joined and cannot be told from a literal comma (reference
            # §1.2, UNCONFIRMED): the value is kept whole, as one parameter, commas unescaped.
            query_from_map(event.get("queryParameters"), title),
            headers,
            body_bytes(event, title) if event.get("body") else b"",  # a bodiless request: no call
            scheme,
            server,
            (source_ip, 0) if source_ip.__class__ is str and source_ip else None,  # client
            "",  # root_path
            gateway_request_id(request_context),
            event,
            context,
        )
        if options.base_path:
            # FC custom-domain routes forward the whole path, the mapped prefix included.
            apply_base_path(request, options)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        request_context = event.get("requestContext")
        if request_context.__class__ is not dict or options.base_path:
            return None
        http = request_context.get("http")
        if http.__class__ is not dict:
            return None
        method = http.get("method")
        path = event.get("rawPath")
        if not usual_target(method, path):
            return None
        headers = usual_headers(event.get("headers"))
        if headers is None:
            return None
        if not headers.get("host"):  # as decode: the domain the client addressed
            domain = request_context.get("domainName")
            if domain.__class__ is not str or not domain or not domain.isascii():
                return None
            headers = dict(headers)  # the event's own map stays as it came
            headers["host"] = domain
        address = usual_address(headers)
        body = usual_body(event) if event.get("body") else b""  # a bodiless request: no call
        if address is None or body is None:
            return None
        params = event.get("queryParameters")
        query = usual_query(params, self.title) if params else ""
        if query is None:
            return None
        client = usual_client(http.get("sourceIp"))
        if client is None:
            return None
        # No caller: decode reads none from FC's event.
        return (
            method, "", path, query, headers, body, address[0], headers["host"], address[1], client,
            gateway_request_id(request_context), None, None, None,
        )  # fmt: skip

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        headers, cookies, body, is_base64 = response_fields(response, options)
        if cookies is not None:
            _add_cookies(headers, cookies, options.fc_multi_header)
        return {
            "statusCode": response.status,
            "headers": headers,
            "isBase64Encoded": is_base64,
            "body": body,
        }

    # encode reads no request: the usual path calls it as it is, a call fewer per invocation.
    encode_usual = encode  # type: ignore[assignment]


def _add_cookies(headers: Dict[str, Any], cookies: Cookies, mode: str) -> None:
    """FC 3.0 documents ``headers`` as ``map[string]string`` only (reference §1.6).

    Several Set-Cookie cannot be joined (``Expires=`` has a comma), and how FC treats a repeated
    cookie is UNCONFIRMED: ``mutate`` (default) keeps to the documented type with case-variant
    names, so the response is never rejected and at worst one cookie is kept; ``list`` sends a
    JSON array; ``join`` commas.
    """
    name, values = cookies
    if len(values) == 1:
        headers[name] = values[0]
    elif mode == "list":
        headers[name] = values
    elif mode == "join":
        headers[name] = ", ".join(values)
    else:
        cookie_variants(headers, cookies)
