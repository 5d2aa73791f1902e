"""What every AWS Lambda HTTP source shares: the context object, the forwarding headers the
front end adds, its JSON error body, and the 6 MB payload limit (reference/aws-lambda.md §7).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Tuple

from ._base import GatewayRequest, GatewayResponse, Headers, json_response

#: Synchronous invocation payload, request and response (aws-lambda.md §7).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


class LambdaContext:
    """The Python runtime's ``context`` object (awslambdaric ``LambdaContext``)."""

    def __init__(
        self,
        request_id: str,
        *,
        function_name: str,
        memory_mb: int,
        timeout_s: float,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
    ) -> None:
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, so it is a string there too.
        self.memory_limit_in_mb = str(memory_mb)
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def forwarding_headers(request: GatewayRequest, *, lower: bool) -> Headers:
    """The headers AWS front ends add: the client appended to ``X-Forwarded-For``, the scheme and
    port the client used, and a trace id (samples in events/aws-*.json)."""
    previous = request.header("x-forwarded-for")
    port = (
        request.authority.rpartition(":")[2]
        if ":" in request.authority
        else ("443" if request.scheme == "https" else "80")
    )
    pairs = [
        ("X-Forwarded-For", f"{previous}, {request.client_ip}" if previous else request.client_ip),
        ("X-Forwarded-Port", port),
        ("X-Forwarded-Proto", request.scheme),
        ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
    ]
    return [(name.lower() if lower else name, value) for name, value in pairs]


def replace_headers(original: Headers, added: Headers) -> Headers:
    """``original`` without the names in ``added``, then ``added``."""
    names = {name.lower() for name, _ in added}
    return [(name, value) for name, value in original if name.lower() not in names] + list(added)


def message_error(status: int, message: str, reason: str | None = None) -> GatewayResponse:
    """API Gateway's own error body, ``{"message": ...}``."""
    return json_response(status, {"message": message}, reason or message)


def stage_path(request: GatewayRequest, stage: str | None) -> Tuple[bool, str]:
    """Whether the request is under ``/<stage>``, and its decoded path without it."""
    if not stage:
        return True, request.path
    prefix = f"/{stage}"
    path = request.path
    if path == prefix or path.startswith(prefix + "/"):
        return True, path[len(prefix) :] or "/"
    return False, path


def lambda_context(emulator: Any, request_id: str) -> LambdaContext:
    """The Lambda context an AWS emulator's function gets, from the emulator's settings."""
    return LambdaContext(
        request_id,
        function_name=emulator.function_name,
        memory_mb=emulator.memory_mb,
        timeout_s=emulator.timeout_s,
        region=emulator.region,
        account_id=emulator.account_id,
    )


def payload_too_large(emulator: Any, request: GatewayRequest) -> GatewayResponse | None:
    """Lambda's 6 MB synchronous payload limit, counted on the event the emulator would send."""
    size = len(json.dumps(emulator.build_event(request, request_id="0" * 36)[0]).encode())
    return _over_payload_limit(size, "the event")


def body_over_payload_limit(length: int) -> GatewayResponse | None:
    """The answer to a body that alone is over Lambda's payload limit: the event carries the body
    as a JSON string or as base64, never in fewer bytes than the body has."""
    return _over_payload_limit(length, "the request body")


def _over_payload_limit(size: int, what: str) -> GatewayResponse | None:
    if size <= MAX_PAYLOAD_BYTES:
        return None
    # The 6 MB invocation limit is documented; the status is UNCONFIRMED.
    return message_error(
        413,
        "Request Entity Too Large",
        f"{what} is {size} bytes; Lambda takes at most {MAX_PAYLOAD_BYTES} synchronously",
    )
