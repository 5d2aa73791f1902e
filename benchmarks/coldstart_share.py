"""The bridge's own share of a cold start: what ``import bridge`` + ``Bridge(app)`` + the first call
add to the app's own first call, per app and per platform event, in fresh interpreters.

Each pair of programs imports the app first (the app's imports are the app's cost), then times, in
CPU time of the process (``time.process_time``: time spent waiting for a core on a loaded machine
is not counted) and in wall time:

- *through the bridge*: ``import bridge``, ``handler = Bridge(app)``, ``handler(event, context)``,
  the event already decoded as the runtime does (FC 3.0's JSON bytes decoded by the handler);
- *direct*: the app's first call with a prebuilt WSGI environ (ASGI: its lifespan startup, then
  the call with a prebuilt scope, on a new event loop: what any ASGI server runs).

Both programs of a pair run back to back, pairs round-robin over the scenarios, byte code written
by an untimed first run (as in a package built with byte code). The share is the median over runs
of the paired difference. The program imports nothing before the timed part that the app does not
import itself (the event is embedded as text), so no module the bridge needs is loaded for free.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys

from . import events
from .coldstart import APPS, ROOT, child_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List

TARGET_MS = 2.0

_APP_IMPORTS = {
    "Flask": "from flask_app import app",
    "FastAPI": "from fastapi_app import app",
    "Django": (
        "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'django_app'\n"
        "from django.core.wsgi import get_wsgi_application\napp = get_wsgi_application()"
    ),
}

#: event name -> (builder, host, context source, FC's bytes?)
_EVENTS = {
    "FC 3.0": (events.fc3, events.FC_HOST, "fc"),
    "AWS v2": (events.aws_v2, events.AWS_HOST, "aws"),
    "AWS v1": (events.aws_v1, events.AWS_HOST, "aws"),
    "ALB": (events.alb, events.ALB_HOST, "aws"),
    "SCF": (events.scf, events.SCF_HOST, "scf"),
}

#: (app, event) pairs measured.
SCENARIOS = (
    ("Flask", "FC 3.0"),
    ("Flask", "AWS v2"),
    ("Flask", "AWS v1"),
    ("Flask", "ALB"),
    ("Flask", "SCF"),
    ("Django", "AWS v2"),
    ("Django", "FC 3.0"),
    ("FastAPI", "AWS v2"),
    ("FastAPI", "FC 3.0"),
)

_PRELUDE = """\
import json, sys, time
sys.path[:0] = [{root!r}, {apps!r}]
{app_import}
"""

_CONTEXTS = {
    "aws": """\
class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    function_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000
context = Context()
""",
    "fc": """\
class _Function:
    name = "bench"; handler = "index.handler"; memory = 1024; timeout = 60
class Context:
    request_id = "1-64f6cd87-0123456789abcdef"; function = _Function()
context = Context()
""",
    "scf": "context = {'request_id': 'c6af9ac6', 'function_name': 'bench', 'time_limit_in_ms': 60000}\n",
}

_THROUGH_BRIDGE = """\
event = {event}
c0 = time.process_time(); w0 = time.perf_counter()
import bridge
c1 = time.process_time()
handler = bridge.Bridge(app)
c2 = time.process_time()
result = handler(event, context)
c3 = time.process_time(); w3 = time.perf_counter()
assert result["statusCode"] == 200, result
print(json.dumps({{"cpu_ms": (c3 - c0) * 1e3, "wall_ms": (w3 - w0) * 1e3, "import_ms": (c1 - c0) * 1e3,
                  "init_ms": (c2 - c1) * 1e3, "call_ms": (c3 - c2) * 1e3,
                  "modules": sorted(m for m in sys.modules if m.startswith("bridge"))}}))
"""

_DIRECT_WSGI = """\
c0 = time.process_time(); w0 = time.perf_counter()
environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": {host!r},
    "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": {host!r}, "SCRIPT_NAME": "",
    "wsgi.url_scheme": "https", "wsgi.input": __import__("io").BytesIO(), "wsgi.errors": sys.stderr,
    "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}}
status = []
body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
c3 = time.process_time(); w3 = time.perf_counter()
assert status[0].startswith("200"), status
print(json.dumps({{"cpu_ms": (c3 - c0) * 1e3, "wall_ms": (w3 - w0) * 1e3}}))
"""

_DIRECT_ASGI = """\
import asyncio
c0 = time.process_time(); w0 = time.perf_counter()
scope = {{"type": "http", "asgi": {{"version": "3.0", "spec_version": "2.3"}}, "http_version": "1.1",
    "method": "GET", "scheme": "https", "path": "/", "raw_path": b"/", "query_string": b"",
    "root_path": "", "headers": [(b"host", {host!r}.encode())], "client": None, "server": ({host!r}, 443)}}
