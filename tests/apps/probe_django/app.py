"""The Django probe's WSGI application, configured for whatever process-global settings exist.

Django settings are global to the process; other tests may have configured Django already, so the
probe overrides only what it needs (its URLconf, hosts and middleware) instead of owning settings.
"""

from __future__ import annotations

import django
from django.conf import settings

PROBE_SETTINGS = {
    "ROOT_URLCONF": "apps.probe_django.urls",
    "ALLOWED_HOSTS": ["*"],
    "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 64 * 1024 * 1024,
    "USE_X_FORWARDED_HOST": False,
    "APPEND_SLASH": False,
}


def configure():
    """Configure Django for the probe when nothing has; return an ``override_settings`` otherwise."""
    from django.test.utils import override_settings

    if not settings.configured:
        settings.configure(DEBUG=False, SECRET_KEY="probe", INSTALLED_APPS=[], DATABASES={}, **PROBE_SETTINGS)
        django.setup()
    return override_settings(**PROBE_SETTINGS)


def application():
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()
