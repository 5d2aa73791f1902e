"""Tencent SCF Function URL (函数 URL) in front of an event function.

https://cloud.tencent.com/document/product/583/96099 (reference/tencent-scf.md §3.1): the event is
"兼容apigw协议,去掉 headerParameters、isBase64Encoded、pathParameters、queryStringParameters、
requestContext 相关字段", plus the header ``x-scf-remote-addr`` (the client IP).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

from . import _body, _result
from ._base import GatewayRequest, GatewayResponse, json_response
from .scf import MAX_EVENT_BYTES, SCFEmulator, lowercase_headers, scf_query_string

# The APIGW keys the Function URL event does not carry (583/96099); tests check their absence.
DROPPED_KEYS = (
    "headerParameters",
    "isBase64Encoded",
    "pathParameters",
    "queryStringParameters",
    "requestContext",
)


class SCFURLEmulator(SCFEmulator):
    """SCF Function URL, event function: no stage, no base64 settings.

    UNCONFIRMED (§3.1, §8.5): how binary request bodies arrive. With no ``isBase64Encoded`` in the
    event, a body can only be text: we send UTF-8 text and replace undecodable bytes with U+FFFD (as
    a Go JSON encoder does), so binary uploads arrive mangled and clients must base64 them
    themselves, as the quota doc suggests ("若文件在 Base64 编码后小于6MB … 将编码后的内容传入").
    """

    name = "scf-url"
    stage_on_default_domain = False

    def __init__(self, **options: Any) -> None:
        if options.get("stage"):
            from .._errors import ConfigError

            raise ConfigError(
                "scf-url has no stage: Function URLs carry no stage prefix (tencent-scf.md §3.1)"
            )
        super().__init__(**options)

    @property
    def url_prefix(self) -> str:
        return ""

    @property
    def default_host(self) -> str:
        # https://<app-id>-<url-id>.<region>.tencentscf.com (tencent-scf.md §3.1).
        return f"{self.app_id}-brdg0url.{self.region}.tencentscf.com"

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        headers = lowercase_headers(request)
        headers["x-scf-remote-addr"] = request.client_ip
        if request.scheme != "https":
            # Function URLs are HTTPS only (§3.1), so the event names no scheme and handlers assume
            # https. A local gateway speaks plain HTTP: say so in the header the APIGW-compatible event
            # uses for it (x-api-scheme, §1.2), or the app takes http://127.0.0.1 for https and a
            # browser's form post fails a CSRF Origin check.
            headers["x-api-scheme"] = request.scheme
        body, _ = _body.encode_body(request.body, as_base64=False)
        event = {
            "body": body,
            "headers": headers,
            "httpMethod": request.method.upper(),
            "path": request.path,
            "queryString": scf_query_string(request.raw_query),
        }
        return event, self._context(request_id)

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        forbidden = [name for name, _ in request.headers if name.lower().startswith("x-scf-")]
        if forbidden:
            # §3.2: X-SCF-* cannot be set by clients; here it would also forge x-scf-remote-addr.
            return _url_error(
                400, f"request header {forbidden[0]!r} is reserved: X-SCF-* headers cannot be set by clients"
            )
        if request.method.upper() not in self.methods:
            return self.method_not_allowed(request)
        return self._event_too_large(request)

    def _over_event_limit(self, size: int, what: str) -> GatewayResponse | None:
        if size <= MAX_EVENT_BYTES:
            return None
        # §3.2 error codes: "406 RequestTooLarge (同步请求事件最大为6MB)".
        return _url_error(
            406, f"RequestTooLarge: {what} is {size} bytes; sync events are at most {MAX_EVENT_BYTES}"
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # A Function URL has no method setting (only CORS); ``methods=`` is an emulator option. UNCONFIRMED.
        return _url_error(405, f"method {request.method} is not allowed ({self._allowed_methods_text()})")

    def error_response(self, reason: str) -> GatewayResponse:
        # UNCONFIRMED: the status for a failed event function behind a Function URL; 500 is the
        # InternalError of SCF's error-code table (§3.2).
        return json_response(500, {"errorCode": -1, "errorMessage": reason}, reason)

    def invalid_result_response(self, reason: str) -> GatewayResponse:
        return self.error_response(f"invalid Function URL response: {reason}")

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        # 583/96099: "如果您的函数返回有效的 JSON 并且没有返回 statusCode，函数会假设 statusCode 为200，
        # content-type 为 application/json，body 是函数响应。"
        if not isinstance(result, dict) or "statusCode" not in result:
            body = json.dumps(result, ensure_ascii=False).encode()
            return GatewayResponse(200, [("content-type", "application/json")], body)
        # isBase64Encoded and array header values in the response: UNCONFIRMED; read as for APIGW.
        return self._integrated_response(_result.require_dict(result))


def _url_error(status: int, message: str) -> GatewayResponse:
    return json_response(status, {"errorCode": status, "errorMessage": message}, message)
