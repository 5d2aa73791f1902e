"""Loading the app a command works on, from a target string.

- ``"module:attr"`` - the attribute (dotted paths work; ``"module:create_app()"`` calls a factory
  with no arguments);
- ``"module"`` - its ``app``, ``application`` or ``handler`` attribute, in that order;
- ``"mysite.settings"`` - a Django settings module (it has ``INSTALLED_APPS`` or ``ROOT_URLCONF``):
  Django is set up with it and its WSGI application is returned.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from ._errors import AppLoadError

_DEFAULT_ATTRIBUTES = ("app", "application", "handler")


def load_target(spec: str, *, chdir: str | None = None) -> Any:
    """The object ``spec`` names, importing from ``chdir`` (made the working directory, and put
    first on ``sys.path``) or else from the working directory."""
    if not spec or not isinstance(spec, str):
        raise AppLoadError(
            'the target is empty: give "module:attribute", "module" or a Django settings module'
        )
    directory = os.path.abspath(chdir) if chdir else os.getcwd()
    if chdir:
        if not os.path.isdir(directory):
            raise AppLoadError(f"--chdir {chdir}: no such directory")
        os.chdir(directory)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name, _, attribute = spec.partition(":")
    module = _import(module_name, directory)
    if attribute:
        return _attribute(module, module_name, attribute)
    if hasattr(module, "INSTALLED_APPS") or hasattr(module, "ROOT_URLCONF"):
        return _django(module_name)
    for name in _DEFAULT_ATTRIBUTES:
        if hasattr(module, name):
            return getattr(module, name)
    # Flask's own discovery calls a `create_app` or `make_app` factory
    # (https://flask.palletsprojects.com/en/stable/cli/#application-discovery): name it the same way.
    for name in ("create_app", "make_app"):
        if callable(getattr(module, name, None)):
            raise AppLoadError(
                f"module {module_name!r} has no app object but an app factory: use "
                f'"{module_name}:{name}()" (as `flask --app {module_name}` would call it)'
            )
    raise AppLoadError(
        f"module {module_name!r} has no app, application or handler attribute and is not Django settings: "
        f'name the object, e.g. "{module_name}:my_app"'
    )


def _import(module_name: str, directory: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise AppLoadError(
                f"cannot import {module_name!r} from {directory}: no such module "
                "(use --chdir to the directory that holds it)"
            ) from None
        raise AppLoadError(f"importing {module_name!r} failed: {exc} (is the dependency installed?)") from exc
    except Exception as exc:  # the app's own import-time error: show it, it is the user's to fix
        raise AppLoadError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc


def _attribute(module: Any, module_name: str, attribute: str) -> Any:
    call = attribute.endswith("()")
    path = attribute[:-2] if call else attribute
    target = module
    for part in path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AppLoadError(f"module {module_name!r} has no attribute {path!r}") from None
    if call:
        try:
            target = target()
        except Exception as exc:
            raise AppLoadError(
                f"calling {module_name}:{attribute} failed: {type(exc).__name__}: {exc}"
            ) from exc
    if target is None:
        raise AppLoadError(f"{module_name}:{attribute} is None, not an app")
    return target


def _django(settings_module: str) -> Any:
    current = os.environ.get("DJANGO_SETTINGS_MODULE")
    try:
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application
    except ImportError:
        raise AppLoadError(f"{settings_module!r} is Django settings, but Django is not installed") from None
    if settings.configured and current and current != settings_module:
        raise AppLoadError(
            f"Django is already set up with {current!r} in this process; cannot load {settings_module!r} too"
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    try:
        return get_wsgi_application()  # runs django.setup()
    except Exception as exc:
        raise AppLoadError(
            f"setting up Django with {settings_module!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
