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
    addressed,
    apply_base_path,
    body_bytes,
    field,
    host_name,
    mount_stage,
    multi_value,
    path_from_encoded,
    query_from_map,
    read_headers,
    response_fields,
)


class AwsApiGatewayV1(Platform):
    name = "aws-v1"
    title = "AWS API Gateway REST / payload 1.0"
    # Lambda's synchronous invocation payload (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    max_response_bytes = 6 * MB
    # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    context_id = "aws_request_id"

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
        host = index.get("host", "")
        scheme, server = addressed(index, host)
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
            server=server,
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
        headers, cookies, body, is_base64 = response_fields(response, options)
        result: Dict[str, Any] = {"statusCode": response.status}
        if request.event.get("multiValueHeaders") is not None:
            # Several Set-Cookie survive only in multiValueHeaders.
            result["multiValueHeaders"] = multi_value(headers, cookies)
        else:
            if cookies is not None:
                headers[cookies[0]] = ",".join(cookies[1])  # the best a single-value map can carry
            result["headers"] = headers
        result["isBase64Encoded"] = is_base64
        result["body"] = body
        return result
