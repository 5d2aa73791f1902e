"""``--reload``: restart the function instances when a Python file under the project changes.

A stat poll (no extra dependency). The gateway keeps listening; the instances are stopped and the
next request cold-starts new ones with the new code, as after a deployment.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Dict, Iterator

log = logging.getLogger("bridge.gateway")

_SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".tox", "build", "dist"}


def _python_files(root: str) -> Iterator[str]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(directory, name)


def _snapshot(root: str) -> Dict[str, float]:
    mtimes = {}
    for path in _python_files(root):
        try:
            mtimes[path] = os.stat(path).st_mtime
        except OSError:
            pass
    return mtimes


class Reloader:
    """Polls ``root`` every ``interval_s`` and calls ``on_change`` after a change."""

    def __init__(self, root: str, on_change: Callable[[], None], interval_s: float = 1.0) -> None:
        self.root = root
        self.on_change = on_change
        self.interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bridge-reloader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        before = _snapshot(self.root)
        while not self._stopped.wait(self.interval_s):
            now = _snapshot(self.root)
            if now != before:
                changed = sorted(set(now.items()) ^ set(before.items()))
                log.info("reload: %s changed; the next request starts new instances", changed[0][0])
                before = now
                self.on_change()
