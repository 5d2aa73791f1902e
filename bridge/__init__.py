"""faas-bridge: run an unchanged WSGI or ASGI app on Alibaba FC, Tencent SCF and AWS Lambda.

The public API, in one place::

    from bridge import Bridge
    handler = Bridge(app)

Importing this package loads no web framework, no asyncio and no YAML: those come only when an
app needs them.
"""

from ._bridge import Bridge
from ._errors import (
    AppLoadError,
    AppTimeoutError,
    BridgeError,
    ConfigError,
    EventError,
    LifespanError,
    PlatformMismatchError,
    ResponseHeaderError,
    ResponseTooLargeError,
)
from ._model import HTTPRequest, HTTPResponse, HTTPStream

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .platforms import Platform


def __getattr__(name: str) -> object:
    # ``bridge.Platform``, the interface of an event format (see README, "A custom event format"),
    # loads the platform modules only when asked for: ``import bridge`` stays cheap.
    if name == "Platform":
        from .platforms import Platform

        return Platform
    raise AttributeError(f"module 'bridge' has no attribute {name!r}")


__all__ = [
    "AppLoadError",
    "AppTimeoutError",
    "Bridge",
    "BridgeError",
    "ConfigError",
    "EventError",
    "HTTPRequest",
    "HTTPResponse",
    "HTTPStream",
    "LifespanError",
    "Platform",
    "PlatformMismatchError",
    "ResponseHeaderError",
    "ResponseTooLargeError",
]
