"""The optional access log: one line per invocation on the ``bridge`` logger (``access_log=``)."""

from __future__ import annotations

import os
from time import perf_counter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from ._model import HTTPRequest

# Where each platform's runtime names the function, when the context does not
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html,
# https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/environment-variables,
# https://cloud.tencent.com/document/product/583/30228).
_NAME_VARIABLES = ("AWS_LAMBDA_FUNCTION_NAME", "FC_FUNCTION_NAME", "SCF_FUNCTIONNAME")


class AccessLog:
    """Writes ``METHOD path status duration request-id function`` lines, plain or JSON, at INFO.

    The ``bridge`` logger is set to INFO when nothing set its level, and given a stdout handler
    when no handler anywhere would print the line (a bare Lambda, FC or SCF runtime prints what
    reaches stdout into the function's log).
    """

    def __init__(self, style: Any) -> None:
        if style is True:
            style = "plain"
        if style not in ("plain", "json"):
            from ._errors import ConfigError

            raise ConfigError(f"access_log must be True, 'plain' or 'json', not {style!r}")
        import logging

        self.json = style == "json"
        self.logger = logging.getLogger("bridge")
        if self.logger.level == logging.NOTSET and self.logger.getEffectiveLevel() > logging.INFO:
            self.logger.setLevel(logging.INFO)
        if not self.logger.hasHandlers():
            import sys

            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(message)s"))
            self.logger.addHandler(handler)
        self.function: Optional[str] = None

    def write(self, request: HTTPRequest, status: Any, started: float) -> None:
        """Log the line for ``request``, answered with ``status``, begun at ``perf_counter()`` ``started``."""
        duration = round((perf_counter() - started) * 1000.0, 2)
        function = self.function or self._function_name(request.context)
        path = request.root_path + request.path
        if self.json:
            import json

            line = json.dumps(
                {
                    "method": request.method,
                    "path": path,
                    "status": status,
                    "duration_ms": duration,
                    "request_id": request.request_id,
                    "function": function,
                }
            )
        else:
            path = path.encode("unicode_escape").decode("ascii")  # one line, whatever the path holds
            request_id = request.request_id or "-"
            line = f"{request.method} {path} {status} {duration}ms {request_id} {function or '-'}"
        self.logger.info(line)

    def _function_name(self, context: Any) -> Optional[str]:
        """The function's name: from the context (AWS, FC, SCF), else the runtime's environment."""
        name = None
        if isinstance(context, dict):
            name = context.get("function_name")
        elif context is not None:
            name = getattr(context, "function_name", None)
            if name is None:
                name = getattr(getattr(context, "function", None), "name", None)
        if not isinstance(name, str) or not name:
            name = next((os.environ[v] for v in _NAME_VARIABLES if os.environ.get(v)), None)
        self.function = name
        return name
