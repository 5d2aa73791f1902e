"""From a TARGET string to a platform handler: load it (``bridge.apploader``), then wrap a plain
WSGI/ASGI app in ``Bridge`` unless it already is a handler."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .._errors import AppLoadError
from ..apploader import load_target


def load_handler(
    spec: str, *, platform: str, chdir: str | None = None, debug: bool = False
) -> Callable[..., Any]:
    """TARGET (``module:attr`` or a Django settings module) as a handler for ``platform``."""
    return as_handler(load_target(spec, chdir=chdir), platform=platform, debug=debug)


def as_handler(obj: Any, *, platform: str, debug: bool = False) -> Callable[..., Any]:
    """``obj`` as a platform handler: a ``Bridge`` or a ``handler(event, context)`` function is used
    as it is; a WSGI/ASGI app (Django's included) is wrapped in ``Bridge(app, platform=...)``.
    """
    from .. import Bridge

    if isinstance(obj, Bridge) or _is_handler_function(obj):
        return obj
    if not callable(obj):
        raise AppLoadError(f"{obj!r} is neither a WSGI/ASGI app nor a handler")
    return Bridge(obj, platform=platform, debug=debug)


def _is_handler_function(obj: Any) -> bool:
    """A plain ``def handler(event, context)``. A two-argument function whose first parameter is
    named ``environ``/``env...`` is a WSGI app instead; coroutine functions are ASGI apps."""
    if not inspect.isfunction(obj) or inspect.iscoroutinefunction(obj):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [p for p in inspect.signature(obj).parameters.values() if p.kind in positional]
    return len(params) == 2 and not params[0].name.startswith("env")
