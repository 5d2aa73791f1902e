"""The interface every platform module implements, and the decoding rules they share.

A platform answers three questions (the Mangum shape): is this event mine (:meth:`Platform.matches`),
what is the request (:meth:`Platform.decode`), and how does the answer go back
(:meth:`Platform.encode`). Rules that two platforms share live here, once.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote, unquote

from .._errors import EventError, ResponseHeaderError
from .._headers import LOWER
from .._model import USUAL_METHODS, HTTPRequest, HTTPResponse
from .._options import Options

TYPE_CHECKING = False  # the aliases below are for type checkers: typing's [] costs start-up time
if TYPE_CHECKING:
    Headers = List[Tuple[str, str]]
    #: Set-Cookie as the app spelled it, and its values in order.
    Cookies = Tuple[str, List[str]]
    #: ``(remote_user, identity, stage_variables)`` a gateway vouches for (:class:`HTTPRequest`).
    Caller = Tuple[Optional[str], Optional[Dict[str, Any]], Optional[Dict[str, Any]]]
    #: The usual event's request (:meth:`Platform.usual_request`): method (an everyday one, upper
    #: case), root_path (ASCII), path (ASCII, starts with "/", no "%": the raw path too), query (the
    #: raw ASCII query), headers (unique lower-case names, ASCII values, no "_" in a name), body,
    #: scheme ("https" or "http"), host (printable ASCII, no port), port, client address (printable
    #: ASCII, "" for none), the gateway's request id, then the caller (:data:`Caller`; the remote
    #: user in ASCII).
    Usual = Tuple[
        str, str, str, str, Dict[str, str], bytes, str, str, int, str, str,
        Optional[str], Optional[Dict[str, Any]], Optional[Dict[str, Any]],
    ]  # fmt: skip

MB = 1024 * 1024

# Characters left as they are when re-encoding a path or a query that a platform gave us decoded:
# RFC 3986 sub-delims, ':' and '@' are legal in both, so quoting them would change the URL the app sees.
_PATH_SAFE = "/!$&'()*+,;=:@~-._"
# A decoded query value's '+' is a literal plus: it must go back as %2B, or every form parser reads
# a space (apig-wsgi #186, fixed in its PR #187). Values that are still encoded (ALB) keep theirs.
_QUERY_SAFE = "!$'()*,;:@/?~-._"
_ENCODED_QUERY_SAFE = _QUERY_SAFE + "+%"
_ALREADY_ENCODED_SAFE = _PATH_SAFE + "%?#[]"


class Platform:
    """One kind of HTTP-trigger event. Subclasses set the class attributes and the three methods."""

    #: Short name used by ``platform=`` and the CLI (``fc``, ``scf``, ``aws-v2`` ...).
    name: str = ""
    #: Human name used in messages.
    title: str = ""
    #: Largest response the platform returns synchronously, in bytes of the encoded result.
    max_response_bytes: int = 6 * MB
    #: True when the platform's gateway can take a streamed response (:meth:`stream_prelude`).
    streams: bool = False
    #: How to get a streamed response to the client, named in the warning given once per instance when
    #: a streamed response had to be buffered (event mode returns responses whole).
    stream_hint: str = "This event mode cannot stream; a web function (--mode web) streams."
    #: Where the platform's runtime puts the invocation id: an attribute of the context object, or
    #: a key where the context is a dict (SCF). FC's ``FCContext`` and SCF use ``request_id``
    #: (reference/alibaba-fc.md, reference/tencent-scf.md).
    context_id: str = "request_id"

    def matches(self, event: Dict[str, Any]) -> bool:
        """True when ``event`` (a decoded JSON object) is this platform's HTTP event."""
        raise NotImplementedError

    def decode(self, event: Dict[str, Any], context: Any, options: Options) -> HTTPRequest:
        """The request ``event`` carries. Raises :class:`EventError` when a field is unusable."""
        raise NotImplementedError

    def encode(self, response: HTTPResponse, request: HTTPRequest, options: Options) -> Any:
        """The value the handler returns to the platform for ``response``."""
        raise NotImplementedError

    def stream_prelude(self, status: int, headers: Headers, options: Options) -> bytes:
        """What goes before a streamed body on this platform (where :attr:`streams` is true)."""
        raise NotImplementedError

    # --- calls: platforms that call the handler with their runtime's own request, not a JSON event --

    def matches_call(self, event: Any, context: Any) -> bool:
        """True when ``handler(event, context)`` is this platform's call with its runtime's own
        request (Azure's ``HttpRequest``, the Flask ``Request`` of Google's functions-framework,
        FC 2.0's ``(environ, start_response)``).

        Bridge asks only when ``event`` is not a JSON event (dict, bytes or str), or, for a
        platform with :attr:`dict_call`, about a dict no JSON platform matched; JSON platforms keep
        the default, False. Such a platform's :meth:`decode` takes the request and :meth:`encode`
        returns what its runtime expects back (an ``HttpResponse``, a Flask response).
        """
        return False

    #: What a call platform's first argument is, in error messages (Azure's ``request``, FC 2.0's
    #: ``environ``).
    call_argument: str = "request"
    #: True when the call's first argument is a dict (FC 2.0's environ): Bridge then asks
    #: :meth:`matches_call` about a dict no JSON platform matched, before reading it as an event.
    dict_call: bool = False

    def call_stub(self, event: Any, context: Any) -> Optional[HTTPRequest]:
        """What :meth:`encode` gets for an answer made before the call was read (a handler serving
        another platform, a call that cannot be read): None by default. A platform whose answer
        needs something of the call (FC 2.0's ``start_response``) returns a request standing for
        it, method ``-``; it is also what ``on_error`` and the access log then get."""
        return None

    # --- the usual event, read the quick way (a runner's fast path) ---------------------------------

    def usual_request(self, event: Dict[str, Any], options: Options) -> Optional[Usual]:
        """The request of this platform's usual event as a :data:`Usual` tuple, read straight from
        ``event`` without an :class:`HTTPRequest`; None (the default) for anything less usual.

        Bridge asks when nothing needs the request object (no ``before_invocation`` or
        ``after_invocation`` hook, no access log, no job routes) and the runner can use the tuple
        (WSGI). What it returns must be exactly what :meth:`decode` and :func:`check_request` give
        for the same event: ``tests/test_usual_request.py`` checks the two paths against each other
        on documented and mutated events. Anything that needs care (percent-escapes, a non-ASCII
        header, a named stage, an authorizer) returns None, and the careful path decides.
        """
        return None

    def encode_usual(self, response: HTTPResponse, event: Dict[str, Any], options: Options) -> Any:
        """:meth:`encode` for an invocation read by :meth:`usual_request`, where no request exists.

        The default passes None as the request: a platform whose :meth:`encode` reads the request
        (ALB reads the event's header form) overrides this.
        """
        return self.encode(response, None, options)  # type: ignore[arg-type]

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Optional[Dict[str, Any]]:
        """The WSGI environ the platform's own server already made for ``request``, for a WSGI app to
        run on directly; None (the default) has the runner build one from ``request``."""
        return None

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


