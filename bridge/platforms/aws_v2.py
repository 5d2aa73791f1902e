"""AWS API Gateway HTTP API payload format 2.0, and Lambda Function URLs (the same format).

Format: reference/aws-lambda.md §3
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
"""

from __future__ import annotations

from typing import Any, Dict

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    MB,
    Platform,
    apply_base_path,
    body_bytes,
    body_field,
    field,
    forwarded_scheme,
    grouped_headers,
    host_name,
    mount_stage,
    path_from_encoded,
    read_headers,
    server_of,
)


class AwsHttpApiV2(Platform):
    name = "aws-v2"
    title = "AWS HTTP API payload 2.0 / Function URL"
    max_response_bytes = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        return event.get("version") == "2.0" and "requestContext" in event

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        request_context = field(event, "requestContext", dict, title, {})
        http = field(request_context, "http", dict, title, {})
        method = http.get("method")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no requestContext.http.method")
        headers, index = read_headers(event.get("headers"), title)
        cookies = event.get("cookies")
        if cookies:
            if not isinstance(cookies, list):
                raise EventError(f"{title} event field 'cookies' must be list, got {type(cookies).__name__}")
            # Cookies come apart from the headers in 2.0; a Cookie header may remain (apig-wsgi).
            joined = "; ".join(str(cookie) for cookie in cookies)
            existing = index.get("cookie")
            if existing:
                headers = [pair for pair in headers if pair[0] != "cookie"]
                joined = f"{existing}; {joined}"
            headers.append(("cookie", joined))
        # rawPath keeps the trailing slash that requestContext.http.path drops (apig-wsgi #376).
        path, raw_path = path_from_encoded(field(event, "rawPath", str, title) or http.get("path") or "/")
        query = field(event, "rawQueryString", str, title, "")
        source_ip = http.get("sourceIp")
        # HTTP APIs add X-Forwarded-Proto/-Port/-For; Function URLs are https only.
        scheme = forwarded_scheme(index.get("x-forwarded-proto"))
        host = index.get("host", "")
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            # Verbatim: queryStringParameters comma-joins repeated keys.
            query.encode("ascii") if query.isascii() else query.encode("utf-8"),
            headers,
            body_bytes(event, title),
            scheme=scheme,
            server=server_of(host, index.get("x-forwarded-port"), scheme),
            client=(source_ip, 0) if isinstance(source_ip, str) and source_ip else None,
            request_id=request_context.get("requestId") or "",
            event=event,
            context=context,
        )
        stage = request_context.get("stage")
        if stage and stage != "$default":
            # A named stage is in rawPath; it is part of the public URL on the execute-api domain only.
            host = host_name(host)
            on_default_domain = not host or host.endswith((".amazonaws.com", ".amazonaws.com.cn"))
            mount_stage(request, stage, on_default_domain, options)
        if options.base_path:
            apply_base_path(request, options)
        return request

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        body, is_base64 = body_field(response, options)
        headers: Dict[str, str] = {}
        result: Dict[str, Any] = {"statusCode": response.status, "headers": headers}
        for name, values in grouped_headers(response.headers).items():
            if name.lower() == "set-cookie":
                # "each cookie becomes a set-cookie header" (reference §3).
                result["cookies"] = values
            else:
                headers[name] = values[0] if len(values) == 1 else ",".join(values)
        result["isBase64Encoded"] = is_base64
        result["body"] = body
        return result
