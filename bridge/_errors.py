"""The exception hierarchy: every error faas-bridge raises says what to change."""

from __future__ import annotations


class BridgeError(Exception):
    """Base class of every faas-bridge error."""

    #: The HTTP status a platform response carries when this error ends an invocation.
    status = 500


class EventError(BridgeError):
    """The event is not an HTTP event this handler understands (malformed, or unknown)."""

    status = 400


class PlatformMismatchError(EventError):
    """``platform=`` was forced and the event comes from another platform."""


class ResponseTooLargeError(BridgeError):
    """The app's response is larger than the platform can return synchronously."""

    status = 502


class ResponseHeaderError(BridgeError):
    """The app's response headers cannot be sent: CR, LF or NUL in a name or value (what would split
    the response on the wire), or more Set-Cookie than the platform's response form can carry."""

    status = 500


class AppTimeoutError(BridgeError):
    """The app did not complete its response within the invocation's remaining time."""

    status = 504


class LifespanError(BridgeError):
    """The ASGI app's lifespan startup failed or was not acknowledged."""

    status = 503


class ConfigError(BridgeError):
    """The project definition or a command-line option is invalid."""


class AppLoadError(ConfigError):
    """A ``module:attribute`` target could not be imported or is not an app."""
