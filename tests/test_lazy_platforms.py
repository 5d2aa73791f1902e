"""Platform modules load when their event first arrives: a cold start pays for one format, not all.

The registry (``bridge.platforms.EVENT_FORMATS``) lists, per platform, keys its events always carry;
an event without them skips the platform without importing its module. Those keys must never
change which platform an event goes to: every documented event, and every event one edit away from
one, is detected as the platforms' own ``matches`` alone detect it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _support import EVENTS, RecordingWSGI, load_event

from bridge import Bridge
from bridge.platforms import CALL_FORMATS, EVENT_FORMATS, PLATFORM_NAMES

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p.stem for p in EVENTS.glob("*.json"))


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (nothing of bridge loaded); it prints one JSON line."""
    prelude = f"import sys, json\nsys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


_LOADED = "print(json.dumps(sorted(m for m in sys.modules if m.startswith('bridge.platforms.'))))"


def test_import_and_construction_load_no_platform_module():
    loaded = _fresh(
        "import bridge\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n"
        "    return [b'hi']\n"
        "bridge.Bridge(app)\n"
        "bridge.Bridge(app, platform='scf')\n" + _LOADED
    )
    assert loaded == []


@pytest.mark.parametrize(
    ("sample", "modules"),
    [
        ("aws-http-v2", ["_base", "aws_v2"]),
        ("fc3-http-documented", ["_base", "fc3"]),
        ("aws-alb", ["_base", "aws_alb"]),
        ("aws-apigw-v1", ["_base", "aws_v1"]),
    ],
)
def test_the_first_event_loads_its_own_platform_only(sample, modules):
    loaded = _fresh(
        "import bridge\n"
        "from _support import RecordingWSGI, load_event\n"
        "handler = bridge.Bridge(RecordingWSGI())\n"
        f"assert handler(load_event({sample!r}), None)['statusCode'] == 200\n" + _LOADED
    )
    assert loaded == [f"bridge.platforms.{m}" for m in modules]


def test_a_custom_platform_is_asked_first_and_loads_nothing_else():
    loaded = _fresh(
        "import bridge\n"
        "from _support import RecordingWSGI, load_event\n"
        "from test_custom_platform import HuaweiApig\n"
        "handler = bridge.Bridge(RecordingWSGI(), platforms=[HuaweiApig()])\n"
        "assert handler(load_event('huawei-apig'), None)['isBase64Encoded'] is True\n" + _LOADED
    )
    # Its module imports bridge.Platform (the interface, in _base); no built-in platform is loaded.
    assert loaded == ["bridge.platforms._base"]


def test_names_need_no_module():
    assert tuple(e.name for e in EVENT_FORMATS + CALL_FORMATS) == PLATFORM_NAMES
    assert len(set(PLATFORM_NAMES)) == len(PLATFORM_NAMES)
    for entry in EVENT_FORMATS + CALL_FORMATS:
        assert entry.platform.name == entry.name  # the entry names its class's platform


def _eager(event: dict):
    """The first platform, in registry order, whose ``matches`` accepts ``event``: the old detection."""
    return next((e.platform for e in EVENT_FORMATS if e.platform.matches(event)), None)


def _variants(event: dict):
    """``event`` and the events one edit away: a key removed, a value nulled, requestContext's too."""
    yield event
    for key in list(event):
        smaller = dict(event)
        del smaller[key]
        yield smaller
        nulled = dict(event)
        nulled[key] = None
        yield nulled
    context = event.get("requestContext")
    if isinstance(context, dict):
        for key in list(context):
            changed = copy.deepcopy(event)
            del changed["requestContext"][key]
            yield changed
    for extra in ("rawQueryString", "resource", "queryString", "version", "requestContext", "httpMethod"):
        added = dict(event)
        added.setdefault(extra, "1.0" if extra == "version" else {})
        yield added


@pytest.mark.parametrize("sample", SAMPLES)
def test_registry_keys_never_change_detection(sample):
    handler = Bridge(RecordingWSGI())
    for event in _variants(load_event(sample)):
        handler._last = None
        assert handler._platform_for(event) is _eager(event), (sample, sorted(event))


def test_the_header_table_spells_every_usual_name_canonically():
    # Made with str.title at import (cheaper than a loop); the spelling must be the dash-wise one.
    from bridge._headers import LOWER, REQUEST_NAMES, RESPONSE_NAMES

    for name in REQUEST_NAMES + RESPONSE_NAMES:
        canonical = "-".join(part.capitalize() for part in name.split("-"))
        assert LOWER[name] == name and LOWER[canonical] == name
    assert len(LOWER) == 2 * len(set(REQUEST_NAMES + RESPONSE_NAMES))
