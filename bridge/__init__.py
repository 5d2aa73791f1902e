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
    ResponseTooLargeError,
)
from ._model import HTTPRequest, HTTPResponse

__version__ = "0.1.0"

__all__ = [
    "AppLoadError",
    "AppTimeoutError",
    "Bridge",
    "BridgeError",
    "ConfigError",
    "EventError",
    "HTTPRequest",
    "HTTPResponse",
    "LifespanError",
    "PlatformMismatchError",
    "ResponseTooLargeError",
]
