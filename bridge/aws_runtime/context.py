"""The context object handed to the handler, with the attributes awslambdaric's has.

Reference: https://docs.aws.amazon.com/lambda/latest/dg/python-context.html.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Optional

from .api import Invocation


class CognitoIdentity:
    """``context.identity``: the Amazon Cognito identity of a mobile SDK call, else ``None`` fields."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, document: Optional[str]) -> None:
        data = _json_object(document)
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class ClientContext:
    """``context.client_context``: what a mobile SDK call says of its app."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, data: Any) -> None:
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """One invocation's context: names from the environment Lambda sets, the rest from the invocation."""

    def __init__(self, invocation: Invocation) -> None:
        environ = os.environ
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.function_arn
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        memory = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.memory_limit_in_mb = int(memory) if memory.isdigit() else None
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = CognitoIdentity(invocation.cognito_identity)
        client_context = _json_object(invocation.client_context)
        self.client_context = ClientContext(client_context) if client_context else None
        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda stops the invocation (0 once past the deadline)."""
        if self._deadline_ms is None:
            return 0
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return f"<LambdaContext {self.function_name} {self.aws_request_id}>"


def _json_object(document: Optional[str]) -> Any:
    if not document:
        return {}
    try:
        data = json.loads(document)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
