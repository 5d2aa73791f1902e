"""AWS API Gateway REST API (proxy integration) and HTTP API payload format 1.0.

Format: reference/aws-lambda.md §2
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
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
    merged_headers,
    mount_stage,
    multi_value,
    path_from_encoded,
    query_from_map,
    read_headers,
    response_fields,
    usual_address,
    usual_aws_headers,
    usual_body,
    usual_client,
    usual_query,
    usual_target,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._base import Usual


class AwsApiGatewayV1(Platform):
    name = "aws-v1"
    title = "AWS API Gateway REST / payload 1.0"
    stream_hint = "AWS: build with --streaming and call through a Function URL (InvokeMode RESPONSE_STREAM)"
    # Lambda's synchronous invocation payload (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    max_response_bytes = 6 * MB
    # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    context_id = "aws_request_id"

    def matches(self, event: Dict[str, Any]) -> bool:
        request_context = event.get("requestContext")
        if request_context is None:
            # A direct SDK invoke or a hand-written test event has no requestContext at all, or a
            # null one (apig-wsgi #289, Zappa PR #970); SCF's events are told apart by `queryString`.
            return "httpMethod" in event and "queryString" not in event
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
        # The multi-value map is lossless, the single-value one keeps only the last repeat; a header
        # may be in one map only (AWS's own sample has Host only in `headers`, Mangum PR #229).
        headers, index = read_headers(
            merged_headers(event.get("headers"), event.get("multiValueHeaders")), title
        )
        params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
        host = index.get("host", "")
        scheme, server = addressed(index, host)
        identity = request_context.get("identity")
        source_ip = identity.get("sourceIp") if isinstance(identity, dict) else None
        # apig-wsgi unquotes `path` too: API Gateway passes percent-escapes through (apig-wsgi #376).
        path = event.get("path")
        if path.__class__ is not str or not path:
            path = field(event, "path", str, title, "/") or "/"
        path, raw_path = path_from_encoded(path)
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            query_from_map(params, title) if params else b"",
            headers,
            body_bytes(event, title) if event.get("body") else b"",  # a bodiless request: no call
            scheme,
            server,
            (source_ip, 0) if source_ip.__class__ is str and source_ip else None,  # client
            "",  # root_path: the stage or base path, below
            gateway_request_id(request_context),
            event,
            context,
        )
        # `path` has no stage; the URL has it on the execute-api domain only (reference §6.3). A
        # console test event has no Host at all: treat it as the default domain, as Zappa does.
        # The gateway's own Host (lower case, no port) matches as it is; any other is normalised first.
        on_default_domain = (
            not host
            or (host.endswith(AWS_DOMAINS) and ":" not in host)
            or host_name(host).endswith(AWS_DOMAINS)
        )
        # HTTP API's payload 1.0 keeps a named stage in `path`, as 2.0 does in rawPath.
        in_path = event.get("version") == "1.0"
        mount_stage(request, request_context.get("stage"), on_default_domain, options, in_path)
        if options.base_path:
            apply_base_path(request, options)
        # Only an authorizer, stage variables or an IAM caller give the request an identity.
        if (
            request_context.get("authorizer")
            or event.get("stageVariables") is not None
            or (identity.__class__ is dict and identity.get("userArn"))
        ):
            gateway_identity(request, request_context, event)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        # decode's usual case, field by field: a REST stage is mounted (it is not in `path`).
        request_context = event.get("requestContext")
        if request_context.__class__ is not dict or options.base_path:
            return None
        identity = request_context.get("identity")
        if identity.__class__ is not dict:
            return None
        method = event.get("httpMethod")
        path = event.get("path")
        stage = request_context.get("stage")
        if not usual_target(method, path):
            return None
        if stage.__class__ is not str:
            if stage is not None:
                return None
            stage = ""
        headers = usual_aws_headers(event.get("headers"), event.get("multiValueHeaders"))
        if headers is None:
            return None
        address = usual_address(headers)
        body = usual_body(event) if event.get("body") else b""  # a bodiless request: no call
        if address is None or body is None:
            return None
        root_path = ""
        if stage and stage != "$default":
            if event.get("version") == "1.0":  # HTTP API 1.0: the stage is in `path`, decode strips it
                return None
            in_url = options.stage_in_url
            if in_url is None:  # decode's on_default_domain, for a Host without a port
                host = headers["host"]
                in_url = host.endswith(AWS_DOMAINS) or host.lower().endswith(AWS_DOMAINS)
            if in_url:
                if not stage.isascii():
                    return None
                root_path = "/" + stage
        params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
        query = usual_query(params, self.title) if params else ""
        if query is None:
            return None
        client = usual_client(identity.get("sourceIp"))
        if client is None:
            return None
        user, caller, variables = NO_CALLER
        # As decode asks: only an authorizer, stage variables or an IAM caller name a caller.
        if (
            request_context.get("authorizer")
            or event.get("stageVariables") is not None
            or identity.get("userArn")
        ):
            user, caller, variables = gateway_caller(request_context, event)
            if user is not None and not user.isascii():
                return None
        return (
            method, root_path, path, query, headers, body, address[0], headers["host"], address[1], client,
            gateway_request_id(request_context), user, caller, variables,
        )  # fmt: skip

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        headers, cookies, body, is_base64 = response_fields(response, options, keep_repeats=True)
        # API Gateway reads multiValueHeaders in every proxy response, whatever the event carried
        # (console tests and direct invokes have none): the one form where several Set-Cookie and
        # any repeated header survive (reference/aws-lambda.md §2).
        return {
            "statusCode": response.status,
            "multiValueHeaders": multi_value(headers, cookies),
            "isBase64Encoded": is_base64,
            "body": body,
        }

    # encode reads no request: the usual path calls it as it is, a call fewer per invocation.
    encode_usual = encode  # type: ignore[assignment]
