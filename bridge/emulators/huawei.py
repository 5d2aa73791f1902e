"""Huawei Cloud FunctionGraph behind an APIG trigger (event function).

Event and response: reference/other-platforms.md §3 (Huawei "执行入口签名" sample, Open Telekom Cloud's
FunctionGraph runtime docs; https://support.huaweicloud.com/intl/th-th/usermanual-functiongraph/functiongraph_01_0204.html).
What the documents leave open is marked UNCONFIRMED where the choice is made.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Tuple

from . import _body, _query, _result
from ._base import Emulator, GatewayRequest, GatewayResponse, InvalidResult, json_response
from .scf import lowercase_headers

#: "The valid payload size of a request body is 4 MB when a dedicated APIG trigger is used".
MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024
#: FunctionGraph's synchronous response limit (6 MB, functiongraph_02_1002; UNCONFIRMED for event functions).
MAX_RESULT_BYTES = 6 * 1024 * 1024
#: The four keys an APIG response must carry, or APIG answers 500 (functiongraph_01_0204).
RESPONSE_KEYS = ("statusCode", "headers", "body", "isBase64Encoded")


class FunctionGraphContext:
    """The runtime's context object: getters, as the Python developer guide lists them."""

    def __init__(self, request_id: str, function_name: str, memory_mb: int, timeout_s: float) -> None:
        self._request_id = request_id
        self._function_name = function_name
        self._memory_mb = memory_mb
        self._deadline = time.monotonic() + timeout_s
        self._timeout_s = timeout_s

    def getRequestID(self) -> str:  # noqa: N802 - the runtime's own spelling
        return self._request_id

    def getRemainingTimeInMilliSeconds(self) -> int:  # noqa: N802
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def getFunctionName(self) -> str:  # noqa: N802
        return self._function_name

    def getMemorySize(self) -> int:  # noqa: N802
        return self._memory_mb

    def getRunningTimeInSeconds(self) -> int:  # noqa: N802
        return int(self._timeout_s)


class HuaweiEmulator(Emulator):
    """An APIG API (any method, the path ``/{proxy+}`` style) in front of one event function.

    The request body always arrives base64 (``isBase64Encoded`` "Default value: true"). Repeated
    headers arrive comma-joined and repeated query keys as a list of values (both UNCONFIRMED: every
    sample is a map of strings). The stage is chosen by the API group's environment, never in the
    URL, so there is no prefix.
    """

    name = "huawei"
    max_result_bytes = MAX_RESULT_BYTES

    def __init__(self, *, stage: str = "RELEASE", api_id: str = "bridge0apig", **options: Any) -> None:
        super().__init__(**options)
        self.stage = stage
        self.api_id = api_id

    @property
    def default_host(self) -> str:
        # An API group's debugging subdomain: <group id>.apic.<region>.huaweicloudapis.com.
        return f"{self.api_id}.apic.cn-north-4.huaweicloudapis.com"

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], FunctionGraphContext]:
        headers = lowercase_headers(request)  # names lower-cased, repeats comma-joined (as SCF's)
        # The gateway's own forwarding headers, as in the sample (x-real-ip, x-forwarded-*).
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip
        headers["x-real-ip"] = request.client_ip
        headers["x-forwarded-proto"] = request.scheme
        host_port = request.authority.rpartition(":")[2] if ":" in request.authority else ""
        headers["x-forwarded-port"] = host_port or ("443" if request.scheme == "https" else "80")
        query: Dict[str, Any] = {}
        for key, values in _query.grouped(request.raw_query).items():
            query[key] = values[0] if len(values) == 1 else values
        body, is_base64 = _body.encode_body(request.body, as_base64=True)
        event = {
            "body": body,
            "requestContext": {"apiId": self.api_id, "requestId": request_id, "stage": self.stage},
            "queryStringParameters": query,
            "httpMethod": request.method.upper(),
            "pathParameters": {},
            "headers": headers,
            "path": request.path,
            "isBase64Encoded": is_base64,
        }
        context = FunctionGraphContext(request_id, self.function_name, self.memory_mb, self.timeout_s)
        return event, context

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_REQUEST_BODY_BYTES:
            return None
        return _apig_error(
            413,
            "APIG.0201",
            f"the request body is {length} bytes; a dedicated APIG trigger takes at most"
            f" {MAX_REQUEST_BODY_BYTES}",
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # UNCONFIRMED: APIG's answer for a method the API does not define (no matching API).
        return _apig_error(
            404, "APIG.0101", f"no API for method {request.method} ({self._allowed_methods_text()})"
        )

    def error_response(self, reason: str) -> GatewayResponse:
        # A failed or malformed function result: "Returning a bare string yields error 500" (FAQ).
        return _apig_error(500, "APIG.0206", reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        result = _result.require_dict(result)
        missing = [key for key in RESPONSE_KEYS if key not in result]
        if missing:
            raise InvalidResult(f"the result lacks {', '.join(missing)}: APIG needs all of {RESPONSE_KEYS}")
        status = _result.status_code(result)
        # Map<String,String> (the Java sample's HttpTriggerResponse): no list values.
        headers = _result.header_map(result, "headers")
        is_base64 = _result.base64_flag(result)
        body = _body.decode_result_body(result.get("body"), is_base64)
        return GatewayResponse(status, headers, body)


def _apig_error(status: int, code: str, reason: str) -> GatewayResponse:
    # UNCONFIRMED: the error body's exact wording; APIG answers errors as JSON {error_code, error_msg}.
    return json_response(status, {"error_code": code, "error_msg": reason}, reason)
