"""Tencent SCF behind an API Gateway trigger, integrated response (集成响应).

Event: https://cloud.tencent.com/document/product/583/12513 and the gateway-side struct
https://cloud.tencent.com/document/product/628/38896 ; response and its errors: same 583/12513
(reference/tencent-scf.md §1, §2, §4).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Tuple, Union

from . import _body, _query, _result
from ._base import Emulator, GatewayRequest, GatewayResponse, Headers, json_response

#: Sync request event and sync response (tencent-scf.md §4: 6 MB / 6 MB).
MAX_EVENT_BYTES = 6 * 1024 * 1024
#: The integrated-response error (§2). Its HTTP status is UNCONFIRMED: we send the errno, 403.
INVALID_RESPONSE_ERROR = {
    "errno": 403,
    "error": "Invalid scf response format. please check your scf response format.",
}

QueryValue = Union[str, bool, List[str]]


def scf_context(
    request_id: str,
    *,
    function_name: str,
    memory_mb: int,
    timeout_s: float,
    region: str,
    app_id: str,
    namespace: str = "default",
) -> Dict[str, Any]:
    """SCF's Python ``context``: a plain dict (tencent-scf.md §4: "两者均为 Python dict 类型")."""
    return {
        "memory_limit_in_mb": memory_mb,
        "time_limit_in_ms": int(timeout_s * 1000),
        "request_id": request_id,
        "environment": json.dumps({"SCF_NAMESPACE": namespace}),
        "environ": f"SCF_NAMESPACE={namespace}",
        "function_version": "$LATEST",
        "function_name": function_name,
        "namespace": namespace,
        "tencentcloud_region": region,
        "tencentcloud_appid": app_id,
        "tencentcloud_uin": "100000000001",
    }


def scf_query_string(raw_query: str) -> Dict[str, QueryValue]:
    """The ``queryString`` map: a string, a list for a repeated key, ``true`` for a bare key.

    The three forms are documented by a captured event (tencent-scf.md §1.3:
    ``{"a": ["b", "c"], "x": "y", "i": true}``). UNCONFIRMED (§8.2): decoding — we form-decode
    (``+`` is a space) — and ``?a=`` (we send ``""``; only a key without ``=`` is ``true``).
    """
    query: Dict[str, QueryValue] = {}
    for raw_key, raw_value in _query.query_pairs(raw_query):
        key = _query.form_decode(raw_key)
        value: QueryValue = True if raw_value is None else _query.form_decode(raw_value)
        if key not in query:
            query[key] = value
            continue
        previous = query[key]
        values = previous if isinstance(previous, list) else [_as_text(previous)]
        values.append(_as_text(value))
        query[key] = values
    return query


def _as_text(value: QueryValue) -> str:
    # A bare key repeated next to valued ones (``?a&a=1``): UNCONFIRMED, it joins the list as "".
    return "" if value is True else str(value)


def lowercase_headers(request: GatewayRequest) -> Dict[str, str]:
    """Lower-cased names (tencent-scf.md §1.2); repeated values comma-joined — UNCONFIRMED (§1.3,
    §8.1: no Tencent source shows repeated request headers; ``headers`` is a flat string map)."""
    joined: Dict[str, str] = {}
    for name, value in request.headers_with_host():
        key = name.lower()
        if key in ("connection", "keep-alive", "transfer-encoding"):
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def apigw_error(status: int, message: str) -> GatewayResponse:
    """API Gateway's own error, in the ``{"errno", "error"}`` form of its documented one (§2)."""
    return json_response(status, {"errno": status, "error": message}, message)


