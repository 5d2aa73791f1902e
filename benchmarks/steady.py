"""Steady state: RSS over 20,000 warm invocations, and the ASGI lifespan startup count.

Each app runs in its own child process (a fresh instance). The child alternates the hello-world
and the JSON request on the AWS v2 event, each a freshly decoded dict, and samples VmRSS at fixed
invocation counts. The raw app call runs the same requests in its own child as the control: what
the app and the allocator do on their own is the noise that faas-bridge's growth is compared to.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .coldstart import APPS, ROOT, child_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

CHECKPOINTS = (100, 1000, 5000, 10000, 20000)

_CHILD = """\
import json, sys
sys.path[:0] = [{root!r}, {apps!r}]
from benchmarks import events
from benchmarks.overhead import _raw_asgi, _raw_wsgi
from workload import ORDER_BODY
from {module} import app

def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

requests = [events.Request("GET", "/"), events.Request("POST", "/orders", ORDER_BODY, "application/json")]
texts = [events.aws_v2(r) for r in requests]
context = events.AwsContext()
if {raw!r}:
    if {asgi!r}:
        calls = [_raw_asgi(app, t, t, r.body)[1] for t, r in zip(texts, requests)]
    else:
        calls = [_raw_wsgi(app, t, t, r.body) for t, r in zip(texts, requests)]
    def invoke(i):
        calls[i & 1]()
else:
    from bridge import Bridge
    handler = Bridge(app)
    def invoke(i):
        result = handler(json.loads(texts[i & 1]), context)
        assert result["statusCode"] == 200, result
samples = {{}}
done = 0
for checkpoint in {checkpoints!r}:
    while done < checkpoint:
        invoke(done)
        done += 1
    samples[checkpoint] = rss_kb()
startups = None
if {asgi!r}:
    import fastapi_app
    startups = fastapi_app.STARTUPS[0]
print(json.dumps({{"rss_kb": samples, "startups": startups}}))
"""


def run_child(framework: str, raw: bool, checkpoints=CHECKPOINTS) -> Dict[str, Any]:
    module = {"Flask": "flask_app", "FastAPI": "fastapi_app"}[framework]
    code = _CHILD.format(
        root=str(ROOT),
        apps=str(APPS),
        module=module,
        raw=raw,
        asgi=framework == "FastAPI",
        checkpoints=tuple(checkpoints),
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"steady state {framework} failed:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["rss_kb"] = {int(k): v for k, v in report["rss_kb"].items()}
    return report


def measure(checkpoints=CHECKPOINTS) -> List[Dict[str, Any]]:
    """One row per framework and adapter: RSS at each checkpoint and the growth from the first to the last."""
    rows = []
    for framework in ("Flask", "FastAPI"):
        for raw in (True, False):
            report = run_child(framework, raw, checkpoints)
            rss = report["rss_kb"]
            rows.append(
                {
                    "framework": framework,
                    "adapter": "raw app call" if raw else "faas-bridge",
                    "rss_kb": rss,
                    "growth_kb": rss[checkpoints[-1]] - rss[checkpoints[0]],
                    "startups": report["startups"],
                }
            )
    return rows
