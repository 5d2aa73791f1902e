"""A Lambda Runtime API client of our own, so a Python function can stream its response.

AWS's Python runtime (awslambdaric) answers each invocation with one buffered POST: it has no
response streaming (aws/aws-lambda-roadmap#39). This package takes its place, through the Python
runtime's wrapper-script hook (``AWS_LAMBDA_EXEC_WRAPPER``, see :mod:`bridge.aws_runtime.wrapper`),
and speaks the Runtime API itself
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): buffered answers by default, and
with ``--streaming`` the chunked, HTTP-integration form a Function URL with ``InvokeMode:
RESPONSE_STREAM`` relays as the app produces it
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming).

``python -m bridge.aws_runtime [--streaming]`` runs the loop; the handler is ``_HANDLER``
(``index.handler``) under ``LAMBDA_TASK_ROOT``, as Lambda sets them.
"""

from __future__ import annotations

from .api import Invocation, RuntimeAPI
from .context import LambdaContext
from .loop import Runtime, main

__all__ = ["Invocation", "LambdaContext", "Runtime", "RuntimeAPI", "main"]
