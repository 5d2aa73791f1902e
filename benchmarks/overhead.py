"""Per-invocation overhead: the same request through the raw app call, faas-bridge and every peer.

Every case pays the same event decode: FC 3.0 cases hand the handler the event's JSON bytes (the
handler decodes them, as on FC), every other case ``json.loads`` the event text on each call, the
raw call included (it decodes the AWS v2 event and then uses a prebuilt environ or scope, copied per
call). Cases run interleaved: each round collects garbage once, disables the collector, runs every
case once in a shuffled order, then re-enables it. A case's time is the median over rounds of its
per-call time; its ratio is the median over rounds of its time divided by the raw call's time in
the same round, so load from other processes on the machine hits both sides of each ratio alike.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import statistics
import sys
from base64 import b64decode
from io import BytesIO
from itertools import repeat
from pathlib import Path
from time import perf_counter

from . import events

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List

APPS = Path(__file__).resolve().parent / "apps"

#: (workload, method, path, body, content type)
WORKLOADS = {
    "hello": ("GET", "/", b"", ""),
    "json": ("POST", "/orders", None, "application/json"),
}

RAW = "raw app call"
BRIDGE = "faas-bridge"
PEERS = ("apig-wsgi", "serverless-wsgi", "Mangum (lifespan off)", "Mangum (lifespan auto)", "Mangum + a2wsgi")


class Case:
    """One way of serving one framework's app for one workload; :meth:`run` times ``n`` calls."""

    def __init__(
        self,
        framework: str,
        workload: str,
        adapter: str,
        event: str,
        run: Callable[[int], float],
        check: Callable[[], Any],
    ) -> None:
        self.framework = framework
        self.workload = workload
        self.adapter = adapter
        self.event = event  # "FC 3.0", "SCF", "AWS v2"
        self.run = run
        self.check = check
        self.batch = 1
        self.seconds: List[float] = []  # per call, one per round
        self.ratios: List[float] = []  # to the raw call of the same round

    @property
    def label(self) -> str:
        return f"{self.adapter} · {self.event}"

    @property
    def group(self) -> str:
        return f"{self.framework} {self.workload}"

    @property
    def median_us(self) -> float:
        return statistics.median(self.seconds) * 1e6

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def _timed(call: Callable[[], Any]) -> Callable[[int], float]:
    def run(n: int) -> float:
        start = perf_counter()
        for _ in repeat(None, n):
            call()
        return perf_counter() - start

    return run


# --- the raw calls: the limit ---------------------------------------------------------------------


def _prebuilt(app_kind: str, aws_text: str) -> Dict[str, Any]:
    """The environ (WSGI) or scope (ASGI) of the request, built once, the bridge's keys removed."""
    from bridge.platforms import EVENT_FORMATS

    aws_v2 = next(e.platform for e in EVENT_FORMATS if e.name == "aws-v2")
    request = aws_v2.decode(json.loads(aws_text), events.AwsContext(), _options())
    if app_kind == "wsgi":
        from bridge.runners.wsgi import build_environ

        prebuilt = build_environ(request)
    else:
        from bridge.runners.asgi import build_scope

        prebuilt = build_scope(request, {})
    for key in ("bridge.event", "bridge.context", "bridge.request_id"):
        prebuilt.pop(key, None)
    return prebuilt


def _decoder(event: Any) -> Callable[[], Any]:
    """What every case pays first: the event decoded from its JSON text (FC 3.0: bytes)."""
    loads = json.loads
    return lambda: loads(event)


def _raw_wsgi(app: Any, aws_text: str, event: Any, body: bytes) -> Callable[[], Any]:
    """``app(environ, start_response)`` with a prebuilt environ, after decoding the event like the rest."""
    environ = _prebuilt("wsgi", aws_text)
    decode = _decoder(event)

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append((status, headers))
        return None

    started: List[Any] = []

    def call() -> Any:
        decode()
        env = environ.copy()
        env["wsgi.input"] = BytesIO(body)
        started.clear()
        result = app(env, start_response)
        try:
            out = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0][0], out

    return call


