"""Will a Django project's static files be served once deployed? Read from its loaded settings.

Django serves static files only with ``DEBUG`` on and ``runserver`` (https://docs.djangoproject.com/
en/stable/howto/static-files/deployment/); a function has neither, and no web server in front to
serve ``STATIC_ROOT``. So without WhiteNoise (https://whitenoise.readthedocs.io/en/stable/django.html)
or a ``STATIC_URL`` on object storage, every ``/static/...`` answers 404 and the admin is unstyled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

_WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
_ADVICE = (
    "add WhiteNoise (pip install whitenoise; 'whitenoise.middleware.WhiteNoiseMiddleware' right after "
    "SecurityMiddleware in MIDDLEWARE; STATIC_ROOT set; `manage.py collectstatic` before `bridge build`: "
    "https://whitenoise.readthedocs.io/en/stable/django.html), or upload collectstatic's output to object "
    "storage behind a CDN (OSS, COS, S3) and set STATIC_URL to its https:// address"
)


def django_static_note(project: Any) -> Optional[str]:
    """What to do about the project's static files, or ``None`` when they will be served.

    Reads ``django.conf.settings``: the project must already be loaded (as :func:`load_deployment`
    and ``bridge plan`` do).
    """
    if not getattr(project, "django", None):
        return None
    from django.conf import settings

    static_url = str(getattr(settings, "STATIC_URL", "") or "")
    if not static_url or static_url.startswith(("http://", "https://", "//")):
        return None  # no static files, or served from elsewhere already
    uses_static = "django.contrib.staticfiles" in settings.INSTALLED_APPS or "django.contrib.admin" in (
        settings.INSTALLED_APPS
    )
    if not uses_static:
        return None
    if _WHITENOISE not in list(getattr(settings, "MIDDLEWARE", ()) or ()):
        return (
            f"Django static files: {static_url}... will answer 404 once deployed (Django serves them only "
            f"with DEBUG and runserver; `bridge serve` shows the same): {_ADVICE}"
        )
    root = getattr(settings, "STATIC_ROOT", None)
    if root and not Path(root).is_dir():
        return (
            f"Django static files: WhiteNoise is set up but STATIC_ROOT ({root}) does not exist: run "
            "`python manage.py collectstatic` before `bridge build`, so that the package carries them"
        )
    return None
