"""Where a split plan runs ``[schedules]`` and ``[events]``: each job on one function of the plan.

A job that posts to a route runs in the function serving that route, the route the app would pick
for ``POST <route>`` (:func:`~bridge.split.routes.route_for`), so its trigger sits beside the
code, memory and timeout chosen for that route, and the function's route guard lets the request
through as it would an HTTP one. A route no function serves falls to the catch-all.

Commands get a function of their own, ``<project>-jobs``: the same package, no HTTP trigger, and
the ``[jobs]`` timeout and memory (a cron job often runs far longer than a request may). An
all-in-one plan runs everything in its one function.
"""

from __future__ import annotations

from typing import Any, List, Sequence

from .._errors import ConfigError
from ..project import slug
from .routes import Route, route_for

#: The name of the commands' function, after the project's: ``todo-jobs``.
JOBS_SUFFIX = "jobs"


def place_jobs(
    project: Any, functions: List[Any], app_routes: Sequence[Route], notes: List[str]
) -> List[Any]:
    """``functions`` with each job's key in the ``jobs`` of the function that runs it, plus the
    ``jobs`` function when a split plan has commands to run."""
    from ..events.jobs import DEFAULT_JOBS_TIMEOUT_S
    from .plan import FunctionSpec

    jobs = getattr(project, "jobs", None)
    if not jobs:
        return functions
    if len(functions) == 1:
        functions[0].jobs = [job.key for job in jobs.all()]
        if jobs.timeout is not None or jobs.memory is not None:
            notes.append(
                f"[jobs] timeout and memory are for a split plan's {slug(f'{project.name}-{JOBS_SUFFIX}')} "
                f"function; all in one, the jobs run in {functions[0].name} with its settings"
            )
        return functions
    catch_all = next((f for f in functions if f.catch_all), functions[0])
    commands: List[str] = []
    for job in jobs.all():
        if job.command is not None:
            commands.append(job.key)
            continue
        owner = _serving(functions, app_routes, job.post or "/")
        (owner or catch_all).jobs.append(job.key)
    if not commands:
        return functions
    name = slug(f"{project.name}-{JOBS_SUFFIX}")
    taken = next((f for f in functions if f.name == name), None)
    if taken is not None:
        raise ConfigError(
            f"function {name} runs the [schedules] commands, but the plan already has a function of that "
            f"name (group {taken.group or taken.name!r}): rename the group"
        )
    functions.append(
        FunctionSpec(
            name=name,
            routes=[],
            memory=jobs.memory if jobs.memory is not None else project.memory,
            timeout=jobs.timeout if jobs.timeout is not None else DEFAULT_JOBS_TIMEOUT_S,
            environment=dict(project.environment),
            jobs=commands,
            http=False,
        )
    )
    notes.append(f"{name} runs {', '.join(commands)}: no HTTP trigger, its own timeout and memory ([jobs])")
    return functions


def _serving(functions: Sequence[Any], app_routes: Sequence[Route], path: str) -> Any:
    route = route_for(app_routes, path, "POST")
    if route is None:
        return None
    return next((f for f in functions if any(r is route for r in f.routes)), None) or next(
        (f for f in functions if route in f.routes), None
    )
