"""Local gateway throughput: requests per second through ``bridge serve`` on loopback.

The page is the todo sample's list page (``GET /``). The load tool is ``wrk`` when installed, else
a bounded Python client: a few threads, each on its own keep-alive ``http.client`` connection (the
standard library's client: much less CPU per request than httpx, which matters when the client
shares two cores with the server). For scale, the same page is served by gunicorn (one sync
worker, the app alone, no gateway) under the same load, and called in-process through the handler.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .coldstart import ROOT, child_env, command_unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

SAMPLE = ROOT / "examples" / "flask_todo"
PAGE = "/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, process: subprocess.Popen, log: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {_tail(log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", PAGE)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"not ready within {timeout:.0f} s")


def _tail(log: Any) -> str:
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def python_load(port: int, seconds: float, connections: int) -> Dict[str, Any]:
    """``connections`` threads, keep-alive, for ``seconds``: requests per second and the error count."""
    stop = time.monotonic() + seconds
    counts: List[int] = [0] * connections
    errors: List[int] = [0] * connections

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            try:
                conn.request("GET", PAGE)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[slot] += 1
                else:
                    errors[slot] += 1
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {
        "rps": sum(counts) / elapsed,
        "requests": sum(counts),
        "errors": sum(errors),
        "tool": "python http.client",
    }


def wrk_load(port: int, seconds: float, connections: int) -> Dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{max(1, int(seconds))}s",
            f"http://127.0.0.1:{port}{PAGE}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "errors": int(errors.group(1)) if errors else 0, "tool": "wrk"}


def _load(port: int, seconds: float, connections: int) -> Dict[str, Any]:
    if shutil.which("wrk"):
        return wrk_load(port, seconds, connections)
    return python_load(port, seconds, connections)


def _serve(
    command: List[str], port: int, env: Dict[str, str], seconds: float, connections: int
) -> Dict[str, Any]:
    # stderr goes to a file, not a pipe nobody reads: the gateway logs a line per request, and a
    # full pipe would block it mid-run (and did: timeouts counted as errors).
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_ready(port, process, log)
            _load(port, 1.0, connections)  # warm up
            return _load(port, seconds, connections)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def bridge_serve_unavailable() -> str | None:
    """None when ``bridge serve`` and the todo sample exist, else why not."""
    if not SAMPLE.is_dir():
        return f"the todo sample is missing ({SAMPLE})"
    return command_unavailable("serve")


def measure(seconds: float, connections: int = 4) -> Dict[str, Any]:
    """RPS through ``bridge serve`` (FC 3.0), through gunicorn alone, and the in-process handler rate."""
    why_not = bridge_serve_unavailable()
    if why_not:
        return {"error": why_not}
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as folder:
        env = child_env()
        # A private database: the sample's folder is left as it is.
        env["DATABASE_URL"] = "sqlite:///" + os.path.join(folder, "todo.sqlite3")
        results: Dict[str, Any] = {"connections": connections, "seconds": seconds}
        port = _free_port()
        try:
            results["bridge serve"] = _serve(
                [
                    sys.executable,
                    "-m",
                    "bridge",
                    "serve",
                    "index:handler",
                    "--chdir",
                    str(SAMPLE),
                    "--platform",
                    "fc",
                    "--port",
                    str(port),
                ],
                port,
                env,
                seconds,
                connections,
            )
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            return {"error": f"`bridge serve` did not serve the todo page: {exc}"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if gunicorn.exists():
            port = _free_port()
            try:
                results["gunicorn (app alone)"] = _serve(
                    [str(gunicorn), "--chdir", str(SAMPLE), "-w", "1", "-b", f"127.0.0.1:{port}", "todo:app"],
                    port,
                    env,
                    seconds,
                    connections,
                )
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                results["gunicorn (app alone)"] = {"error": str(exc)}
        results["in-process handler"] = _in_process_rate(env)
    return results


_IN_PROCESS = """\
import json, os, sys, time
sys.path.insert(0, {sample!r})
os.chdir({sample!r})
from index import handler
sys.path.insert(0, {root!r})
from benchmarks import events
text = events.fc3(events.Request("GET", {page!r}))
context = events.FcContext()
assert handler(text, context)["statusCode"] == 200
n = 0
start = time.perf_counter()
while time.perf_counter() - start < 2.0:
    handler(text, context)
    n += 1
print(n / (time.perf_counter() - start))
"""


def _in_process_rate(env: Dict[str, str]) -> Dict[str, Any]:
    """Calls per second of the FC 3.0 handler on the same page, no HTTP at all: the ceiling."""
    code = _IN_PROCESS.format(sample=str(SAMPLE), root=str(ROOT), page=PAGE)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return {"rps": float(done.stdout.strip().splitlines()[-1]), "tool": "direct calls, one thread"}