sent = []
async def receive():
    return {{"type": "http.request", "body": b"", "more_body": False}}
async def send(message):
    sent.append(message)
loop = asyncio.new_event_loop()
async def lifespan_startup():  # what any ASGI server runs first: the app's own startup
    started = loop.create_future()
    messages = [{{"type": "lifespan.startup"}}]
    async def lifespan_receive():
        return messages.pop() if messages else await loop.create_future()
    async def lifespan_send(message):
        started.done() or started.set_result(message)
    scope = {{"type": "lifespan", "asgi": {{"version": "3.0"}}}}
    loop.create_task(app(scope, lifespan_receive, lifespan_send))
    assert (await started)["type"] == "lifespan.startup.complete"
loop.run_until_complete(lifespan_startup())
loop.run_until_complete(app(scope, receive, send))
c3 = time.process_time(); w3 = time.perf_counter()
assert sent[0]["status"] == 200, sent
print(json.dumps({{"cpu_ms": (c3 - c0) * 1e3, "wall_ms": (w3 - w0) * 1e3}}))
"""


def programs(app: str, event_name: str) -> Dict[str, str]:
    """The two programs of one scenario: ``bridge`` and ``direct``."""
    build, host, context = _EVENTS[event_name]
    text = build(events.Request("GET", "/"))
    prelude = _PRELUDE.format(root=str(ROOT), apps=str(APPS), app_import=_APP_IMPORTS[app])
    event = repr(text) if isinstance(text, bytes) else f"json.loads({text!r})"
    direct = _DIRECT_ASGI if app == "FastAPI" else _DIRECT_WSGI
    return {
        "bridge": prelude + _CONTEXTS[context] + _THROUGH_BRIDGE.format(event=event),
        "direct": prelude + direct.format(host=host),
    }


def _run(program: str, env: Dict[str, str]) -> Dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"cold-start share program failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(runs: int, progress: Callable[[str], None] | None = None) -> Dict[str, Any]:
    """Every scenario's paired runs; medians of the differences."""
    env = child_env()
    scenarios = [(app, event, programs(app, event)) for app, event in SCENARIOS]
    reports: Dict[tuple, Dict[str, List[Dict[str, Any]]]] = {}
    for app, event, progs in scenarios:  # untimed: writes the byte code
        for program in progs.values():
            _run(program, env)
        reports[(app, event)] = {"bridge": [], "direct": []}
    for number in range(runs):
        for app, event, progs in scenarios:
            for name, program in progs.items():
                reports[(app, event)][name].append(_run(program, env))
        if progress is not None and (number + 1) % max(1, runs // 3) == 0:
            progress(f"bridge share: run {number + 1}/{runs}")
    rows = []
    for (app, event), pair in reports.items():
        through, direct = pair["bridge"], pair["direct"]

        def med(key: str, side: List[Dict[str, Any]] = through) -> float:
            return statistics.median(r[key] for r in side)

        rows.append(
            {
                "app": app,
                "event": event,
                "added_cpu_ms": statistics.median(b["cpu_ms"] - d["cpu_ms"] for b, d in zip(through, direct)),
                "added_wall_ms": statistics.median(
                    b["wall_ms"] - d["wall_ms"] for b, d in zip(through, direct)
                ),
                "bridge_cpu_ms": med("cpu_ms"),
                "direct_cpu_ms": med("cpu_ms", direct),
                "import_ms": med("import_ms"),
                "init_ms": med("init_ms"),
                "call_ms": med("call_ms"),
                "modules": len(through[-1]["modules"]),
                "platform_modules": [m for m in through[-1]["modules"] if m.startswith("bridge.platforms.")],
            }
        )
    return {"rows": rows, "runs": runs}


#: Scenarios whose programs are also counted with cachegrind (a run takes seconds under valgrind).
COUNTED = (("Flask", "AWS v2"), ("Flask", "FC 3.0"), ("Django", "AWS v2"), ("FastAPI", "AWS v2"))
_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _instructions(program: str, env: Dict[str, str]) -> int:
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run(
        command + [sys.executable, "-c", program], env=env, capture_output=True, text=True, cwd=ROOT
    )
    found = _IREFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"cachegrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def count(result: Dict[str, Any], progress: Callable[[str], None] | None = None) -> None:
    """Add each :data:`COUNTED` scenario's instruction counts (the timed parts, bridge minus direct).

    Deterministic to a few thousand instructions with a fixed hash seed, where CPU time on a loaded
    machine moves by tens of percent; the CPU-time rate of the app's own first call in the same
    scenario turns the difference into milliseconds of this machine. Skipped without valgrind.
    """
    if shutil.which("valgrind") is None:
        return
    env = child_env()
    for row in result["rows"]:
        if (row["app"], row["event"]) not in COUNTED:
            continue
        counts = {}
        for name, program in programs(row["app"], row["event"]).items():
            # The timed part alone: the program up to its end, less the program up to its start.
            head, _, rest = program.partition("c0 = time.process_time()")
            timed = head + "c0 = time.process_time()" + rest.partition("c3 = time.process_time()")[0]
            counts[name] = _instructions(timed, env) - _instructions(head, env)
        row["added_instructions"] = counts["bridge"] - counts["direct"]
        row["app_call_instructions"] = counts["direct"]
        rate = counts["direct"] / row["direct_cpu_ms"] if row["direct_cpu_ms"] > 0 else None
        row["added_ms_at_app_rate"] = row["added_instructions"] / rate if rate else None
        if progress is not None:
            progress(f"bridge share: counted {row['app']} · {row['event']}")


def lines(result: Dict[str, Any]) -> List[str]:
    if "error" in result:
        return [f"Not available: {result['error']}."]
    out = [
        f"{result['runs']} paired runs per scenario, CPU ms of the process (medians; the share is the "
        "median of paired differences; wall ms beside it for reference).",
        "",
        "| app · event | the bridge adds (CPU ms) | (wall ms) | `import bridge` | `Bridge(app)` "
        "| first call | app's own first call | bridge modules loaded | platform modules |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in result["rows"]:
        platforms = ", ".join(m.rpartition(".")[2] for m in row["platform_modules"])
        out.append(
            f"| {row['app']} · {row['event']} | {row['added_cpu_ms']:.2f} | {row['added_wall_ms']:.2f} "
            f"| {row['import_ms']:.2f} | {row['init_ms']:.2f} | {row['call_ms']:.2f} "
            f"| {row['direct_cpu_ms']:.2f} | {row['modules']} | {platforms} |"
        )
    counted = [row for row in result["rows"] if "added_instructions" in row]
    if counted:
        out += [
            "",
            "Instructions (cachegrind, `PYTHONHASHSEED=0`; each timed part as the program up to its end less "
            "the program up to its start): what the bridge adds, and that "
            "count in ms at the rate this machine ran the app's own first call in the same scenario.",
            "",
            "| app · event | the bridge adds (instructions) | app's own first call (instructions) "
            "| the bridge adds, ms at the app's rate |",
            "|---|--:|--:|--:|",
        ]
        for row in counted:
            ms = row["added_ms_at_app_rate"]
            out.append(
                f"| {row['app']} · {row['event']} | {row['added_instructions'] / 1e6:.2f} M "
                f"| {row['app_call_instructions'] / 1e6:.2f} M | {'–' if ms is None else f'{ms:.2f}'} |"
            )
    return out


def verdicts(result: Dict[str, Any]) -> List[tuple]:
    """``(PASS | FAIL, target, evidence)`` for the bridge's share of a cold start.

    Judged on the instruction count in ms at the app's own rate where cachegrind ran (load moves CPU
    time by tens of percent on a shared machine), else on the paired CPU time; both are shown.
    """
    if "error" in result or not result["rows"]:
        return []
    rows = result["rows"]
    cpu = max(rows, key=lambda row: row["added_cpu_ms"])
    cpu_text = f"CPU, paired medians: worst {cpu['app']} · {cpu['event']} {cpu['added_cpu_ms']:.2f} ms"
    counted = [row for row in rows if row.get("added_ms_at_app_rate") is not None]
    if not counted:
        return [
            (
                "PASS" if cpu["added_cpu_ms"] < TARGET_MS else "FAIL",
                f"the bridge adds < {TARGET_MS:.0f} ms to a cold start (any app and event)",
                cpu_text,
            )
        ]
    worst = max(counted, key=lambda row: row["added_ms_at_app_rate"])
    counts = ", ".join(
        f"{r['app']}·{r['event']} {r['added_instructions'] / 1e6:.1f} M = {r['added_ms_at_app_rate']:.2f} ms"
        for r in counted
    )
    return [
        (
            "PASS" if worst["added_ms_at_app_rate"] < TARGET_MS else "FAIL",
            f"the bridge adds < {TARGET_MS:.0f} ms to a cold start (instructions at the app's own rate)",
            f"{counts}; {cpu_text}",
        )
    ]
