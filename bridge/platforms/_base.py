"""The interface every platform module implements, and the decoding rules they share.

A platform answers three questions (the Mangum shape): is this event mine (:meth:`Platform.matches`),
what is the request (:meth:`Platform.decode`), and how does the answer go back
(:meth:`Platform.encode`). Rules that two platforms share live here, once.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, unquote

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options

Headers = List[Tuple[str, str]]

MB = 1024 * 1024

# Characters left as they are when re-encoding a path or a query that a platform gave us decoded:
# RFC 3986 sub-delims, ':' and '@' are legal in both, so quoting them would change the URL the app sees.
_PATH_SAFE = "/!$&'()*+,;=:@~-._"
_QUERY_SAFE = "!$'()*+,;:@/?~-._"
_ALREADY_ENCODED_SAFE = _PATH_SAFE + "%?#[]"


class Platform:
    """One kind of HTTP-trigger event. Subclasses set the class attributes and the three methods."""

    #: Short name used by ``platform=`` and the CLI (``fc``, ``scf``, ``aws-v2`` ...).
    name: str = ""
    #: Human name used in messages.
    title: str = ""
    #: Largest response the platform returns synchronously, in bytes of the encoded result.
    max_response_bytes: int = 6 * MB

    def matches(self, event: Dict[str, Any]) -> bool:
        """True when ``event`` (a decoded JSON object) is this platform's HTTP event."""
        raise NotImplementedError

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        """The request ``event`` carries. Raises :class:`EventError` when a field is unusable."""
        raise NotImplementedError

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Dict[str, Any]:
        """The value the handler returns to the platform for ``response``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"


# --- request side -------------------------------------------------------------------------------


def field(event: Dict[str, Any], key: str, kind: type, platform: str, default: Any = None) -> Any:
    """``event[key]`` checked to be of ``kind``; a missing or null field gives ``default``."""
    value = event.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise EventError(
            f"{platform} event field {key!r} must be {kind.__name__}, got {type(value).__name__}"
        )
    return value


def is_true(value: Any) -> bool:
    """A platform boolean: JSON ``true`` or the string ``"true"`` (SCF sends both; ``"false"`` is false)."""
    if value is True:
        return True
    return isinstance(value, str) and value.lower() == "true"


def body_bytes(event: Dict[str, Any], platform: str) -> bytes:
    """The request body, base64-decoded exactly when the event says it is encoded.

    Never guess from Content-Type: only ``isBase64Encoded`` tells (reference/aws-lambda.md §6.1).
    """
    body = event.get("body")
    if not body:
        return b""
    if not isinstance(body, str):
        raise EventError(f"{platform} event field 'body' must be a string, got {type(body).__name__}")
    flag = event.get("isBase64Encoded")
    if is_true(flag):
        try:
            return b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            if flag is not True:
                # SCF's own documented sample sends the string "true" with a plain-text body
                # (reference/events/README.md): the text is the only lossless reading of it.
                return body.encode("utf-8")
            raise EventError(f"{platform} event body is marked isBase64Encoded but is not valid base64")
    return body.encode("utf-8")


def path_from_encoded(raw: str) -> Tuple[str, bytes]:
    """``(path, raw_path)`` from a percent-encoded path such as FC's ``rawPath`` or AWS's ``rawPath``."""
    if not raw.isascii():
        # A gateway that passed some characters through unencoded: encode them, keep existing escapes.
        raw = quote(raw, safe=_ALREADY_ENCODED_SAFE)
    elif "%" not in raw:
        return raw, raw.encode("ascii")  # nothing to decode: the common case, without unquote's overhead
    return unquote(raw), raw.encode("ascii")


def path_from_decoded(path: str) -> Tuple[str, bytes]:
    """``(path, raw_path)`` from an already decoded path such as SCF's or API Gateway v1's ``path``."""
    if path.isascii() and "%" not in path and " " not in path:
        return path, path.encode("ascii")
    return path, quote(path, safe=_PATH_SAFE).encode("ascii")


def query_from_map(params: Optional[Dict[str, Any]], platform: str, *, encoded: bool = False) -> bytes:
    """A query string from a ``{key: value | [values] | true}`` map.

    ``true`` is SCF's flag key (``?debug``): it becomes a bare key, as the client sent it. With
    ``encoded`` the values are already percent-encoded (ALB passes them through undecoded), so only
    characters that cannot appear in a query are escaped, never an existing ``%XX``.
    """
    if not params:
        return b""
    if not isinstance(params, dict):
        raise EventError(f"{platform} event query parameters must be an object, got {type(params).__name__}")
    safe = _QUERY_SAFE + "%" if encoded else _QUERY_SAFE
    parts: List[str] = []
    for key, value in params.items():
        k = quote(key, safe=safe)
        values = value if isinstance(value, list) else (value,)
        for item in values:
            if item is True:
                parts.append(k)
            elif item is None or item is False:
                parts.append(k + "=")
            else:
                parts.append(k + "=" + quote(str(item), safe=safe))
    return "&".join(parts).encode("ascii")


def read_headers(headers: Optional[Dict[str, Any]], platform: str) -> Tuple[Headers, Dict[str, str]]:
    """``(pairs, index)`` from a ``{name: value | [values]}`` map, in one pass.

    ``pairs`` are lower-cased ``(name, value)`` pairs, repeats kept; ``index`` maps each lower-cased
    name to its first value, for the handful of headers a platform reads (host, scheme, port).
    """
    if not headers:
        return [], {}
    if not isinstance(headers, dict):
        raise EventError(f"{platform} event headers must be an object, got {type(headers).__name__}")
    try:
        # The usual map of one string per name: the index is the header set, its items the pairs.
        index = {name.lower(): value for name, value in headers.items() if value.__class__ is str}
        if len(index) == len(headers):
            return list(index.items()), index
    except AttributeError:  # a name that is not a string
        pass
    pairs: Headers = []
    for name, value in headers.items():
        lname = str(name).lower()
        if isinstance(value, list):
            for item in value:
                pairs.append((lname, str(item)))
        elif value is not None:
            pairs.append((lname, value if isinstance(value, str) else str(value)))
    index = {}
    for name, value in pairs:
        index.setdefault(name, value)
    return pairs, index


def server_of(host: str, port: Optional[str], scheme: str) -> Tuple[str, int]:
    """``(host, port)`` the client addressed, from ``Host`` and ``X-Forwarded-Port`` values."""
    if host.startswith("["):  # IPv6 literal
        end = host.find("]")
        port = port or host[end + 2 :]
        host = host[1:end]
    elif ":" in host:
        host, _, host_port = host.partition(":")
        port = port or host_port
    if port:
        try:
            return host or "localhost", int(port)
        except ValueError:
            pass
    return host or "localhost", 443 if scheme == "https" else 80


def forwarded_scheme(value: Optional[str], default: str = "https") -> str:
    """The scheme the client used, from a header the gateway sets (``X-Forwarded-Proto``), not the client."""
    if not value:
        return default
    return value.split(",", 1)[0].strip().lower() or default


def mount_stage(request: HTTPRequest, stage: Any, on_default_domain: bool, options: Options) -> None:
    """Make a gateway stage the app's ``root_path`` where the stage is part of the public URL.

    On a gateway's default domain the URL is ``/<stage>/...`` (AWS REST ``execute-api``, SCF
    ``apigw.tencentcs.com``); on a custom domain it is not. ``options.stage_in_url`` overrides the
    guess (serverless-wsgi's ``STRIP_STAGE_PATH``, for a CDN that adds the stage itself). A stage
    that is still in the path (HTTP API v2 named stages) is always taken out of it.
    """
    if not stage or not isinstance(stage, str) or stage == "$default":
        return
    in_url = options.stage_in_url if options.stage_in_url is not None else on_default_domain
    prefix = "/" + stage
    if strip_prefix(request, prefix):
        if not in_url:
            request.root_path = ""
    elif in_url:
        request.root_path = prefix


def host_name(host: str) -> str:
    """A ``Host`` value, lower case, without port."""
    if host.endswith("]"):
        return host.lower()
    return host.rsplit(":", 1)[0].lower()


def last_forwarded_for(value: Optional[str]) -> Optional[str]:
    """The hop a load balancer appended to ``X-Forwarded-For``: the last one, the only one it vouches for."""
    if not value:
        return None
    return value.rsplit(",", 1)[-1].strip() or None


def apply_base_path(request: HTTPRequest, options: Options) -> None:
    """Move an explicit ``base_path`` (a custom domain's mapping) into ``root_path``.

    The prefix is stripped from the path when the gateway left it there, and added to ``root_path``
    either way, so ``url_for``/``reverse`` build links under it (serverless-wsgi's
    ``API_GATEWAY_BASE_PATH`` semantics, reference/aws-lambda.md §6.3).
    """
    base = options.base_path
    if not base:
        return
    path = request.path
    if path == base or path.startswith(base + "/"):
        request.path = path[len(base) :] or "/"
        request.raw_path = request.raw_path[len(quote(base, safe=_PATH_SAFE)) :] or b"/"
    request.root_path = base


def strip_prefix(request: HTTPRequest, prefix: str) -> bool:
    """Move ``prefix`` (decoded, e.g. ``/release``) from the path into ``root_path``; True if it was there."""
    path = request.path
    if path == prefix or path.startswith(prefix + "/"):
        encoded = quote(prefix, safe=_PATH_SAFE).encode("ascii")
        request.path = path[len(prefix) :] or "/"
        request.raw_path = request.raw_path[len(encoded) :] or b"/"
        request.root_path = prefix
        return True
    return False


# --- response side ------------------------------------------------------------------------------


def is_text(response: HTTPResponse, options: Options) -> bool:
    """True when the body can go out as text: a textual type and no ``Content-Encoding``.

    Any Content-Encoding means compressed bytes (apig-wsgi's rule), whatever the type says.
    """
    content_type = ""
    for name, value in response.headers:
        lname = name.lower()
        if lname == "content-encoding":
            return False
        if lname == "content-type":
            content_type = value
    if not response.body:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    for text_type in options.text_types:
        if text_type[0] == "+":
            if media.endswith(text_type):
                return True
        elif media.startswith(text_type):
            return True
    return False


def body_field(response: HTTPResponse, options: Options) -> Tuple[str, bool]:
    """``(body, isBase64Encoded)`` for a JSON response: text when safe, base64 otherwise.

    A textual type whose bytes are not UTF-8 is sent as base64 too: never corrupt bytes.
    """
    body = response.body
    if not body:
        return "", False
    if is_text(response, options):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return b64encode(body).decode("ascii"), True


def header_text(value: str) -> str:
    """A response header value as JSON text: the app's latin-1 bytes, read as UTF-8 when they are.

    Surrounding whitespace goes, as it does on the wire (RFC 9110 §5.5): Django's Set-Cookie values
    start with a space.
    """
    if value[:1] == " " or value[-1:] == " ":
        value = value.strip()
    if value.isascii():
        return value
    raw = value.encode("latin-1", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def grouped_headers(headers: Headers) -> Dict[str, List[str]]:
    """Response headers grouped by name (first spelling kept), values in order."""
    grouped: Dict[str, List[str]] = {}
    spelling: Dict[str, str] = {}
    for name, value in headers:
        lname = name.lower()
        key = spelling.setdefault(lname, name)
        values = grouped.get(key)
        if values is None:
            grouped[key] = [header_text(value)]
        else:
            values.append(header_text(value))
    return grouped


def joined_headers(headers: Headers, *, skip: str = "") -> Dict[str, str]:
    """One value per header name, repeats comma-joined (RFC 9110 §5.3), ``skip`` (lower case) left out."""
    out: Dict[str, str] = {}
    for key, values in grouped_headers(headers).items():
        if skip and key.lower() == skip:
            continue
        out[key] = values[0] if len(values) == 1 else ",".join(values)
    return out


def case_variants(name: str, count: int) -> List[str]:
    """``count`` distinct spellings of ``name`` that differ only in letter case.

    For maps of single strings that must carry a header several times (ALB without multi-value
    headers; FC 3.0 by default): ``Set-Cookie``, ``set-Cookie``, ``Set-cookie`` ...
    """
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if count > 2 ** len(letters):
        raise ValueError(f"cannot spell {name!r} {count} different ways")
    variants = []
    base = name.lower()
    for n in range(count):
        chars = list(base)
        for bit, pos in enumerate(letters):
            # n = 0 gives the canonical spelling; each further n flips a different set of letters.
            canonical_upper = name[pos].isupper()
            flip = (n >> bit) & 1
            chars[pos] = chars[pos].upper() if canonical_upper != bool(flip) else chars[pos]
        variants.append("".join(chars))
    return variants
