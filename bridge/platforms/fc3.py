"""Alibaba Cloud Function Compute 3.0: HTTP trigger, built-in Python runtime.

Event and response formats: reference/alibaba-fc.md §1
(https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function).
"""

from __future__ import annotations

from typing import Any, Dict

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    MB,
    Platform,
    body_bytes,
    body_field,
    case_variants,
    field,
    forwarded_scheme,
    grouped_headers,
    path_from_decoded,
    path_from_encoded,
    query_from_map,
    read_headers,
    server_of,
)


class FC3(Platform):
    name = "fc"
    title = "Alibaba FC 3.0 HTTP trigger"
    # The synchronous response limit is UNCONFIRMED (reference §10.6); the request limit is 32 MB and
    # nothing suggests the response is larger, so the request's limit is the safe bound.
    max_response_bytes = 32 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        # `rawPath` + `queryParameters` is FC's alone: AWS v2 also has `rawPath` but `rawQueryString`.
        return "rawPath" in event and "rawQueryString" not in event and "requestContext" in event

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        request_context = field(event, "requestContext", dict, title, {})
        http = field(request_context, "http", dict, title, {})
        method = http.get("method")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no requestContext.http.method")
        raw_path = event.get("rawPath")
        if isinstance(raw_path, str) and raw_path:
            # rawPath is URL-encoded; requestContext.http.path is the decoded form (reference §1.2).
            path, raw = path_from_encoded(raw_path)
        else:
            path, raw = path_from_decoded(http.get("path") or "/")
        headers, index = read_headers(event.get("headers"), title)
        host = index.get("host")
        if not host:
            # Go's net/http moves Host out of the header map, so FC's event has none; the domain the
            # client addressed is requestContext.domainName (reference §1.2, captured sample §1.3).
            domain = request_context.get("domainName")
            host = domain if isinstance(domain, str) else ""
            if host:
                headers.append(("host", host))
        scheme = forwarded_scheme(index.get("x-forwarded-proto"))
        source_ip = http.get("sourceIp")
        return HTTPRequest(
            method.upper(),
            path,
            raw,
            # Repeated keys arrive comma-joined and cannot be told from a literal comma (reference
            # §1.2, UNCONFIRMED): the value is kept whole, as one parameter, commas unescaped.
            query_from_map(event.get("queryParameters"), title),
            headers,
            body_bytes(event, title),
            scheme=scheme,
            server=server_of(host, index.get("x-forwarded-port"), scheme),
            client=(source_ip, 0) if isinstance(source_ip, str) and source_ip else None,
            request_id=request_context.get("requestId") or "",
            event=event,
            context=context,
        )

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        body, is_base64 = body_field(response, options)
        return {
            "statusCode": response.status,
            "headers": _single_string_headers(response, options.fc_multi_header),
            "isBase64Encoded": is_base64,
            "body": body,
        }


def _single_string_headers(response: HTTPResponse, mode: str) -> Dict[str, Any]:
    """FC 3.0 documents ``headers`` as ``map[string]string`` only (reference §1.6).

    Repeated headers other than Set-Cookie are comma-joined, which HTTP allows. Several Set-Cookie
    cannot be joined (``Expires=`` has a comma), and how FC treats a repeated cookie is UNCONFIRMED:
    ``mutate`` (default) keeps to the documented type with case-variant names, so the response is
    never rejected and at worst one cookie is kept; ``list`` sends a JSON array; ``join`` commas.
    """
    out: Dict[str, Any] = {}
    for name, values in grouped_headers(response.headers).items():
        if len(values) == 1:
            out[name] = values[0]
        elif name.lower() != "set-cookie":
            out[name] = ",".join(values)
        elif mode == "list":
            out[name] = values
        elif mode == "join":
            out[name] = ", ".join(values)
        else:
            for variant, value in zip(case_variants(name, len(values)), values):
                out[variant] = value
    return out