def http_context(event: Dict[str, Any], platform: str) -> Tuple[Dict[str, Any], Dict[str, Any], str]:
    """``(requestContext, requestContext.http, method)`` of an AWS 2.0 or FC 3.0 event."""
    request_context = event.get("requestContext")
    http = request_context.get("http") if request_context.__class__ is dict else None
    if http.__class__ is not dict:  # checked the long way, for the message
        request_context = field(event, "requestContext", dict, platform, {})
        http = field(request_context, "http", dict, platform, {})
    method = http.get("method")
    if method.__class__ is not str or not method:
        raise EventError(f"{platform} event has no requestContext.http.method")
    return request_context, http, method


def gateway_request_id(request_context: Dict[str, Any]) -> str:
    """``requestContext.requestId``, the gateway's id for the request, when it is text (else ``""``).

    It reaches log lines and the app as ``bridge.request_id``: a value of another type (a mutated
    event's nested object) would break both (found by the fuzz suite).
    """
    request_id = request_context.get("requestId")
    return request_id if request_id.__class__ is str else ""


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
                return _utf8_body(body, platform)
            raise EventError(f"{platform} event body is marked isBase64Encoded but is not valid base64")
    if body.isascii():
        return body.encode("ascii")
    return _utf8_body(body, platform)


def _utf8_body(body: str, platform: str) -> bytes:
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the text stands for no bytes at all
        raise EventError(f"{platform} event field 'body' holds text that is not valid Unicode")


