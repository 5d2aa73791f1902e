"""``Bridge``: the function handler that runs an unchanged WSGI or ASGI app on any supported platform."""

from __future__ import annotations

import os
from time import perf_counter

from ._errors import ConfigError, EventError, PlatformMismatchError
from ._model import HTTPRequest, HTTPResponse, check_request
from ._options import Options

TYPE_CHECKING = False  # typing and logging cost start-up time; neither is needed until used
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar, Union

    Hook = TypeVar("Hook", bound=Callable[..., Any])
    BeforeHook = Callable[[HTTPRequest], Optional[HTTPResponse]]
    AfterHook = Callable[[HTTPRequest, HTTPResponse], Optional[HTTPResponse]]

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect


class Bridge:
    """A function handler serving ``app`` (any WSGI or ASGI 3 callable) on every supported platform.

    ``handler = Bridge(app)`` is called by the platform as ``handler(event, context)`` with a JSON
    event, or with its runtime's own request: a request object (Azure, Google, Fn, OpenFaaS,
    Fission) or FC 2.0's ``handler(environ, start_response)``. The platform is detected from each
    call unless ``platform`` names one (``fc``, ``fc2``, ``scf``, ``scf-url``, ``aws-v1``,
    ``aws-v2``, ``alb``, ``huawei``, ``azure``, ``gcf`` ...).

    Options:
        base_path: the public prefix the app is mounted under on a custom domain (``/api``); it
            becomes ``SCRIPT_NAME``/``root_path`` and is stripped from the path when present.
        stage_in_url: whether a gateway stage is part of the public URL; ``None`` decides per event
            (yes on the gateway's default domain, no on custom domains).
        lifespan: ``auto``, ``on`` or ``off``, for ASGI apps; startup runs once per instance.
        interface: ``auto``, ``wsgi`` or ``asgi``.
        text_types: response media types sent as text (prefixes, or ``+json``-style suffixes);
            other bodies go base64.
        fc_multi_header: how FC 3.0 responses carry repeated Set-Cookie: ``mutate`` (default),
            ``list`` or ``join`` (see README, "Several Set-Cookie").
        debug: show tracebacks in error responses (never in production).
        timeout: seconds an ASGI app may take, at most; the platform's remaining time also bounds it.
        on_event: ``fn(event, context)`` for events that are not HTTP requests (timers, queues);
            its return value is the handler's.
        manage: answer ``bridge manage`` events (sent through the cloud's invoke API) by running
            the app's Flask CLI or Django management command (``True``), or ``fn(argv)``; see
            :mod:`bridge._manage`. Off by default: such an event is then rejected as unknown.
        on_error: ``fn(exc, request)``, called with every exception that ends a request in an
            error response: the app's own and the bridge's (:class:`~bridge.BridgeError`, a
            rejected event included). For Sentry or a logger; what it returns is ignored and what
            it raises is logged.
        access_log: ``True`` or ``"plain"`` for one INFO line per invocation on the ``bridge``
            logger (method, path, status, duration in ms, request id, function name), ``"json"``
            for the same as a JSON object; off by default.
        platforms: custom event formats (:class:`~bridge.Platform` instances), tried before the
            built-in ones; ``platform=`` may name one of them.
        jobs: ``[schedules]`` / ``[events]`` to run on timer, storage and queue events (a dict of
            those tables, or the path of the jobs file ``bridge build`` writes); the routes they
            post to answer 404 to HTTP callers. See :mod:`bridge.events`.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        platform: Optional[str] = None,
        base_path: Optional[str] = None,
        stage_in_url: Optional[bool] = None,
        lifespan: str = "auto",
        interface: str = "auto",
        text_types: Optional[Sequence[str]] = None,
        fc_multi_header: str = "mutate",
        debug: bool = False,
        timeout: Optional[float] = None,
        on_event: Optional[Callable[[Any, Any], Any]] = None,
        manage: Union[bool, Callable[[List[str]], Any]] = False,
        on_error: Optional[Callable[[BaseException, HTTPRequest], Any]] = None,
        access_log: Union[bool, str] = False,
        platforms: Sequence[Any] = (),
        jobs: Any = None,
    ) -> None:
        # The registry, not the platform modules: each is imported when an event it may match
        # arrives (bridge/platforms/__init__.py), so a cold start pays for one of them.
        from .platforms import CALL_FORMATS, EVENT_FORMATS, Entry

        if platforms:
            from .platforms._base import Platform

            for custom in platforms:
                if not isinstance(custom, Platform) or not custom.name:
                    raise ConfigError(f"platforms= takes named bridge.Platform instances, got {custom!r}")
        event_platforms = tuple(Entry.of(custom) for custom in platforms) + EVENT_FORMATS
        # A custom name shadows a built-in; request-object platforms are named too (platform="azure").
        by_name = {p.name: p for p in reversed(event_platforms + CALL_FORMATS)}
        names = tuple(by_name)

        if not callable(app):
            raise ConfigError(f"Bridge(app) needs a WSGI or ASGI callable, got {type(app).__name__}")
        if platform is not None and platform not in names:
            raise ConfigError(f"unknown platform {platform!r}; choose one of {', '.join(names)}")
        if interface not in ("auto", "wsgi", "asgi"):
            raise ConfigError(f"interface must be 'auto', 'wsgi' or 'asgi', not {interface!r}")
        if lifespan not in ("auto", "on", "off"):
            raise ConfigError(f"lifespan must be 'auto', 'on' or 'off', not {lifespan!r}")
        self.app = app
        self.platform = platform
        self.interface = ("asgi" if _is_asgi(app) else "wsgi") if interface == "auto" else interface
        self.options = Options(
            base_path=base_path,
            stage_in_url=stage_in_url,
            text_types=text_types,
            fc_multi_header=fc_multi_header,
            debug=debug,
            timeout=timeout,
            interface=self.interface,
        )
        self.on_event = on_event
        self.manage = manage
        self.on_error = on_error
        self._access_log = None
        if access_log is not False:  # its module loads only when asked for (cold-start share)
            from ._access_log import AccessLog

            self._access_log = AccessLog(access_log)
        self._jobs: Any = None
        self._internal_paths: Optional[frozenset] = None  # routes only jobs may reach
        if jobs is not None:
            self.use_jobs(jobs)
        # Registry entries (bridge.platforms.Entry), in detection order.
        self._platforms = event_platforms if platform is None else (by_name[platform],)
        self._all_platforms = event_platforms
        self._call_platforms = CALL_FORMATS
        # Those whose call is a dict (FC 2.0's environ): asked about a dict no JSON platform matched.
        self._dict_calls = tuple(p for p in CALL_FORMATS if p.dict_call)
        # The one per-instance cache: the platform that matched last, tried first next time (none
        # until the first event: which module to import is the first event's to say).
        self._last: Any = None
        self._lifespan_mode = lifespan
        # The WSGI runner module, resolved here: an import statement in the request path costs about
        # 1 µs per request even when the module is loaded. ASGI machinery loads on first use only.
        self._wsgi: Any = None
        if self.interface == "wsgi":
            from .runners import wsgi

            self._wsgi = wsgi
        self._asgi: Any = None  # the ASGIRunner, created on first use
        self._stream_warned = False  # one warning per instance that a streamed response was buffered
        self._initialized = False
        self._stopped = False
        self._cold_start_hooks: List[Callable[[Any], Any]] = []
        self._before: List[BeforeHook] = []
        self._after: List[AfterHook] = []
        self._shutdown_hooks: List[Callable[[], Any]] = []
        self._restore_hooks: List[Callable[[], Any]] = []
        # True while no request object is needed (no before/after hook, access log or job route):
        # the usual request then goes from the event to the environ or scope directly (_serve_usual).
        self._usual = self._access_log is None and self._internal_paths is None
        # AWS SnapStart: start-up work before the snapshot, on_restore hooks after each restore.
        # Lambda names a SnapStart initialisation in this variable (see bridge/_snapstart.py).
        if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
            from ._snapstart import arrange

            arrange(self)

    # --- construction helpers ---------------------------------------------------------------------

    @classmethod
    def django(
        cls, settings: Union[str, Callable[..., Any], None] = None, *, asgi: bool = False, **options: Any
    ) -> Bridge:
        """A handler for a Django project: ``Bridge.django("mysite.settings")``.

        ``settings`` may also be Django's WSGI or ASGI application object. With ``asgi=True`` the
        project runs through Django's ASGI handler (async views without a thread hop per request).
        """
        if settings is not None and not isinstance(settings, str):
            return cls(settings, **options)
        if settings:
            os.environ["DJANGO_SETTINGS_MODULE"] = settings
        if asgi:
            from django.core.asgi import get_asgi_application

            return cls(get_asgi_application(), **options)
        from django.core.wsgi import get_wsgi_application

        return cls(get_wsgi_application(), **options)

    # --- lifecycle hooks --------------------------------------------------------------------------

    def on_cold_start(self, hook: Hook) -> Hook:
        """Register ``hook(context)`` to run once per instance, before the first request."""
        self._cold_start_hooks.append(hook)
        return hook

    def on_restore(self, hook: Hook) -> Hook:
        """Register ``hook()`` to run after an AWS SnapStart snapshot is restored, before the first
        request of the restored instance: reopen connection pools, reseed what must differ per
        instance. (Python's ``random`` is reseeded by the bridge itself.)"""
        self._restore_hooks.append(hook)
        return hook

    def before_invocation(self, hook: Hook) -> Hook:
        """Register ``hook(request)``, run before the app on each request; returning an
        :class:`HTTPResponse` answers the request without calling the app."""
        self._before.append(hook)
        self._usual = False  # the hook takes the request object
        return hook

    def after_invocation(self, hook: Hook) -> Hook:
        """Register ``hook(request, response)``, run after the app; returning a response replaces it."""
        self._after.append(hook)
        self._usual = False
        return hook

    def on_shutdown(self, hook: Hook) -> Hook:
        """Register ``hook()`` to run once when the instance stops (PreStop, SIGTERM or exit)."""
        self._shutdown_hooks.append(hook)
        return hook

    def use_jobs(self, jobs: Any) -> None:
        """Run ``jobs`` (``[schedules]`` / ``[events]``: a dict of those tables, or the path of the
        jobs file ``bridge build`` writes) on timer, storage and queue events; the routes they post
        to answer 404 to HTTP callers. The same as ``Bridge(app, jobs=...)``, for an entry that
        wraps a handler made elsewhere (a project's own ``index.py``)."""
        from .events.jobs import load_jobs

        self._jobs = load_jobs(jobs)
        self._internal_paths = self._jobs.internal_paths or None
        if self._internal_paths is not None:
            self._usual = False  # each request's path is checked against the job routes

    def initialize(self, context: Any = None) -> None:
        """Cold-start work: the ``on_cold_start`` hooks, then ASGI lifespan startup. Runs once.

        Point FC's initializer at it (``initializer = handler.initialize`` in ``index.py``); on AWS
        SnapStart it runs before the snapshot by itself; otherwise it runs on the first invocation.
        A failure raises and is retried on the next invocation.
        """
        if self._initialized:
            return
        self.run_cold_start_hooks(context)
        if self.interface == "asgi":
            self._asgi_runner().startup(self._time_left(context))
        self._initialized = True
        if self._shutdown_hooks or (self._asgi is not None and self._asgi.lifespan.started):
            self._arrange_shutdown()

    def restore(self) -> None:
        """After a SnapStart restore: reseed ``random`` when loaded, then the ``on_restore`` hooks.

        Registered with the runtime's ``snapshot_restore_py`` when Lambda initialises a SnapStart
        version; a hook that raises fails the restore (Lambda then starts another instance).
        """
        from ._snapstart import restore

        restore(self)

    def pre_stop(self, context: Any = None) -> None:
        """Instance shutdown: ASGI lifespan shutdown, then the ``on_shutdown`` hooks. Runs once.

        Point FC's PreStop hook at it (``pre_stop = handler.pre_stop``); SIGTERM and interpreter
        exit call it too.
        """
        if self._stopped:
            return
        self._stopped = True
        if self._asgi is not None:
            self._asgi.shutdown()
        self.run_shutdown_hooks()

    def run_cold_start_hooks(self, context: Any = None) -> None:
        """The ``on_cold_start`` hooks alone, without lifespan: for a server that runs the app's
        lifespan itself (``bridge run`` at FC's Initializer). A hook's error is raised."""
        for hook in self._cold_start_hooks:
            hook(context)

    def run_shutdown_hooks(self) -> None:
        """The ``on_shutdown`` hooks alone, without lifespan (``bridge run`` at FC's PreStop); each
        hook's error is logged, and the next hook still runs."""
        for hook in self._shutdown_hooks:
            try:
                hook()
            except Exception as exc:
                _log_error(
                    "shutdown hook %s failed: %s: %s",
                    getattr(hook, "__name__", hook),
                    type(exc).__name__,
                    exc,
                )

    # --- the handler --------------------------------------------------------------------------------

    def __call__(self, event: Any, context: Any = None) -> Any:
        """Serve one invocation: ``(event, context)``, or a call platform's own request (FC 2.0's
        ``(environ, start_response)``, Azure's ``HttpRequest`` ...)."""
        started = perf_counter() if self._access_log is not None else 0.0
        if type(event) is not dict:
            if event.__class__ not in (bytes, str, bytearray):  # a request object (Azure, Google)
                return self._serve_call(event, context, started)
            try:
                event = _parse_event(event)
            except EventError as exc:
                return self._event_error(exc, event, context)
        platform = self._last
        if platform is None or not platform.matches(event):
            # Asked only here, so a JSON event its platform matched pays nothing for dict calls.
            for entry in self._dict_calls:
                if entry.may_match(event) and entry.platform.matches_call(event, context):
                    return self._serve_call(event, context, started, entry.platform)
            try:
                platform = self._platform_for(event)
            except EventError as exc:
                return self._event_error(exc, event, context)
        if platform is None:
            if self.manage and _is_manage_event(event):
                return self._run_command(event)
            if self._jobs is not None:
                result = self._run_job(event, context)
                if result is not NotImplemented:
                    return result
            if self.on_event is not None:
                return self.on_event(event, context)
            return self._event_error(
                EventError(_unknown_event_message(event, [p.platform for p in self._platforms])),
                event,
                context,
            )
        if self._usual:
            try:
                usual = platform.usual_request(event, self.options)
            except Exception:  # an event too odd for it (a value nested past the recursion limit ...):
                usual = None  # the careful path below says what is wrong with it
            if usual is not None:
                return self._serve_usual(platform, usual, event, context)
        try:
            request = platform.decode(event, context, self.options)
            check_request(request)
        except _UNREADABLE as exc:
            return self._rejected(platform, exc, event, context, started)
        if context is not None:
            request.request_id = _invocation_id(platform, context, request.request_id)
        if self._internal_paths is not None and _internal_key(request.path) in self._internal_paths:
            response = _error_response(404, "Not Found")  # a job's route: not for HTTP callers
        else:
            response = self._respond(request)
            if response.streamed and not self._stream_warned:
                self._warn_buffered(platform)
        try:
            result = platform.encode(response, request, self.options)
        except Exception as exc:  # the app's response has no form on this platform
            result = platform.encode(self._failed(exc, request), request, self.options)
        if len(result["body"]) > platform.max_response_bytes - 65536:  # measured only when it may matter
            result = self._check_size(platform, result, request)
        if self._access_log is not None:
            self._access_log.write(request, result["statusCode"], started)
        return result

    def _serve_usual(self, platform: Any, usual: Any, event: Dict[str, Any], context: Any) -> Any:
        """:meth:`__call__` for a request ``platform.usual_request`` read: the same answer, with the
        WSGI environ or ASGI scope made from the event's fields, and no :class:`HTTPRequest` unless
        an error needs one (``benchmarks/hotpath.md``, sixth pass)."""
        request_id = usual[10] if context is None else _invocation_id(platform, context, usual[10])
        try:
            if not self._initialized:
                self.initialize(context)
            wsgi = self._wsgi
            if wsgi is not None:
                environ = wsgi.usual_environ(usual, event, context, request_id)
                response = wsgi.run_wsgi(self.app, None, environ)
            else:  # initialize() made the ASGI runner
                response = self._asgi.run_usual(usual, event, context, request_id, self._time_left(context))
            status = response.status
            if status in (204, 304) or status < 200 or usual[0] == "HEAD":
                response.body = b""  # what an HTTP server sends for these, whatever the app wrote
        except Exception as exc:
            response = self._failed(exc, self._request_of(platform, usual, event, context, request_id))
        if response.streamed and not self._stream_warned:
            self._warn_buffered(platform)
        options = self.options
        try:
            result = platform.encode_usual(response, event, options)
        except Exception as exc:  # the app's response has no form on this platform
            failed = self._failed(exc, self._request_of(platform, usual, event, context, request_id))
            result = platform.encode_usual(failed, event, options)
        if len(result["body"]) > platform.max_response_bytes - 65536:
            request = self._request_of(platform, usual, event, context, request_id)
            result = self._check_size(platform, result, request)
        return result

    def _request_of(
        self, platform: Any, usual: Any, event: Dict[str, Any], context: Any, request_id: str
    ) -> Any:
        """The request a usual event stands for, made when an error or a size check needs it."""
        try:
            request = platform.decode(event, context, self.options)
        except Exception:  # against usual_request's contract (tests/test_usual_request.py): its fields
            method, root_path, path, query, headers, body, scheme, host, port, client = usual[:10]
            request = HTTPRequest(
                method, path, path.encode("ascii"), query.encode("ascii"), headers, body, scheme,
                (host, port), (client, 0) if client else None, root_path, request_id, event, context,
            )  # fmt: skip
        request.request_id = request_id
        return request

    def _warn_buffered(self, platform: Any) -> None:
        """Say once per instance that the app streamed a response this platform returns whole."""
        from ._streaming import warn_buffered

        warn_buffered(self, platform)

    # --- streaming: the body leaves as the app produces it ------------------------------------------

    def stream(self, event: Any, context: Any = None) -> Any:
        """Serve one invocation with the body streamed, for a runtime that can send it so (AWS Lambda's
        response streaming, :mod:`bridge.aws_runtime`).

        For an HTTP event of a platform whose gateway streams (:attr:`Platform.streams`: a Function
        URL's payload 2.0), an :class:`HTTPStream`: status and headers, then the body as the app
        produces it; the caller must :meth:`HTTPStream.close` it. An error before the first chunk is
        the usual error response; an error later raises from the chunk iterator (logged and handed to
        ``on_error`` here first). ``after_invocation`` hooks do not run: the response is gone by then.
        Any other event is served as :meth:`__call__` serves it, and its return value is returned.
        """
        from ._streaming import stream

        return stream(self, event, context)

    def _run_command(self, event: Dict[str, Any]) -> Dict[str, Any]:
        from ._manage import manage_argv, run_command

        try:
            argv = manage_argv(event)
        except EventError as exc:
            return {"exit_code": 2, "output": f"{exc}\n"}
        return run_command(self.app, argv, self.manage)

    def _run_job(self, event: Dict[str, Any], context: Any) -> Any:
        """The result of the timer, storage or queue job ``event`` names (``NotImplemented``: none)."""
        from .events.dispatch import run_job

        if not self._initialized:
            self.initialize(context)
        try:
            return run_job(self._jobs, event, context, self.app, self._respond)
        except EventError as exc:
            return self._event_error(exc, event, context)

    def _platform_for(self, event: Dict[str, Any]) -> Any:
        """The platform whose event this is, remembered for the next event (the last one did not match)."""
        for entry in self._platforms:
            if entry.may_match(event):
                platform = entry.platform
                if platform.matches(event):
                    self._last = platform
                    return platform
        if self.platform is not None:
            for entry in self._all_platforms:
                if entry.may_match(event) and entry.platform.matches(event):
                    raise PlatformMismatchError(
                        f"this handler serves platform={self.platform!r} "
                        f"but the event is a {entry.platform.title} event"
                    )
        return None

    def _respond(
        self, request: HTTPRequest, run_app: Optional[Callable[[], HTTPResponse]] = None
    ) -> HTTPResponse:
        """Run the app on ``request``: hooks, errors and the HTTP rules a server applies.

        ``run_app`` replaces the usual runner call (a call platform hands a WSGI app its server's
        own environ).
        """
        try:
            if not self._initialized:
                self.initialize(request.context)
            response = None
            for before in self._before:
                response = before(request)
                if response is not None:
                    break
            if response is None:
                if run_app is not None:
                    response = run_app()
                elif self._wsgi is not None:
                    response = self._wsgi.run_wsgi(self.app, request)
                else:
                    response = self._asgi_runner().run(request, self._time_left(request.context))
            for after in self._after:
                response = after(request, response) or response
            status = response.status
            if status in (204, 304) or status < 200 or request.method == "HEAD":
                response.body = b""  # what an HTTP server sends for these, whatever the app wrote
        except Exception as exc:
            return self._failed(exc, request)
        return response

    def _failed(self, exc: Exception, request: HTTPRequest) -> HTTPResponse:
        """The error response for ``exc``, raised while answering ``request`` (:mod:`bridge._failures`)."""
        from ._failures import failed

        return failed(self, exc, request)

    def _rejected(
        self, platform: Any, exc: Exception, event: Any, context: Any, started: float = 0.0
    ) -> Dict[str, Any]:
        """The platform's 400 response for an event it could not decode; one log line."""
        from ._failures import rejected

        return rejected(self, platform, exc, event, context, started)

    # --- calls: a platform's own request (Azure, Google, Fn, OpenFaaS, Fission, FC 2.0) ------------

    def _serve_call(self, call: Any, context: Any, started: float = 0.0, platform: Any = None) -> Any:
        """Serve a call whose first argument is a platform's own request, not a JSON event."""
        from ._calls import serve_call

        return serve_call(self, call, context, started, platform)

    # --- internals ---------------------------------------------------------------------------------

    def _asgi_runner(self) -> Any:
        if self._asgi is None:
            from .runners.asgi import ASGIRunner

            self._asgi = ASGIRunner(self.app, self._lifespan_mode)
        return self._asgi

    def _time_left(self, context: Any) -> Optional[float]:
        """Seconds the app may take in this invocation: the platform's remaining time less a margin
        to send the error response, bounded by ``timeout``."""
        remaining: Optional[float] = None
        if context is not None:
            try:
                get_remaining = getattr(context, "get_remaining_time_in_millis", None) or getattr(
                    context,
                    "getRemainingTimeInMilliSeconds",
                    None,  # Huawei FunctionGraph
                )
                if get_remaining is not None:  # AWS
                    remaining = get_remaining() / 1000.0
                elif isinstance(context, dict):  # SCF: the limit, at the start of the invocation
                    limit = context.get("time_limit_in_ms")
                    remaining = float(limit) / 1000.0 if limit else None
                    if limit is None and context.get("timeout"):  # Kubeless: FUNC_TIMEOUT, seconds
                        remaining = float(context["timeout"])
                else:  # FC: function.timeout in seconds
                    limit = getattr(getattr(context, "function", None), "timeout", None)
                    remaining = float(limit) if limit else None
            except (TypeError, ValueError):
                remaining = None
        if remaining is not None:
            remaining -= min(1.0, remaining * 0.1)
        timeout = self.options.timeout
        if timeout is not None and (remaining is None or timeout < remaining):
            return timeout
        return remaining

    def _event_error(self, exc: EventError, event: Any, context: Any) -> Dict[str, Any]:
        """A response every platform accepts, for an event no platform could decode."""
        from ._failures import event_error

        return event_error(self, exc, event, context)

    def _check_size(self, platform: Any, result: Dict[str, Any], request: HTTPRequest) -> Dict[str, Any]:
        from ._failures import checked_size

        return checked_size(self, platform, result, request)

    def _arrange_shutdown(self) -> None:
        """Run :meth:`pre_stop` at SIGTERM and at interpreter exit, whichever comes first."""
        import atexit

        atexit.register(self.pre_stop)
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: Any) -> None:
            self.pre_stop()
            if callable(previous):
                previous(signum, frame)
            else:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        try:
            signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # not allowed here (an embedded interpreter)
            pass

    def __repr__(self) -> str:
        return f"<Bridge {self.interface} app={self.app!r} platform={self.platform or 'auto'}>"


