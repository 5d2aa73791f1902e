"""Cold start: a fresh interpreter per run, timed from outside (wall clock) and inside (phases).

Each scenario is a small program run as ``python -c``. Its wall time from spawn to exit is what a
new function instance pays before and while serving its first request; the program also reports
its own import time, first-invocation time and RSS. Scenarios run round-robin, so machine load
spreads over all of them, and the median over runs is reported.

Byte code: the runtime images of FC, SCF and Lambda ship ``.pyc`` files for the standard library,
and a deployment package usually has them too, so every child runs with byte code writing allowed
(``PYTHONDONTWRITEBYTECODE`` removed from its environment) and each scenario runs once, untimed,
to fill the ``__pycache__`` folders before the timed runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "benchmarks" / "apps"

# The runtime has imported json before it calls the handler (it decodes the event with it).
_PRELUDE = """\
import json, sys, time
sys.path[:0] = [{root!r}, {apps!r}]
def _rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
t0 = time.perf_counter()
"""

_IMPORT_ONLY = """\
{imports}
t1 = time.perf_counter()
print(json.dumps({{"import_ms": (t1 - t0) * 1e3, "rss_import_kb": _rss()}}))
"""

_FIRST_CALL = """\
{imports}
{build}
t1 = time.perf_counter()
rss_import = _rss()
class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    def get_remaining_time_in_millis(self):
        return 30000
event = json.loads({event!r})
context = Context()
t2 = time.perf_counter()
result = handler(event, context)
t3 = time.perf_counter()
assert result["statusCode"] == 200, result
print(json.dumps({{"import_ms": (t1 - t0) * 1e3, "first_call_ms": (t3 - t2) * 1e3,
                  "rss_import_kb": rss_import, "rss_first_call_kb": _rss()}}))
