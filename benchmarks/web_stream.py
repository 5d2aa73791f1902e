"""Web mode: ``bridge run`` against the bare server it starts, for one streamed 50 MiB response.

Each server is started fresh for every run, on loopback: *start* is the time from spawning the
process to its first answered request (``GET /big/0``); *first byte* is the time from sending
``GET /big/50`` to the first body byte; *throughput* is 50 MiB over the whole response. The app
(``benchmarks/apps/streamed.py``) yields 1 MiB blocks, FastAPI under uvicorn, Flask under gunicorn
(threaded worker). ``bridge run`` is given one worker, as the bare gunicorn has; ``python -m
bridge.web`` is what the web-mode start scripts run, ``python -m bridge run`` the full command
line, and with ``--platform fc`` behind the wrapper that answers FC's lifecycle requests. Medians
of the runs.
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List

from .coldstart import APPS, child_env

MEGABYTES = 50


def _servers(interface: str, port: int) -> Dict[str, List[str]]:
    target = f"streamed:{interface}"
    python = [sys.executable, "-m"]
    if interface == "asgi":
        bare = [*python, "uvicorn", target, "--port", str(port), "--log-level", "warning"]
    else:
        bare = [*python, "gunicorn", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}", target]
    ours = [target, "--port", str(port), "--workers", "1"]
    return {
        "bare server": bare,
        "python -m bridge.web": [*python, "bridge.web", *ours],
        "python -m bridge run": [*python, "bridge", "run", *ours],
        # FC's lifecycle wrapper (bridge/web/fc_lifecycle.py) in front of the app.
        "python -m bridge.web --platform fc": [
            *python,
            "bridge.web",
            *ours,
            "--platform",
            "fc",
            "--host",
            "127.0.0.1",
        ],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> Dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    first = None
    size = 0
    while True:
        piece = response.read1(1 << 20)
        if not piece:
            break
        if first is None:
            first = time.perf_counter() - started
        size += len(piece)
    total = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return {"first_byte_s": first or total, "total_s": total, "bytes": size}


def _one_run(command: List[str], port: int) -> Dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=APPS, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = started + 60
        while True:
            try:
                _get(port, "/big/0")
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError(f"{' '.join(command[2:4])} did not start") from None
                time.sleep(0.005)
        start_s = time.perf_counter() - started
        streamed = _get(port, f"/big/{MEGABYTES}")
        if streamed["bytes"] != MEGABYTES << 20:
            raise RuntimeError(f"{streamed['bytes']} bytes instead of {MEGABYTES} MiB")
        return {
            "start_s": start_s,
            "first_byte_s": streamed["first_byte_s"],
            "mib_per_s": MEGABYTES / streamed["total_s"],
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(runs: int, progress: Any = None) -> Dict[str, Any]:
    """``{interface: {server: {start_s, first_byte_s, mib_per_s}}}``, medians of ``runs``."""
    results: Dict[str, Any] = {"runs": runs}
    for interface in ("asgi", "wsgi"):
        rows: Dict[str, Any] = {}
        for name in _servers(interface, 0):
            samples = []
            try:
                for _ in range(runs):
                    port = _free_port()
                    samples.append(_one_run(_servers(interface, port)[name], port))
            except (RuntimeError, OSError) as exc:
                rows[name] = {"error": str(exc)}
                continue
            rows[name] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
            if progress:
                progress(f"web mode {interface}: {name} done")
        results[interface] = rows
    return results


def lines(result: Dict[str, Any]) -> List[str]:
    out = [
        f"One streamed {MEGABYTES} MiB response per fresh server, medians of {result['runs']} run(s).",
        "",
        "| app | server | start (ms) | first byte (ms) | throughput (MiB/s) |",
        "|---|---|--:|--:|--:|",
    ]
    for interface, label in (("asgi", "FastAPI (uvicorn)"), ("wsgi", "Flask (gunicorn gthread)")):
        for name, row in result.get(interface, {}).items():
            if "error" in row:
                out.append(f"| {label} | {name} | – | – | not available: {row['error']} |")
                continue
            out.append(
                f"| {label} | {name} | {row['start_s'] * 1000:.0f} | {row['first_byte_s'] * 1000:.1f} "
                f"| {row['mib_per_s']:.0f} |"
            )
    return out