# What decoding an event may raise: an EventError names the field; the others are an event no field
# check foresaw (the fuzz suite's finds), still the event's fault and answered as one (400).
_UNREADABLE = (EventError, RecursionError, LookupError, TypeError, ValueError, AttributeError)


def _parse_event(event: Any) -> Dict[str, Any]:
    """FC 3.0 hands the event as JSON bytes (reference/alibaba-fc.md §1.1); str is accepted too."""
    if not isinstance(event, (bytes, bytearray, str)):
        raise EventError(f"the event must be a JSON object (dict, bytes or str), got {type(event).__name__}")
    import json

    try:
        parsed = json.loads(event)
    except ValueError as exc:
        raise EventError(f"the event is not valid JSON: {exc}")
    except RecursionError:
        raise EventError("the event is not valid JSON: nested too deeply")
    if not isinstance(parsed, dict):
        raise EventError(f"the event must be a JSON object, got {type(parsed).__name__}")
    return parsed


def _unknown_event_message(event: Dict[str, Any], platforms: Sequence[Any]) -> str:
    keys = ", ".join(sorted(_printable(str(k)) for k in event)[:12]) or "none"
    titles = "; ".join(p.title for p in platforms)
    return (
        f"not an HTTP event this handler serves (top-level keys: {keys}). Expected one of: {titles}. "
        "For other events (timers, queues), pass Bridge(app, on_event=fn)."
    )


