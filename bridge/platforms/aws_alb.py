"""AWS Application Load Balancer with a Lambda target, with and without multi-value headers.

Format: reference/aws-lambda.md §4
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

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
    joined,
    last_forwarded_for,
    merged_headers,
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


class AwsAlb(Platform):
    name = "alb"
    title = "AWS ALB Lambda target"
    stream_hint = "AWS: an ALB target cannot stream; build with --streaming and call through a Function URL"
    # "The maximum size of the response JSON that the Lambda function can send is 1 MB."
    max_response_bytes = 1 * MB
    # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    context_id = "aws_request_id"

    def matches(self, event: Dict[str, Any]) -> bool:
        request_context = event.get("requestContext")
        return isinstance(request_context, dict) and "elb" in request_context

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        title = self.title
        method = event.get("httpMethod")
        if not isinstance(method, str) or not method:
            raise EventError(f"{title} event has no httpMethod")
        # With lambda.multi_value_headers.enabled the ALB sends only the multi-value maps; a test or
        # a hand-made event may mix the two forms, so each map is read in whichever form it came.
        headers, index = read_headers(
            merged_headers(event.get("headers"), event.get("multiValueHeaders")), title
        )
        params = event.get("multiValueQueryStringParameters")
        if params is None:
            params = event.get("queryStringParameters")
        scheme, server = addressed(index, index.get("host", ""), default="http")
        client = last_forwarded_for(index.get("x-forwarded-for"))
        path = event.get("path")
        if path.__class__ is not str or not path:
            path = field(event, "path", str, title, "/") or "/"
        path, raw_path = path_from_encoded(path)
        request = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            # "the load balancer does not decode them": values are still percent-encoded (Mangum #178).
            query_from_map(params, title, encoded=True) if params else b"",
            headers,
            body_bytes(event, title) if event.get("body") else b"",  # a bodiless request: no call
            scheme=scheme,
            server=server,
            client=(client, 0) if client else None,
            # No request id in an ALB event: the invocation's, from the context, is Bridge's to add.
            event=event,
            context=context,
        )
        if options.base_path:
            apply_base_path(request, options)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        method = event.get("httpMethod")
        path = event.get("path")
        if not usual_target(method, path) or options.base_path:
            return None
        headers = usual_aws_headers(event.get("headers"), event.get("multiValueHeaders"))
        if headers is None:
            return None
        address = usual_address(headers, "http")
        body = usual_body(event) if event.get("body") else b""  # a bodiless request: no call
        if address is None or body is None:
            return None
        params = event.get("multiValueQueryStringParameters")
        if params is None:
            params = event.get("queryStringParameters")
        query = usual_query(params, self.title, encoded=True) if params else ""
        if query is None:
            return None
        client = usual_client(last_forwarded_for(headers.get("x-forwarded-for")))
        if client is None:
            return None
        # No request id in an ALB event: the invocation's, from the context, is Bridge's to add.
        scheme, port = address
        host = headers["host"]
        return (method, "", path, query, headers, body, scheme, host, port, client, "", None, None, None)

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        return self.encode_usual(response, request.event, options)

    def encode_usual(self, response: HTTPResponse, event: Dict[str, Any], options: Options) -> Dict[str, Any]:
        # The response takes the form of the event's headers: the event is all this reads.
        headers, cookies, body, is_base64 = response_fields(response, options, keep_repeats=True)
        status = response.status
        description = _DESCRIPTIONS.get(status)
        if description is None:
            description = _DESCRIPTIONS[status] = _description(status)
        result: Dict[str, Any] = {"statusCode": status, "statusDescription": description}
        if "multiValueHeaders" in event:
            # "You must use multiValueHeaders if you have enabled multi-value headers".
            result["multiValueHeaders"] = multi_value(headers, cookies)
        else:
            headers = joined(headers)
            # Single-value mode keeps one value per name: several Set-Cookie go out under case-variant
            # names, which the ALB forwards as separate headers (Mangum, serverless-wsgi, reference §4).
            result["headers"] = cookie_variants(headers, cookies)
        result["isBase64Encoded"] = is_base64
        result["body"] = body
        return result


# ``statusDescription`` per status, made once: an HTTPStatus lookup per invocation costs more than the
# rest of the encoding. Filled as statuses occur (an app sends few), never from what a client sends.
_DESCRIPTIONS: Dict[int, str] = {}


def _description(status: int) -> str:
    from http import HTTPStatus  # here, not at import: the enum costs start-up time

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return f"{status} {phrase}".strip()
