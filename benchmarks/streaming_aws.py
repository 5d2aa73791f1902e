"""AWS Lambda response streaming: a 50 MB streamed response through bridge.aws_runtime.

The bootstrap runs as Lambda starts it (``python -m bridge.aws_runtime --streaming`` in its own
process, the handler from ``_HANDLER``) against the Runtime API stand-in of the tests
(tests/standins/lambda_runtime_api.py, parsing with h11). The app streams 50 MB in 64 KB chunks
(a FastAPI ``StreamingResponse``, a Flask generator). Time to first byte runs from the event being
queued to the first body byte reaching the stand-in; throughput is the body size over the time to
the last byte. Each run is one invocation on a warm instance; the median of the runs is reported.
What it cannot show: Lambda's own relay to the client, which only a deployed Function URL measures.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from .coldstart import ROOT, child_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

TESTS = ROOT / "tests"
SIZE = 50 * 1024 * 1024
CHUNK = 64 * 1024
HANDLERS = {"FastAPI StreamingResponse": "fastapi_handler", "Flask generator": "flask_handler"}


def measure(runs: int) -> Dict[str, Any]:
    sys.path.insert(0, str(TESTS))
    from standins.lambda_runtime_api import DELIMITER, RuntimeAPIStandIn

    results: Dict[str, Any] = {"size_mb": SIZE // (1024 * 1024), "chunk_kb": CHUNK // 1024, "cases": {}}
    for label, attribute in HANDLERS.items():
        with RuntimeAPIStandIn() as standin:
            env = child_env()
            env.update(
                AWS_LAMBDA_RUNTIME_API=standin.address,
                _HANDLER=f"apps.gated_streaming_apps.{attribute}",
                LAMBDA_TASK_ROOT=str(TESTS),
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "bridge.aws_runtime", "--streaming"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                ttfb: List[float] = []
                rates: List[float] = []
                event = _event(f"/big?size={SIZE}&chunk={CHUNK}")
                standin.invoke(_event("/hello")).wait(120)  # the instance's cold start, untimed
                for _ in range(runs):
                    queued = time.monotonic()
                    invocation = standin.invoke(event).wait(300)
                    first, last, received = _timing(invocation.parts, DELIMITER)
                    if received != SIZE:
                        raise RuntimeError(f"{label}: {received} body bytes, expected {SIZE}")
                    ttfb.append(first - queued)
                    rates.append(SIZE / (1024 * 1024) / (last - queued))
            finally:
                process.kill()
                process.wait()
        results["cases"][label] = {
            "ttfb_ms": statistics.median(ttfb) * 1000,
            "mb_per_s": statistics.median(rates),
            "runs": runs,
        }
    return results


def _event(target: str) -> Dict[str, Any]:
    from bridge.emulators import get_emulator
    from bridge.emulators._base import GatewayRequest

    request = GatewayRequest("GET", target, [("Accept", "*/*")], host="abc.lambda-url.us-east-1.on.aws")
    return get_emulator("aws-v2").build_event(request, request_id="bench")[0]


def _timing(parts: List[Any], delimiter: bytes) -> Any:
    """(time of the first body byte, time of the last, body bytes) from the stand-in's parts."""
    seen = b""
    first = None
    body = 0
    for at, data in parts:
        if first is None:
            seen += data
            head, found, rest = seen.partition(delimiter)
            if found and rest:
                first, body = at, len(rest)
            continue
        body += len(data)
    return first, parts[-1][0], body


def lines(result: Dict[str, Any]) -> List[str]:
    if "error" in result:
        return [f"- not measured: {result['error']}"]
    out = [
        f"A {result['size_mb']} MB response streamed in {result['chunk_kb']} KB chunks through "
        "`python -m bridge.aws_runtime --streaming` to the Runtime API stand-in (median of "
        f"{next(iter(result['cases'].values()))['runs']} warm invocations).",
        "",
        "| app | time to first byte | throughput |",
        "|---|---|---|",
    ]
    for label, case in result["cases"].items():
        out.append(f"| {label} | {case['ttfb_ms']:.1f} ms | {case['mb_per_s']:.0f} MB/s |")
    return out


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print("\n".join(lines(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3))))
