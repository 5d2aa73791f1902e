"""AWS API Gateway HTTP API payload format 2.0, and Lambda Function URLs (the same format).

Format: reference/aws-lambda.md §3
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    AWS_DOMAINS,
    MB,
    NO_CALLER,
    Platform,
    addressed,
    apply_base_path,
    body_bytes,
    field,
    gateway_caller,
    gateway_identity,
    gateway_request_id,
    host_name,
    http_context,
    mount_stage,
    path_from_encoded,
    raw_query_bytes,
    read_headers,
    response_fields,
    set_header,
    usual_address,
    usual_body,
    usual_client,
    usual_headers,
    usual_target,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._base import Usual


class AwsHttpApiV2(Platform):
    name = "aws-v2"
    title = "AWS HTTP API payload 2.0 / Function URL"
    stream_hint = "AWS: build with --streaming and call through a Function URL (InvokeMode RESPONSE_STREAM)"
    max_response_bytes = 6 * MB
    # A Function URL with InvokeMode RESPONSE_STREAM takes a streamed response, up to 200 MB
    # (https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html); bridge.aws_runtime sends it.
    streams = True
    # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    context_id = "aws_request_id"

    def matches(self, event: Dict[str, Any]) -> bool:
        return event.get("version") == "2.0" and "requestContext" in event

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        request_context, http, method = http_context(event, title)
        headers, index = read_headers(event.get("headers"), title)
        cookies = event.get("cookies")
        if cookies:
            if not isinstance(cookies, list):
                raise EventError(f"{title} event field 'cookies' must be list, got {type(cookies).__name__}")
            # Cookies come apart from the headers in 2.0; a Cookie header may remain (apig-wsgi).
            joined = "; ".join(str(cookie) for cookie in cookies)
            existing = index.get("cookie")
            if existing:
                joined = f"{existing}; {joined}"
            headers = set_header(headers, index, "cookie", joined)
        # rawPath keeps the trailing slash that requestContext.http.path drops (apig-wsgi #376).
        raw = event.get("rawPath")
        if raw.__class__ is not str or not raw:
            raw = field(event, "rawPath", str, title) or http.get("path") or "/"
        path, raw_path = path_from_encoded(raw)
        query = event.get("rawQueryString") or ""
        if query.__class__ is not str:
            query = field(event, "rawQueryString", str, title, "")
        source_ip = http.get("sourceIp")
        # HTTP APIs add X-Forwarded-Proto/-Port/-For; Function URLs are https only.
        host = index.get("host", "")
        scheme, server = addressed(index, host)
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            # Verbatim: queryStringParameters comma-joins repeated keys.
            query.encode("ascii") if query.isascii() else raw_query_bytes(query, f"{title} rawQueryString"),
            headers,
            body_bytes(event, title) if event.get("body") else b"",  # a bodiless request: no call
            scheme,
            server,
            (source_ip, 0) if source_ip.__class__ is str and source_ip else None,  # client
            "",  # root_path: a stage or base path, below
            gateway_request_id(request_context),
            event,
            context,
        )
        stage = request_context.get("stage")
        if stage and stage != "$default":
            # A named stage is in rawPath; it is part of the public URL on the execute-api domain only.
            host = host_name(host)
            on_default_domain = not host or host.endswith(AWS_DOMAINS)
            mount_stage(request, stage, on_default_domain, options, in_path=True)
        if options.base_path:
            apply_base_path(request, options)
        if "authorizer" in request_context or event.get("stageVariables"):
            gateway_identity(request, request_context, event)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        # decode's usual case, field by field: the default stage (a named one is in rawPath).
        request_context = event.get("requestContext")
        if request_context.__class__ is not dict or options.base_path:
            return None
        http = request_context.get("http")
        stage = request_context.get("stage")
        if http.__class__ is not dict or (stage and stage != "$default"):
            return None
        method = http.get("method")
        path = event.get("rawPath")
        query = event.get("rawQueryString") or ""
        if (
            not usual_target(method, path)
            or query.__class__ is not str
            or not query.isascii()
        ):
            return None
        headers = usual_headers(event.get("headers"))
        if headers is None:
            return None
        cookies = event.get("cookies")
        if cookies:
            if cookies.__class__ is not list:
                return None
            try:
                joined = "; ".join(cookies)
            except TypeError:  # not all strings: decode spells each with str()
                return None
            if not joined.isascii():
                return None
            existing = headers.get("cookie")
            headers = dict(headers)  # the event's own map stays as it came
            headers["cookie"] = f"{existing}; {joined}" if existing else joined
        address = usual_address(headers)
        body = usual_body(event) if event.get("body") else b""  # a bodiless request: no call
        if address is None or body is None:
            return None
        client = usual_client(http.get("sourceIp"))
        if client is None:
            return None
        user, identity, variables = NO_CALLER
        if "authorizer" in request_context or event.get("stageVariables"):  # as decode asks
            user, identity, variables = gateway_caller(request_context, event)
            if user is not None and not user.isascii():
                return None
        return (
            method, "", path, query, headers, body, address[0], headers["host"], address[1], client,
            gateway_request_id(request_context), user, identity, variables,
        )  # fmt: skip

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        headers, cookies, body, is_base64 = response_fields(response, options)
        result: Dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies is not None:
            # "each cookie becomes a set-cookie header" (reference §3).
            result["cookies"] = cookies[1]
        result["isBase64Encoded"] = is_base64
        result["body"] = body
        return result

    # encode reads no request: the usual path calls it as it is, a call fewer per invocation.
    encode_usual = encode  # type: ignore[assignment]

    def stream_prelude(self, status: int, headers: Any, options: Options) -> bytes:
        """The HTTP-integration prelude of a streamed Function URL response: the status, headers and
        cookies as JSON, then the 8 NUL bytes that end it (the form of the Node.js runtime's
        ``HttpResponseStream``, aws/aws-lambda-nodejs-runtime-interface-client
        ``src/HttpResponseStream.js``); the body follows as it is produced."""
        import json

        fields, cookies, _, _ = response_fields(HTTPResponse(status, headers), options)
        prelude: Dict[str, Any] = {"statusCode": status, "headers": fields}
        if cookies is not None:
            prelude["cookies"] = cookies[1]
        # json.dumps escapes control characters, so no NUL byte can end the prelude early.
        return json.dumps(prelude, separators=(",", ":")).encode("utf-8") + b"\0" * 8
