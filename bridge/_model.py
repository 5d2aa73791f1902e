"""The neutral HTTP request and response that sit between platforms and app runners.

Every platform module decodes its event into an :class:`HTTPRequest` and encodes an
:class:`HTTPResponse` back; every runner (WSGI, ASGI) consumes the one and produces the other.
So N platforms and M app kinds cost N + M modules, never N x M.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; annotations are strings (PEP 563)
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

    Headers = List[Tuple[str, str]]


class HTTPRequest:
    """One HTTP request, as the app should see it.

    ``path`` is the decoded text of the path *below* ``root_path`` (WSGI's ``PATH_INFO``);
    ``raw_path`` is the same part as it was on the wire, percent-encoded bytes.
    ``root_path`` is the decoded mount prefix (a stage, a proxy prefix or a base path: WSGI's
    ``SCRIPT_NAME``). ``query_string`` is the raw, percent-encoded query without ``?``.
    ``headers`` keeps repeated headers as separate pairs, names in lower case.

    Platforms pass every argument by position: keyword arguments cost a measurable share of an
    invocation's overhead (``benchmarks/hotpath.md``).
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
        "headers",
        "body",
        "request_id",
        "event",
        "context",
    )

    def __init__(
        self,
        method: str,
        path: str,
        raw_path: bytes,
        query_string: bytes = b"",
        headers: Optional[Headers] = None,
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
        self.headers = headers if headers is not None else []
        self.body = body
        self.scheme = scheme
        self.server = server
        self.client = client
        self.root_path = root_path
        self.request_id = request_id
        self.event = event
        self.context = context

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (lower case), or ``default``."""
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

    def __init__(self, status: int, headers: Optional[Headers] = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers if headers is not None else []
        self.body = body

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (any case), or ``default``."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def __repr__(self) -> str:
        return f"<HTTPResponse {self.status} {len(self.body)} bytes>"