"""

_SERVERLESS_WSGI = (
    "import serverless_wsgi\ndef handler(e, c):\n    return serverless_wsgi.handle_request(app, e, c)"
)
_APPS = {
    "Flask": "from flask_app import app",
    "FastAPI": "from fastapi_app import app",
    "Django": (
        "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'django_app'\n"
        "from django.core.{kind}.{kind} import get_{kind}_application\napp = get_{kind}_application()"
    ),
}
_DJANGO_WSGI = _APPS["Django"].replace("{kind}.{kind}", "wsgi").replace("{kind}", "wsgi")
_DJANGO_ASGI = _APPS["Django"].replace("{kind}.{kind}", "asgi").replace("{kind}", "asgi")

#: name -> (group, adapter, program body); group "import" reports import time only.
SCENARIOS: Dict[str, tuple] = {
    "bare interpreter": ("import", "-", "pass"),
    "import bridge": ("import", "faas-bridge", "import bridge"),
    "import apig_wsgi": ("import", "apig-wsgi", "import apig_wsgi"),
    "import serverless_wsgi": ("import", "serverless-wsgi", "import serverless_wsgi"),
    "import mangum": ("import", "Mangum", "import mangum"),
    "import a2wsgi": ("import", "a2wsgi", "import a2wsgi"),
    "Flask · faas-bridge": (
        "Flask",
        "faas-bridge",
        (_APPS["Flask"], "from bridge import Bridge\nhandler = Bridge(app)"),
    ),
    "Flask · apig-wsgi": (
        "Flask",
        "apig-wsgi",
        (_APPS["Flask"], "from apig_wsgi import make_lambda_handler\nhandler = make_lambda_handler(app)"),
    ),
    "Flask · serverless-wsgi": (
        "Flask",
        "serverless-wsgi",
        (
            _APPS["Flask"],
            _SERVERLESS_WSGI,
        ),
    ),
    "Flask · Mangum + a2wsgi": (
        "Flask",
        "Mangum + a2wsgi",
        (
            _APPS["Flask"],
            "from a2wsgi import WSGIMiddleware\nfrom mangum import Mangum\n"
            "handler = Mangum(WSGIMiddleware(app), lifespan='off')",
        ),
    ),
    "FastAPI · faas-bridge": (
        "FastAPI",
        "faas-bridge",
        (_APPS["FastAPI"], "from bridge import Bridge\nhandler = Bridge(app)"),
    ),
    "FastAPI · Mangum (lifespan off)": (
        "FastAPI",
        "Mangum (lifespan off)",
        (_APPS["FastAPI"], "from mangum import Mangum\nhandler = Mangum(app, lifespan='off')"),
    ),
    "FastAPI · Mangum (lifespan auto)": (
        "FastAPI",
        "Mangum (lifespan auto)",
        (_APPS["FastAPI"], "from mangum import Mangum\nhandler = Mangum(app, lifespan='auto')"),
    ),
    "Django · faas-bridge (WSGI)": (
        "Django",
        "faas-bridge",
        (_DJANGO_WSGI, "from bridge import Bridge\nhandler = Bridge(app)"),
    ),
    "Django · faas-bridge (ASGI)": (
        "Django",
        "faas-bridge (ASGI)",
        (_DJANGO_ASGI, "from bridge import Bridge\nhandler = Bridge(app)"),
    ),
    "Django · apig-wsgi": (
        "Django",
        "apig-wsgi",
        (_DJANGO_WSGI, "from apig_wsgi import make_lambda_handler\nhandler = make_lambda_handler(app)"),
    ),
    "Django · serverless-wsgi": (
        "Django",
        "serverless-wsgi",
        (
            _DJANGO_WSGI,
            _SERVERLESS_WSGI,
        ),
    ),
    "Django · Mangum (ASGI)": (
        "Django",
        "Mangum (lifespan off)",
        (_DJANGO_ASGI, "from mangum import Mangum\nhandler = Mangum(app, lifespan='off')"),
    ),
}


def program(name: str) -> str:
    group, _, body = SCENARIOS[name]
    prelude = _PRELUDE.format(root=str(ROOT), apps=str(APPS))
    if group == "import":
        return prelude + _IMPORT_ONLY.format(imports=body)
    imports, build = body
    from .events import Request, aws_v2

    return prelude + _FIRST_CALL.format(imports=imports, build=build, event=aws_v2(Request("GET", "/")))


def child_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    env["PYTHONHASHSEED"] = "0"
    return env


class Scenario:
    def __init__(self, name: str) -> None:
        self.name = name
        self.group, self.adapter, _ = SCENARIOS[name]
        self.code = program(name)
        self.wall_ms: List[float] = []
        self.reports: List[Dict[str, float]] = []

    def run_once(self, env: Dict[str, str]) -> None:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", self.code], env=env, capture_output=True, text=True, cwd=ROOT
        )
        wall = (time.perf_counter() - start) * 1e3
        if done.returncode != 0:
            raise RuntimeError(f"cold start {self.name!r} failed:\n{done.stderr[-2000:]}")
        self.wall_ms.append(wall)
        self.reports.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def median(self, key: str) -> float | None:
        values = [r[key] for r in self.reports if key in r]
        return statistics.median(values) if values else None

    @property
    def wall(self) -> float:
        return statistics.median(self.wall_ms)


def command_unavailable(command: str) -> str | None:
    """None when ``bridge COMMAND`` exists in this checkout, else why not (the section is skipped)."""
    done = subprocess.run(
        [sys.executable, "-m", "bridge", command, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`bridge {command}` is not available ({last})"
    return None


def measure(
    runs: int,
    names: List[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> List[Scenario]:
    """Every scenario, ``runs`` times each, round-robin, after one untimed run that writes the pycs."""
    scenarios = [Scenario(name) for name in (names or SCENARIOS)]
    env = child_env()
    for scenario in scenarios:
        scenario.run_once(env)
        scenario.wall_ms.clear()
        scenario.reports.clear()
    for number in range(runs):
        for scenario in scenarios:
            scenario.run_once(env)
        if progress is not None and (number + 1) % max(1, runs // 3) == 0:
            progress(f"cold start: run {number + 1}/{runs}")
    return scenarios


def added_ms(scenarios: List[Scenario], name: str) -> float | None:
    """Median wall time of ``name`` over the bare interpreter's, paired run by run."""
    by_name = {s.name: s for s in scenarios}
    if name not in by_name or "bare interpreter" not in by_name:
        return None
    bare = by_name["bare interpreter"].wall_ms
    return statistics.median(a - b for a, b in zip(by_name[name].wall_ms, bare))
