"""A function instance: the handler runs in a process of its own, as on the platform.

The gateway holds a :class:`Worker` per function. The first request starts the process (a cold
start: interpreter, import of TARGET, first invocation — measured and reported); a crash ends the
instance, and the next request starts a new one. The child is ``python -m bridge.gateway.worker``
talking over a socket pair, so it never re-runs the gateway's ``__main__`` (as multiprocessing's
spawn would) and inherits the gateway's stdout/stderr, where the app's prints land.

Requests travel as :class:`~bridge.emulators.GatewayRequest`; the child builds the platform event
with the emulator, calls the handler, and sends back the :class:`~bridge.emulators.GatewayResponse`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Dict

from ..emulators import Emulator, GatewayRequest, GatewayResponse, get_emulator

#: How long a new instance may take to import TARGET before the gateway gives up on it.
STARTUP_TIMEOUT_S = 120.0
#: How long an idle instance asked to stop (reload, shutdown) may run its pre-stop hook before it is killed.
STOP_GRACE_S = 5.0


@dataclass
class WorkerSpec:
    """What a function instance runs: TARGET, the platform and the emulator's options."""

    target: str
    platform: str
    options: Dict[str, Any]
    chdir: str | None = None
    debug: bool = False
    #: ``[schedules]`` / ``[events]`` for a ``Bridge`` handler that has none (``Bridge.use_jobs``):
    #: what the deployed entry hands it, so job routes answer HTTP callers 404 here too.
    jobs: Dict[str, Any] | None = None


@dataclass
class ColdStart:
    """The cost of a new instance: process start, TARGET import, first invocation (seconds)."""

    process_s: float
    import_s: float
    first_invocation_s: float
    #: What the instance imported (the TARGET given to `bridge serve`), named in the log line.
    target: str = "TARGET"

    def __str__(self) -> str:
        total = self.process_s + self.first_invocation_s
        return (
            f"cold start {total * 1000:.0f} ms: process and import {self.process_s * 1000:.0f} ms"
            f" (of which {self.target} import {self.import_s * 1000:.0f} ms),"
            f" first invocation {self.first_invocation_s * 1000:.0f} ms"
        )


@dataclass
class Outcome:
    """One invocation seen from the gateway: the response, and what else happened."""

    response: GatewayResponse
    cold_start: ColdStart | None = None
    error: str | None = None  # the traceback of a handler exception, or why the instance died
    crashed: bool = False


class InstanceStartError(Exception):
    """The function instance could not start (TARGET failed to import); carries the child's traceback."""


class Worker:
    """The gateway's handle on one function's instance process. Not thread-safe: one invocation at a
    time (a built-in runtime instance serves one request at a time, alibaba-fc.md §3.4)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.emulator = local_emulator(spec)
        self._process: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._started_at = 0.0
        self._import_s = 0.0
        self._cold = True

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start a new instance and wait until TARGET is imported."""
        self.stop()
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        # The child must import this very ``bridge``, wherever it is installed (or not).
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._started_at = time.perf_counter()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bridge.gateway.worker", str(child_sock.fileno())],
            pass_fds=(child_sock.fileno(),),
            env=env,
        )
        child_sock.close()
        self._conn = Connection(parent_sock.detach())
        self._conn.send(self.spec)
        if not self._conn.poll(STARTUP_TIMEOUT_S):
            self.stop()
            raise InstanceStartError(
                f"the instance did not import {self.spec.target} within {STARTUP_TIMEOUT_S:.0f} s"
            )
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            code = self._process.wait()
            self.stop()
            raise InstanceStartError(
                f"the instance exited with code {code} while importing {self.spec.target}"
            )
        if kind != "ready":
            self.stop()
            raise InstanceStartError(payload)
        self._import_s = payload
        self._cold = True

    def invoke(self, request: GatewayRequest, *, request_id: str, timeout_s: float) -> Outcome:
        """Run one request in the instance, starting one first if there is none."""
        if not self.running:
            try:
                self.start()
            except InstanceStartError as exc:
                return Outcome(self.emulator.error_response(f"instance start failed: {exc}"), error=str(exc))
        assert self._conn is not None and self._process is not None
        process_s = time.perf_counter() - self._started_at
        started = time.perf_counter()
        try:
            self._conn.send((request, request_id))
            if not self._conn.poll(timeout_s):
                # The instance is busy in the handler and cannot hear a request to stop: asking and
                # waiting would answer late and hold the function's next request. Kill it now.
                self.kill()
                reason = f"the function timed out after {timeout_s:g} s; the instance was killed"
                return Outcome(self.emulator.error_response(reason), error=reason, crashed=True)
            kind, payload = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._process.wait()
            self.stop()
            reason = f"the function instance crashed (exit code {code})"
            return Outcome(self.emulator.error_response(reason), error=reason, crashed=True)
        cold_start = None
        if self._cold:
            self._cold = False
            cold_start = ColdStart(
                process_s, self._import_s, time.perf_counter() - started, self.spec.target
            )
        if kind == "response":
            return Outcome(payload, cold_start=cold_start)
        # The handler raised: the runtime reports an unhandled error and the instance lives on.
        first_line = payload.strip().splitlines()[-1] if payload.strip() else "error"
        return Outcome(self.emulator.error_response(first_line), cold_start=cold_start, error=payload)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """End the instance: ask it to run its pre-stop hook and exit; kill it if it has not
        within ``grace_s`` seconds."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def kill(self) -> None:
        """End the instance at once, without its pre-stop hook (the platform kills a timed-out one)."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if conn is not None:
            conn.close()


