"""The one small interface every platform emulator implements, and the HTTP it speaks.

An emulator stands for a platform's *gateway*: the part of FC, SCF or AWS that turns a client's
HTTP request into the event a function receives, and the function's return value back into HTTP.
It knows nothing about faas-bridge's core: the core's own tests use emulators to synthesize
events, so the emulators encode what the platforms document (``/work/shared/reference``), not
what the core decodes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, List, Tuple
from urllib.parse import unquote

Headers = List[Tuple[str, str]]


@dataclass
class GatewayRequest:
    """An HTTP request as a platform's gateway receives it from the client.

    ``target`` is the request-target exactly as on the wire: the percent-encoded path and an
    optional ``?query``. ``headers`` keeps repeated headers and their original casing.
    ``host`` is the ``Host`` header value when it is not (or not only) among ``headers``.
    """

    method: str
    target: str
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    client: Tuple[str, int] = ("127.0.0.1", 50000)
    scheme: str = "http"
    host: str | None = None

    @property
    def raw_path(self) -> str:
        """The percent-encoded path, without the query; ``/`` when the target has none."""
        return self.target.split("?", 1)[0] or "/"

    @property
    def raw_query(self) -> str:
        """The percent-encoded query string without ``?`` (``""`` when absent)."""
        return self.target.partition("?")[2]

    @property
    def path(self) -> str:
        """The decoded path text (``%2F`` becomes ``/``, ``+`` stays ``+``)."""
        # Invalid UTF-8 (``%FF``) becomes U+FFFD, as Go and Java gateways decode it.
        return unquote(self.raw_path, errors="replace")

    @property
    def authority(self) -> str:
        """The ``Host`` the client asked for."""
        return self.host or self.header("host") or "localhost"

    @property
    def client_ip(self) -> str:
        return self.client[0]

    def header(self, name: str) -> str | None:
        """The comma-joined values of header ``name`` (any casing), or None."""
        values = self.header_values(name)
        return ",".join(values) if values else None

    def header_values(self, name: str) -> List[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    @property
    def content_type(self) -> str:
        return self.header("content-type") or ""

    def headers_with_host(self) -> Headers:
        """``headers`` plus a ``Host`` header if the request carried the host separately."""
        if self.host is None or self.header("host") is not None:
            return list(self.headers)
        return [("Host", self.host), *self.headers]


@dataclass
class GatewayResponse:
    """What the gateway sends the client: repeated headers (several ``set-cookie``) kept.

    ``reason`` is set when the response is the gateway's own (a rejected request, an invalid or
    failed function result): why, in words for the gateway's log. The client never sees it.
    """

    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    reason: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [value for key, value in self.headers if key.lower() == name]
        return ",".join(values) if values else None

    def header_values(self, name: str) -> List[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]


def json_response(status: int, payload: Any, reason: str) -> GatewayResponse:
    """A gateway-generated JSON error response."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return GatewayResponse(status, [("Content-Type", "application/json")], body, reason)


class InvalidResult(Exception):
    """The function returned something the gateway cannot turn into HTTP; says what is wrong."""


