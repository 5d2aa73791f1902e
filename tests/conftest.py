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
