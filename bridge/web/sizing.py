"""How many server processes and threads an instance gets, from its CPU and memory.

The formula (README, "Web mode"):

- ``cpus``: the CPUs this process may run on (``os.sched_getaffinity``), capped by the cgroup's CPU
  quota (``cpu.max`` in cgroup v2, ``cpu.cfs_quota_us / cpu.cfs_period_us`` in v1) rounded up, and
  by the platform's documented CPU variable (Huawei ``RUNTIME_CPU``); at least 1.
- ``memory_mb``: the smallest of the cgroup limit (``memory.max`` / ``memory.limit_in_bytes``) and
  the platform's configured memory (FC ``FC_FUNCTION_MEMORY_SIZE``, Huawei ``RUNTIME_MEMORY``);
  unknown when neither says.
- ASGI (uvicorn): one process, always. The event loop serves concurrent requests, idle streams and
  WebSockets cost no thread, and lifespan must run once per instance; CPU-bound apps scale by
  instances, which is what the platform does.
- WSGI (gunicorn, threaded worker): ``workers = max(1, min(cpus, memory_mb // 256))`` (every
  worker holds a copy of the app; 256 MB leaves a typical Flask or Django worker room for its
  requests); ``threads = max(1, ceil(concurrency / workers))`` where ``concurrency`` is the
  function's configured per-instance concurrency, else 8 per worker. A streaming response holds its
  thread until it ends, so SSE endpoints with many idle clients need ``--concurrency`` set to that
  many, or an ASGI app.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Mapping, Optional

#: Memory one WSGI worker process is given in the formula.
WORKER_MB = 256
#: Threads per WSGI worker when no concurrency is configured.
DEFAULT_THREADS = 8
_CGROUP = Path("/sys/fs/cgroup")


class Sizing:
    """The instance's resources and what the server is given."""

    __slots__ = ("cpus", "memory_mb", "workers", "threads", "concurrency")

    def __init__(
        self, cpus: int, memory_mb: Optional[int], workers: int, threads: int, concurrency: Optional[int]
    ) -> None:
        self.cpus = cpus
        self.memory_mb = memory_mb
        self.workers = workers
        self.threads = threads
        #: Requests served at once before the server refuses (None: no limit set).
        self.concurrency = concurrency

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


def size(
    interface: str,
    *,
    cpus: int,
    memory_mb: Optional[int],
    concurrency: Optional[int] = None,
    workers: Optional[int] = None,
    threads: Optional[int] = None,
) -> Sizing:
    """Workers and threads for ``interface`` (``wsgi``/``asgi``); explicit values win."""
    if interface == "asgi":
        return Sizing(cpus, memory_mb, workers or 1, 1, concurrency)
    if workers is None:
        by_memory = memory_mb // WORKER_MB if memory_mb else cpus
        workers = max(1, min(cpus, by_memory))
    if threads is None:
        threads = max(1, math.ceil(concurrency / workers)) if concurrency else DEFAULT_THREADS
    return Sizing(cpus, memory_mb, workers, threads, concurrency)


def instance_cpus(environ: Mapping[str, str], cpu_variable: Optional[str], cgroup: Path = _CGROUP) -> int:
    """The CPUs the instance may use (see the module's formula)."""
    try:
        count = float(len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux: a local run
        count = float(os.cpu_count() or 1)
    quota = _cpu_quota(cgroup)
    if quota:
        count = min(count, quota)
    declared = _number(environ.get(cpu_variable, "")) if cpu_variable else None
    if declared:
        count = min(count, declared)
    return max(1, math.ceil(count))


def instance_memory_mb(
    environ: Mapping[str, str], memory_variable: Optional[str], cgroup: Path = _CGROUP
) -> Optional[int]:
    """The instance's memory in MB, or None when neither the cgroup nor the platform says."""
    found = []
    limit = _memory_limit(cgroup)
    if limit:
        found.append(limit // (1024 * 1024))
    declared = _number(environ.get(memory_variable, "")) if memory_variable else None
    if declared:
        found.append(int(declared))
    return min(found) if found else None


def _cpu_quota(cgroup: Path) -> Optional[float]:
    text = _read(cgroup / "cpu.max")  # cgroup v2: "max 100000" or "200000 100000"
    if text:
        quota, _, period = text.partition(" ")
        if quota != "max" and _number(quota) and _number(period):
            return float(quota) / float(period)
        return None
    quota_text = _read(cgroup / "cpu" / "cpu.cfs_quota_us")  # cgroup v1: -1 is no quota
    period_text = _read(cgroup / "cpu" / "cpu.cfs_period_us")
    quota_v1, period_v1 = _number(quota_text or ""), _number(period_text or "")
    if quota_v1 and quota_v1 > 0 and period_v1:
        return quota_v1 / period_v1
    return None


def _memory_limit(cgroup: Path) -> Optional[int]:
    text = _read(cgroup / "memory.max") or _read(cgroup / "memory" / "memory.limit_in_bytes")
    value = _number(text or "")
    # v1 writes "no limit" as a huge number (PAGE_COUNTER_MAX pages): anything past 1 PiB is none.
    if not value or value >= 1 << 50:
        return None
    return int(value)


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _number(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None