def local_emulator(spec: WorkerSpec) -> Emulator:
    """The platform's emulator for a function served on this machine.

    The client talks to the gateway itself, so the function sees the ``Host`` the client used
    (``keep_host``), not the platform's default domain: links, redirects and CSRF ``Origin`` checks
    then match the URL in the client's address bar. ``--default-domain`` (``default_domain=True``)
    shows the function the platform's default domain instead.
    """
    return get_emulator(spec.platform, **{"keep_host": True, **spec.options})


# -- the child process ---------------------------------------------------------------------------


def _stage_is_in_the_url(handler: Any) -> None:
    """Tell a ``Bridge`` that the stage is part of the public URL, as it is on the local gateway
    (``http://127.0.0.1:9000/release/``).

    On the platform the bridge infers that from the default domain in ``Host``; with the client's own
    ``127.0.0.1`` there it would take the gateway for a custom domain and drop the stage from every
    link. An explicit ``Bridge(stage_in_url=...)`` is left as the app chose; a plain
    ``handler(event, context)`` function decides for itself.
    """
    from .. import Bridge

    if isinstance(handler, Bridge) and handler.options.stage_in_url is None:
        handler.options.stage_in_url = True


def _give_jobs(handler: Any, jobs: Dict[str, Any]) -> None:
    from .. import Bridge

    if isinstance(handler, Bridge) and getattr(handler, "_jobs", None) is None:
        handler.use_jobs(jobs)


def _run_job(handler: Any, emulator: Emulator, job: Any, request_id: str) -> GatewayResponse:
    """``handler(event, context)`` with the platform's context; the result as a JSON response,
    500 when the job failed (non-zero exit code, an HTTP error status, failed messages)."""
    import json

    from ..events.dispatch import succeeded

    _, context = emulator.build_event(GatewayRequest("POST", "/"), request_id=request_id)
    result = handler(job.event, context)
    ok = succeeded(result)
    body = json.dumps({"job": job.job, "ok": ok, "result": result}, indent=2, default=str).encode() + b"\n"
    reason = None if ok else f"{job.job} failed"
    return GatewayResponse(200 if ok else 500, [("Content-Type", "application/json")], body, reason)


def _serve(conn: Connection) -> None:
    spec: WorkerSpec = conn.recv()
    started = time.perf_counter()
    try:
        from ._target import load_handler

        handler = load_handler(spec.target, platform=spec.platform, chdir=spec.chdir, debug=spec.debug)
        emulator = local_emulator(spec)
        if emulator.url_prefix and emulator.keep_host and spec.options.get("stage"):
            _stage_is_in_the_url(handler)
        if spec.jobs is not None:
            _give_jobs(handler, spec.jobs)
    except BaseException:
        conn.send(("failed", traceback.format_exc()))
        return
    conn.send(("ready", time.perf_counter() - started))
    # Imported by name: this module runs as __main__, so its own classes are not the ones unpickled.
    from .schedules import JobEvent

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        request, request_id = message
        try:
            if isinstance(request, JobEvent):
                response = _run_job(handler, emulator, request, request_id)
            else:
                response = emulator.invoke(handler, request, request_id=request_id)
        except Exception:
            traceback.print_exc()
            conn.send(("error", traceback.format_exc()))
        else:
            conn.send(("response", response))
    pre_stop = getattr(handler, "pre_stop", None)
    if callable(pre_stop):
        pre_stop()


def main(argv: list | None = None) -> None:
    fd = int((argv or sys.argv[1:])[0])
    conn = Connection(fd)
    try:
        _serve(conn)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
