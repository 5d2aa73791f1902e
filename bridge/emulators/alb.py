"""AWS Application Load Balancer with a Lambda target group.

https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
(reference/aws-lambda.md §4).
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from . import _body, _query, _result
from ._aws import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    LambdaContext,
    forwarding_headers,
    lambda_context,
    replace_headers,
)
from ._base import Emulator, GatewayRequest, GatewayResponse, InvalidResult

#: "The maximum size of the request body that you can send to a Lambda function is 1 MB"; the same
#: for the response JSON (aws-lambda.md §4, §7).
MAX_BODY_BYTES = 1024 * 1024
MAX_RESULT_BYTES = 1024 * 1024

_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def _elb_page(status: int, title: str, reason: str) -> GatewayResponse:
    body = _BAD_GATEWAY.replace(b"502 Bad Gateway", f"{status} {title}".encode())
    return GatewayResponse(status, [("Content-Type", "text/html")], body, reason)


class ALBEmulator(Emulator):
    """ALB → Lambda. ``multi_value=True`` is the target group's ``lambda.multi_value_headers.enabled``:
    the event carries ``multiValueHeaders`` / ``multiValueQueryStringParameters`` instead of the
    single-value maps, and the response must use ``multiValueHeaders`` (and ``headers`` otherwise).
    """

    name = "alb"
    max_result_bytes = MAX_RESULT_BYTES
    # The load balancer's own DNS name has no certificate of the user's: its listeners are plain HTTP
    # unless a custom domain with a certificate is set up.
    default_scheme = "http"

    def __init__(
        self,
        *,
        multi_value: bool = False,
        target_group_arn: str = "",
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.multi_value = multi_value
        self.region = region
        self.account_id = account_id
        self.target_group_arn = target_group_arn or (
            f"arn:aws:elasticloadbalancing:{region}:{account_id}:targetgroup/bridge-target-group/6d0ecf831eec9f09"
        )

    @property
    def default_host(self) -> str:
        # <name>-<id>.<region>.elb.amazonaws.com, the load balancer's DNS name.
        return f"bridge-alb-1234567890.{self.region}.elb.amazonaws.com"

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], LambdaContext]:
        pairs = replace_headers(request.headers_with_host(), forwarding_headers(request, lower=True))
        multi_headers: Dict[str, List[str]] = {}
        for name, value in pairs:
            if name.lower() not in ("connection", "transfer-encoding"):
                multi_headers.setdefault(name.lower(), []).append(value)
        # "If the query parameters are URL-encoded, the load balancer does not decode them."
        multi_query = _query.grouped(request.raw_query, decode=_query.as_is)
        event: Dict[str, Any] = {
            "requestContext": {"elb": {"targetGroupArn": self.target_group_arn}},
            "httpMethod": request.method.upper(),
            # As on the wire, like the query (Mangum's ALB handler unquotes it). UNCONFIRMED.
            "path": request.raw_path,
        }
        if self.multi_value:
            event["multiValueQueryStringParameters"] = multi_query
            event["multiValueHeaders"] = multi_headers
        else:
            # One value per key: the last, for the query (aws-lambda.md §4) and — UNCONFIRMED — for headers.
            event["queryStringParameters"] = {key: values[-1] for key, values in multi_query.items()}
            event["headers"] = {name: values[-1] for name, values in multi_headers.items()}
        event["body"], event["isBase64Encoded"] = _body.text_or_base64(request.body, request.content_type)
        context = lambda_context(self, request_id)
        return event, context

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        if (request.header("upgrade") or "").lower() == "websocket":
            # "WebSocket upgrade requests are rejected with HTTP 400" for Lambda targets.
            return _elb_page(400, "Bad Request", "ALB rejects WebSocket upgrades to a Lambda target")
        too_large = self.body_too_large(len(request.body))
        if too_large is not None:
            return too_large
        return super().check_request(request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_BODY_BYTES:
            return None
        # The 1 MB limit is documented; the status is UNCONFIRMED.
        return _elb_page(
            413,
            "Request Entity Too Large",
            f"request body is {length} bytes; ALB sends Lambda at most {MAX_BODY_BYTES}",
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # UNCONFIRMED: a method no listener rule forwards falls to the default action, here a 404.
        return _elb_page(
            404, "Not Found", f"no listener rule forwards {request.method} ({self._allowed_methods_text()})"
        )

    def error_response(self, reason: str) -> GatewayResponse:
        return _elb_page(502, "Bad Gateway", reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        result = _result.require_dict(result)
        status = _result.status_code(result)
        description = result.get("statusDescription")
        if description is not None and not isinstance(description, str):
            raise InvalidResult(f"'statusDescription' must be a string, not {description!r}")
        # "You must use multiValueHeaders if you have enabled multi-value headers and headers otherwise."
        right, wrong = (
            ("multiValueHeaders", "headers") if self.multi_value else ("headers", "multiValueHeaders")
        )
        if result.get(wrong) is not None:
            mode = "on" if self.multi_value else "off"
            raise InvalidResult(
                f"the response uses '{wrong}' but multi-value headers are {mode}: use '{right}'"
            )
        # Several casings of one name (the case-mutation trick) are several headers on the wire.
        headers = _result.header_map(result, right, lists_required=self.multi_value)
        body = _body.decode_result_body(result.get("body"), _result.base64_flag(result))
        return GatewayResponse(status, headers, body)
