"""Inside the probe's child: what the loaded app configured, as plain JSON-ready values.

Only the settings :mod:`bridge.check.settings_checks` judges are read, and never a secret's value.
Paths stay absolute; the parent maps them to the code, the temp dir or elsewhere.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from ..split.routes import discover_routes
from .platform_facts import default_hosts

_FLASK_KEYS = (
    "SQLALCHEMY_DATABASE_URI",
    "SESSION_TYPE",
    "SESSION_FILE_DIR",
    "UPLOAD_FOLDER",
    "MAX_CONTENT_LENGTH",
    "CACHE_TYPE",
    "CACHE_DIR",
    "DEBUG",
)


def describe_app(app: Any, code: str) -> Dict[str, Any]:
    """Routes that matter to the checks, and the Django settings or Flask config in force."""
    flask_app = _flask_app(app)
    out: Dict[str, Any] = {"routes": _routes(app, code, flask_app)}
    django = _django(code)
    if django is not None:
        out["django"] = django
    if flask_app is not None:
        out["flask"] = _flask(flask_app, code)
    return out


def _routes(app: Any, code: str, flask_app: Any) -> List[Dict[str, Any]]:
    try:
        routes = discover_routes(app)
    except Exception as exc:  # noqa: BLE001 - an app kind route discovery does not know
        return [{"error": str(exc)}]
    out = []
    for route in routes:
        if route.kind not in ("websocket", "static"):
            continue
        if (
            route.kind == "static"
            and flask_app is not None
            and not _flask_static_exists(flask_app, route.endpoint)
        ):
            continue  # Flask adds a static route whether or not the folder exists
        file, line = _view_location(route.module, route.endpoint, code)
        if not file and route.kind == "static" and flask_app is not None:
            file, line = _view_location(flask_app.import_name, "", code)  # the module that made the app
        out.append(
            {"path": route.path, "kind": route.kind, "endpoint": route.endpoint, "file": file, "line": line}
        )
    return out


def _flask_static_exists(app: Any, endpoint: str) -> bool:
    blueprint = endpoint.rpartition(".")[0]
    owner = app.blueprints.get(blueprint) if blueprint else app
    folder = getattr(owner, "static_folder", None)
    return bool(folder) and os.path.isdir(folder)


def _view_location(module_name: str, endpoint: str, code: str) -> Tuple[str, int]:
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None) or ""
    if not filename.startswith(code + os.sep):
        return "", 0
    relative = os.path.relpath(filename, code).replace(os.sep, "/")
    name = endpoint.replace(":", ".").split(".")[-1]
    view = getattr(module, name, None)
    try:
        return relative, inspect.getsourcelines(view)[1] if view is not None else 0
    except (OSError, TypeError):
        return relative, 0


def _django(code: str) -> Optional[Dict[str, Any]]:
    if "django.conf" not in sys.modules:
        return None
    from django.conf import settings

    if not settings.configured:
        return None
    from django.http.request import validate_host

    module = sys.modules.get(getattr(settings, "SETTINGS_MODULE", "") or "")
    filename = getattr(module, "__file__", "") or ""
    hosts = list(settings.ALLOWED_HOSTS)
    return {
        "settings_file": os.path.relpath(filename, code).replace(os.sep, "/")
        if filename.startswith(code + os.sep)
        else "",
        "DEBUG": bool(settings.DEBUG),
        "ALLOWED_HOSTS": hosts,
        "hosts_allowed": {name: bool(validate_host(host, hosts)) for name, host in default_hosts()},
        "SESSION_ENGINE": settings.SESSION_ENGINE,
        "SESSION_FILE_PATH": _text(getattr(settings, "SESSION_FILE_PATH", None)),
        "CACHES": {
            alias: {"BACKEND": spec.get("BACKEND", ""), "LOCATION": _text(spec.get("LOCATION"))}
            for alias, spec in settings.CACHES.items()
        },
        "CACHES_SET": settings.is_overridden("CACHES"),
        "STATIC_ROOT": _text(settings.STATIC_ROOT),
        "STATIC_ROOT_EXISTS": bool(settings.STATIC_ROOT) and os.path.isdir(str(settings.STATIC_ROOT)),
        "WHITENOISE": any("whitenoise" in str(m).lower() for m in settings.MIDDLEWARE),
        "WHITENOISE_USE_FINDERS": bool(getattr(settings, "WHITENOISE_USE_FINDERS", False)),
        "STATICFILES": "django.contrib.staticfiles" in settings.INSTALLED_APPS,
        "DATABASES": {
            alias: {"ENGINE": spec.get("ENGINE", ""), "NAME": _text(spec.get("NAME"))}
            for alias, spec in settings.DATABASES.items()
        },
        "DATA_UPLOAD_MAX_MEMORY_SIZE": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }


def _flask_app(app: Any) -> Any:
    seen = set()
    current = app
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if hasattr(current, "url_map") and hasattr(current, "config"):
            return current
        current = next(
            (
                getattr(current, name)
                for name in ("app", "application", "wsgi_app")
                if getattr(getattr(current, name, None), "__self__", None) is not current
                and getattr(current, name, None) is not None
            ),
            None,
        )
    return None


def _flask(app: Any, code: str) -> Dict[str, Any]:
    config = {key: _text(app.config.get(key)) for key in _FLASK_KEYS}
    config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_CONTENT_LENGTH")
    config["DEBUG"] = bool(app.config.get("DEBUG"))
    config["instance_path"] = app.instance_path
    config["root_path"] = app.root_path
    config["sqlite_file"] = _sqlalchemy_sqlite_file(app)
    return config


def _sqlalchemy_sqlite_file(app: Any) -> Optional[str]:
    """The SQLite file Flask-SQLAlchemy really opens (it resolves relative paths itself)."""
    extension = app.extensions.get("sqlalchemy")
    if extension is None:
        return None
    try:
        with app.app_context():
            url = extension.engine.url
    except Exception:  # noqa: BLE001 - no engine configured: nothing to judge
        return None
    if not url.drivername.startswith("sqlite"):
        return None
    return url.database or ":memory:"


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)
