"""A cold start loads the bridge modules its first call runs, and no others.

Every module a first request imports is paid by every new instance (about 0.45 M instructions for
the import machinery alone, then its byte code and body: ``benchmarks/hotpath.md``, "Fifth pass").
The streaming, call-platform, failure, job and command paths live in modules of their own that load
when used; these tests keep them off a plain HTTP request's cold start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "events"

#: What ``import bridge`` + ``Bridge(app)`` + one successful AWS HTTP API 2.0 call load for a WSGI app.
FIRST_CALL = [
    "bridge",
    "bridge._bridge",
    "bridge._errors",
    "bridge._headers",
    "bridge._model",
    "bridge._options",
    "bridge.platforms",
    "bridge.platforms._base",
    "bridge.platforms.aws_v2",
    "bridge.runners",
    "bridge.runners.wsgi",
]


def _loaded_after(call: str) -> list:
    """The ``bridge`` modules a fresh interpreter holds after a Flask app's first call ``call``."""
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from flask import Flask, make_response\n"
        "app = Flask('cold')\n"
        "@app.route('/', methods=['GET', 'POST'])\n"
        "def home():\n"
        "    return 'hello'\n"
        "@app.route('/fail', methods=['GET', 'POST'])\n"
        "def fail():\n"
        "    raise RuntimeError('boom')\n"
        "import bridge\n"
        "handler = bridge.Bridge(app)\n"
        f"event = json.load(open({str(EVENTS / 'aws-http-v2.json')!r}))\n"
        "event['rawPath'] = event['requestContext']['http']['path'] = '/'\n"
        "event['requestContext']['stage'] = '$default'\n"
        f"{call}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'bridge' or m.startswith('bridge.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_flask_first_call_on_aws_v2_loads_only_what_it_runs():
    assert _loaded_after("assert handler(event, None)['statusCode'] == 200") == FIRST_CALL


def test_an_app_error_loads_the_failure_path_on_first_use():
    # Flask answers its own errors with a 500 page unless told to let them through to the server.
    call = "app.config['PROPAGATE_EXCEPTIONS'] = True\nevent['rawPath'] = '/fail'\n"
    loaded = _loaded_after(call + "assert handler(event, None)['statusCode'] == 500")
    assert loaded == sorted(FIRST_CALL + ["bridge._failures"])