def path_from_encoded(raw: str) -> Tuple[str, bytes]:
    """``(path, raw_path)`` from a percent-encoded path such as FC's ``rawPath`` or AWS's ``rawPath``."""
    if not raw.isascii():
        # A gateway that passed some characters through unencoded: encode them, keep existing escapes.
        raw = _quoted(raw, _ALREADY_ENCODED_SAFE)
    elif "%" not in raw:
        return raw, raw.encode("ascii")  # nothing to decode: the common case, without unquote's overhead
    return unquote(raw), raw.encode("ascii")


def path_from_decoded(path: str) -> Tuple[str, bytes]:
    """``(path, raw_path)`` from an already decoded path such as SCF's or API Gateway v1's ``path``."""
    if path.isascii() and "%" not in path and " " not in path:
        return path, path.encode("ascii")
    return path, _quoted(path, _PATH_SAFE).encode("ascii")


def _quoted(path: Any, safe: str) -> str:
    """``path`` percent-encoded; a path of another type or with a lone surrogate is the event's fault."""
    if not isinstance(path, str):
        raise EventError(f"the event's path must be a string, got {type(path).__name__}")
    try:
        return quote(path, safe=safe)
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" escape: no bytes to send
        raise EventError("the event's path holds text that is not valid Unicode")


# Every printable ASCII character but space: what a raw query keeps as it came.
_RAW_QUERY_SAFE = "".join(chr(i) for i in range(33, 127))


def raw_query_bytes(query: str, what: str, encoding: str = "utf-8") -> bytes:
    """A raw query string as the percent-encoded bytes ASGI's ``query_string`` promises.

    Gateways encode what they forward; one that passed UTF-8 text (or FC 2.0's latin-1 native
    string, ``encoding="latin-1"``) through gets its non-ASCII characters percent-encoded here, as
    a browser would have.
    """
    if query.isascii():
        return query.encode("ascii")
    try:
        return quote(query, safe=_RAW_QUERY_SAFE, encoding=encoding).encode("ascii")
    except UnicodeEncodeError:  # a lone surrogate: no bytes to send
        raise EventError(f"{what} holds text that is not valid Unicode")


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
    safe = _ENCODED_QUERY_SAFE if encoded else _QUERY_SAFE
    parts: List[str] = []
    try:
        for key, value in params.items():
            k = quote(str(key), safe=safe)
            values = value if isinstance(value, list) else (value,)
            for item in values:
                if item is True:
                    parts.append(k)
                elif item is None or item is False:
                    parts.append(k + "=")
                else:
                    parts.append(k + "=" + quote(str(item), safe=safe))
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape): no bytes to send
        raise EventError(f"{platform} event query parameters hold text that is not valid Unicode")
    return "&".join(parts).encode("ascii")


