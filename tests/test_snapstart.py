"""AWS Lambda SnapStart: start-up work runs before the snapshot, ``on_restore`` hooks after each restore.

Lambda sets ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`` while it initialises a version for its
snapshot and runs what was registered with ``snapshot_restore_py`` (its runtime ships the module; it
is on PyPI as ``snapshot-restore-py``) just before the snapshot and just after each restore
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html). These tests
play the runtime: they run the registered hooks the way its bootstrap does.
"""

from __future__ import annotations

import logging
import random
import sys
import types

import pytest
from _support import RecordingWSGI, load_event

from bridge import Bridge

snapshot_restore_py = pytest.importorskip("snapshot_restore_py")


@pytest.fixture
def registry(monkeypatch):
    """The real module's registries, emptied for the test and restored after it."""
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    before, after = snapshot_restore_py.get_before_snapshot(), snapshot_restore_py.get_after_restore()
    saved = (list(before), list(after))
    before.clear()
    after.clear()
    yield snapshot_restore_py
    before[:] = saved[0]
    after[:] = saved[1]


def _run(hooks):
    # As the runtime's bootstrap does: each registered (function, args, kwargs), in order.
    for function, args, kwargs in hooks:
        function(*args, **kwargs)


def test_cold_start_hooks_and_lifespan_startup_run_before_the_snapshot(registry):
    events = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            message = await receive()
            events.append(message["type"])
            await send({"type": "lifespan.startup.complete"})
            await receive()  # shutdown, never sent here
            return
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    handler = Bridge(app)
    handler.on_cold_start(lambda context: events.append("cold start"))
    assert events == []  # nothing yet: the runtime snapshots after the module's import
    _run(registry.get_before_snapshot())
    assert events == ["cold start", "lifespan.startup"]
    result = handler(load_event("aws-http-v2"), None)
    assert result["statusCode"] == 200 and result["body"] == "ok"
    assert events == ["cold start", "lifespan.startup"]  # not again on the first invocation


def test_on_restore_hooks_run_after_restore_and_random_is_reseeded(registry):
    handler = Bridge(RecordingWSGI())
    restored = []
    handler.on_restore(lambda: restored.append("pool reopened"))
    _run(registry.get_before_snapshot())
    random.seed(1234)
    snapshot_state = random.getstate()
    _run(registry.get_after_restore())
    assert restored == ["pool reopened"]
    assert random.getstate() != snapshot_state  # two restored instances must not draw alike
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 200


def test_a_failing_restore_hook_fails_the_restore_with_one_log_line(registry, caplog):
    handler = Bridge(RecordingWSGI())

    @handler.on_restore
    def reconnect():
        raise ConnectionError("database unreachable")

    with caplog.at_level(logging.ERROR, logger="bridge"), pytest.raises(ConnectionError):
        _run(registry.get_after_restore())
    assert [r.getMessage() for r in caplog.records] == [
        "restore hook reconnect failed: ConnectionError: database unreachable "
        f"(at {__name__.rpartition('.')[2]}.py:{reconnect.__code__.co_firstlineno + 2} in reconnect)"
    ]


def test_nothing_is_registered_outside_a_snapstart_initialisation(registry, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    Bridge(RecordingWSGI())
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE")
    Bridge(RecordingWSGI())
    assert registry.get_before_snapshot() == [] and registry.get_after_restore() == []


def test_a_fake_registry_stands_in_where_the_module_is_absent(monkeypatch):
    # A module of the same two names, as a runtime without the PyPI package would provide.
    fake = types.ModuleType("snapshot_restore_py")
    before, after = [], []
    fake.register_before_snapshot = before.append
    fake.register_after_restore = after.append
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    handler = Bridge(RecordingWSGI())
    assert before == [handler.initialize] and after == [handler.restore]


def test_without_the_module_startup_runs_on_the_first_invocation(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    with caplog.at_level(logging.WARNING, logger="bridge"):
        handler = Bridge(RecordingWSGI())
    assert "no snapshot_restore_py module" in caplog.text
    started = []
    handler.on_cold_start(started.append)
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 200
    assert started == [None]
