"""Static file URLs under the mount prefix of the request being served.

Django documents that it puts SCRIPT_NAME in front of a relative STATIC_URL, but it does so once:
the first read of the setting is cached for the life of the process (``LazySettings.__getattr__``
in django/conf/__init__.py). WhiteNoise reads STATIC_URL when the handler is built, before any
request, so with a relative STATIC_URL every page would still link ``/static/...`` under a stage
like ``/release``. And one function instance can serve both a gateway's default domain (stage
in the path) and a custom domain (none), so the prefix has to be the current request's anyway.

So STATIC_URL stays an absolute ``/static/`` (what WhiteNoise matches against PATH_INFO, which
never carries the prefix) and this storage adds the request's script prefix to each URL it
builds, exactly as ``{% url %}`` does.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.urls import get_script_prefix


class ScriptPrefixedStaticFilesStorage(StaticFilesStorage):
    def url(self, name: str | None) -> str:
        url = super().url(name)
        if not url.startswith("/") or url.startswith("//"):
            return url  # STATIC_URL on another host (a CDN): no prefix belongs there
        return get_script_prefix().rstrip("/") + url
