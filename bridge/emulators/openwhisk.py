"""Apache OpenWhisk: the controller in front of a ``--web raw`` web action ``main(args)``.

What the controller does (reference/other-platforms.md §4; apache/openwhisk ``docs/webactions.md``):
the action's URL is ``/api/v1/web/<namespace>/<package>/<action>[.http]/<rest>``; the action gets
``__ow_method`` (lower case), ``__ow_headers`` (lower-cased names, one value each), ``__ow_path``
(``<rest>``), ``__ow_query`` (unparsed) and ``__ow_body`` (base64 unless the content is text). The
runtime sets ``__OW_ACTION_NAME`` and ``__OW_ACTIVATION_ID`` in the process environment for each
activation. The answer ``{statusCode, headers, body}`` is decoded from base64 by its content type.
UNCONFIRMED choices are marked where made.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any, Callable, Dict, Tuple

from . import _result
from ._base import CallingEmulator, GatewayRequest, GatewayResponse, InvalidResult, json_response

#: "The maximum POST content size plus any curried parameters ... is 1MB" (docs/reference.md).
MAX_REQUEST_BYTES = 1024 * 1024
#: "The maximum size of a result returned from an action is 1MB" (docs/reference.md).
MAX_RESULT_BYTES = 1024 * 1024

# Media types the controller carries as text in both directions; the rest as base64 (JSON too:
# "for legacy, we are encoding application/json still"). UNCONFIRMED beyond these.
_TEXT = ("text/", "application/x-www-form-urlencoded", "application/xml", "application/javascript")


def _media(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def _is_text(content_type: str) -> bool:
    media = _media(content_type)
    return media.startswith(_TEXT) or media.endswith("+xml")


def _is_json(content_type: str) -> bool:
    media = _media(content_type)
    return media == "application/json" or media.endswith("+json")


class OpenWhiskEmulator(CallingEmulator):
    """One web action, ``--web raw`` with the ``web-custom-options`` annotation (OPTIONS reaches the
    action, as ``bridge build`` deploys it). Without ``custom_options`` the controller answers OPTIONS
    itself with permissive CORS headers."""

    name = "openwhisk"
    has_default_domain = False
    max_result_bytes = MAX_RESULT_BYTES

    def __init__(
        self,
        *,
        namespace: str = "guest",
        package: str = "default",
        custom_options: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.namespace = namespace
        self.package = package
        self.custom_options = custom_options

    @property
    def url_prefix(self) -> str:
        return f"/api/v1/web/{self.namespace}/{self.package}/{self.function_name}"

    @property
    def action_name(self) -> str:
        """``__OW_ACTION_NAME``: fully qualified, without ``default`` for an action outside a package."""
        if self.package == "default":
            return f"/{self.namespace}/{self.function_name}"
        return f"/{self.namespace}/{self.package}/{self.function_name}"

    def _build_event(
        self, request: GatewayRequest, *, request_id: str
    ) -> Tuple[Dict[str, Any], Dict[str, str]]:
        """The action's arguments, and (as the context) the environment the runtime sets."""
        rest = request.raw_path[len(self.url_prefix) :]
        if rest.startswith(".http"):
            rest = rest[len(".http") :]
        headers: Dict[str, str] = {}
        for name, value in request.headers_with_host():
            headers[name.lower()] = value  # one value per name, the last (UNCONFIRMED which)
        # The front end's forwarding headers (the nginx of OpenWhisk's deployments; UNCONFIRMED).
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip
        headers["x-forwarded-proto"] = request.scheme
        event: Dict[str, Any] = {
            "__ow_method": request.method.lower(),
            "__ow_headers": headers,
            "__ow_path": rest,
            "__ow_query": request.raw_query,
        }
        if request.body:
            if _is_text(request.content_type):
                event["__ow_body"] = request.body.decode("utf-8", errors="replace")
            else:
                event["__ow_body"] = base64.b64encode(request.body).decode("ascii")
        environment = {
            "__OW_ACTION_NAME": self.action_name,
            "__OW_NAMESPACE": self.namespace,
            "__OW_ACTIVATION_ID": request_id.replace("-", ""),
        }
        return event, environment

    def call_handler(self, handler: Callable[..., Any], event: Any, context: Any) -> Any:
        """``main(args)`` with the activation's environment set, as the runtime's proxy does; the
        result goes through JSON, as the runtime sends it."""
        saved = {key: os.environ.get(key) for key in context}
        os.environ.update(context)
        try:
            result = handler(event)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            return _Unserialisable(str(exc))

    def describe(self, value: Any) -> Any:
        return value

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        rest = request.raw_path[len(self.url_prefix) :]
        if not request.raw_path.startswith(self.url_prefix) or not (
            rest == "" or rest.startswith("/") or rest.startswith(".http")
        ):
            return json_response(
                404,
                {"error": "The requested resource does not exist."},
                f"not under {self.url_prefix}[.http]",
            )
        too_large = self.body_too_large(len(request.body))
        if too_large is not None:
            return too_large
        if request.method.upper() == "OPTIONS" and not self.custom_options:
            return GatewayResponse(
                200,
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH"),
                ],
                b"",
                "answered by the controller (no web-custom-options annotation)",
            )
        return super().check_request(request)

    def body_too_large(self, length: int) -> GatewayResponse | None:
        if length <= MAX_REQUEST_BYTES:
            return None
        return json_response(
            413,
            {"error": "The request content was malformed: request entity too large"},
            f"the body is {length} bytes; OpenWhisk accepts {MAX_REQUEST_BYTES}",
        )

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        return json_response(405, {"error": "Method not allowed."}, f"method {request.method} not allowed")

    def error_response(self, reason: str) -> GatewayResponse:
        # An action that fails or answers malformed: "The action did not produce a valid response."
        return json_response(502, {"error": "The action did not produce a valid response."}, reason)

    def to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        if isinstance(result, _Unserialisable):
            return self.error_response(f"the handler's return value is not JSON-serialisable: {result}")
        return super().to_http(result, request)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        result = _result.require_dict(result)
        raw_headers = result.get("headers") or {}
        if not isinstance(raw_headers, dict):
            raise InvalidResult("'headers' must be an object")
        # "values are string, number, or boolean ... To send multiple values ... a JSON array".
        textual = {name: _header_text(name, value) for name, value in raw_headers.items()}
        headers = _result.header_map({"headers": textual}, lists_allowed=True)
        body = result.get("body")
        content_type = _result.content_type_or(headers, "")
        if body is None or body == "":
            data = b""
        elif not content_type:
            # "application/json for non-strings and text/html for strings".
            if isinstance(body, str):
                content_type, data = "text/html", body.encode("utf-8")
            else:
                content_type, data = "application/json", json.dumps(body).encode()
            headers.append(("Content-Type", content_type))
        elif not isinstance(body, str):
            data = json.dumps(body).encode()
        elif _is_text(content_type):
            data = body.encode("utf-8")
        else:
            data = _from_base64(body, required=not _is_json(content_type))
        status = result.get("statusCode", 200 if data else 204)
        if "statusCode" in result:
            status = _result.status_code(result)
        if request.method.upper() == "HEAD":
            data = b""
        return GatewayResponse(status, headers, data)


class _Unserialisable(str):
    """A handler result JSON cannot carry: why."""


def _header_text(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_header_text(name, item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise InvalidResult(f"'headers[{name!r}]' must be a string, number, boolean or array, not {value!r}")


def _from_base64(body: str, *, required: bool) -> bytes:
    """A binary type's body is base64; a JSON one is decoded only when it looks like base64
    (the controller's legacy rule, ``Exec.isBinaryCode``)."""
    text = body.strip()
    try:
        if text and len(text) % 4 == 0:
            return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    if required:
        raise InvalidResult("the body of a binary content type must be base64")
    return body.encode("utf-8")
