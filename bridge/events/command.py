"""An app's own command line, run in the function: a Flask CLI command or a Django management command.

Same interface as ``bridge/_manage.py``'s ``run_command`` on the ``deploy`` branch (``bridge manage``):
``run_command(app, argv) -> {"exit_code": int, "output": str}``, so the two can become one.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from typing import Any, Callable, Dict, List


def run_command(app: Any, argv: List[str]) -> Dict[str, Any]:
    """Run ``argv`` as the app's command line; stdout, stderr and any traceback are the output."""
    target = _unwrap(app)
    if hasattr(target, "cli") and hasattr(target, "test_cli_runner"):
        # https://flask.palletsprojects.com/en/stable/testing/#running-commands-with-the-cli-runner
        result = target.test_cli_runner().invoke(args=list(argv))
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            output += "".join(traceback.format_exception(*result.exc_info))
        return {"exit_code": int(result.exit_code), "output": output}
    if type(target).__module__.startswith("django.core.handlers"):
        from django.core.management import call_command

        # https://docs.djangoproject.com/en/stable/ref/django-admin/#running-management-commands-from-your-code
        return _captured(lambda: call_command(argv[0], *argv[1:]))
    return {
        "exit_code": 2,
        "output": f"{type(target).__name__} has no command line faas-bridge runs (Flask or Django): "
        'schedule a route instead, post = "/internal/..."\n',
    }


def _unwrap(app: Any) -> Any:
    # Split deployments wrap the app in a RouteGuard (bridge.split.guard), whose `app` is the app.
    for _ in range(10):
        inner = getattr(app, "__wrapped__", None)
        if inner is None and type(app).__name__ == "RouteGuard":
            inner = getattr(app, "app", None)
        if inner is None:
            return app
        app = inner
    return app


def _captured(run: Callable[[], Any]) -> Dict[str, Any]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception as exc:
            code = 1
            if type(exc).__name__ == "CommandError":  # Django's: a message for the user, not a bug
                print(f"CommandError: {exc}")
            else:
                traceback.print_exc()
    return {"exit_code": int(code), "output": buffer.getvalue()}
