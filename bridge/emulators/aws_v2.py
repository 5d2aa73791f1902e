"""AWS API Gateway HTTP API, payload format 2.0 — also the Lambda Function URL event.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html ;
https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html (reference/aws-lambda.md §3).
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Tuple

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
)
from ._base import Emulator, GatewayRequest, GatewayResponse, Headers, InvalidResult


class AWSV2Emulator(Emulator):
    """HTTP API ``$default`` route (or a Function URL).

    ``stage=None`` is the ``$default`` stage (no prefix). A named ``stage`` emulates the default
    ``execute-api`` domain with that stage: URLs are ``/<stage>/...`` and, unlike REST APIs, the stage
    stays in ``rawPath`` (aws-lambda.md §3, §6.3).
    """

    name = "aws-v2"
    max_result_bytes = MAX_PAYLOAD_BYTES

    def __init__(
        self,
        *,
        stage: str | None = None,
        api_id: str = "bridge0api",
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.stage = stage.strip("/") if stage and stage != "$default" else None
        self.api_id = api_id
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
        host = self.default_host if self.stage and not self.keep_host else request.authority
        pairs = replace_headers(request.headers_with_host(), [("host", host)])
        pairs = replace_headers(pairs, forwarding_headers(request, lower=True))
        cookies: List[str] = []
        headers: Dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            if key == "cookie":
                # "Format 2.0 includes a new cookies field": the Cookie header, split, and not in headers.
                cookies.extend(part.strip() for part in value.split(";") if part.strip())
            elif key not in ("connection", "transfer-encoding"):
                # "Duplicate headers are combined with commas."
                headers[key] = f"{headers[key]},{value}" if key in headers else value
        method = request.method.upper()
        raw_path = request.raw_path
        event: Dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": raw_path,
            # Verbatim: the only lossless query any AWS event carries.
            "rawQueryString": request.raw_query,
        }
        # Absent, not empty, when there is nothing to carry (cookies, query, body, path parameters,
        # stage variables): the documented sample shows them all, real $default events omit the empty ones.
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        query = _query.grouped(request.raw_query)
        if query:
            event["queryStringParameters"] = {key: ",".join(values) for key, values in query.items()}
        event["requestContext"] = {
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": method,
                # UNCONFIRMED: like rawPath but without a trailing slash (aws-lambda.md §3: it "loses
                # trailing slashes", the reason adapters must use rawPath).
                "path": raw_path.rstrip("/") or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip,
                "userAgent": request.header("user-agent") or "",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": self.stage or "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        }
        if request.body:
            event["body"], event["isBase64Encoded"] = _body.text_or_base64(request.body, request.content_type)
        else:
            event["isBase64Encoded"] = False
        context = lambda_context(self, request_id)
        return event, context

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        prefix = self.url_prefix
        if prefix and not (request.raw_path == prefix or request.raw_path.startswith(prefix + "/")):
            return message_error(404, "Not Found", f"{request.path!r} is not under the stage /{self.stage}/")
        rejection = super().check_request(request)
        if rejection is not None:
            return rejection
        return payload_too_large(self, request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        return body_over_payload_limit(length)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # No route matches: HTTP APIs answer 404 {"message":"Not Found"}.
        return message_error(
            404, "Not Found", f"no route for method {request.method} ({self._allowed_methods_text()})"
        )

    def error_response(self, reason: str) -> GatewayResponse:
        # HTTP API's answer to a failed or malformed integration. A Function URL sends 502 instead
        # (UNCONFIRMED which of the two to prefer; we follow the HTTP API).
        return message_error(500, "Internal Server Error", reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        if not isinstance(result, dict) or "statusCode" not in result:
            # "API Gateway can infer the response format": valid JSON without statusCode is a 200
            # application/json whose body is that JSON (aws-lambda.md §3; exact rules UNCONFIRMED).
            body = json.dumps(result).encode()
            return GatewayResponse(200, [("content-type", "application/json")], body)
        status = _result.status_code(result)
        headers: Headers = _result.header_map(result)
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
            raise InvalidResult(f"'cookies' must be a list of strings, not {cookies!r}")
        # "In the response to the client, each cookie becomes a set-cookie header."
        headers += [("set-cookie", cookie) for cookie in cookies]
        body = _body.decode_result_body(result.get("body"), _result.base64_flag(result))
        return GatewayResponse(status, headers, body)
