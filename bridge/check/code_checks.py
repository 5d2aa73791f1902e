"""Static checks: the project's own Python files read as syntax trees, never imported.

Each rule looks for one hazard of running as a function (a write outside the temp dir, state kept
in module globals, a thread or scheduler, a fire-and-forget task, a sleep while serving, a server
started at import, a hard-coded secret) and reports it with the line it is on.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from .findings import Finding
from .hazards import debug_on, per_instance, read_only_write, sqlite_next_to_code
from .platform_facts import PlatformFacts
from .write_targets import CODE, OTHER, TMP, UNKNOWN, PathResolver, call_name, classify_literal, dotted_name

_WRITE_MODE = re.compile(r"[wax+]")
_SQLITE_URL = re.compile(r"^sqlite(\+\w+)?:///(.*)$")
_MUTATORS = {
    "append",
    "extend",
    "add",
    "update",
    "setdefault",
    "insert",
    "pop",
    "popitem",
    "remove",
    "clear",
    "discard",
    "appendleft",
    "extendleft",
    "__setitem__",
}
_MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}
_ROUTE_DECORATORS = {
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "api_route",
    "api_view",
    "websocket",
    "view_config",
}
_HANDLED_ERRORS = {
    "OSError",
    "IOError",
    "PermissionError",
    "EnvironmentError",
    "Exception",
    "BaseException",
    "sqlite3.OperationalError",
    "OperationalError",
}
_SERVER_CALLS = {
    "uvicorn.run",
    "waitress.serve",
    "serve",
    "run_simple",
    "web.run_app",
    "run_app",
    "make_server",
    "serve_forever",
    "socketio.run",
    "hypercorn.asyncio.serve",
}
_NOT_SERVERS = {"subprocess", "asyncio", "trio", "anyio", "loop", "runner"}


def check_files(root: Path, files: Iterable[str], facts: PlatformFacts) -> Tuple[List[Finding], List[str]]:
    """Findings in the project's ``.py`` files (paths relative to ``root``), and files not parsed."""
    findings: List[Finding] = []
    unreadable: List[str] = []
    for relative in files:
        if not relative.endswith(".py"):
            continue
        try:
            source = (root / relative).read_text(encoding="utf-8")
            tree = ast.parse(source, filename=relative)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
            unreadable.append(f"{relative}: {exc}")
            continue
        findings.extend(ModuleChecks(relative, tree, facts).run())
    return findings, unreadable


