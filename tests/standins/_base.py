"""What the FC and SCF API stand-ins share: a local HTTP server in a thread, a call log, injected faults,
and running a function's handler from its uploaded zip in a subprocess.

Test code only: written from the vendors' API references and the SDKs' request models, never from
our providers, so that a provider and a stand-in disagreeing shows up as a failing test.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple


@dataclass
class Call:
    method: str
    action: str
    mutating: bool
    path: str


@dataclass
class Fault:
    """Answer the ``nth`` mutating call from now with ``status``/``code`` instead of doing it."""

    nth: int
    status: int
    code: str
    message: str


class Reply(Exception):
    """An answer decided part way through handling a request (an error, usually)."""

    def __init__(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class StandIn:
    """A vendor API on 127.0.0.1: subclasses implement :meth:`handle` and their signature check."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.faults: List[Fault] = []
        self.lock = threading.RLock()
        self._mutations_seen = 0
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._code_dirs: Dict[str, Path] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="bridge-standin-")

    # --- server ----------------------------------------------------------------------------------------

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload, extra = standin.dispatch(self.command, self.path, headers, body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", extra.pop("content-type", "application/json"))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._tmp.cleanup()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def dispatch(
        self, method: str, path: str, headers: Dict[str, str], body: bytes
    ) -> Tuple[int, Any, Dict[str, str]]:
        raise NotImplementedError

    # --- call log and faults ------------------------------------------------------------------------

    def record(self, method: str, action: str, mutating: bool, path: str) -> Optional[Fault]:
        """Log a call; return the fault to answer with when this mutating call is the one to fail."""
        with self.lock:
            self.calls.append(Call(method, action, mutating, path))
            if not mutating:
                return None
            self._mutations_seen += 1
            for fault in list(self.faults):
                fault.nth -= 1
                if fault.nth == 0:
                    self.faults.remove(fault)
                    return fault
            return None

    def fail_mutating_call(self, nth: int, status: int, code: str, message: str = "injected failure") -> None:
        self.faults.append(Fault(nth, status, code, message))

    def mutating_calls(self) -> List[Call]:
        return [call for call in self.calls if call.mutating]

    def reset_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    # --- running a function -------------------------------------------------------------------------

    def code_dir(self, zip_bytes: bytes) -> Path:
        """The uploaded zip, extracted once per content into a directory of its own."""
        digest = hashlib.sha256(zip_bytes).hexdigest()
        with self.lock:
            if digest not in self._code_dirs:
                target = Path(self._tmp.name) / digest[:16]
                with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                    archive.extractall(target)
                self._code_dirs[digest] = target
            return self._code_dirs[digest]

    def run_handler(
        self,
        zip_bytes: bytes,
        *,
        handler: str,
        event: Any,
        context: Dict[str, Any],
        environment: Dict[str, str],
        flavour: str,
        initializer: Optional[str] = None,
        timeout: float = 60,
    ) -> Dict[str, Any]:
        """Run ``handler`` from the code in a fresh process (a cold instance): ``{"result"|"error", "log"}``.

        The process is this interpreter, so the test environment's packages stand in for the
        dependencies a real package would carry; the code directory comes first on ``sys.path``.
        """
        code = self.code_dir(zip_bytes)
        with tempfile.TemporaryDirectory(prefix="bridge-invoke-") as scratch:
            request = Path(scratch) / "request.json"
            result = Path(scratch) / "result.json"
            request.write_text(
                json.dumps(
                    {
                        "handler": handler,
                        "initializer": initializer,
                        "event": event,
                        "context": context,
                        "flavour": flavour,
                        "result": str(result),
                    }
                )
            )
            env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
            env.update(environment)
            env["PYTHONPATH"] = str(code)
            process = subprocess.run(
                [sys.executable, "-c", _RUNNER, str(request)],
                cwd=str(code),
                env=env,
                capture_output=True,
                timeout=timeout,
            )
            log = (process.stdout + process.stderr).decode("utf-8", "replace")
            if not result.exists():
                return {
                    "error": {
                        "errorMessage": f"the runtime exited with {process.returncode}",
                        "errorType": "RuntimeExited",
                    },
                    "log": log,
                }
            outcome = json.loads(result.read_text())
            outcome["log"] = log
            return outcome


# The function instance: import the handler's module from the code directory, run the initializer
# (FC calls it once per instance before the first invocation), call the handler once.
_RUNNER = r"""
import base64, json, sys, traceback, types, importlib
request = json.load(open(sys.argv[1]))
sys.path.insert(0, ".")

def load(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)

def context_for(flavour, fields):
    if flavour == "fc":
        function = types.SimpleNamespace(**fields.pop("function"))
        credentials = types.SimpleNamespace(access_key_id="", access_key_secret="", security_token="")
        return types.SimpleNamespace(function=function, credentials=credentials, **fields)
    return fields

try:
    context = context_for(request["flavour"], dict(request["context"]))
    event = request["event"]
    if request["flavour"] == "fc":
        event = base64.b64decode(event)
    if request.get("initializer"):
        load(request["initializer"])(context)
    value = load(request["handler"])(event, context)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    outcome = {"result": value}
except BaseException as error:
    outcome = {"error": {"errorMessage": str(error), "errorType": type(error).__name__,
                         "stackTrace": traceback.format_exc().splitlines()}}
with open(request["result"], "w") as handle:
    json.dump(outcome, handle, default=str)
"""


def error_body(code: str, message: str, request_id: str) -> Dict[str, str]:
    return {"Code": code, "Message": message, "RequestId": request_id}


Handler = Callable[..., Tuple[int, Any, Dict[str, str]]]