def read_headers(
    headers: Optional[Dict[str, Any]], platform: str
) -> Tuple[Union[Headers, Dict[str, str]], Dict[str, str]]:
    """``(headers, index)`` from a ``{name: value | [values]}`` map, in one pass.

    ``index`` maps each lower-cased name to its first value, for the handful of headers a platform
    reads (host, scheme, port). ``headers`` is for :class:`HTTPRequest`: the index itself when every
    name is unique and has one string (the usual event), else lower-cased pairs, repeats kept.
    Change it with :func:`set_header`.
    """
    if not headers:
        return [], {}
    if not isinstance(headers, dict):
        raise EventError(f"{platform} event headers must be an object, got {type(headers).__name__}")
    if headers.keys() <= _LOWER_NAMES:  # usual names already in lower case (HTTP API 2.0): in C
        try:
            "".join(headers.values())  # a TypeError unless every value is a string, also in C
        except TypeError:
            pass
        else:
            index = dict(headers)  # the platform's own copy: set_header changes it, never the event
            return index, index
    index = {}
    lower = LOWER
    try:
        # The usual map of one string per name: the index is the header set, its items the pairs. A
        # multi-value map (AWS REST, ALB) usually holds one-string lists: the same, one level down.
        for name, value in headers.items():
            if value.__class__ is not str:
                if value.__class__ is not list:
                    break
                [value] = value  # one unpacking in C; ValueError for none or several: the pairs below
                if value.__class__ is not str:
                    break
            index[lower.get(name) or name.lower()] = value
        else:
            if len(index) == len(headers):  # else two spellings of one name: keep both
                return index, index
    except (AttributeError, ValueError):  # a name that is not a string, a list of other than one value
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


def merged_headers(single: Any, multi: Any) -> Any:
    """One header map from an event's ``headers`` and ``multiValueHeaders`` (AWS REST, ALB).

    The multi-value map is lossless and wins for a name in both; a name only in ``headers`` is kept
    (AWS's documented REST sample has ``Host`` there alone: Mangum PR #229).
    """
    if not multi:
        return single
    if not single or single.__class__ is not dict or multi.__class__ is not dict:
        return multi
    if single.keys() <= multi.keys():  # the gateway's two maps name the same headers: the usual event
        return multi
    names = {str(name).lower() for name in multi}
    extra = {name: value for name, value in single.items() if str(name).lower() not in names}
    if not extra:
        return multi
    merged = dict(multi)
    merged.update(extra)
    return merged


# The usual header names in lower case: a map whose names are all among them needs no lower-casing.
_LOWER_NAMES = frozenset(LOWER.values())

# The ports gateways forward on, as X-Forwarded-Port spells them.
_GATEWAY_PORTS = {"443": 443, "80": 80}


def set_header(
    headers: Union[Headers, Dict[str, str]], index: Dict[str, str], name: str, value: str
) -> Union[Headers, Dict[str, str]]:
    """``headers`` and ``index`` (from :func:`read_headers`) with header ``name`` set to ``value`` alone."""
    index[name] = value
    if headers is index:
        return headers
    pairs = [pair for pair in headers if pair[0] != name]
    pairs.append((name, value))
    return pairs


def usual_headers(headers: Any) -> Optional[Dict[str, str]]:
    """``headers`` (``{name: value}``, or AWS's ``{name: [value]}``) as unique lower-case names with
    ASCII values, or None when a name or value needs the careful path (:func:`read_headers` and the
    runner): a name in two spellings, a repeated header, a value that is not text or not ASCII, a
    name with "_" or that is not printable ASCII.
    The map is returned as it is when it is already so: read it, never change it.
    """
    if not headers:
        return {}
    if headers.__class__ is not dict:
        return None
    if headers.keys() <= _LOWER_NAMES:  # HTTP API 2.0: checked in C
        try:
            if "".join(headers.values()).isascii():  # a TypeError unless every value is a string
                return headers
        except TypeError:
            pass
    usual: Dict[str, str] = {}
    lower = LOWER
    try:
        # One check per header (each costs about as much as the store): AWS's multi-value maps hold
        # a list of one, usually. A repeat stays a pair of its own for an ASGI app and is joined for
        # a WSGI app: the careful path does both. A value that is not text fails in the join below.
        for name, value in headers.items():
            if value.__class__ is list:
                [value] = value  # a ValueError for none or several
            usual[lower[name]] = value  # a KeyError for a name that is not a usual one
        if not "".join(usual.values()).isascii():  # a TypeError unless every value is a string
            return None
    except (ValueError, TypeError):
        return None
    except KeyError:
        return _usual_headers_by_name(headers)
    return usual if len(usual) == len(headers) else None


