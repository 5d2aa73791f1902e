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
        return self.adapter if self.adapter == RAW else f"{self.adapter} · {self.event}"

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


def _raw_wsgi(app: Any, aws_text: str, body: bytes) -> Callable[[], Any]:
    """``app(environ, start_response)`` with a prebuilt environ, after decoding the event like the rest."""
    from bridge.platforms import BY_NAME
    from bridge.runners.wsgi import build_environ

    environ = build_environ(BY_NAME["aws-v2"].decode(json.loads(aws_text), events.AwsContext(), _options()))
    for key in ("bridge.event", "bridge.context", "bridge.request_id"):
        del environ[key]
    loads = json.loads

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append((status, headers))
        return None

    started: List[Any] = []

    def call() -> Any:
        loads(aws_text)
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


def _raw_asgi(app: Any, aws_text: str, body: bytes) -> tuple:
    """``await app(scope, receive, send)`` in a loop inside one coroutine on a running loop."""
    from bridge.platforms import BY_NAME
    from bridge.runners.asgi import build_scope

    scope = build_scope(BY_NAME["aws-v2"].decode(json.loads(aws_text), events.AwsContext(), _options()), {})
    for key in ("bridge.event", "bridge.context", "bridge.request_id"):
        del scope[key]
    loads = json.loads
    loop = asyncio.new_event_loop()
    request_message = {"type": "http.request", "body": body, "more_body": False}

    async def one() -> Any:
        loads(aws_text)
        sent: List[Dict[str, Any]] = []
        delivered = [False]

        async def receive() -> Dict[str, Any]:
            if delivered[0]:
                return {"type": "http.disconnect"}
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


def _load_app(framework: str) -> Any:
    if str(APPS) not in sys.path:
        sys.path.insert(0, str(APPS))
    if framework == "Flask":
        from flask_app import app
    else:
        from fastapi_app import app
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
    """Every case for one framework and workload, the raw call first."""
    from bridge import Bridge

    app = _load_app(framework)
    method, path, body, content_type = WORKLOADS[workload]
    if body is None:
        from workload import ORDER_BODY

        body = ORDER_BODY
    request = events.Request(method, path, body, content_type)
    aws_text, scf_text, fc_bytes = events.aws_v2(request), events.scf(request), events.fc3(request)
    aws_ctx, fc_ctx, scf_ctx = events.AwsContext(), events.FcContext(), events.scf_context()
    loads = json.loads
    cases: List[Case] = []

    def add(adapter: str, event: str, call: Callable[[], Any]) -> None:
        cases.append(Case(framework, workload, adapter, event, _timed(call), lambda: _result_body(call())))

    if framework == "Flask":
        raw = _raw_wsgi(app, aws_text, body)
        cases.append(Case(framework, workload, RAW, "", _timed(raw), lambda: _wsgi_result(raw())))
    else:
        run, check = _raw_asgi(app, aws_text, body)
        cases.append(Case(framework, workload, RAW, "", run, check))

    handler = Bridge(app)
    add(BRIDGE, "FC 3.0", lambda: handler(fc_bytes, fc_ctx))
    add(BRIDGE, "SCF", lambda: handler(loads(scf_text), scf_ctx))
    add(BRIDGE, "AWS v2", lambda: handler(loads(aws_text), aws_ctx))

    from mangum import Mangum

    if framework == "Flask":
        import serverless_wsgi
        from a2wsgi import WSGIMiddleware
        from apig_wsgi import make_lambda_handler

        apig = make_lambda_handler(app)
        add("apig-wsgi", "AWS v2", lambda: apig(loads(aws_text), aws_ctx))
        handle_request = serverless_wsgi.handle_request
        add("serverless-wsgi", "AWS v2", lambda: handle_request(app, loads(aws_text), aws_ctx))
        mangum_a2wsgi = Mangum(WSGIMiddleware(app), lifespan="off")
        add("Mangum + a2wsgi", "AWS v2", lambda: mangum_a2wsgi(loads(aws_text), aws_ctx))
    else:
        mangum_off = Mangum(app, lifespan="off")
        add("Mangum (lifespan off)", "AWS v2", lambda: mangum_off(loads(aws_text), aws_ctx))
        mangum_auto = Mangum(app, lifespan="auto")
        add("Mangum (lifespan auto)", "AWS v2", lambda: mangum_auto(loads(aws_text), aws_ctx))
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
    frameworks=("Flask", "FastAPI"),
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
            raw = cases[0].seconds[-1]
            for case in cases:
                case.ratios.append(case.seconds[-1] / raw)
        if progress is not None and (number + 1) % max(1, rounds // 5) == 0:
            progress(f"overhead: round {number + 1}/{rounds}")
    gc.unfreeze()
    return every


def best_peer(cases: List[Case], framework: str, workload: str) -> Case | None:
    peers = [c for c in cases if c.framework == framework and c.workload == workload and c.adapter in PEERS]
    return min(peers, key=lambda c: c.median_us) if peers else None


def peer_ratio(case: Case, cases: List[Case]) -> float | None:
    """``case``'s time over the fastest peer's, median of per-round ratios."""
    peer = best_peer(cases, case.framework, case.workload)
    if peer is None:
        return None
    return statistics.median(a / b for a, b in zip(case.seconds, peer.seconds))
