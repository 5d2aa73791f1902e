"""Alibaba Function Compute 3.0: HTTP trigger in front of a built-in Python runtime.

Event and response: https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function
(reference/alibaba-fc.md §1). Limits: https://help.aliyun.com/en/functioncompute/web-functions (§4).
"""

from __future__ import annotations

import json
import re
import time
from types import SimpleNamespace
from typing import Any, Dict, Tuple

from . import _body, _query, _result
from ._base import Emulator, GatewayRequest, GatewayResponse, Headers, json_response

#: Sync request body limit (alibaba-fc.md §4: 32 MB).
MAX_BODY_BYTES = 32 * 1024 * 1024
#: All request header keys and values together (§4: 8 KB, else 400 InvalidArgument).
MAX_HEADER_BYTES = 8 * 1024
#: Path including the query (§4: 4 KB, else 400).
MAX_TARGET_BYTES = 4 * 1024

# Go's textproto token characters: a name with anything else is left as it is by CanonicalMIMEHeaderKey.
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def go_canonical_header(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``accept-encoding`` → ``Accept-Encoding``.

    FC 3.0 normalises header names "using Go's net/http standard library":
    https://www.alibabacloud.com/help/en/functioncompute/why-does-the-first-letter-of-header-key-become-uppercase-when-using-http-trigger-call
    """
    if not name or any(char not in _TOKEN_CHARS for char in name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def go_json_bytes(event: Dict[str, Any]) -> bytes:
    """The event as the Go front end serialises it: UTF-8, with ``<``, ``>``, ``&`` escaped.

    Go's ``encoding/json`` escapes those (and U+2028/U+2029) by default; the handler sees exactly
    these bytes (alibaba-fc.md §1.1: "在Python 3运行环境中，类型为Bytes").
    """
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text.encode("utf-8")


def dns_label(name: str) -> str:
    """``name`` as a DNS label: lower case, anything but letters, digits and hyphens a hyphen."""
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "function"


class FCContext(SimpleNamespace):
    """The ``context`` of the FC Python runtime (alibaba-fc.md §3.1): attributes, not a dict."""


def fc_context(
    request_id: str,
    *,
    function_name: str,
    handler: str,
    memory_mb: int,
    timeout_s: float,
    region: str,
    account_id: str,
    service_name: str | None = None,
) -> FCContext:
    credentials = SimpleNamespace(access_key_id="", access_key_secret="", security_token="")
    function = SimpleNamespace(name=function_name, handler=handler, memory=memory_mb, timeout=int(timeout_s))
    context = FCContext(
        request_id=request_id,
        credentials=credentials,
        function=function,
        region=region,
        account_id=account_id,
    )
    if service_name is not None:
        context.service = SimpleNamespace(
            name=service_name, log_project="", log_store="", qualifier="LATEST", version_id=""
        )
    return context


def fc_error(status: int, code: str, message: str) -> GatewayResponse:
    """FC's own error body: ``{"ErrorCode", "ErrorMessage"}`` (as its OpenAPI errors)."""
    return json_response(status, {"ErrorCode": code, "ErrorMessage": message}, message)


class FCGateway(Emulator):
    """What FC 3.0's and FC 2.0's HTTP triggers answer themselves, before or instead of the function."""

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        forbidden = [name for name, _ in request.headers if name.lower().startswith("x-fc-")]
        if forbidden:
            # alibaba-fc.md §4: custom x-fc-* request headers are not allowed.
            return fc_error(
                400,
                "InvalidArgument",
                f"request header {forbidden[0]!r} is reserved: x-fc-* headers cannot be set by clients",
            )
        too_large = self.body_too_large(len(request.body))
        if too_large is not None:
            return too_large
        return super().check_request(request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_BODY_BYTES:
            return None
        # The 32 MB sync limit is documented for FC 3.0 (§4), applied to FC 2.0 too; the status is
        # UNCONFIRMED.
        message = f"request body is {length} bytes; FC sync invocations allow {MAX_BODY_BYTES}"
        return fc_error(413, "PayloadTooLarge", message)

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        # The trigger's ``methods`` list is documented (§1.7, §6.1); the status is UNCONFIRMED.
        return fc_error(
            405,
            "MethodNotAllowed",
            f"method {request.method} is not in the HTTP trigger's methods ({self._allowed_methods_text()})",
        )

    def function_context(self, request_id: str, **extra: Any) -> FCContext:
        """The FC context this emulator's function gets, from the emulator's settings."""
        return fc_context(
            request_id,
            function_name=self.function_name,
            handler=self.handler_name,
            memory_mb=self.memory_mb,
            timeout_s=self.timeout_s,
            region=self.region,
            account_id=self.account_id,
            **extra,
        )

    def error_response(self, reason: str) -> GatewayResponse:
        # UNCONFIRMED: the status an HTTP trigger returns for an unhandled function error.
        return json_response(502, {"errorMessage": reason, "errorType": "UnhandledInvocationError"}, reason)


class FCEmulator(FCGateway):
    """FC 3.0 HTTP trigger, built-in runtime: the event is JSON **bytes**.

    ``base64_all=True`` base64-encodes every body, whatever its type, to exercise the handler's
    ``isBase64Encoded`` branch.
    """

    name = "fc"

    def __init__(
        self,
        *,
        base64_all: bool = False,
        region: str = "cn-hangzhou",
        account_id: str = "1234567890123456",
        handler: str = "index.handler",
        memory_mb: int = 512,
        **options: Any,
    ) -> None:
        super().__init__(memory_mb=memory_mb, **options)
        self.base64_all = base64_all
        self.region = region
        self.account_id = account_id
        self.handler_name = handler

    @property
    def default_host(self) -> str:
        # https://[subdomain-prefix].[region].fcapp.run (alibaba-fc.md §1.7); FC makes the prefix
        # from the function's name and a random part, lower-case letters, digits and hyphens.
        return f"{dns_label(self.function_name)}-{self.account_id[-8:]}.{self.region}.fcapp.run"

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[bytes, FCContext]:
        now = time.time()
        domain = request.authority
        user_agent = request.header("user-agent") or ""
        if self.base64_all and request.body:
            body, is_base64 = _body.encode_body(request.body, as_base64=True)
        else:
            # The exact binary types are UNCONFIRMED (alibaba-fc.md §1.5, §10.3): the doc only says
            # "binary content type → base64". We pass text/*, JSON, XML, JavaScript and
            # form-urlencoded as text and base64 everything else (multipart included).
            body, is_base64 = _body.text_or_base64(request.body, request.content_type)
        event = {
            "version": "v1",
            "rawPath": request.raw_path,
            "body": body,
            "isBase64Encoded": is_base64,
            "headers": self._headers(request),
            "queryParameters": self._query_parameters(request.raw_query),
            "requestContext": {
                "accountId": self.account_id,
                "domainName": domain,
                "domainPrefix": domain.split(".", 1)[0],
                "http": {
                    "method": request.method.upper(),
                    "path": request.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": request.client_ip,
                    "userAgent": user_agent,
                },
                "requestId": request_id,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                # A string of milliseconds in the doc sample (§1.2).
                "timeEpoch": str(int(now * 1000)),
            },
        }
        return go_json_bytes(event), self.function_context(request_id)

    @staticmethod
    def _headers(request: GatewayRequest) -> Dict[str, str]:
        """Go-canonical names, repeated values comma-joined ("值之间会使用逗号分隔", §1.2).

        No ``Host``: Go's net/http moves it out of the header map into ``Request.Host``, and the
        captured event (events/fc3-http-captured.json) has none; the host is
        ``requestContext.domainName``. ``Transfer-Encoding`` goes the same way.
        """
        joined: Dict[str, str] = {}
        for name, value in request.headers:
            key = go_canonical_header(name)
            if key in ("Host", "Transfer-Encoding"):
                continue
            joined[key] = f"{joined[key]},{value}" if key in joined else value
        # The scheme the client used. FC's front end is a proxy; whether it adds X-Forwarded-Proto is
        # UNCONFIRMED, but without it a handler cannot tell http from https, and a local gateway on
        # plain http would be taken for https (CSRF Origin checks fail in a browser). It replaces
        # whatever the client sent, as a proxy setting the header does: a client's own value would
        # otherwise become the app's scheme.
        joined["X-Forwarded-Proto"] = request.scheme
        return joined

    @staticmethod
    def _query_parameters(raw_query: str) -> Dict[str, str]:
        """Decoded keys and values, repeated keys comma-joined (§1.2: "value1,value2").

        UNCONFIRMED (§10.4): whether values are decoded. We decode as Go's ``url.ParseQuery`` does
        (``+`` is a space; ``?flag`` is ``""``), so ``a=1&a=2`` and ``a=1%2C2`` both give ``"1,2"``:
        the map is lossy, as documented.
        """
        return {key: ",".join(values) for key, values in _query.grouped(raw_query).items()}

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        header_bytes = sum(
            len(name.encode()) + len(value.encode()) for name, value in request.headers_with_host()
        )
        if header_bytes > MAX_HEADER_BYTES:
            return fc_error(
                400,
                "InvalidArgument",
                f"request headers total {header_bytes} bytes; FC allows {MAX_HEADER_BYTES}",
            )
        if len(request.target.encode()) > MAX_TARGET_BYTES:
            return fc_error(
                400,
                "InvalidArgument",
                f"path and query are {len(request.target)} bytes; FC allows {MAX_TARGET_BYTES}",
            )
        return super().check_request(request)

    def invalid_result_response(self, reason: str) -> GatewayResponse:
        # UNCONFIRMED (§1.6, §10.1): what FC does with a non-dict or a dict without statusCode. We
        # are strict and answer 502, saying why, rather than guess an inference rule.
        return fc_error(
            502, "InvalidFunctionResponse", f"the handler's result is not an FC HTTP response: {reason}"
        )

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        result = _result.require_dict(result)
        status = _result.status_code(result)
        # Headers are map[string]string in every official struct; a list value (several
        # Set-Cookie) is UNCONFIRMED (§1.6, §10.2): we accept it and send repeated headers.
        headers: Headers = _result.header_map(result, lists_allowed=True)
        body = _body.decode_result_body(result.get("body"), _result.base64_flag(result))
        content_type = (_result.content_type_or(headers, "") or "").lower()
        if content_type.startswith("application/vnd.android.package-archive"):
            # §1.7: public endpoints refuse to serve APK files (functions created after 2024-06-10).
            return fc_error(400, "ApkDownloadForbidden", "FC public endpoints do not serve APK files")
        return GatewayResponse(status, headers, body)