def _usual_headers_by_name(headers: Dict[Any, Any]) -> Optional[Dict[str, str]]:
    """:func:`usual_headers` where a name is not one of the usual ones: each checked and lower-cased."""
    usual: Dict[str, str] = {}
    for name, value in headers.items():
        lname = LOWER.get(name)
        if lname is None:
            if name.__class__ is not str or "_" in name or not name.isascii() or not name.isprintable():
                return None
            lname = name.lower()
        if value.__class__ is list and len(value) == 1:
            value = value[0]
        if value.__class__ is not str or not value.isascii():
            return None
        usual[lname] = value
    return usual if len(usual) == len(headers) else None


def usual_target(method: Any, path: Any) -> bool:
    """True for an everyday method in upper case and a path with nothing to decode: text that is
    ASCII, starts with "/" and has no "%" (so the raw path is the path)."""
    return (
        method.__class__ is str
        and method in USUAL_METHODS
        and path.__class__ is str
        and path[:1] == "/"
        and path.isascii()
        and "%" not in path
    )


def usual_query(params: Any, platform: str, encoded: bool = False) -> Optional[str]:
    """:func:`query_from_map` of a usual event, as text; None (the careful path) where it refuses them."""
    if not params:
        return ""
    try:
        return query_from_map(params, platform, encoded=encoded).decode("ascii")
    except EventError:
        return None


def usual_client(address: Any) -> Optional[str]:
    """A usual request's client address: ``""`` for none, None (the careful path) for one that is
    not printable ASCII."""
    if address.__class__ is not str:
        return ""
    return address if address.isascii() and address.isprintable() else None


def usual_aws_headers(single: Any, multi: Any) -> Optional[Dict[str, str]]:
    """:func:`usual_headers` of an AWS REST or ALB event's two maps, or None where
    :func:`merged_headers` would have to merge them."""
    if not multi:
        return usual_headers(single)
    if multi.__class__ is not dict or (
        single and (single.__class__ is not dict or not single.keys() <= multi.keys())
    ):
        return None
    return usual_headers(multi)


def usual_address(
    headers: Dict[str, str], default: str = "https", scheme_header: str = "x-forwarded-proto"
) -> Optional[Tuple[str, int]]:
    """``(scheme, port)`` of a usual request (:func:`addressed` on the forwarded headers), or None
    unless the Host is a plain name without a port and the gateway named a usual port or none."""
    scheme = headers.get(scheme_header)
    if scheme != "https" and scheme != "http":
        if scheme:
            return None
        scheme = default
    forwarded_port = headers.get("x-forwarded-port")
    if forwarded_port is None:
        port = 443 if scheme == "https" else 80
    else:
        port = _GATEWAY_PORTS.get(forwarded_port)
    host = headers.get("host")
    if port is None or not host or ":" in host or not host.isprintable():
        return None
    return scheme, port


def usual_body(event: Dict[str, Any]) -> Optional[bytes]:
    """:func:`body_bytes` of a usual event (text, or base64 flagged ``true``); None: the careful path."""
    body = event.get("body")
    if not body:
        return b""
    if body.__class__ is not str:
        return None
    flag = event.get("isBase64Encoded")
    if flag is True:
        try:
            return b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    if flag is not None and flag is not False:  # SCF's "true" and the like: the careful path
        return None
    if body.isascii():
        return body.encode("ascii")
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the careful path refuses it
        return None