def _raw_asgi(app: Any, aws_text: str, event: Any, body: bytes) -> tuple:
    """``await app(scope, receive, send)`` in a loop inside one coroutine on a running loop."""
    scope = _prebuilt("asgi", aws_text)
    decode = _decoder(event)
    loop = asyncio.new_event_loop()
    request_message = {"type": "http.request", "body": body, "more_body": False}

    async def one() -> Any:
        decode()
        sent: List[Dict[str, Any]] = []
        delivered = [False]

        async def receive() -> Dict[str, Any]:
            if delivered[0]:
                # The client is still there: a server answers the next receive() only when it leaves
                # (Django listens for that while the view runs, and cancels the listener after).
                return await loop.create_future()
            delivered[0] = True
            return request_message

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)

        await app(scope.copy(), receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def batch(n: int) -> float:
        start = perf_counter()
        for _ in repeat(None, n):
            await one()
        return perf_counter() - start

    def run(n: int) -> float:
        return loop.run_until_complete(batch(n))

    def check() -> Any:
        return loop.run_until_complete(one())

    return run, check


def _options() -> Any:
    from bridge._options import Options

    return Options()


# --- building the cases ---------------------------------------------------------------------------

#: app -> (module or Django kind, interface)
FRAMEWORKS = {
    "Flask": "wsgi",
    "FastAPI": "asgi",
    "Django": "wsgi",
    "Django ASGI": "asgi",
}

#: The events faas-bridge serves in the table, in order; the peers accept the AWS ones.
EVENTS = ("FC 3.0", "SCF", "AWS v2", "AWS v1", "ALB")
AWS_EVENTS = ("AWS v2", "AWS v1", "ALB")


def _load_app(framework: str) -> Any:
    if str(APPS) not in sys.path:
        sys.path.insert(0, str(APPS))
    if framework == "Flask":
        from flask_app import app
    elif framework == "FastAPI":
        from fastapi_app import app
    else:
        import os

        # Set for the setup only: the later sections' child processes inherit this environment.
        previous = os.environ.get("DJANGO_SETTINGS_MODULE")
        os.environ["DJANGO_SETTINGS_MODULE"] = "django_app"
        try:
            if framework == "Django":
                from django.core.wsgi import get_wsgi_application

                app = get_wsgi_application()
            else:
                from django.core.asgi import get_asgi_application

                app = get_asgi_application()
        finally:
            if previous is None:
                del os.environ["DJANGO_SETTINGS_MODULE"]
            else:
                os.environ["DJANGO_SETTINGS_MODULE"] = previous
    return app


def _wsgi_result(result: tuple) -> tuple:
    return int(result[0][:3]), result[1]


def _result_body(result: Any) -> tuple:
    """(status, body bytes) from any adapter's return value."""
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        return result["statusCode"], b64decode(body)
    return result["statusCode"], body.encode("utf-8")


def build_cases(framework: str, workload: str) -> List[Case]:
    """Every case for one framework and workload: the raw calls (one per event) first."""
    from bridge import Bridge

    app = _load_app(framework)
    interface = FRAMEWORKS[framework]
    method, path, body, content_type = WORKLOADS[workload]
    if body is None:
        from workload import ORDER_BODY

        body = ORDER_BODY
    request = events.Request(method, path, body, content_type)
    texts = {
        "FC 3.0": events.fc3(request),
        "SCF": events.scf(request),
        "AWS v2": events.aws_v2(request),
        "AWS v1": events.aws_v1(request),
        "ALB": events.alb(request),
    }
    aws_ctx, fc_ctx, scf_ctx = events.AwsContext(), events.FcContext(), events.scf_context()
    contexts = {"FC 3.0": fc_ctx, "SCF": scf_ctx}
    loads = json.loads
    cases: List[Case] = []

    def add(adapter: str, event: str, call: Callable[[], Any]) -> None:
        cases.append(Case(framework, workload, adapter, event, _timed(call), lambda: _result_body(call())))

    for event in EVENTS:
        if interface == "wsgi":
            raw = _raw_wsgi(app, texts["AWS v2"], texts[event], body)
            cases.append(
                Case(framework, workload, RAW, event, _timed(raw), lambda raw=raw: _wsgi_result(raw()))
            )
        else:
            run, check = _raw_asgi(app, texts["AWS v2"], texts[event], body)
            cases.append(Case(framework, workload, RAW, event, run, check))

    handler = Bridge(app)
    for event in EVENTS:
        text, context = texts[event], contexts.get(event, aws_ctx)
        if isinstance(text, bytes):  # FC 3.0: the handler decodes the bytes itself
            add(BRIDGE, event, lambda text=text, context=context: handler(text, context))
        else:
            add(BRIDGE, event, lambda text=text, context=context: handler(loads(text), context))

    from mangum import Mangum

    if interface == "wsgi":
        import serverless_wsgi
        from apig_wsgi import make_lambda_handler

        apig = make_lambda_handler(app)
        handle_request = serverless_wsgi.handle_request
        for event in AWS_EVENTS:
            text = texts[event]
            add("apig-wsgi", event, lambda text=text: apig(loads(text), aws_ctx))
            add("serverless-wsgi", event, lambda text=text: handle_request(app, loads(text), aws_ctx))
        if framework == "Flask":
            from a2wsgi import WSGIMiddleware

            mangum_a2wsgi = Mangum(WSGIMiddleware(app), lifespan="off")
            add("Mangum + a2wsgi", "AWS v2", lambda: mangum_a2wsgi(loads(texts["AWS v2"]), aws_ctx))
    else:
        mangum_off = Mangum(app, lifespan="off")
        for event in AWS_EVENTS:
            text = texts[event]
            add("Mangum (lifespan off)", event, lambda text=text: mangum_off(loads(text), aws_ctx))
        if framework == "FastAPI":
            mangum_auto = Mangum(app, lifespan="auto")
            add("Mangum (lifespan auto)", "AWS v2", lambda: mangum_auto(loads(texts["AWS v2"]), aws_ctx))
    return cases


def _verify(cases: List[Case]) -> None:
    """Every case must serve the same response as the raw call, or its time means nothing."""
    expected = cases[0].check()
    for case in cases[1:]:
        status, body = case.check()
        same = body == expected[1] or _same_json(body, expected[1])
        if status != expected[0] or not same:
            raise AssertionError(
                f"{case.group}: {case.label} answered {status} {body[:80]!r}, expected {expected}"
            )


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return False


def measure(
    rounds: int,
    batch_seconds: float,
    frameworks=tuple(FRAMEWORKS),
    workloads=("hello", "json"),
    progress: Callable[[str], None] | None = None,
) -> List[Case]:
    """All cases, measured over ``rounds`` interleaved rounds of about ``batch_seconds`` per case."""
    groups = [build_cases(f, w) for f in frameworks for w in workloads]
    for cases in groups:
        _verify(cases)
    every = [case for cases in groups for case in cases]
    for case in every:  # warm up, then size each batch to take about batch_seconds
        case.run(50)
        per_call = min(case.run(50) for _ in range(3)) / 50
        case.batch = max(5, int(batch_seconds / per_call))
    gc.collect()
    gc.freeze()  # the apps' long-lived objects: keeps each round's collection short
    shuffle = random.Random(20240601).shuffle
    order = list(every)
    for number in range(rounds):
        shuffle(order)
        gc.collect()
        gc.disable()
        try:
            for case in order:
                case.seconds.append(case.run(case.batch) / case.batch)
        finally:
            gc.enable()
        for cases in groups:
            raws = {c.event: c.seconds[-1] for c in cases if c.adapter == RAW}
            for case in cases:
                case.ratios.append(case.seconds[-1] / raws[case.event])
        if progress is not None and (number + 1) % max(1, rounds // 5) == 0:
            progress(f"overhead: round {number + 1}/{rounds}")
    gc.unfreeze()
    return every


def best_peer(cases: List[Case], framework: str, workload: str, event: str = "AWS v2") -> Case | None:
    """The fastest peer on the same app, workload and event."""
    peers = [
        c
        for c in cases
        if c.framework == framework and c.workload == workload and c.adapter in PEERS and c.event == event
    ]
    return min(peers, key=lambda c: c.median_us) if peers else None


def peer_ratio(case: Case, cases: List[Case]) -> float | None:
    """``case``'s time over the fastest peer's on the same event, median of per-round ratios."""
    peer = best_peer(cases, case.framework, case.workload, case.event)
    if peer is None:
        return None
    return statistics.median(a / b for a, b in zip(case.seconds, peer.seconds))
