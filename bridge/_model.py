"""The neutral HTTP request and response that sit between platforms and app runners.

Every platform module decodes its event into an :class:`HTTPRequest` and encodes an
:class:`HTTPResponse` back; every runner (WSGI, ASGI) consumes the one and produces the other.
So N platforms and M app kinds cost N + M modules, never N x M.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; annotations are strings (PEP 563)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple, Union

    Headers = List[Tuple[str, str]]


class HTTPRequest:
    """One HTTP request, as the app should see it.

    ``path`` is the decoded text of the path *below* ``root_path`` (WSGI's ``PATH_INFO``);
    ``raw_path`` is the same part as it was on the wire, percent-encoded bytes.
    ``root_path`` is the decoded mount prefix (a stage, a proxy prefix or a base path: WSGI's
    ``SCRIPT_NAME``). ``query_string`` is the raw, percent-encoded query without ``?``.
    ``headers`` keeps repeated headers as separate pairs, names in lower case.

    What the gateway vouches for about the caller, where it authenticated one: ``remote_user``
    (WSGI's ``REMOTE_USER``) and ``identity`` (the authorizer's or gateway's identity context as
    the event carries it, claims included); ``stage_variables`` are API Gateway's. Each is ``None``
    when the event has none.

    A platform may pass ``headers`` as a dict of unique lower-case names instead (what most events
    carry): the list of pairs is then made on first use of :attr:`headers`, and the runners read
    the dict as it is. Platforms pass every argument by position: keyword arguments, like the list
    of pairs, cost a measurable share of an invocation's overhead (``benchmarks/hotpath.md``).
    """

    __slots__ = (
        "method",
        "scheme",
        "server",
        "client",
        "root_path",
        "path",
        "raw_path",
        "query_string",
        "_headers",
        "_header_map",
        "body",
        "request_id",
        "event",
        "context",
        "remote_user",
        "identity",
        "stage_variables",
    )

    def __init__(
        self,
        method: str,
        path: str,
        raw_path: bytes,
        query_string: bytes = b"",
        headers: Union[Headers, Dict[str, str], None] = None,
        body: bytes = b"",
        scheme: str = "https",
        server: Tuple[str, int] = ("localhost", 443),
        client: Optional[Tuple[str, int]] = None,
        root_path: str = "",
        request_id: str = "",
        event: Any = None,
        context: Any = None,
    ) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path
        self.query_string = query_string
        if headers.__class__ is dict:
            self._headers: Optional[Headers] = None
            # Unique lower-case names (a platform's index of its event's headers), until read as pairs.
            self._header_map: Optional[Dict[str, str]] = headers
        else:
            self._headers = headers if headers is not None else []
            self._header_map = None
        self.body = body
        self.scheme = scheme
        self.server = server
        self.client = client
        self.root_path = root_path
        self.request_id = request_id
        self.event = event
        self.context = context
        self.remote_user: Optional[str] = None
        self.identity: Optional[Dict[str, Any]] = None
        self.stage_variables: Optional[Dict[str, Any]] = None

    @property
    def headers(self) -> Headers:
        """``(name, value)`` pairs, names in lower case, repeated headers kept apart; a list to change."""
        pairs = self._headers
        if pairs is None:
            pairs = self._headers = list(self._header_map.items())
            self._header_map = None  # the list is the headers from now on: hooks may change it
        return pairs

    @headers.setter
    def headers(self, pairs: Headers) -> None:
        self._headers = pairs
        self._header_map = None

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (lower case), or ``default``."""
        if self._header_map is not None:
            return self._header_map.get(name, default)
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def __repr__(self) -> str:
        return f"<HTTPRequest {self.method} {self.root_path}{self.path}>"


class HTTPResponse:
    """One HTTP response from the app: status, headers in order (repeats kept), body bytes.

    Header values are text as the app produced them: for WSGI apps the latin-1 strings of
    PEP 3333, for ASGI apps the header bytes decoded as latin-1, so no byte is ever lost.
    """

    __slots__ = ("status", "headers", "body")

    #: True when the app produced the body as a stream (several WSGI chunks, ASGI ``more_body``)
    #: that a platform without streaming returned whole: see :class:`BufferedStream`.
    streamed = False

    def __init__(self, status: int, headers: Optional[Headers] = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers if headers is not None else []
        self.body = body

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (any case), or ``default``."""
        return _first_value(self.headers, name, default)

    def __repr__(self) -> str:
        return f"<HTTPResponse {self.status} {len(self.body)} bytes>"


class BufferedStream(HTTPResponse):
    """A response the app streamed, buffered whole by a runner that cannot stream (event mode).

    A class of its own rather than a flag set on every response: the buffered hot path pays
    nothing, and the handler asks ``response.streamed`` once to warn that the platform buffered it.
    """

    __slots__ = ()
    streamed = True


class HTTPStream:
    """A response whose body leaves as the app produces it: status and headers first, then
    ``chunks``, an iterator of non-empty ``bytes``. :meth:`close` ends the app's side (WSGI
    ``close()``, the ASGI task) whether or not every chunk was read; call it always.
    """

    __slots__ = ("status", "headers", "chunks", "prelude", "_close")

    def __init__(self, status: int, headers: Headers, chunks: Any, close: Any = None) -> None:
        self.status = status
        self.headers = headers
        self.chunks = chunks
        #: What the platform's gateway reads before the body (:meth:`Platform.stream_prelude`).
        self.prelude = b""
        self._close = close

    @classmethod
    def whole(cls, response: HTTPResponse) -> HTTPStream:
        """``response`` (an error page, a hook's answer) as a stream of at most one chunk."""
        return cls(response.status, response.headers, iter((response.body,) if response.body else ()))

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (any case), or ``default``."""
        return _first_value(self.headers, name, default)

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"<HTTPStream {self.status}>"


# Methods seen every day: checked by one set lookup instead of character by character.
USUAL_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# RFC 9110 §5.6.2 token characters: what a method may hold.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def check_request(request: HTTPRequest) -> None:
    """Refuse, with :class:`~bridge.EventError` naming the field, what no HTTP server would hand an app.

    PEP 3333 and the ASGI spec promise native strings a server produced: a method that is an HTTP
    token, a path that starts with ``/`` and is Unicode text, a server name and client host that are
    host text. A gateway never breaks these; a hand-made or hostile event can, and the app would
    crash on it (a lone surrogate in ``client`` crashes Starlette: issue 14, item 6). The usual
    request passes on cheap checks; the character-level work runs only when one of them fails.
    """
    path = request.path
    server = request.server[0]
    client = request.client
    if not (
        request.method in USUAL_METHODS
        and path[:1] == "/"
        and path.isascii()
        and request.root_path.isascii()
        and server.isascii()
        and server.isprintable()
        and (client is None or (client[0].isascii() and client[0].isprintable()))
    ):
        _check_slowly(request)


def _check_slowly(request: HTTPRequest) -> None:
    from ._errors import EventError

    method = request.method
    if not method or not set(method) <= _TOKEN:
        raise EventError("the request method is not an HTTP token (RFC 9110 §5.6.2)")
    path = request.path
    if not isinstance(path, str) or path[:1] != "/":
        raise EventError("the request path must start with '/'")
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            raise EventError("the request path holds text that is not valid Unicode")
    root_path = request.root_path
    if not root_path.isascii():
        try:
            root_path.encode("utf-8")
        except UnicodeEncodeError:
            raise EventError("the request's stage or base path holds text that is not valid Unicode")
    host = request.server[0]
    if not _is_host_text(host):
        raise EventError("the Host header (the server name) is not a host name")
    client = request.client
    if client is not None and not _is_host_text(client[0]):
        raise EventError("the event's source IP (the client address) is not an address")


def _is_host_text(text: str) -> bool:
    """Printable ASCII: what a server name or a client address can be (PEP 3333 native strings)."""
    return isinstance(text, str) and text.isascii() and text.isprintable()


def _first_value(headers: List[Tuple[str, str]], name: str, default: Optional[str]) -> Optional[str]:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return default