def addressed(
    index: Dict[str, str], host: str, scheme_header: str = "x-forwarded-proto", default: str = "https"
) -> Tuple[str, Tuple[str, int]]:
    """``(scheme, (host, port))`` the client addressed, from the headers a gateway sets.

    The scheme comes from ``scheme_header`` (``X-Forwarded-Proto``, set by the gateway, not the
    client), the port from ``X-Forwarded-Port`` or the ``Host`` value.
    """
    scheme = index.get(scheme_header)
    if scheme != "https" and scheme != "http":
        scheme = forwarded_scheme(scheme, default)
    port = index.get("x-forwarded-port")
    number = _GATEWAY_PORTS.get(port)
    if number is not None and host and ":" not in host:  # the usual request, without parsing
        return scheme, (host, number)
    return scheme, server_of(host, port, scheme)


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
    """The scheme the client used, from a header the gateway sets (``X-Forwarded-Proto``), not the client.

    Only ``http`` and ``https`` are schemes an HTTP trigger serves; anything else (``javascript``,
    ``gopher://x``) would reach ``wsgi.url_scheme`` and every URL the app builds, so it is ignored.
    """
    if not value:
        return default
    scheme = value.split(",", 1)[0].strip().lower()
    return scheme if scheme == "https" or scheme == "http" else default


def mount_stage(
    request: HTTPRequest, stage: Any, on_default_domain: bool, options: Options, in_path: bool = False
) -> None:
    """Make a gateway stage the app's ``root_path`` where the stage is part of the public URL.

    On a gateway's default domain the URL is ``/<stage>/...`` (AWS REST ``execute-api``, SCF
    ``apigw.tencentcs.com``); on a custom domain it is not. ``options.stage_in_url`` overrides the
    guess (serverless-wsgi's ``STRIP_STAGE_PATH``, for a CDN that adds the stage itself).
    ``in_path``: the event's path carries the stage (HTTP API v2 named stages), so it is taken out
    of it. AWS REST's and SCF's ``path`` never carry it (reference/tencent-scf.md §1.5): there an
    app route that merely starts with the stage name (``/release/notes``) stays whole.
    """
    if not stage or not isinstance(stage, str) or stage == "$default":
        return
    in_url = options.stage_in_url if options.stage_in_url is not None else on_default_domain
    prefix = "/" + stage
    if in_path and strip_prefix(request, prefix):
        if not in_url:
            request.root_path = ""
    elif in_url:
        request.root_path = prefix


#: The caller of a request no gateway authenticated.
NO_CALLER = (None, None, None)


def gateway_identity(request: HTTPRequest, request_context: Dict[str, Any], event: Dict[str, Any]) -> None:
    """Set the request's caller and stage variables from API Gateway's event (:func:`gateway_caller`)."""
    request.remote_user, request.identity, request.stage_variables = gateway_caller(request_context, event)


def gateway_caller(request_context: Dict[str, Any], event: Dict[str, Any]) -> Caller:
    """``(remote_user, identity, stage_variables)`` of an AWS event (:mod:`._identity`).

    Asked only of an event with an authorizer or stage variables: that module loads with the first.
    """
    from ._identity import caller_of

    return caller_of(request_context, event)


#: API Gateway's own domains (execute-api), where a named stage is part of the public URL.
AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn")


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


# Headers that describe one connection, not the response: the platform's gateway sets its own
# (RFC 9110 §7.6.1), and a stale Transfer-Encoding would corrupt the buffered body.
HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade")
)
# The lower-case names the response pass looks at; every other header just goes through.
_NOTED = HOP_BY_HOP | {"content-type", "content-encoding", "set-cookie"}