class Emulator:
    """A platform trigger's gateway: request → event, handler result → HTTP, and its rejections.

    Subclasses implement :meth:`build_event`, :meth:`_result_to_http` and :meth:`error_response`,
    and describe their limits through :meth:`check_request`.

    ``keep_host=True`` keeps the client's ``Host`` where the platform would send its default domain
    (under a stage: SCF's ``…apigw.tencentcs.com``, AWS's ``…execute-api…``). ``bridge serve`` sets
    it: there the gateway's domain *is* the one the client used (``127.0.0.1:9000/release/``), and an
    app that sees another host builds absolute URLs and checks CSRF ``Origin`` against the wrong one.

    ``default_domain=True`` is the opposite, on every platform: the function sees the request as it
    arrives on the platform's default domain (:attr:`default_host`, :attr:`default_scheme`), with a
    browser's ``Origin`` / ``Referer`` naming the gateway moved there too, so ``ALLOWED_HOSTS``,
    CSRF and absolute-URL problems show locally. An absolute redirect to the default domain is
    pointed back at the gateway, so a browser stays on it.
    """

    #: The CLI name (``fc``, ``scf``, ``aws-v2``...).
    name: str = ""
    #: The largest JSON result the platform returns synchronously (None: no documented limit).
    max_result_bytes: int | None = None
    #: HTTP methods the trigger accepts when ``methods=`` is not given.
    default_methods: Tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")
    #: The scheme of the platform's default domain.
    default_scheme: str = "https"
    #: False for self-hosted platforms: a function answers on whatever host the operator's ingress
    #: gives it, so there is no default domain to emulate.
    has_default_domain: bool = True

    def __init__(
        self,
        *,
        methods: Any | None = None,
        function_name: str = "bridge-function",
        memory_mb: int = 128,
        timeout_s: float = 3.0,
        keep_host: bool = False,
        default_domain: bool = False,
    ) -> None:
        self.methods = tuple(m.upper() for m in methods) if methods else self.default_methods
        self.function_name = function_name
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.keep_host = keep_host
        if default_domain and not self.has_default_domain:
            from .._errors import ConfigError

            raise ConfigError(
                f"{self.name} is self-hosted: its functions answer on the host your ingress gives them, "
                "so there is no default domain to emulate; leave out --default-domain"
            )
        self.default_domain = default_domain

    # -- the interface -------------------------------------------------------------------------

    @property
    def url_prefix(self) -> str:
        """The path prefix every URL of this trigger starts with (a stage, a proxy path), or ``""``."""
        return ""

    @property
    def default_host(self) -> str:
        """The ``Host`` of the platform's default domain for this function."""
        raise NotImplementedError

    def build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Any, Any]:
        """The ``(event, context)`` the platform's runtime hands the handler for ``request``."""
        if self.default_domain:
            request = moved_to(request, self.default_scheme, self.default_host)
        return self._build_event(request, request_id=request_id)

    def to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        """What the gateway sends the client when the handler returned ``result``.

        An invalid result becomes the platform's documented error response, with ``reason`` set.
        """
        if self.max_result_bytes is not None:
            try:
                size = len(json.dumps(result, ensure_ascii=False).encode())
            except (TypeError, ValueError) as exc:
                return self.error_response(f"the handler's return value is not JSON-serialisable: {exc}")
            if size > self.max_result_bytes:
                return self.error_response(
                    f"the handler's result is {size} bytes of JSON;"
                    f" {self.name} returns at most {self.max_result_bytes}"
                )
        try:
            response = self._result_to_http(result, request)
        except InvalidResult as exc:
            return self.invalid_result_response(str(exc))
        if self.default_domain:
            response.headers = _located_back(
                response.headers, f"{self.default_scheme}://{self.default_host}", _origin(request)
            )
        return response

    def invoke(
        self, handler: Callable[..., Any], request: GatewayRequest, *, request_id: str
    ) -> GatewayResponse:
        """``build_event`` → ``handler(event, context)`` → ``to_http``.

        An exception raised by the handler propagates (the caller decides whether it is a
        debugger stop or :meth:`error_response`). The result goes through JSON first, as every
        runtime serialises it before the gateway sees it; an unserialisable result is a function
        error.
        """
        event, context = self.build_event(request, request_id=request_id)
        result = handler(event, context)
        try:
            result = json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            return self.error_response(f"the handler's return value is not JSON-serialisable: {exc}")
        return self.to_http(result, request)

    def check_request(self, request: GatewayRequest) -> GatewayResponse | None:
        """The platform's answer to a request it rejects before the function runs, else None:
        a method the trigger does not take, then a body over the platform's limit."""
        if request.method.upper() not in self.methods:
            return self.method_not_allowed(request)
        return self.body_too_large(len(request.body))

    def body_too_large(self, length: int) -> GatewayResponse | None:
        """The platform's answer to a request body of ``length`` bytes when that size alone is over
        its limit, else None.

        The local gateway asks before reading a declared ``Content-Length`` and again as a body of
        unknown length arrives, so an oversized body is refused without being read.
        """
        return None

    def error_response(self, reason: str) -> GatewayResponse:
        """What the client gets when the function fails: unhandled exception, crash, timeout."""
        raise NotImplementedError

    # -- for subclasses ------------------------------------------------------------------------

    def _build_event(self, request: GatewayRequest, *, request_id: str) -> Tuple[Any, Any]:
        raise NotImplementedError

    def method_not_allowed(self, request: GatewayRequest) -> GatewayResponse:
        raise NotImplementedError

    def invalid_result_response(self, reason: str) -> GatewayResponse:
        """The response to a function result of the wrong shape; the platform's own by default."""
        return self.error_response(reason)

    def _result_to_http(self, result: Any, request: GatewayRequest) -> GatewayResponse:
        raise NotImplementedError

    def _allowed_methods_text(self) -> str:
        return ", ".join(self.methods)


class CallingEmulator(Emulator):
    """A platform whose runtime calls the function itself (with a request object, a context, no
    JSON): :meth:`call_handler` is that call, and its result what :meth:`to_http` reads."""

    def call_handler(self, handler: Callable[..., Any], event: Any, context: Any) -> Any:
        raise NotImplementedError

    def invoke(
        self, handler: Callable[..., Any], request: GatewayRequest, *, request_id: str
    ) -> GatewayResponse:
        event, context = self.build_event(request, request_id=request_id)
        return self.to_http(self.call_handler(handler, event, context), request)


def is_under(request: GatewayRequest, prefix: str) -> bool:
    """Whether the request's path is ``prefix`` or below it (always, for an empty prefix)."""
    path = request.raw_path
    return not prefix or path == prefix or path.startswith(prefix + "/")


def moved_to(request: GatewayRequest, scheme: str, host: str) -> GatewayRequest:
    """``request`` as a browser on ``scheme://host`` sends it: that ``Host`` and scheme, and an
    ``Origin`` or ``Referer`` that named the gateway naming that origin instead."""
    here, there = _origin(request), f"{scheme}://{host}"
    headers: Headers = []
    for name, value in request.headers_with_host():
        lower = name.lower()
        if lower == "host":
            value = host
        elif lower in ("origin", "referer") and (value == here or value.startswith(here + "/")):
            value = there + value[len(here) :]
        headers.append((name, value))
    return dataclasses.replace(request, headers=headers, scheme=scheme, host=None)


def _origin(request: GatewayRequest) -> str:
    return f"{request.scheme}://{request.authority}"


def _located_back(headers: Headers, there: str, here: str) -> Headers:
    """An absolute ``Location`` on ``there`` (the default domain) moved to ``here`` (the gateway)."""
    pattern = re.compile("^" + re.escape(there) + r"(?=/|\Z|\?|#)", re.IGNORECASE)
    return [
        (name, pattern.sub(here, value, count=1) if name.lower() == "location" else value)
        for name, value in headers
    ]
