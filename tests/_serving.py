"""Running ``bridge serve`` as a subprocess for a test: started on a free port, always stopped.

``--port 0`` lets the OS pick the port; the gateway's banner line ("bridge serve: fc gateway
listening on http://127.0.0.1:PORT/PREFIX/") says which, with the platform's URL prefix (a stage,
FC 2.0's proxy path). Everything the gateway prints is drained continuously (a full pipe would
block its request log, and so the gateway) and kept for failure messages.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterator, List, Pattern, Union

import pytest

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
_BANNER = re.compile(r"listening on (http://[^/\s]+)(\S*?)/\s*$")


class Served:
    """A running gateway: where it listens, and what it printed so far."""

    def __init__(self, root: str, prefix: str, output: List[str]) -> None:
        #: ``http://127.0.0.1:PORT``, without the platform's prefix.
        self.root = root
        #: The platform's URL prefix (``/release``, FC 2.0's proxy path) or ``""``.
        self.prefix = prefix
        self._output = output

    @property
    def url(self) -> str:
        """Where the app is mounted: the root plus the prefix, no trailing slash."""
        return self.root + self.prefix

    @property
    def log(self) -> str:
        return "".join(self._output)

    def log_with(self, pattern: Pattern[str], count: int, timeout: float = 10.0) -> str:
        """The output once ``pattern`` matches it ``count`` times (or ``timeout`` passed): the gateway
        logs a request after answering it, so its line may trail the response a client already has."""
        deadline = time.monotonic() + timeout
        while len(pattern.findall(self.log)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.log


def child_env(extra: Dict[str, str] | None = None) -> Dict[str, str]:
    """This process's environment, with this checkout's ``bridge`` importable, plus ``extra``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@contextlib.contextmanager
def bridge_serve(
    *args: str, env: Dict[str, str] | None = None, bridge: List[str] | None = None, cwd: Path = ROOT
) -> Iterator[Served]:
    """Run ``python -m bridge serve ARGS --port 0`` (``bridge``: another command) until the block ends."""
    command = [*(bridge or [sys.executable, "-m", "bridge"]), "serve", *args, "--port", "0"]
    process = subprocess.Popen(
        command,
        cwd=str(cwd),
        env=env if env is not None else child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: List[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=pump, name="bridge-serve-output", daemon=True).start()
    try:
        served = None
        while served is None:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT_S)
            except queue.Empty:
                waited = f"{STARTUP_TIMEOUT_S:.0f} s"
                pytest.fail(f"bridge serve did not start within {waited}:\n{''.join(output)}")
            match = _BANNER.search(line)
            if match:
                served = Served(match.group(1), match.group(2), output)
            elif process.poll() is not None and lines.empty():
                pytest.fail(f"bridge serve exited with {process.returncode}:\n{''.join(output)}")
        yield served
    finally:
        process.terminate()  # the gateway stops its function instances on the way out
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load_journey(sample: Path, prefix: str) -> ModuleType:
    """A sample's ``journey.py``, loaded by path under its own name (both samples have one)."""
    spec = importlib.util.spec_from_file_location(f"{prefix}_{sample.name}_journey", sample / "journey.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_env(database: Union[Path, str], **extra: str) -> Dict[str, str]:
    """A sample process's environment: this one's, without the apps' own settings, on ``database``
    (a SQLite file, or the ``DATABASE_URL`` of a server's database)."""
    env = {
        name: value
        for name, value in child_env().items()
        if not name.startswith(("DJANGO_", "BRIDGE_")) and name not in ("DATABASE_URL", "SECRET_KEY")
    }
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    env.update(DATABASE_URL=url, **extra)
    return env
