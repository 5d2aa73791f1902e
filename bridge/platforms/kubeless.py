"""Kubeless Python runtime: ``handler(event, context)``, the HTTP request a bottle request in ``event``.

Kubeless is archived upstream (github.com/kubeless/kubeless, read-only since 2021); its last
release's Python runtime is kubeless/runtimes ``stable/python/_kubeless.py`` (read, not copied): a
bottle app under CherryPy whose one route, ``/<:re:.*>`` for GET, POST, PATCH and DELETE (bottle
adds HEAD to GET), builds ``event = {data, event-id, event-type, event-time, event-namespace,
extensions: {request}}`` and ``context = {function-name, timeout, runtime, memory-limit}`` and calls
the function in a child process (``multiprocessing`` forkserver or spawn). So the event crosses a
pickle: its ``request`` is a ``bottle.BaseRequest`` whose environ keeps the CGI variables and the
body (``bottle.request.body``, already read) but not ``wsgi.input`` nor ``wsgi.errors``; and
``bottle.response`` set in the child never reaches the parent. What does cross back is the return
value, and the runtime passes a ``bottle.HTTPResponse`` through (``isinstance(res, Exception) and
not isinstance(res, bottle.HTTPResponse)``): bottle applies its status and its header lists, each
repeated header (several Set-Cookie) a value of its own (bottle ``HTTPResponse.apply``,
https://bottlepy.org/docs/0.12/api.html#bottle.HTTPResponse). That is the answer this module gives.

The request is read from the bottle request's environ (method, path, raw ``REQUEST_URI``, query,
headers) and ``request.body``; ``event["data"]`` is the same body, JSON-parsed when the content type
is ``application/json``, so it is not used. The app's mount point: a Kubeless ``HTTPTrigger`` is an
Ingress rule; ``bridge build`` writes it so the Ingress forwards the path unchanged (see
:mod:`bridge.deploy.targets.kubeless`), and ``base_path`` names a prefix an Ingress strips.

Calls from message triggers (Kafka, NATS, Kinesis, S3: ``event-namespace`` ``<kind>triggers.kubeless.io``,
kubeless/kafka-trigger ``pkg/utils``) are not HTTP requests: they are refused with a 400 that says so.
A CronJobTrigger's job is a plain GET of the function's root (``cronjobtrigger.kubeless.io``,
kubeless/cronjob-trigger ``pkg/utils/kubelessutil.go``): the app serves it as the request it is.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any, Dict, List, Optional, Tuple

from .._errors import EventError
from .._model import HTTPRequest, HTTPResponse
from .._options import Options
from ._base import (
    HOP_BY_HOP,
    Platform,
    _checked_name,
    apply_base_path,
    forwarded_scheme,
    header_text,
    path_from_decoded,
    path_from_encoded,
    raw_query_bytes,
    server_of,
)
from .gcf import _native, _wire_text

NAME = "kubeless"
TITLE = "Kubeless Python runtime"

#: The event keys the runtime always sets (``_kubeless.py``, handler()); values may be None.
EVENT_KEYS = ("data", "event-id", "event-type", "event-time", "event-namespace", "extensions")
# Message triggers POST each message to the function with this event-namespace (kafka-trigger,
# nats-trigger, kinesis-trigger, s3-trigger: utils.GetHTTPReq); `kubeless function call` sends
# "cli.kubeless.io" and the HTTP trigger (an Ingress) none.
_MESSAGE_NAMESPACE_SUFFIX = "triggers.kubeless.io"


class KubelessPython(Platform):
    """The Kubeless Python runtime's ``handler(event, context)`` call; see the module docstring."""

    name = NAME
    title = TITLE
    call_argument = "event"
    dict_call = True
    # No response limit is documented; bottle under CherryPy streams what it is given.
    max_response_bytes = 1 << 40

    def matches(self, event: Dict[str, Any]) -> bool:
        return False  # never a JSON event: its request is a bottle object

    def matches_call(self, event: Any, context: Any) -> bool:
        return (
            isinstance(event, dict)
            and all(key in event for key in EVENT_KEYS)
            and event["extensions"].__class__ is dict
        )

    def decode(self, event: Any, context: Any, options: Options) -> HTTPRequest:
        namespace = event.get("event-namespace")
        if isinstance(namespace, str) and namespace.endswith(_MESSAGE_NAMESPACE_SUFFIX):
            raise EventError(
                f"{TITLE}: a message from a {namespace.split('.', 1)[0]} trigger is not an HTTP request;"
                " this function serves its app over an HTTP trigger. Give the message trigger a "
                "Kubeless function of its own"
            )
        request = event["extensions"].get("request")
        environ = getattr(request, "environ", None)
        if not isinstance(environ, dict):
            raise EventError(
                f"{TITLE} event has no bottle request in extensions.request (the runtime's HTTP call)"
            )
        _check_cgi(environ)
        method = environ["REQUEST_METHOD"]
        try:
            # Already read by the runtime (bottle.request.body in the environ); read again only
            # where the request has never crossed a process (a local call).
            body = request.body.read()
        except Exception as exc:
            raise EventError(f"{TITLE} request body could not be read: {type(exc).__name__}")
        if not isinstance(body, bytes):
            raise EventError(f"{TITLE} request body is {type(body).__name__}, not bytes")
        headers = _headers(environ)
        index = dict(headers[::-1])  # the first value of each name
        # CherryPy keeps the raw request-target in REQUEST_URI; it keeps %2F apart from "/".
        # PATH_INFO (decoded) wins where the two disagree, as on Google's framework.
        # bottle replaces PATH_INFO with its UTF-8 reading and keeps the server's native string in
        # bottle.raw_path (Bottle._handle): that one is PEP 3333's.
        path_info = _wire_text(_text(environ, "bottle.raw_path") or _text(environ, "PATH_INFO") or "/") or "/"
        raw_uri = _text(environ, "REQUEST_URI") or _text(environ, "RAW_URI")
        path, raw_path = "", b""
        if raw_uri.startswith("/"):
            path, raw_path = path_from_encoded(raw_uri.split("?", 1)[0])
        if path != path_info:
            path, raw_path = path_from_decoded(path_info)
        # TLS ends at the Ingress controller, which says so in X-Forwarded-Proto.
        scheme = forwarded_scheme(index.get("x-forwarded-proto"), "http")
        host = index.get("host") or _text(environ, "SERVER_NAME")
        remote = environ.get("REMOTE_ADDR")
        event_id = event.get("event-id")
        decoded = HTTPRequest(
            method.upper(),
            path,
            raw_path,
            raw_query_bytes(_text(environ, "QUERY_STRING"), "QUERY_STRING", "latin-1"),
            headers,
            body,
            scheme=scheme,
            server=server_of(host, None, scheme),
            client=(remote, 0) if isinstance(remote, str) and remote else None,
            root_path=_mount_point(environ),
            # An HTTP trigger's call has no event-id; ingress-nginx adds X-Request-ID to each request.
            request_id=event_id if isinstance(event_id, str) and event_id else index.get("x-request-id", ""),
            event=event,
            context=context,
        )
        apply_base_path(decoded, options)
        return decoded

    def wsgi_environ(self, request: HTTPRequest, options: Options) -> Optional[Dict[str, Any]]:
        """The runtime server's environ, less bottle's own keys (and what did not cross the pickle
        put back): the body as ``wsgi.input``, ``wsgi.errors``, the mount point as ``SCRIPT_NAME``."""
        import sys

        source = request.event["extensions"]["request"].environ
        environ = {key: value for key, value in source.items() if not key.startswith(("bottle.", "route."))}
        body = request.body
        environ["wsgi.input"] = BytesIO(body)
        environ["wsgi.errors"] = sys.stderr
        environ["wsgi.input_terminated"] = True
        if body or "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is complete: its framing was the server's
        environ["wsgi.url_scheme"] = request.scheme
        environ["SCRIPT_NAME"] = _native(request.root_path)
        environ["PATH_INFO"] = _native(request.path)
        # Raw bytes a client sent in the query, percent-encoded as a browser sends them (decode did).
        environ["QUERY_STRING"] = request.query_string.decode("latin-1")
        environ["bridge.event"] = request.event
        environ["bridge.context"] = request.context
        environ["bridge.request_id"] = request.request_id
        return environ

    def encode(self, response: HTTPResponse, request: Optional[HTTPRequest], options: Options) -> Any:
        """A ``bottle.HTTPResponse``, every header a value of its own (several Set-Cookie kept)."""
        import bottle

        out = bottle.HTTPResponse(response.body, response.status)
        for name, value in response.headers:
            if _checked_name(name) in HOP_BY_HOP:  # refuses a name with CR, LF or NUL
                continue  # CherryPy frames the response: connection headers are its to set
            # bottle writes header values as UTF-8 (BaseResponse.headerlist): the text whose UTF-8
            # bytes the app sent goes in, so those bytes come out.
            out.add_header(name, header_text(value))
        return out


