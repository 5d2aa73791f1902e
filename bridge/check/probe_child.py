"""The child side of the dynamic probe: import the app as a function instance would, and tell.

Run by :mod:`bridge.check.probe` as ``python -X importtime -m bridge.check.probe_child TARGET CODE
RESULT`` with the code directory read-only and ``TMPDIR``/``HOME`` in a writable stand-in for /tmp.
Writes the result as JSON to RESULT, opened before the app runs so it is not one of the app's writes.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from typing import Any, Dict, List, Optional, Tuple

from ..apploader import load_target
from .loaded_settings import describe_app

MARKER = "@@bridge-check: app import starts"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {
    "os.mkdir": 0,
    "os.rename": 1,
    "os.remove": 0,
    "os.rmdir": 0,
    "os.truncate": 0,
    "shutil.copyfile": 1,
    "shutil.rmtree": 0,
    "sqlite3.connect": 0,
    "os.symlink": 1,
}


class Recorder:
    """Collects the app's writes (an audit hook) and the threads it starts (Thread.start wrapped)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.writes: List[Dict[str, Any]] = []
        self.starts: Dict[int, Optional[Tuple[str, int]]] = {}
        self._busy = False

    def project_frame(self) -> Optional[Tuple[str, int]]:
        """The innermost frame in the app's code: where the app asked for what happens."""
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(self.code + os.sep):
                return os.path.relpath(filename, self.code).replace(os.sep, "/"), frame.f_lineno
            frame = frame.f_back
        return None

    def audit(self, event: str, args: Tuple[Any, ...]) -> None:
        if self._busy:
            return
        path: Any = None
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if not writing:
                return
        elif event in _PATH_EVENTS:
            index = _PATH_EVENTS[event]
            path = args[index] if len(args) > index else None
        else:
            return
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or path in ("", ":memory:") or path.startswith("file:"):
            return
        self._busy = True
        try:
            where = self.project_frame()
            self.writes.append(
                {
                    "event": event,
                    "path": os.path.abspath(path),
                    "file": where[0] if where else "",
                    "line": where[1] if where else 0,
                }
            )
        finally:
            self._busy = False

    def wrap_thread_start(self) -> None:
        original = threading.Thread.start
        recorder = self

        def start(thread: threading.Thread, *args: Any, **kwargs: Any) -> Any:
            recorder.starts[id(thread)] = recorder.project_frame()
            return original(thread, *args, **kwargs)

        threading.Thread.start = start  # type: ignore[method-assign]


def main(argv: List[str]) -> int:
    target, code, result_path = argv
    code = os.path.realpath(code)
    result: Dict[str, Any] = {"imported": False}
    with open(result_path, "w", encoding="utf-8") as out:
        recorder = Recorder(code)
        sys.addaudithook(recorder.audit)
        recorder.wrap_thread_start()
        before = set(threading.enumerate())
        sys.stderr.write(f"\n{MARKER}\n")
        sys.stderr.flush()
        started = time.perf_counter()
        try:
            app = load_target(target, chdir=code)
            result["imported"] = True
        except BaseException as exc:  # noqa: BLE001 - every failure is the finding
            app = None
            result["error"] = _describe(exc, code)
        result["seconds"] = round(time.perf_counter() - started, 4)
        result["writes"] = recorder.writes
        result["threads"] = [
            _thread(thread, recorder.starts.get(id(thread)))
            for thread in threading.enumerate()
            if thread not in before and thread is not threading.main_thread()
        ]
        if app is not None:
            result.update(describe_app(app, code))
        json.dump(result, out)
    # The app's own threads (a scheduler, a pool) must not keep the probe alive.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _thread(thread: threading.Thread, where: Optional[Tuple[str, int]]) -> Dict[str, Any]:
    target = getattr(thread, "_target", None)
    return {
        "name": thread.name,
        "daemon": thread.daemon,
        "target": getattr(target, "__qualname__", type(thread).__qualname__),
        "file": where[0] if where else "",
        "line": where[1] if where else 0,
    }


def _describe(exc: BaseException, code: str) -> Dict[str, Any]:
    cause: BaseException = exc.__cause__ or exc
    file, line = "", 0
    for frame in traceback.extract_tb(cause.__traceback__):
        if frame.filename.startswith(code + os.sep):
            file, line = os.path.relpath(frame.filename, code).replace(os.sep, "/"), frame.lineno or 0
    return {
        "type": type(cause).__name__,
        "message": str(cause) if cause is not exc else str(exc),
        "summary": str(exc),
        "errno": getattr(cause, "errno", None),
        "filename": os.path.abspath(cause.filename)
        if isinstance(getattr(cause, "filename", None), str)
        else None,
        "file": file,
        "line": line,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
