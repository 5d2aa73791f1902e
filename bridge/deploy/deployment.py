"""What is being deployed: the project, its split plan and the build options, resolved once.

Every emitter reads a :class:`Deployment`; nothing platform-specific is decided here. Function
names, merged environments, the entry module and the routes each function answers are computed in
this one place so the three deploy files and the package always agree.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Set, Tuple

from .._errors import ConfigError
from . import variables
from .entry import FUNCTION_ENV

MODES = ("event", "web")
TRIGGERS = ("url", "apigw")
SERVERS = ("auto", "gunicorn", "uvicorn")
HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

DEFAULT_MEMORY_MB = 512
DEFAULT_TIMEOUT_S = 30
# FC's default CAPort and the port SCF requires (reference alibaba-fc.md §5, tencent-scf.md §3.2).
WEB_PORT = 9000

# Accepted by FC (letters, digits, '_' and '-'), SCF (`^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$`, tencent-scf.md §5.1)
# and Lambda: the strictest of the three, so one name works everywhere.
_FUNCTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$")
_RUNTIME = re.compile(r"^(?:python)?(3)\.(\d+)$", re.I)


class DeployOptions:
    """How to build: the command-line choices that are not part of the project definition."""

    __slots__ = ("platform", "mode", "trigger", "server", "domain_name", "streaming")

    def __init__(
        self,
        platform: str,
        *,
        mode: str = "event",
        trigger: str = "url",
        server: str = "auto",
        domain_name: str = "auto",
        streaming: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
        if trigger not in TRIGGERS:
            raise ConfigError(f"--trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}")
        if server not in SERVERS:
            raise ConfigError(f"--server must be one of {', '.join(SERVERS)}, not {server!r}")
        self.platform = platform
        #: ``event``: the platform calls ``index.handler``; ``web``: a start script runs ``bridge run``.
        self.mode = mode
        #: SCF only: ``url`` (Function URL, the default) or ``apigw`` (API Gateway, being retired).
        self.trigger = trigger
        #: Web mode: ``gunicorn`` (WSGI), ``uvicorn`` (ASGI), or ``auto`` to choose from the app.
        self.server = server
        #: FC only: the custom domain of the ``fc3-domain`` resource (``auto``: a test domain).
        self.domain_name = domain_name
        #: AWS only: answer through bridge.aws_runtime with response streaming (Function URL,
        #: ``InvokeMode: RESPONSE_STREAM``) instead of the Python runtime's buffered responses.
        self.streaming = bool(streaming)
        if self.streaming and platform != "aws":
            raise ConfigError(
                f"--streaming is for --platform aws (a Function URL streams); on {platform}, "
                "--mode web streams where the platform's web functions do"
            )
        if self.streaming and mode == "web":
            raise ConfigError("--streaming and --mode web do not go together: drop one of them")


class DeployedFunction:
    """One function of the plan, with everything a deploy file says about it."""

    __slots__ = (
        "name",
        "routes",
        "memory",
        "timeout",
        "environment",
        "concurrency",
        "catch_all",
        "methods",
        "jobs",
        "http",
    )

    def __init__(
        self,
        name: str,
        routes: Sequence[Any],
        memory: int,
        timeout: int,
        environment: Dict[str, str],
        concurrency: int | None,
        catch_all: bool,
        methods: Tuple[str, ...] | None,
        jobs: Sequence[str] = (),
        http: bool = True,
    ) -> None:
        #: The function's name, in the plan and on the platform (``todo-api``); when the app is
        #: split, ``BRIDGE_FUNCTION`` carries it at run time.
        self.name = name
        self.routes = list(routes)
        self.memory = memory
        self.timeout = timeout
        #: Project environment, then the group's, then ``BRIDGE_FUNCTION`` when the app is split.
        self.environment = environment
        self.concurrency = concurrency
        self.catch_all = catch_all
        #: HTTP methods the function's routes answer (upper case, sorted), ``None`` for any.
        self.methods = methods
        #: ``schedules.NAME`` / ``events.NAME`` keys of the jobs whose triggers this function gets.
        self.jobs = list(jobs)
        #: False for a split plan's ``jobs`` function: it gets no HTTP trigger.
        self.http = http


class Deployment:
    """A project, its plan and the build options: the single input of every emitter.

    ``interface`` is ``wsgi`` or ``asgi``, as :class:`bridge.Bridge` detected it for the loaded app;
    web mode picks its server from it. ``app_routes`` are the app's routes as discovered.
    """

    def __init__(
        self,
        project: Any,
        plan: Any,
        options: DeployOptions,
        *,
        interface: str = "wsgi",
        app_routes: Sequence[Any] | None = None,
    ) -> None:
        self.project = project
        self.plan = plan
        self.options = options
        self.interface = interface
        #: Every route of the app in its match order (as discovered), for the route guard; or None.
        self.app_routes = list(app_routes) if app_routes is not None else None
        self.name = str(project.name)
        runtime = getattr(project, "runtime", None) or _DEFAULT_RUNTIMES.get(options.platform, "python3.10")
        self.python_version = python_version(runtime)
        specs = list(plan.functions)
        if not specs:
            raise ConfigError("the split plan has no function: check the project's groups and routes")
        #: More than one function: each is guarded to its own routes (``BRIDGE_FUNCTION``).
        self.split = len(specs) > 1
        self.functions = [self._function(spec) for spec in specs]
        self._check_unique_names()
        self._place_unplaced_jobs()
        #: The user's own ``index.py`` defining ``handler`` (its hooks must run), or None.
        self.user_entry = user_entry(project)
        #: The module holding ``handler``: ``index``, the user's own when it has everything the
        #: platform calls; ``bridge_index`` when ``index.py`` is the app itself or needs a wrapper.
        self.entry_module = "index"
        if self.app_module == "index" or (self.user_entry is not None and not self.ships_user_entry):
            self.entry_module = "bridge_index"
        self.notes: List[str] = [str(note) for note in getattr(plan, "notes", ()) or ()]
        environment = {key: value for f in self.functions for key, value in f.environment.items()}
        secrets = variables.literal_secrets(environment)
        if secrets:
            self.notes.append(
                f"environment {', '.join(secrets)}: literal values are written into the deploy file; "
                f"use a reference such as ${{env.{secrets[0]}}} instead"
            )

    # --- what the entry and the deploy files need -------------------------------------------------

    @property
    def app_module(self) -> str | None:
        """Top-level module of ``project.app`` (``todo`` for ``todo:app``); ``None`` for Django."""
        app = getattr(self.project, "app", None)
        if not app or getattr(self.project, "django", None):
            return None
        return str(app).split(":", 1)[0].split(".", 1)[0]

    @property
    def ships_user_entry(self) -> bool:
        """Whether the user's ``index.py`` is the entry as it is: event mode, one function, no jobs,
        and every name the platform calls defined there (FC also calls ``initializer`` and
        ``pre_stop``)."""
        if self.user_entry is None or self.options.mode != "event" or self.split:
            return False
        if getattr(self.project, "jobs", None):
            return False  # the wrapper hands the handler its jobs file

        needed = {"handler", "initializer", "pre_stop"} if self.options.platform == "fc" else {"handler"}
        return needed <= self.user_entry

    @property
    def handler(self) -> str:
        return f"{self.entry_module}.handler"

    @property
    def initializer(self) -> str:
        return f"{self.entry_module}.initializer"

    @property
    def pre_stop(self) -> str:
        return f"{self.entry_module}.pre_stop"

    @property
    def server(self) -> str:
        """The web-mode server: gunicorn serves WSGI apps, uvicorn ASGI apps."""
        if self.options.server != "auto":
            return self.options.server
        return "uvicorn" if self.interface == "asgi" else "gunicorn"

    def table(self, gateway: str) -> List[Any]:
        """The plan's route table for ``gateway``, in that gateway's path syntax."""
        return list(self.plan.table(gateway))

    def function(self, name: str) -> DeployedFunction:
        for function in self.functions:
            if function.name == name:
                return function
        raise ConfigError(f"the route table names function {name!r}, which the plan does not have")

    # --- building the functions ----------------------------------------------------------------------

    def _function(self, spec: Any) -> DeployedFunction:
        name = str(spec.name)
        if not _FUNCTION_NAME.match(name):
            raise ConfigError(
                f"function name {name!r} is not valid on every platform: use 2-60 letters, "
                f"digits, '-' or '_', starting with a letter and ending with a letter or digit "
                f"(change the project `name`{' or the group name' if self.split else ''})"
            )
        environment = {str(k): str(v) for k, v in (getattr(self.project, "environment", None) or {}).items()}
        environment.update({str(k): str(v) for k, v in (getattr(spec, "environment", None) or {}).items()})
        if self.split:
            environment[FUNCTION_ENV] = name
        elif FUNCTION_ENV in environment:
            del environment[FUNCTION_ENV]
        return DeployedFunction(
            name=name,
            routes=getattr(spec, "routes", ()) or (),
            memory=int(spec.memory or getattr(self.project, "memory", None) or DEFAULT_MEMORY_MB),
            timeout=int(spec.timeout or getattr(self.project, "timeout", None) or DEFAULT_TIMEOUT_S),
            environment=environment,
            concurrency=getattr(spec, "concurrency", None),
            catch_all=bool(getattr(spec, "catch_all", False)),
            methods=None if getattr(spec, "catch_all", False) else route_methods(getattr(spec, "routes", ())),
            jobs=getattr(spec, "jobs", None) or (),
            http=bool(getattr(spec, "http", True)),
        )

    def _place_unplaced_jobs(self) -> None:
        # A plan made without the project's jobs (by hand, or before they were added) leaves them
        # to the function that takes every request: the catch-all.
        jobs = getattr(self.project, "jobs", None)
        if not jobs or any(function.jobs for function in self.functions):
            return
        receiver = next((f for f in self.functions if f.catch_all), self.functions[0])
        receiver.jobs = [job.key for job in jobs.all()]

    def _check_unique_names(self) -> None:
        names = [function.name for function in self.functions]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"the plan has two functions called {name!r}: rename one of the groups")


# Each platform's default when the project names no runtime: the newest that every tool accepts.
# AWS no longer creates python3.9/3.10 functions (cfn-lint: creation disabled since 2026-07-31).
_DEFAULT_RUNTIMES = {"fc": "python3.10", "scf": "python3.10", "aws": "python3.12"}


def python_version(runtime: str) -> str:
    """``"3.10"`` for ``python3.10`` (any case, or a bare ``3.10``); faas-bridge needs 3.9 or later."""
    match = _RUNTIME.match(str(runtime).strip())
    if not match or int(match.group(2)) < 9:
        raise ConfigError(f"runtime {runtime!r} is not a Python 3.9+ runtime: write it as python3.10")
    return f"{match.group(1)}.{match.group(2)}"


def route_methods(routes: Sequence[Any]) -> Tuple[str, ...] | None:
    """The HTTP methods ``routes`` answer, or ``None`` when one of them takes any method.

    A route's ``methods`` may be missing or ``None`` (any method). GET implies HEAD, and OPTIONS is
    always allowed: WSGI frameworks answer both themselves, and CORS preflights need OPTIONS.
    """
    methods = {"OPTIONS"}
    for route in routes:
        route_methods = getattr(route, "methods", None)
        if route_methods is None and isinstance(route, dict):
            route_methods = route.get("methods")
        if not route_methods:
            return None
        methods.update(str(m).upper() for m in route_methods)
    if not routes:
        return None
    if "GET" in methods:
        methods.add("HEAD")
    if "ANY" in methods or "*" in methods:
        return None
    return tuple(sorted(methods))


def user_entry(project: Any) -> Set[str] | None:
    """The names the project's own ``index.py`` defines at module level, when it defines ``handler``.

    Read with :mod:`ast`, not imported: building must not run the app.
    """
    import ast
    from pathlib import Path

    path = Path(getattr(project, "root", ".")) / "index.py"
    if not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        raise ConfigError(f"{path} is not valid Python: {exc}") from None
    names: Set[str] = set()
    for node in tree.body:
        targets: List[Any] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            names.update(element.id for element in elements if isinstance(element, ast.Name))
    return names if "handler" in names else None
