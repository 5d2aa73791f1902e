"""Fixtures shared by the tests; the helpers themselves live in ``_support``."""

from __future__ import annotations

import pytest
from _support import RecordingASGI, RecordingWSGI


@pytest.fixture
def wsgi_app() -> RecordingWSGI:
    return RecordingWSGI()


@pytest.fixture
def asgi_app() -> RecordingASGI:
    return RecordingASGI()


# The database servers and every temporary file on the machine need /tmp world-writable and sticky
# (mode 1777). Several tests make directories read-only to stand in for a function's code directory:
# one that reached /tmp itself would break unrelated tests far away, so the test that did it fails.
_TMP = "/tmp"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    import os
    import stat

    before = stat.S_IMODE(os.stat(_TMP).st_mode) if os.path.isdir(_TMP) else None
    yield
    if before is not None and stat.S_IMODE(os.stat(_TMP).st_mode) != before:
        after = stat.S_IMODE(os.stat(_TMP).st_mode)
        os.chmod(_TMP, before)
        pytest.fail(f"{item.nodeid} changed the mode of {_TMP} from {before:o} to {after:o}")
