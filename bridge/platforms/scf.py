"""Tencent Cloud SCF: API Gateway trigger (integrated response) and Function URL, event functions.

The Function URL event is "compatible with the API Gateway protocol" minus some fields, so one
decoder serves both; the two classes differ in how they are recognised and where the client IP is.
Formats: reference/tencent-scf.md §1-§3 (https://cloud.tencent.com/document/product/583/12513,
https://cloud.tencent.com/document/product/583/96099).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    MB,
    Platform,
    addressed,
    apply_base_path,
    body_bytes,
    field,
    gateway_request_id,
    host_name,
    mount_stage,
    path_from_decoded,
    query_from_map,
    read_headers,
    response_fields,
    usual_address,
    usual_body,
    usual_client,
    usual_headers,
    usual_query,
    usual_target,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._base import Caller, Usual

# Default API Gateway domains carry the stage in the URL: service-<id>-<appid>.<region>.apigw.tencentcs.com,
# and the older service-<id>-<appid>.<region>.apigateway.myqcloud.com (reference §1.5).
_DEFAULT_DOMAINS = (".apigw.tencentcs.com", ".apigateway.myqcloud.com")


class ScfApiGateway(Platform):
    name = "scf"
    title = "Tencent SCF API Gateway trigger"
    # Web functions stream, SSE included: https://cloud.tencent.com/document/product/583/90617
    stream_hint = "SCF: use --mode web (a web function streams)"
    # "同步请求事件最大为6MB", and the same for the response (reference §0.3, §3.2).
    max_response_bytes = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        # `queryString` is SCF's own name for the full query; `serviceId` marks API Gateway.
        request_context = event.get("requestContext")
        return (
            "queryString" in event
            and "httpMethod" in event
            and isinstance(request_context, dict)
            and "serviceId" in request_context
        )

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        request, index = _decode(event, context, self.title)
        request_context = event.get("requestContext") or {}
        source_ip = request_context.get("sourceIp")
        if isinstance(source_ip, str) and source_ip:
            request.client = (source_ip, 0)
        request.request_id = gateway_request_id(request_context) or request.request_id
        # `path` never carries the stage; the public URL does on the default domain only.
        on_default_domain = host_name(index.get("host", "")).endswith(_DEFAULT_DOMAINS)
        mount_stage(request, request_context.get("stage"), on_default_domain, options)
        apply_base_path(request, options)
        request.remote_user, request.identity, request.stage_variables = _caller(request_context, event)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        request_context = event.get("requestContext")  # a dict with serviceId: matches() said so
        method = event.get("httpMethod")
        path = event.get("path")
        if not usual_target(method, path) or " " in path or options.base_path:
            return None
        headers = usual_headers(event.get("headers"))
        if headers is None:
            return None
        # API Gateway reports the client's scheme in x-api-scheme (reference §1.2), as decode reads it.
        address = usual_address(headers, "https", "x-api-scheme")
        body = usual_body(event) if event.get("body") else b""  # a bodiless request: no call
        if address is None or body is None:
            return None
        params = event.get("queryString")
        query = usual_query(params, self.title) if params else ""
        if query is None:
            return None
        client = usual_client(request_context.get("sourceIp"))
        if client is None:
            return None
        host = headers["host"]
        root_path = ""
        stage = request_context.get("stage")
        if stage and stage.__class__ is str and stage != "$default":
            in_url = options.stage_in_url
            if in_url is None:  # decode's on_default_domain
                in_url = host.lower().endswith(_DEFAULT_DOMAINS)
            if in_url:
                if not stage.isascii():
                    return None
                root_path = "/" + stage
        user, identity, variables = _caller(request_context, event)
        if user is not None and not user.isascii():
            return None
        request_id = gateway_request_id(request_context) or (headers.get("x-api-requestid") or "").strip()
        return (
            method, root_path, path, query, headers, body, address[0], host, address[1], client, request_id,
            user, identity, variables,
        )  # fmt: skip

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        # A repeated header goes as a JSON array, the documented form (reference §2), not joined.
        headers, cookies, body, is_base64 = response_fields(response, options, keep_repeats=True)
        if cookies is not None:
            # Several Set-Cookie as a JSON array: the documented form of a repeated header, and the
            # one that keeps every cookie (serverless-components/tencent-express PR #7; reference §2).
            name, values = cookies
            headers[name] = values[0] if len(values) == 1 else values
        return {
            "isBase64Encoded": is_base64,
            "statusCode": response.status,
            "headers": headers,
            "body": body,
        }

    # encode reads no request: the usual path calls it as it is, a call fewer per invocation.
    encode_usual = encode  # type: ignore[assignment]


class ScfFunctionUrl(ScfApiGateway):
    name = "scf-url"
    title = "Tencent SCF Function URL"

    def matches(self, event: Dict[str, Any]) -> bool:
        # The documented event has no requestContext; one measured event had one without
        # `serviceId` (reference §3.1, UNCONFIRMED): accept both.
        request_context = event.get("requestContext")
        return (
            "queryString" in event
            and "httpMethod" in event
            and not (isinstance(request_context, dict) and "serviceId" in request_context)
        )

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        request, index = _decode(event, context, self.title)
        # `x-scf-remote-addr` is set by SCF ("客户端的请求IP"); requestContext.sourceIp is a fallback.
        source_ip = index.get("x-scf-remote-addr")
        if not source_ip:
            request_context = event.get("requestContext")
            if isinstance(request_context, dict):
                source_ip = request_context.get("sourceIp")
        if isinstance(source_ip, str) and source_ip:
            request.client = (source_ip, 0)
        apply_base_path(request, options)
        return request

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        return None  # the API Gateway's fast path reads fields a Function URL event does not have


def _caller(request_context: Dict[str, Any], event: Dict[str, Any]) -> Caller:
    """``(remote_user, identity, stage_variables)``: the caller SCF's API Gateway authenticated,
    and its stage variables.

    ``requestContext.identity`` is "the caller's auth method and info" (reference §1.2): with key
    pair authentication it holds the ``secretId`` that signed the request, which becomes
    ``remote_user``; it is ``{}`` for anonymous APIs.
    """
    variables = event.get("stageVariables")
    identity = request_context.get("identity")
    user = None
    if identity.__class__ is dict and identity:
        user = identity.get("secretId")
    else:
        identity = None
    return (
        user if user.__class__ is str and user else None,
        identity,
        variables if variables.__class__ is dict else None,
    )


def _decode(event: Dict[str, Any], context: Any, title: str) -> Tuple[HTTPRequest, Dict[str, str]]:
    method = event.get("httpMethod")
    if not isinstance(method, str) or not method:
        raise EventError(f"{title} event has no httpMethod")
    path = field(event, "path", str, title, "/") or "/"
    headers, index = read_headers(event.get("headers"), title)
    # API Gateway reports the client's scheme in x-api-scheme (reference §1.2); Function URLs are https.
    scheme, server = addressed(index, index.get("host", ""), "x-api-scheme")
    decoded_path, raw_path = path_from_decoded(path)
    request = HTTPRequest(
        method.upper(),
        decoded_path,
        raw_path,
        # Values are decoded; a repeated key is an array, a key without value is `true` (reference §1.3).
        query_from_map(event.get("queryString"), title),
        headers,
        body_bytes(event, title),
        scheme,
        server,
        None,  # client: the trigger's own field, set by each decoder
        "",  # root_path: the stage or base path, set by each decoder
        # API Gateway's own id, with the stray leading space of the documented sample (reference
        # §1.2); requestContext.requestId, where present, takes its place (ScfApiGateway.decode).
        (index.get("x-api-requestid") or "").strip(),
        event,
        context,
    )
    return request, index
