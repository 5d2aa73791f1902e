"""AWS API Gateway REST API (proxy integration) and HTTP API payload format 1.0.

Format: reference/aws-lambda.md §2
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
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
    joined_headers,
    mount_stage,
    path_from_encoded,
    query_from_map,
    read_headers,
    server_of,
)


class AwsApiGatewayV1(Platform):
    name = "aws-v1"
    title = "AWS API Gateway REST / payload 1.0"
    # Lambda's synchronous invocation payload (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    max_response_bytes = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        request_context = event.get("requestContext")
        return (
            "httpMethod" in event
            and ("resource" in event or event.get("version") == "1.0")
            and isinstance(request_context, dict)
            and "elb" not in request_context
        )

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = event.get("httpMethod")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no httpMethod")
        request_context = field(event, "requestContext", dict, title, {})
        # The multi-value maps are lossless; the single-value ones keep only the last repeat.
        if event.get("multiValueHeaders"):
            headers, index = read_headers(event["multiValueHeaders"], title)
        else:
            headers, index = read_headers(event.get("headers"), title)
        params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
        scheme = forwarded_scheme(index.get("x-forwarded-proto"))
        host = index.get("host", "")
        identity = request_context.get("identity")
        source_ip = identity.get("sourceIp") if isinstance(identity, dict) else None
        # apig-wsgi unquotes `path` too: API Gateway passes percent-escapes through (apig-wsgi #376).
        path, raw_path = path_from_encoded(field(event, "path", str, title, "/") or "/")
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            query_from_map(params, title),
            headers,
            body_bytes(event, title),
            scheme=scheme,
            server=server_of(host, index.get("x-forwarded-port"), scheme),
            client=(source_ip, 0) if isinstance(source_ip, str) and source_ip else None,
            request_id=request_context.get("requestId") or "",
            event=event,
            context=context,
        )
        # `path` has no stage; the URL has it on the execute-api domain only (reference §6.3). A
        # console test event has no Host at all: treat it as the default domain, as Zappa does.
        host = host_name(host)
        on_default_domain = not host or host.endswith((".amazonaws.com", ".amazonaws.com.cn"))
        mount_stage(request, request_context.get("stage"), on_default_domain, options)
        apply_base_path(request, options)
        return request

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        body, is_base64 = body_field(response, options)
        result: Dict[str, Any] = {"statusCode": response.status}
        if request.event.get("multiValueHeaders") is not None:
            # Repeats (several Set-Cookie) survive only in multiValueHeaders.
            result["multiValueHeaders"] = grouped_headers(response.headers)
        else:
            result["headers"] = joined_headers(response.headers)
        result["isBase64Encoded"] = is_base64
        result["body"] = body
        return result