def response_fields(
    response: HTTPResponse, options: Options, keep_repeats: bool = False
) -> Tuple[Dict[str, Any], Optional[Cookies], str, bool]:
    """``(headers, cookies, body, isBase64Encoded)`` for a JSON response, in one pass over the headers.

    ``headers`` has one value per name as JSON text, repeats comma-joined (RFC 9110 §5.3), hop-by-hop
    headers left out. With ``keep_repeats`` (formats that carry several values: SCF arrays, AWS
    ``multiValueHeaders``) a repeated name holds the list of its values instead, so httpbin's
    ``/response-headers?animal=dog&animal=cat`` keeps two headers. A name or value with CR, LF or
    NUL raises :class:`ResponseHeaderError`: a real server refuses to send it.

    Set-Cookie cannot be joined (``Expires=`` has a comma): its values come apart
    in ``cookies``, for each platform to carry its own way. The body goes as text when its type is
    textual, it has no ``Content-Encoding`` (apig-wsgi's rule: any encoding means compressed bytes)
    and its bytes are UTF-8; otherwise as base64: never corrupt bytes.
    """
    headers: Dict[str, str] = {}
    cookies: Optional[Cookies] = None
    content_type = ""
    compressed = False
    lower = LOWER
    for name, value in response.headers:
        # strip() returns an unchanged str itself; isprintable() is false for CR, LF and NUL.
        if value.strip(" \t") is not value or not value.isascii() or not value.isprintable():
            value = header_text(value)
        lname = lower.get(name) or _checked_name(name)
        if lname in _NOTED:
            if lname in HOP_BY_HOP:
                continue
            if lname == "set-cookie":
                if cookies is None:
                    cookies = (name, [value])
                else:
                    cookies[1].append(value)
                continue
            if lname == "content-type":
                content_type = value
            else:
                compressed = True
        # The same name in another letter case stays a key of its own: a second header on the wire.
        if name in headers:
            if not keep_repeats:
                headers[name] += "," + value
            elif headers[name].__class__ is list:
                headers[name].append(value)
            else:
                headers[name] = [headers[name], value]
        else:
            headers[name] = value
    body = response.body
    if not body:
        return headers, cookies, "", False
    # The usual spelling of a text type matches a prefix as it is; anything else is normalised first.
    if not compressed and (
        content_type.startswith(options.text_prefixes)
        or _is_text_type(content_type.partition(";")[0].strip().lower(), options)
    ):
        try:
            return headers, cookies, body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return headers, cookies, b64encode(body).decode("ascii"), True


def _is_text_type(media: str, options: Options) -> bool:
    return media.startswith(options.text_prefixes) or media.endswith(options.text_suffixes)


def header_text(value: str) -> str:
    """A response header value as JSON text: the app's latin-1 bytes, read as UTF-8 when they are.

    Surrounding whitespace goes, as it does on the wire (RFC 9110 §5.5): Django's Set-Cookie values
    start with a space.
    """
    value = value.strip(" \t")
    if "\r" in value or "\n" in value or "\0" in value:
        raise ResponseHeaderError("the app's response has a header value with CR, LF or NUL")
    if value.isascii():
        return value
    raw = value.encode("latin-1", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def _checked_name(name: str) -> str:
    """An unusual response header name in lower case, refused if it would split the response."""
    if "\r" in name or "\n" in name or "\0" in name:
        raise ResponseHeaderError(f"the app's response has a header name with CR, LF or NUL: {name!a}")
    return name.lower()


def joined(headers: Dict[str, Any]) -> Dict[str, str]:
    """``headers`` from :func:`response_fields` with ``keep_repeats``, repeats comma-joined again."""
    return {name: ",".join(value) if value.__class__ is list else value for name, value in headers.items()}


def multi_value(headers: Dict[str, Any], cookies: Optional[Cookies]) -> Dict[str, List[str]]:
    """``multiValueHeaders`` (AWS REST, ALB): a list per name, each Set-Cookie its own item, made of
    :func:`response_fields`' ``headers`` (``keep_repeats``), which it changes."""
    # In place, in a plain loop: a comprehension's call costs more than a response's few headers.
    for name, value in headers.items():
        if value.__class__ is not list:
            headers[name] = [value]
    if cookies is not None:
        headers[cookies[0]] = cookies[1]
    return headers


def cookie_variants(headers: Dict[str, str], cookies: Optional[Cookies]) -> Dict[str, str]:
    """``headers`` plus each Set-Cookie under its own spelling of the name (:mod:`._set_cookie`)."""
    if cookies is None:  # the usual response: nothing to load
        return headers
    from ._set_cookie import add_case_variants

    return add_case_variants(headers, cookies)
