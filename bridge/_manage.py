"""Management commands run inside a deployed function: the event ``bridge manage`` sends.

``Bridge(app, manage=True)`` answers ``{"faas-bridge-manage": {"argv": ["init-db"]}}`` (sent only
through the cloud's authenticated invoke API; an HTTP trigger never produces an event of that
shape) by running the app's own command line in the function:

- a Flask app: its CLI group (``app.cli``: the commands the app registers, such as ``init-db``),
  through Flask's test CLI runner, which gives the command the app context;
- a Django project: ``django.core.management.call_command``;
- ``manage=fn``: ``fn(argv)`` for any other app, returning the exit code (what it prints is the
  output).

The answer is ``{"exit_code": int, "output": str}``: stdout and stderr together, and the traceback
when the command raised. Without ``manage`` the event is rejected like any event of no platform.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from typing import Any, Callable, Dict, List

from ._errors import EventError


def manage_argv(event: Dict[str, Any]) -> List[str]:
    """The command line in a manage event; :class:`EventError` when it is not a list of strings."""
    from .cloud.provider import MANAGE_EVENT_KEY

    body = event.get(MANAGE_EVENT_KEY)
    argv = body.get("argv") if isinstance(body, dict) else None
    if not isinstance(argv, list) or not argv or not all(isinstance(part, str) for part in argv):
        raise EventError(f'a {MANAGE_EVENT_KEY} event needs {{"argv": ["command", "arg", ...]}}')
    return argv


def is_manage_event(event: Dict[str, Any]) -> bool:
    from .cloud.provider import MANAGE_EVENT_KEY

    return MANAGE_EVENT_KEY in event


def run_command(app: Any, argv: List[str], manage: Any = True) -> Dict[str, Any]:
    """Run ``argv`` as the app's command line; ``{"exit_code": n, "output": "..."}``."""
    if callable(manage) and manage is not True:
        return _captured(lambda: manage(list(argv)))
    target = _unwrap(app)
    if hasattr(target, "cli") and hasattr(target, "test_cli_runner"):
        return _flask(target, argv)
    if type(target).__module__.startswith("django.core.handlers"):
        return _django(argv)
    return {
        "exit_code": 2,
        "output": f"{type(target).__name__} has no command line faas-bridge knows (Flask or Django); "
        "for bridge manage pass Bridge(app, manage=fn) with fn(argv) -> exit code; for a schedule, "
        'post to one of the app\'s routes instead (post = "/internal/...")\n',
    }


def _unwrap(app: Any) -> Any:
    # The deploy entry may wrap the app in a route guard (split functions); its `app` is the app.
    from .split.guard import RouteGuard

    seen = 0
    while seen < 10:
        inner = getattr(app, "__wrapped__", None)
        if inner is None and isinstance(app, RouteGuard):
            inner = app.app
        if inner is None:
            return app
        app, seen = inner, seen + 1
    return app


def _flask(app: Any, argv: List[str]) -> Dict[str, Any]:
    # https://flask.palletsprojects.com/en/stable/testing/#running-commands-with-the-cli-runner
    result = app.test_cli_runner().invoke(args=list(argv))
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
    return {"exit_code": int(result.exit_code), "output": output}


def _django(argv: List[str]) -> Dict[str, Any]:
    from django.core.management import call_command

    def run() -> int:
        # https://docs.djangoproject.com/en/stable/ref/django-admin/#running-management-commands-from-your-code
        call_command(argv[0], *argv[1:])
        return 0

    return _captured(run)


def _captured(run: Callable[[], Any]) -> Dict[str, Any]:
    """Run ``run()`` with stdout and stderr captured; its return value (or SystemExit) is the exit code."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = run()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code)
        except Exception as exc:
            code = 1
            if type(exc).__name__ == "CommandError":  # Django's: a message for the user, not a bug
                print(f"CommandError: {exc}")
            else:
                traceback.print_exc()
    return {"exit_code": int(code or 0), "output": buffer.getvalue()}