def _is_manage_event(event: Dict[str, Any]) -> bool:
    from ._manage import is_manage_event

    return is_manage_event(event)


def _internal_key(path: str) -> str:
    """``//internal/x/`` as ``/internal/x``: the forms a router may still map to a job's route."""
    while "//" in path:
        path = path.replace("//", "/")
    return path.rstrip("/") or "/"


def _invocation_id(platform: Any, context: Any, gateway_id: str) -> str:
    """The function's invocation id, what the platform's own log lines carry; the gateway's id in
    the event is the fallback (console tests and local calls have no context)."""
    key = platform.context_id
    invocation_id = context.get(key) if type(context) is dict else getattr(context, key, None)
    if invocation_id.__class__ is not str or not invocation_id:
        invocation_id = str(invocation_id or _request_id(context) or gateway_id)
    return invocation_id


def _request_id(context: Any) -> str:
    if context is None:
        return ""
    if isinstance(context, dict):
        return str(context.get("request_id") or "")
    return str(getattr(context, "request_id", None) or getattr(context, "aws_request_id", None) or "")


def _error_response(status: int, message: str) -> HTTPResponse:
    # backslashreplace: a message that echoes the event's text stays valid UTF-8 (issue 14, item 5).
    body = message.encode("utf-8", "backslashreplace")
    return HTTPResponse(status, [("Content-Type", "text/plain; charset=utf-8")], body)


def _printable(text: str) -> str:
    """``text`` for a log line or an error body: escapes for what is not printable or not Unicode."""
    if text.isascii() and text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")


def _is_asgi(app: Any) -> bool:
    """True for an ASGI 3 app: an ``async def`` function or an object whose ``__call__`` is one."""
    for candidate in (app, type(app).__call__ if callable(app) else None):
        func = getattr(candidate, "__func__", candidate)
        func = getattr(func, "func", func)  # functools.partial
        code = getattr(func, "__code__", None)
        if code is not None and code.co_flags & _CO_COROUTINE:
            return True
        # inspect.markcoroutinefunction (3.12) and asyncio's legacy marker.
        if getattr(candidate, "_is_coroutine_marker", None) is not None or getattr(
            candidate, "_is_coroutine", None
        ):
            return True
    return False


def _log_error(message: str, *args: Any) -> None:
    """One ERROR line on the ``bridge`` logger, which is loaded on the first error only."""
    import logging

    logging.getLogger("bridge").error(message, *args)
