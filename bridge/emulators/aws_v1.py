"""AWS API Gateway REST API, Lambda proxy integration (payload format 1.0).

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
(reference/aws-lambda.md §2, §6).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Sequence, Tuple

from . import _body, _query, _result
from ._aws import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    MAX_PAYLOAD_BYTES,
    LambdaContext,
    body_over_payload_limit,
    forwarding_headers,
    lambda_context,
    message_error,
    payload_too_large,
    replace_headers,
    stage_path,
)
from ._base import Emulator, GatewayRequest, GatewayResponse, Headers


class AWSV1Emulator(Emulator):
    """REST API with ``ANY /`` and ``ANY /{proxy+}`` resources proxied to one function.

    ``stage="prod"`` emulates the ``execute-api`` default domain: URLs are ``/prod/...`` and ``Host``
    is ``<api_id>.execute-api.<region>.amazonaws.com``; ``stage=None`` a custom domain (no prefix, the
    client's ``Host``; the event still names a stage, ``prod``). ``binary_media_types`` is the API's
    setting (``["*/*"]``, ``["image/*"]``...): empty by default, as on a new API, so binary bodies
    arrive mangled and base64 responses are sent as base64 text (aws-lambda.md §2).
    """

    name = "aws-v1"
    max_result_bytes = MAX_PAYLOAD_BYTES

    def __init__(
        self,
        *,
        stage: str | None = None,
        api_id: str = "bridge0api",
        binary_media_types: Sequence[str] = (),
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if self.default_domain and not stage:
            stage = "prod"  # a REST API's default domain always has its stage in the path
        self.stage = stage.strip("/") if stage else None
        self.api_id = api_id
        self.binary_media_types = tuple(binary_media_types)
        self.region = region
        self.account_id = account_id

    @property
    def url_prefix(self) -> str:
        return f"/{self.stage}" if self.stage else ""

    @property
    def default_host(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], LambdaContext]:
        now = time.time()
        headers = request.headers_with_host()
        on_default_domain = bool(self.stage) and not self.keep_host
        if on_default_domain:
            headers = replace_headers(headers, [("Host", self.default_host)])
        headers = replace_headers(headers, forwarding_headers(request, lower=False))
        headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in ("connection", "transfer-encoding")
        ]
        multi_headers: Dict[str, List[str]] = {}
        casing: Dict[str, str] = {}
        for name, value in headers:
            multi_headers.setdefault(casing.setdefault(name.lower(), name), []).append(value)
        multi_query = _query.grouped(request.raw_query)
        _, path = stage_path(request, self.stage)
        host = self.default_host if on_default_domain else request.authority
        body_text: str | None = None
        is_base64 = False
        if request.body:
            wanted = _body.matches_media_range(request.content_type, self.binary_media_types)
            body_text, is_base64 = _body.encode_body(request.body, as_base64=wanted)
        # The proxy resource ``/{proxy+}`` does not match ``/``: the root has its own resource.
        resource = "/" if path == "/" else "/{proxy+}"
        user_agent = request.header("user-agent")
        event = {
            "resource": resource,
            "path": path,
            "httpMethod": request.method.upper(),
            # Single-value maps hold the last value (events/aws-apigw-v1.json: X-Custom "second").
            "headers": {name: values[-1] for name, values in multi_headers.items()},
            "multiValueHeaders": multi_headers,
            # Decoded values (aws-lambda.md §2); empty maps are null, as for a GET without a query.
            "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": None if resource == "/" else {"proxy": path[1:]},
            "stageVariables": None,
            "requestContext": {
                "accountId": self.account_id,
                "apiId": self.api_id,
                "authorizer": None,
                "domainName": host,
                "domainPrefix": host.split(".", 1)[0],
                "httpMethod": request.method.upper(),
                "identity": {"sourceIp": request.client_ip, "userAgent": user_agent},
                # The path as requested, stage included on the default domain (UNCONFIRMED: encoded).
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "requestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "resourcePath": resource,
                "stage": self.stage or "prod",
            },
            "body": body_text,
            "isBase64Encoded": is_base64,
        }
        context = lambda_context(self, request_id)
        return event, context

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        under_stage, _ = stage_path(request, self.stage)
        if not under_stage:
            # No resource matches: REST APIs answer 403 "Missing Authentication Token".
            return message_error(
                403,
                "Missing Authentication Token",
                f"{request.path!r} is not under the stage: default-domain URLs start with /{self.stage}/",
            )
        rejection = super().check_request(request)
        if rejection is not None:
            return rejection
        return payload_too_large(self, request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        return body_over_payload_limit(length)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        return message_error(
            403,
            "Missing Authentication Token",
            f"no method {request.method} on the resource (methods: {self._allowed_methods_text()})",
        )

    def error_response(self, reason: str) -> GatewayResponse:
        return message_error(502, "Internal server error", reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        result = _result.require_dict(result)
        status = _result.status_code(result)
        return GatewayResponse(status, multi_value_wins(result), self._body(result, request))

    def _body(self, result: Dict[str, Any], request: GatewayRequest) -> bytes:
        is_base64 = _result.base64_flag(result)
        text = result.get("body")
        if not is_base64:
            return _body.decode_result_body(text, False)
        # API Gateway turns base64 back into bytes only for a binary media type (the request's
        # Accept or the response's Content-Type); otherwise the client gets the base64 text.
        content_type = _result.content_type_or(multi_value_wins(result), "") or ""
        accept = (request.header("accept") or "").split(",")[0]
        if _body.matches_media_range(accept, self.binary_media_types) or _body.matches_media_range(
            content_type, self.binary_media_types
        ):
            return _body.decode_result_body(text, True)
        return _body.decode_result_body(text, False)


def multi_value_wins(result: Dict[str, Any]) -> Headers:
    """``headers`` and ``multiValueHeaders`` merged; "If a key appears in both maps, the headers value
    is dropped" (aws-lambda.md §2)."""
    multi = _result.header_map(result, "multiValueHeaders", lists_required=True)
    single = _result.header_map(result, "headers")
    overridden = _result.names(multi)
    return _result.without(single, overridden) + multi
