"""Apply migrations once per process, before the first request, when settings ask for it.

They ask when the database is a fresh SQLite file in the temp dir (see ``blog_site.database``):
it is empty at every cold start, so without this the first page would fail on missing tables.
Django builds its middleware once, when the WSGI or ASGI handler is created, so a middleware
factory is the one hook that runs at startup in ``runserver``, gunicorn, uvicorn and the bridge
alike, after the apps are ready and before any request.

Keep it off for a shared database: several instances starting together would race to migrate it.
Migrate those from a deploy step instead (see the README).
"""

from __future__ import annotations

import logging
from typing import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class MigrateAtStartup:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if settings.MIGRATE_AT_STARTUP:
            logger.info("applying migrations at startup to %s", settings.DATABASES["default"]["NAME"])
            call_command("migrate", interactive=False, verbosity=0)
        # Either way there is nothing to do per request: leave the middleware chain.
        raise MiddlewareNotUsed