class ModuleChecks:
    """Every static rule over one module's syntax tree."""

    def __init__(self, relative: str, tree: ast.Module, facts: PlatformFacts) -> None:
        self.file = relative
        self.tree = tree
        self.facts = facts
        self.paths = PathResolver(tree)
        self.parents: Dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.imported_from: Dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imported_from[alias.asname or alias.name] = node.module
        self.findings: List[Finding] = []

    def run(self) -> List[Finding]:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Attribute, ast.Name)):
                self._upload(node)
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._sqlite_url(node)
            elif isinstance(node, ast.Dict):
                self._logging_dict(node)
                self._celery_beat_key(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._assignment(node)
        self._module_state()
        return self.findings

    # --- helpers ----------------------------------------------------------------------------

    def _add(
        self, severity: str, rule: str, node: ast.AST, title: str, why: str, fix: str, docs: str
    ) -> None:
        self.findings.append(
            Finding(severity, rule, self.file, getattr(node, "lineno", 0), title, why, fix, docs)
        )

    def _enclosing_function(self, node: ast.AST) -> Optional[ast.AST]:
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return current
            current = self.parents.get(current)
        return None

    def _at_import_time(self, node: ast.AST) -> bool:
        """True when ``node`` runs when the module is imported (not in a def, not under __main__)."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(current, ast.If) and "__main__" in ast.dump(current.test):
                return False
            current = self.parents.get(current)
        return True

    def _handled(self, node: ast.AST) -> bool:
        """True inside a ``try`` that catches the error a read-only filesystem raises."""
        current, child = self.parents.get(node), node
        while current is not None:
            if isinstance(current, ast.Try) and child in current.body:
                for handler in current.handlers:
                    if handler.type is None:
                        return True
                    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                    if any(
                        dotted_name(t) in _HANDLED_ERRORS or dotted_name(t).split(".")[-1] in _HANDLED_ERRORS
                        for t in types
                    ):
                        return True
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return False
            current, child = self.parents.get(current), current
        return False

    def _where_text(self, where: str) -> str:
        return {
            CODE: f"next to the code (on {self.facts.title}: {self.facts.code_dir}, read-only)",
            OTHER: "outside the temp dir",
            UNKNOWN: "to a path decided at run time",
        }[where]

    def _write(self, node: ast.AST, target: Optional[ast.AST], what: str) -> None:
        where = self.paths.where(target)
        if where == TMP or self._handled(node):
            return
        f = self.facts
        if where in (CODE, OTHER):
            self.findings.append(
                read_only_write(f, self.file, node.lineno, f"{what} writes {self._where_text(where)}")
            )
        else:
            self._add(
                "risky",
                "write-outside-tmp",
                node,
                f"{what} writes to a path decided at run time",
                f"On {f.title} only {f.writable} is writable; a path that ends up elsewhere fails.",
                "Make sure the path is under tempfile.gettempdir(), or store the data in a database "
                "or object storage.",
                f.filesystem_doc,
            )

    # --- calls ------------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> None:
        name = call_name(node)
        full = dotted_name(node.func)
        origin = self.imported_from.get(full.split(".")[0], "") if full else ""
        if name == "open" and full in ("open", "io.open", "codecs.open"):
            mode = _argument(node, 1, "mode")
            if _is_write_mode(mode):
                self._write(node, _argument(node, 0, "file"), "open()")
        elif (
            name == "open"
            and isinstance(node.func, ast.Attribute)
            and _is_write_mode(_argument(node, 0, "mode"))
        ):
            self._write(node, node.func.value, "Path.open()")
        elif name in ("write_text", "write_bytes", "touch", "mkdir") and isinstance(node.func, ast.Attribute):
            if name == "mkdir" and full == "os.mkdir":
                self._write(node, _argument(node, 0, "path"), "os.mkdir()")
            else:
                self._write(node, node.func.value, f"Path.{name}()")
        elif full in ("os.makedirs", "makedirs"):
            self._write(node, _argument(node, 0, "name"), "os.makedirs()")
        elif full in ("shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.copytree", "shutil.move"):
            self._write(node, _argument(node, 1, "dst"), f"{full}()")
        elif name == "connect" and (full == "sqlite3.connect" or origin == "sqlite3"):
            self._sqlite_connect(node)
        elif name.endswith("FileHandler") or (full == "logging.basicConfig" and _keyword(node, "filename")):
            target = _keyword(node, "filename") or (node.args[0] if node.args else None)
            self._log_file(node, self.paths.where(target))
        if name in ("Thread", "Timer") and (full.startswith("threading.") or origin == "threading"):
            self._thread(node, f"threading.{name}")
        elif name in ("ThreadPoolExecutor", "ProcessPoolExecutor") and not self._is_with_item(node):
            self._thread(node, name)
        elif name == "Process" and (
            full.startswith("multiprocessing.") or origin.startswith("multiprocessing")
        ):
            self._thread(node, "multiprocessing.Process")
        elif name.endswith("Scheduler") and (
            origin.startswith("apscheduler") or full.startswith("apscheduler")
        ):
            self._scheduler(node, name)
        elif name == "APScheduler" and origin.startswith("flask_apscheduler"):
            self._scheduler(node, "Flask-APScheduler")
        elif full == "schedule.every":
            self._scheduler(node, "schedule.every()")
        elif name in ("add_periodic_task", "periodic_task"):
            self._celery_beat(node)
        elif name in ("create_task", "ensure_future"):
            self._task(node, name)
        elif name == "sleep" and (full == "time.sleep" or origin == "time"):
            self._sleep(node)
        if self._at_import_time(node) and self._is_server_start(node, name, full):
            f = self.facts
            self._add(
                "breaks",
                "server-at-import",
                node,
                f"{full or name}() starts a server when the module is imported",
                f"The function imports the app and calls it per request; a server started at import "
                f"blocks the import until {f.title} times the instance out.",
                'Move the call under `if __name__ == "__main__":` (the bridge serves the app object).',
                f.lifecycle_doc,
            )
        self._secret_call(node, name)

    def _is_with_item(self, node: ast.Call) -> bool:
        parent = self.parents.get(node)
        return isinstance(parent, ast.withitem)

    def _is_server_start(self, node: ast.Call, name: str, full: str) -> bool:
        if full in _SERVER_CALLS or name == "serve_forever":
            return True
        if name == "run" and isinstance(node.func, ast.Attribute):
            receiver = dotted_name(node.func.value)
            return bool(receiver) and receiver.split(".")[0] not in _NOT_SERVERS
        return False

    def _sqlite_connect(self, node: ast.Call) -> None:
        target = _argument(node, 0, "database")
        if isinstance(target, ast.Constant) and target.value in (":memory:", ""):
            return
        self._sqlite(node, self.paths.where(target))

    def _sqlite_url(self, node: ast.Constant) -> None:
        match = _SQLITE_URL.match(node.value)
        if not match or not match.group(2) or match.group(2).startswith(":memory:"):
            return  # a prefix being joined to a path, or in memory: the value decides, not the text
        self._sqlite(node, classify_literal(match.group(2)))

    def _sqlite(self, node: ast.AST, where: str) -> None:
        if self._handled(node):
            return
        f = self.facts
        if where in (CODE, OTHER):
            title = f"SQLite database file {self._where_text(where)}"
            self.findings.append(sqlite_next_to_code(f, self.file, node.lineno, title))
        elif where == TMP:
            self.findings.append(
                per_instance(
                    f, self.file, node.lineno, "a SQLite database in the temp dir", "sqlite-per-instance"
                )
            )
        else:
            self._add(
                "risky",
                "sqlite-file",
                node,
                "SQLite database at a path decided at run time",
                f"On {f.title} only {f.writable} is writable, and a SQLite file there is private to one "
                "instance and lost when it stops.",
                "Use a database server every instance shares (DATABASE_URL).",
                f.filesystem_doc,
            )

    def _log_file(self, node: ast.AST, where: str) -> None:
        if self._handled(node):
            return
        f = self.facts
        if where in (CODE, OTHER):
            self._add(
                "breaks",
                "log-file",
                node,
                f"log file {self._where_text(where)}",
                f"Opening the log file fails on {f.title}'s read-only code package (only {f.writable} "
                "is writable), so the app fails to start.",
                "Log to stderr/stdout (logging.StreamHandler): the platform collects it in its log service.",
                f.filesystem_doc,
            )
        else:
            self._add(
                "risky",
                "log-file",
                node,
                "log file handler",
                f"On {f.title} a log file lives in the instance's {f.writable} at best and is gone "
                "with the instance; nobody reads it.",
                "Log to stderr/stdout (logging.StreamHandler): the platform collects it in its log service.",
                f.filesystem_doc,
            )

    def _logging_dict(self, node: ast.Dict) -> None:
        values = _literal_keys(node)
        handler = values.get("class")
        if (
            isinstance(handler, ast.Constant)
            and isinstance(handler.value, str)
            and handler.value.endswith("FileHandler")
        ):
            self._log_file(node, self.paths.where(values.get("filename")))

    def _upload(self, node: ast.AST) -> None:
        """Request bodies with files (Flask ``request.files``, Django ``request.FILES``, FastAPI
        ``UploadFile``): the platform's body limit applies. Reported once per module."""
        if isinstance(node, ast.Attribute):
            takes_files = node.attr in ("files", "FILES") and dotted_name(node.value).endswith("request")
        else:
            takes_files = node.id == "UploadFile" and isinstance(node.ctx, ast.Load)
        if not takes_files or any(f.rule == "uploads-body-limit" for f in self.findings):
            return
        f = self.facts
        self._add(
            "risky",
            "uploads-body-limit",
            node,
            "file uploads go through the function",
            f"On {f.title} a request body over {f.body_limit} is refused before it reaches the app "
            "(and base64 in the event makes a binary upload about a third larger).",
            "Let clients upload straight to object storage with a pre-signed URL and send the app "
            "only the object's key.",
            f.limits_doc,
        )

    def _thread(self, node: ast.Call, what: str) -> None:
        f = self.facts
        self._add(
            "risky",
            "background-thread",
            node,
            f"{what} runs work in the background",
            f"{f.title} freezes the instance as soon as the response is returned and may stop it at "
            "any time: work left in a thread or pool pauses mid-way, and may never finish.",
            "Finish the work before returning the response (join the thread, use `with "
            "ThreadPoolExecutor()` so it waits), or hand it to a queue or an asynchronous invocation.",
            f.lifecycle_doc,
        )

    def _scheduler(self, node: ast.AST, what: str) -> None:
        f = self.facts
        self._add(
            "breaks",
            "scheduler",
            node,
            f"{what} schedules jobs inside the app",
            f"Between requests the {f.title} instance is frozen, and instances come and go: scheduled "
            "jobs do not run on time, run once per instance, or never run.",
            "Run each job as its own function on the platform's timer trigger.",
            f.lifecycle_doc,
        )

    def _celery_beat(self, node: ast.AST) -> None:
        self._scheduler(node, "Celery beat")

    def _celery_beat_key(self, node: ast.Dict) -> None:
        if "beat_schedule" in _literal_keys(node):
            self._celery_beat(node)

    def _task(self, node: ast.Call, name: str) -> None:
        parent = self.parents.get(node)
        function = self._enclosing_function(node)
        if isinstance(parent, ast.Expr):
            pass  # the task object is thrown away: nobody awaits it
        elif (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            if function is None or _awaited(function, parent.targets[0].id):
                return
        else:
            return
        f = self.facts
        self._add(
            "risky",
            "task-not-awaited",
            node,
            f"{name}() starts a task nobody awaits",
            f"{f.title} freezes the instance once the response is sent: a task still running then "
            "pauses, and is lost if the instance stops.",
            "Await the task (or asyncio.gather it) before returning, or use the framework's "
            "background tasks, which the bridge runs to completion before the invocation ends.",
            f.lifecycle_doc,
        )

    def _sleep(self, node: ast.Call) -> None:
        function = self._enclosing_function(node)
        if function is None or not self._serves_requests(function):
            return
        f = self.facts
        self._add(
            "cost",
            "sleep-in-request",
            node,
            "time.sleep() while serving a request",
            f"Billed duration runs while the request sleeps, and on {f.title} a request may take at "
            f"most {f.request_time}; in async code it also blocks every other request.",
            "Retry without sleeping in the request, or move the waiting work to a queue or timer.",
            f.timeout_doc,
        )

    def _serves_requests(self, function: ast.AST) -> bool:
        if isinstance(function, ast.AsyncFunctionDef):
            return True
        if Path(self.file).stem.endswith("views"):
            return True
        for decorator in getattr(function, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in _ROUTE_DECORATORS:
                return True
            if isinstance(target, ast.Name) and target.id in _ROUTE_DECORATORS:
                return True
        return False

    # --- assignments ------------------------------------------------------------------------

    def _assignment(self, node: ast.AST) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        for target in targets:
            name = _target_name(target)
            if name in ("CELERYBEAT_SCHEDULE", "CELERY_BEAT_SCHEDULE", "beat_schedule") and value is not None:
                self._celery_beat(node)
            if name in ("SECRET_KEY", "secret_key") and _is_secret_literal(value):
                self._secret(node)
            if name == "DEBUG" and isinstance(value, ast.Constant) and value.value is True:
                self._debug(node)

    def _secret_call(self, node: ast.Call, name: str) -> None:
        if name in ("update", "from_mapping") and dotted_name(node.func).endswith(
            ("config.update", "config.from_mapping")
        ):
            for keyword in node.keywords:
                if keyword.arg == "SECRET_KEY" and _is_secret_literal(keyword.value):
                    self._secret(keyword.value)

    def _secret(self, node: ast.AST) -> None:
        self._add(
            "risky",
            "secret-in-code",
            node,
            "SECRET_KEY is a literal in the code",
            "Anyone with the code (the package, the repository) can forge sessions and signed "
            "cookies; every deployment shares the same key.",
            "Read it from the environment (os.environ['SECRET_KEY']) and set it in the function's "
            "configuration or a secrets manager.",
            _SECRETS_DOC,
        )

    def _debug(self, node: ast.AST) -> None:
        self.findings.append(debug_on(self.file, getattr(node, "lineno", 0)))

    # --- module state -----------------------------------------------------------------------

    def _module_state(self) -> None:
        candidates: Dict[str, ast.AST] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and _is_mutable(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name) and not target.id.startswith("__"):
                        candidates[target.id] = node
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and _is_mutable(node.value)
            ):
                candidates[node.target.id] = node
        globals_written: Set[str] = set()
        mutated: Dict[str, int] = {}
        for function in ast.walk(self.tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            declared = {n for g in ast.walk(function) if isinstance(g, ast.Global) for n in g.names}
            local = _local_names(function) - declared
            for node in ast.walk(function):
                name, rebinds = _mutated_name(node)
                if name and (name in declared or (name in candidates and not rebinds and name not in local)):
                    mutated.setdefault(name, node.lineno)
                    if name in declared and name not in candidates:
                        globals_written.add(name)
        for name, line in sorted(mutated.items(), key=lambda item: item[1]):
            where = candidates.get(name) or _module_binding(self.tree, name)
            if where is None:
                continue
            f = self.facts
            self._add(
                "risky",
                "module-state",
                where,
                f"module-level {name} is changed while serving (line {line})",
                f"Each {f.title} instance has its own copy: requests routed to other instances do not see "
                "it, and it is lost when the instance stops. Fine for a cache of derived values; wrong "
                "for sessions, counters, rate limits or data.",
                "Keep shared state in a database, Redis or the platform's key-value store.",
                f.lifecycle_doc,
            )


_SECRETS_DOC = "https://docs.djangoproject.com/en/stable/ref/settings/#secret-key"


def _argument(node: ast.Call, index: int, keyword: str) -> Optional[ast.AST]:
    found = _keyword(node, keyword)
    if found is not None:
        return found
    return node.args[index] if len(node.args) > index else None


def _keyword(node: ast.Call, name: str) -> Optional[ast.AST]:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_write_mode(mode: Optional[ast.AST]) -> bool:
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and bool(_WRITE_MODE.search(mode.value))
    )


def _literal_keys(node: ast.Dict) -> Dict[str, ast.AST]:
    return {
        key.value: value
        for key, value in zip(node.keys, node.values)
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def _awaited(function: ast.AST, name: str) -> bool:
    """True when ``function`` awaits, gathers or returns the task bound to ``name``."""
    for node in ast.walk(function):
        if isinstance(node, ast.Await):
            scope: Optional[ast.AST] = node
        elif isinstance(node, ast.Call) and call_name(node) in (
            "gather",
            "wait",
            "wait_for",
            "shield",
            "add",
        ):
            scope = node
        elif isinstance(node, ast.Return):
            scope = node.value
        else:
            continue
        if scope is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(scope)):
            return True
    return False


def _target_name(target: ast.AST) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


def _is_secret_literal(value: Optional[ast.AST]) -> bool:
    return isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)) and len(value.value) > 0


def _is_mutable(value: Optional[ast.AST]) -> bool:
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return True
    return isinstance(value, ast.Call) and call_name(value) in _MUTABLE_CALLS


def _mutated_name(node: ast.AST) -> Tuple[str, bool]:
    """The name ``node`` changes (``X[k] = v``, ``X.append(v)``), and whether it rebinds it
    (``X = v``, ``X += 1``: a module global only under a ``global`` declaration)."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                return target.value.id, False
            if isinstance(target, ast.Name) and not isinstance(node, ast.Delete):
                return target.id, True
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _MUTATORS
        and isinstance(node.func.value, ast.Name)
    ):
        return node.func.value.id, False
    return "", False


def _local_names(function: ast.AST) -> Set[str]:
    """Names ``function`` binds itself (parameters, assignments): they shadow module globals."""
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}  # type: ignore[attr-defined]
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _module_binding(tree: ast.Module, name: str) -> Optional[ast.AST]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node
    return None
