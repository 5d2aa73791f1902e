"""Putting a request body into a JSON event as text or base64, and taking a response body out.

JSON cannot carry bytes, so every event platform sends either text or base64 plus an
``isBase64Encoded`` flag. Which bodies are "binary" is per platform; the shared rule here is the
common one (text/*, JSON, XML, JavaScript, form-urlencoded are text) and each emulator states
where its platform differs.
"""

from __future__ import annotations

import base64
import binascii
from typing import Iterable, Tuple

from ._base import InvalidResult

#: Media types a gateway passes as text (matched on the type without parameters).
TEXT_TYPE_PREFIXES: Tuple[str, ...] = (
    "text/",
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-www-form-urlencoded",
)
TEXT_TYPE_SUFFIXES: Tuple[str, ...] = ("+json", "+xml")


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_text_type(content_type: str) -> bool:
    kind = media_type(content_type)
    return kind.startswith(TEXT_TYPE_PREFIXES) or kind.endswith(TEXT_TYPE_SUFFIXES)


def matches_media_range(content_type: str, patterns: Iterable[str]) -> bool:
    """Whether ``content_type`` matches one of ``patterns`` (``image/*``, ``*/*``, exact)."""
    kind = media_type(content_type)
    major = kind.split("/", 1)[0]
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern in ("*/*", kind) or (pattern.endswith("/*") and pattern[:-2] == major and kind):
            return True
    return False


def encode_body(body: bytes, *, as_base64: bool) -> Tuple[str, bool]:
    """``(body text, isBase64Encoded)`` for the event.

    A body that must go as text but is not UTF-8 cannot survive a JSON string: gateways written in
    Go or Java replace the bad bytes with U+FFFD, and so do we (the upload is mangled, as it would be
    on the platform).
    """
    if as_base64:
        return base64.b64encode(body).decode("ascii"), True
    return body.decode("utf-8", errors="replace"), False


def text_or_base64(body: bytes, content_type: str) -> Tuple[str, bool]:
    """The common rule: text for textual media types that are valid UTF-8, base64 otherwise.

    A body with no ``Content-Type`` is binary: nothing says it is text.
    """
    if not body:
        return "", False
    if is_text_type(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return encode_body(body, as_base64=True)


def decode_result_body(body: object, is_base64: object) -> bytes:
    """The bytes of a handler result's ``body``; raises :class:`InvalidResult` on a bad shape."""
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise InvalidResult(f"'body' must be a string, not {type(body).__name__}")
    if not is_base64:
        return body.encode("utf-8", errors="replace")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidResult("'isBase64Encoded' is true but 'body' is not valid base64")