def _text(environ: Dict[str, Any], key: str) -> str:
    """``environ[key]`` when it is a string, else ``""``."""
    value = environ.get(key)
    return value if isinstance(value, str) else ""


def _check_cgi(environ: Dict[str, Any]) -> None:
    """Refuse (:class:`EventError`) CGI variables that are not what PEP 3333 promises a WSGI app:
    native strings, latin-1. CherryPy never makes others; a hand-made call might."""
    # bottle replaced PATH_INFO with its text and kept the server's string as bottle.raw_path.
    native_path = "bottle.raw_path" if "bottle.raw_path" in environ else "PATH_INFO"
    for key, value in environ.items():
        if not isinstance(key, str):
            raise EventError(f"{TITLE} request environ has a {type(key).__name__} key")
        if key == "PATH_INFO" and native_path != key:
            continue
        if "." in key and not key.startswith("HTTP_") and key != native_path:  # the server's objects
            continue
        if not isinstance(value, str):
            raise EventError(f"{TITLE} request environ holds a {type(value).__name__} in {key!a}")
        if not value.isascii():
            try:
                value.encode("latin-1")
            except UnicodeEncodeError:
                raise EventError(f"{TITLE} request environ {key!a} is not a latin-1 string (PEP 3333)")
    for key in ("REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT"):  # what an app may index unchecked
        if not environ.get(key):
            raise EventError(f"{TITLE} request has no {key}, which PEP 3333 requires")


def _mount_point(environ: Dict[str, Any]) -> str:
    """``SCRIPT_NAME``: empty under the runtime's server (its app is mounted at ``/``); a value that
    is not a path (PEP 3333: empty or starting with ``/``) is none."""
    script_name = _text(environ, "SCRIPT_NAME")
    return _wire_text(script_name) if script_name.startswith("/") else ""


def _headers(environ: Dict[str, Any]) -> List[Tuple[str, str]]:
    """The request headers from the CGI variables, names in lower case, values as wire text."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key[5:] if key.startswith("HTTP_") else key
            if name == "CONTENT_LENGTH" or (name == "CONTENT_TYPE" and not value):
                continue  # the body's length is the bridge's to set; an empty type is no header
            headers.append((name.replace("_", "-").lower(), _wire_text(value)))
    return headers