class SCFEmulator(Emulator):
    """SCF API Gateway trigger with integrated response.

    ``stage="release"`` emulates the default domain: URLs are ``/release/...``, ``Host`` is the
    default ``service-<id>-<appid>.gz.apigw.tencentcs.com``. ``stage=None`` emulates a custom domain:
    no prefix, the client's ``Host``; the API is still published in ``environment`` ("release").
    ``base64_all`` / ``base64_rules`` are the API's "全部触发" / "Header 触发" base64 settings
    (``[("Content_Type", ["image/"]), ("Accept", [...])]``); without them a binary upload arrives
    mangled, as on the platform (§1.4). ``string_booleans=True`` sends ``isBase64Encoded`` as the
    string ``"true"``/``"false"`` like the 628/38896 sample.
    """

    name = "scf"
    max_result_bytes = MAX_EVENT_BYTES
    #: Whether URLs on the default domain start with the API's environment (``/release``).
    stage_on_default_domain = True
    # The API is ``method: ANY`` (what Tencent's framework components create, §5.3).
    default_methods = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")

    def __init__(
        self,
        *,
        stage: str | None = None,
        environment: str = "release",
        service_id: str = "service-brdg0emu",
        app_id: str = "1250000000",
        api_path: str = "/",
        region: str = "ap-guangzhou",
        base64_all: bool = False,
        base64_rules: Sequence[Tuple[str, Sequence[str]]] = (),
        string_booleans: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if self.default_domain and not stage and self.stage_on_default_domain:
            stage = environment  # the default domain always has the environment in the path (§1.5)
        self.stage = stage.strip("/") if stage else None
        self.environment = self.stage or environment
        self.service_id = service_id
        self.app_id = app_id
        self.api_path = "/" + api_path.strip("/") if api_path.strip("/") else "/"
        self.region = region
        self.base64_all = base64_all
        self.base64_rules = [(name, list(values)) for name, values in base64_rules]
        self.string_booleans = string_booleans

    @property
    def url_prefix(self) -> str:
        return f"/{self.stage}" if self.stage else ""

    @property
    def default_host(self) -> str:
        return f"{self.service_id}-{self.app_id}.gz.apigw.tencentcs.com"

    def _event_path(self, request: GatewayRequest) -> str:
        """The path without the stage (§1.5: INFERRED, strong), decoded (UNCONFIRMED)."""
        path = request.path[len(self.url_prefix) :]
        return path or "/"

    def _wants_base64(self, request: GatewayRequest) -> bool:
        if self.base64_all:
            return True
        # "Header 触发": up to 10 rules on Content-Type / Accept, fuzzy (substring) match, OR-ed (§1.4).
        for name, values in self.base64_rules:
            header = (
                request.header(
                    "content-type" if name.lower().replace("-", "_") == "content_type" else "accept"
                )
                or ""
            )
            if any(value.lower() in header.lower() for value in values):
                return True
        return False

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        headers = lowercase_headers(request)
        if self.stage and not self.keep_host:
            headers["host"] = self.default_host
        headers.update(
            {
                "x-api-requestid": request_id,
                "x-api-scheme": request.scheme,
                "x-qualifier": "$DEFAULT",
                "requestsource": "APIGW",
            }
        )
        body, is_base64 = _body.encode_body(
            request.body, as_base64=self._wants_base64(request) and bool(request.body)
        )
        event = {
            "requestContext": {
                "serviceId": self.service_id,
                "path": self.api_path,
                "httpMethod": "ANY",
                "requestId": request_id,
                "identity": {},
                "sourceIp": request.client_ip,
                "stage": self.environment,
            },
            "headers": headers,
            "body": body,
            "pathParameters": {},
            "queryStringParameters": {},
            "headerParameters": {},
            "stageVariables": {"stage": self.environment},
            "path": self._event_path(request),
            "queryString": scf_query_string(request.raw_query),
            "httpMethod": request.method.upper(),
            # A JSON bool, unless asked for the string the 628/38896 sample shows.
            "isBase64Encoded": ("true" if is_base64 else "false") if self.string_booleans else is_base64,
        }
        return event, self._context(request_id)

    def _context(self, request_id: str) -> Dict[str, Any]:
        return scf_context(
            request_id,
            function_name=self.function_name,
            memory_mb=self.memory_mb,
            timeout_s=self.timeout_s,
            region=self.region,
            app_id=self.app_id,
        )

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        forbidden = [name for name, _ in request.headers if name.lower().startswith("x-scf-")]
        if forbidden:
            # §3.2: "custom headers starting with X-SCF- cannot be set". The status is UNCONFIRMED.
            return apigw_error(
                400, f"request header {forbidden[0]!r} is reserved: X-SCF-* headers cannot be set by clients"
            )
        if self.stage and not (
            request.path == self.url_prefix or request.path.startswith(self.url_prefix + "/")
        ):
            return apigw_error(
                404,
                f"no API matches {request.path!r}: default-domain URLs start with /{self.stage}/",
            )
        path = self._event_path(request)
        if self.api_path != "/" and not (path == self.api_path or path.startswith(self.api_path + "/")):
            # 628/52201: an API path matches itself and the paths below it.
            return apigw_error(404, f"no API matches {path!r}: the API's path is {self.api_path}")
        rejection = super().check_request(request)
        if rejection is not None:
            return rejection
        return self._event_too_large(request)

    def _event_too_large(self, request: GatewayRequest) -> GatewayResponse | None:
        size = len(json.dumps(self.build_event(request, request_id="0" * 32)[0]).encode())
        return self._over_event_limit(size, "the event")

    def body_too_large(self, length: int) -> GatewayResponse | None:
        # The event carries the body as a JSON string or base64: never in fewer bytes than it has.
        return self._over_event_limit(length, "the request body")

    def _over_event_limit(self, size: int, what: str) -> GatewayResponse | None:
        if size <= MAX_EVENT_BYTES:
            return None
        # The limit is documented (§1.4, §4: 6 MB); the status is UNCONFIRMED.
        return apigw_error(
            413, f"{what} is {size} bytes; API Gateway passes at most {MAX_EVENT_BYTES} to SCF"
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # UNCONFIRMED: a request whose method no API accepts matches no API.
        return apigw_error(
            404, f"no API matches method {request.method}; the API accepts {self._allowed_methods_text()}"
        )

    def error_response(self, reason: str) -> GatewayResponse:
        # §1.6: when the function fails (there: times out) within the gateway's timeout, the client
        # gets HTTP 200 whose body is the function's error. The body's exact shape is UNCONFIRMED.
        return json_response(200, {"errorCode": -1, "errorMessage": reason}, reason)

    def invalid_result_response(self, reason: str) -> GatewayResponse:
        return json_response(403, INVALID_RESPONSE_ERROR, f"invalid integrated response: {reason}")

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        return self._integrated_response(_result.require_dict(result))

    @staticmethod
    def _integrated_response(result: Dict[str, Any]) -> GatewayResponse:
        """``{isBase64Encoded, statusCode, headers, body}``; header values are strings or string
        arrays, an array being repeated headers (§2: several ``Set-Cookie``)."""
        status = _result.status_code(result)
        headers: Headers = _result.header_map(result, lists_allowed=True)
        body = _body.decode_result_body(result.get("body"), _result.base64_flag(result, strings_allowed=True))
        return GatewayResponse(status, headers, body)
