"""The runtime loop: load the handler once, then answer invocations one at a time, for ever."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from typing import Any, List, Optional

from .api import RuntimeAPI, error_document
from .context import LambdaContext

_log = logging.getLogger("bridge")


class HandlerLoadError(Exception):
    """``_HANDLER`` does not name a callable that can be imported."""


def load_handler(spec: str, task_root: Optional[str] = None) -> Any:
    """The callable ``spec`` names (``module.attribute``, as Lambda's ``Handler`` setting), imported
    from ``task_root`` (``LAMBDA_TASK_ROOT``)."""
    module_name, _, attribute = spec.rpartition(".")
    if not module_name or not attribute:
        raise HandlerLoadError(f"the handler {spec!r} must be module.attribute, e.g. index.handler")
    if task_root and task_root not in sys.path:
        sys.path.insert(0, task_root)
    module = importlib.import_module(module_name.replace("/", "."))
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise HandlerLoadError(f"module {module_name!r} has no callable {attribute!r}")
    return handler


class Runtime:
    """Answers invocations from ``api`` with ``handler``.

    Buffered (the default), the handler's return value is posted whole, as awslambdaric posts it.
    With ``streaming``, the handler must be a :class:`bridge.Bridge`: an HTTP event's response is
    streamed (:meth:`bridge.Bridge.stream`), any other event's result is posted whole.
    """

    def __init__(self, api: RuntimeAPI, handler: Any, streaming: bool = False) -> None:
        if streaming and not callable(getattr(handler, "stream", None)):
            raise HandlerLoadError(
                "--streaming needs the handler to be a bridge.Bridge (handler = Bridge(app)), "
                f"got {type(handler).__name__}"
            )
        self.api = api
        self.handler = handler
        self.streaming = streaming

    def serve_forever(self) -> None:
        while True:
            self.serve_one()

    def serve_one(self) -> None:
        """Wait for one invocation and answer it; a failure is reported to Lambda, never raised."""
        invocation = self.api.next()
        request_id = invocation.request_id
        # X-Ray's SDK reads the trace header from the environment, per invocation (awslambdaric does so).
        if invocation.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        context = LambdaContext(invocation)
        try:
            event = json.loads(invocation.event) if invocation.event else {}
        except ValueError as exc:
            _log.error("[%s] the event is not JSON: %s", request_id, exc)
            self.api.error(request_id, error_document(exc), "Runtime.UnmarshalError")
            return
        try:
            result = self.handler.stream(event, context) if self.streaming else self.handler(event, context)
        except Exception as exc:
            _log.error("[%s] the handler raised %s: %s", request_id, type(exc).__name__, exc)
            self.api.error(request_id, error_document(exc), "Runtime.Unhandled")
            return
        prelude = getattr(result, "prelude", None)
        if prelude is not None:  # an HTTPStream
            try:
                self.api.stream(request_id, prelude, result.chunks)
            finally:
                result.close()
            return
        try:
            payload = json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            _log.error("[%s] the handler's result is not JSON: %s", request_id, exc)
            self.api.error(request_id, error_document(exc), "Runtime.MarshalError")
            return
        self.api.respond(request_id, payload)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the loop as Lambda starts it: ``AWS_LAMBDA_RUNTIME_API``, ``_HANDLER``, ``LAMBDA_TASK_ROOT``."""
    args = sys.argv[1:] if argv is None else argv
    streaming = "--streaming" in args
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        print("bridge.aws_runtime: AWS_LAMBDA_RUNTIME_API is not set (Lambda sets it)", file=sys.stderr)
        return 2
    api = RuntimeAPI(address)
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""), os.environ.get("LAMBDA_TASK_ROOT"))
        runtime = Runtime(api, handler, streaming)
    except Exception as exc:
        # "If an error occurs during initialization, the runtime posts it to the initialization error
        # path" and Lambda resets the environment (runtimes-api.html, "Initialization error").
        kind = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerNotFound"
        _log.error("the handler could not be loaded: %s: %s", type(exc).__name__, exc)
        api.init_error(error_document(exc), kind)
        return 1
    runtime.serve_forever()
    return 0
