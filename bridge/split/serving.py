"""One function of a split plan, in this process: the app, behind that function's route guard.

Every function of a split runs the same code; what makes an instance *function F* is data: its
name, and the routes file mapping each function to the routes it answers. That file has the
shape of the ``bridge_routes.json`` that ``bridge build`` ships in a split package::

    {"app_routes": [route, ...] | null,          # every route of the app, in its match order
     "functions": {name: [route, ...] | null},   # null: the catch-all, unguarded
     "app": "todo:app"}                          # the target to load (``bridge serve`` only)

Routes are :meth:`Route.as_dict <bridge.split.routes.Route.as_dict>` dicts. ``bridge serve
--project`` makes the plan once, writes this file, points ``BRIDGE_ROUTES`` at it and runs each
function as the target ``bridge.split.serving:functions.<name>`` in a worker process of its own
(``functions.todo-api`` is ``function_handler("todo-api")``).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Sequence

from .._errors import ConfigError
from .routes import Route

#: Environment variable naming the routes file of the plan being served.
ROUTES_ENV = "BRIDGE_ROUTES"
#: Environment variable naming the function an instance is (as the deploy files set it).
FUNCTION_ENV = "BRIDGE_FUNCTION"


def routes_document(
    functions: Iterable[Any], app_routes: Sequence[Route] | None, *, app: str | None = None
) -> Dict[str, Any]:
    """The routes file of a plan's ``functions`` (see the module docstring); ``app_routes`` None
    when unknown; ``app`` adds the target to load. ``bridge build`` and ``bridge serve --project``
    both write it with this, and both read it with :func:`read_routes` and :func:`guarded`."""
    document: Dict[str, Any] = {
        "app_routes": None if app_routes is None else [route.as_dict() for route in app_routes],
        "functions": {
            spec.name: None if spec.catch_all else [route.as_dict() for route in spec.routes]
            for spec in functions
        },
    }
    if app is not None:
        document["app"] = app
    return document


def read_routes(path: str) -> Dict[str, Any]:
    """A routes file, checked for the keys every reader needs."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the routes file {path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("functions"), dict):
        raise ConfigError(f"the routes file {path} has no functions table")
    return document


def guarded(app: Any, document: Dict[str, Any], function: str) -> Any:
    """``app`` as function ``function`` of the routes file ``document`` runs it: behind a
    :class:`~bridge.split.guard.RouteGuard` of its routes, or as it is for the catch-all."""
    from .guard import RouteGuard

    functions = document["functions"]
    if function not in functions:
        raise ConfigError(
            f"function {function!r} is not in the plan; its functions are {', '.join(sorted(functions))}"
        )
    routes = functions[function]
    if routes is None:
        return app
    app_routes = document.get("app_routes")
    return RouteGuard(
        app,
        _routes(routes),
        function,
        app_routes=None if app_routes is None else _routes(app_routes),
    )


def function_handler(function: str, routes_file: str | None = None, *, app: Any = None) -> Any:
    """The handler of function ``function``: ``Bridge(guarded(app, ...))``.

    ``routes_file`` defaults to ``$BRIDGE_ROUTES``; ``app`` to loading the file's ``app`` target
    from the working directory (a worker's is the project root).
    """
    from .. import Bridge
    from ..apploader import load_target

    path = routes_file or os.environ.get(ROUTES_ENV)
    if not path:
        raise ConfigError(
            f"no routes file: set {ROUTES_ENV} to the JSON file `bridge serve --project` writes"
        )
    document = read_routes(path)
    if app is None:
        if not document.get("app"):
            raise ConfigError(f"the routes file {path} names no app to load")
        app = load_target(document["app"])
    return Bridge(guarded(app, document, function))


class _Functions:
    """``functions.<name>``: :func:`function_handler` of that name, so that a target string
    (``bridge.split.serving:functions.todo-api``) can name one function of the plan."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe dunders: not function names
            raise AttributeError(name)
        # This process is that function's instance: say so as the deploy files do, before the
        # app is imported (it, or its logging, may read it).
        os.environ[FUNCTION_ENV] = name
        return function_handler(name)

    def __repr__(self) -> str:
        return f"<functions of the plan in ${ROUTES_ENV}>"


functions = _Functions()


def _routes(rows: List[Dict[str, Any]]) -> List[Route]:
    return [Route.from_dict(row) for row in rows]
