"""Huawei Cloud FunctionGraph, APIG trigger (event function): ``handler(event, context)``.

Format: reference/other-platforms.md §3, sample event tests/events/huawei-apig.json
(https://support.huaweicloud.com/intl/en-us/usermanual-functiongraph/functiongraph_01_0204.html;
the same sample in Open Telekom Cloud's FunctionGraph docs). Repeated query keys, repeated headers
and several Set-Cookie are not documented (UNCONFIRMED): list values are accepted wherever a map
value may be one, and the response keeps to the documented ``Map<String,String>`` of headers.
"""

from __future__ import annotations

from typing import Any, Dict

from .._errors import EventError
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
    last_forwarded_for,
    path_from_decoded,
    query_from_map,
    read_headers,
    response_fields,
)


class HuaweiApig(Platform):
    name = "huawei"
    title = "Huawei FunctionGraph APIG trigger"
    # HTTP functions stream (support.huaweicloud.com, FunctionGraph doc functiongraph_01_0908).
    stream_hint = "Huawei: use --mode web (an HTTP function streams)"
    # FunctionGraph's synchronous response limit (functiongraph_02_1002 states 6 MB for HTTP functions;
    # the same figure is assumed for event functions, UNCONFIRMED).
    max_response_bytes = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        # AWS REST events look alike but always carry `resource` (or `version`); SCF has `queryString`.
        request_context = event.get("requestContext")
        return (
            "httpMethod" in event
            and isinstance(request_context, dict)
            and "apiId" in request_context
            and "resource" not in event
            and "version" not in event
            and "queryString" not in event
        )

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = event.get("httpMethod")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no httpMethod")
        request_context = field(event, "requestContext", dict, title, {})
        headers, index = read_headers(event.get("headers"), title)
        host = index.get("host", "")
        scheme, server = addressed(index, host)
        # `path` is the "complete path" of the published API, decoded as AWS REST's is (UNCONFIRMED).
        path, raw_path = path_from_decoded(field(event, "path", str, title, "/") or "/")
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            query_from_map(event.get("queryStringParameters"), title),
            headers,
            body_bytes(event, title),
            scheme=scheme,
            server=server,
            client=_client(index),
            request_id=_invocation_id(context) or str(request_context.get("requestId") or ""),
            event=event,
            context=context,
        )
        # The APIG stage (RELEASE by default) is chosen by the API group's environment, never a URL
        # segment: there is nothing to mount. A custom-domain mapping is `base_path`.
        apply_base_path(request, options)
        return request

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        headers, cookies, body, is_base64 = response_fields(response, options)
        # All four keys, always: APIG answers 500 to a result without one of them (reference §3).
        # Headers are documented as Map<String,String>; several Set-Cookie go under differently
        # cased names, which keeps to that type (as FC 3.0's default and ALB single-value do).
        return {
            "statusCode": response.status,
            "headers": cookie_variants(headers, cookies),
            "body": body,
            "isBase64Encoded": is_base64,
        }


def _client(index: Dict[str, str]) -> Any:
    """The client address APIG vouches for: ``x-real-ip``, which the gateway sets, else the hop it
    appended to ``x-forwarded-for`` (the first hops are whatever the client sent)."""
    address = index.get("x-real-ip") or last_forwarded_for(index.get("x-forwarded-for"))
    return (address, 0) if address else None


def _invocation_id(context: Any) -> str:
    """FunctionGraph's context exposes the id through a method, ``getRequestID()`` (reference §3)."""
    get_id = getattr(context, "getRequestID", None)
    if callable(get_id):
        try:
            return str(get_id() or "")
        except Exception:  # a context of another shape: fall back to the gateway's id
            return ""
    return ""
