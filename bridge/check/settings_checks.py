"""Judging what the probe saw: the import itself, and the framework settings the app loaded.

Settings are judged by their values in force (after the app's own fallbacks ran with the code
read-only), then pinned to the line of the project that sets them.
"""

from __future__ import annotations

import ast
import errno
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .findings import Finding
from .hazards import debug_on, per_instance, read_only_write, sqlite_next_to_code
from .platform_facts import PlatformFacts
from .probe import CODE, OTHER, TMP, ProbeResult

_READ_ONLY_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}
_UPLOAD_FIX = "Send uploads straight to object storage (a pre-signed upload URL), not through the function."
_DJANGO_DOCS = "https://docs.djangoproject.com/en/stable/ref/settings/"


class SettingsChecks:
    """Findings from one probe run."""

    def __init__(
        self,
        result: ProbeResult,
        facts: PlatformFacts,
        root: Path,
        files: Iterable[str],
        target_file: str,
        budget: float,
    ) -> None:
        self.result = result
        self.facts = facts
        self.lines = SettingLocator(root, [f for f in files if f.endswith(".py")])
        self.target_file = target_file
        self.budget = budget
        self.findings: List[Finding] = []

    def run(self) -> List[Finding]:
        self._import()
        if self.result.imported:
            self._writes()
            self._threads()
            self._routes()
            if self.result.django:
                self._django(self.result.django)
            if self.result.flask:
                self._flask(self.result.flask)
            self._cold_start()
        return self.findings

    def _add(
        self, severity: str, rule: str, place: Tuple[str, int], title: str, why: str, fix: str, docs: str
    ) -> None:
        self.findings.append(Finding(severity, rule, place[0], place[1], title, why, fix, docs))

    # --- the import -------------------------------------------------------------------------

    def _import(self) -> None:
        f, result = self.facts, self.result
        if result.timed_out:
            self._add(
                "breaks",
                "import-hangs",
                (self.target_file, 0),
                f"importing the app did not finish in {result.seconds:.0f} s",
                f"{f.title} imports the app when an instance starts; an import that blocks (a server "
                "started at import, a wait on a network service) times the instance out.",
                'Find what blocks at import (a server\'s run() outside `if __name__ == "__main__"`).',
                f.lifecycle_doc,
            )
            return
        error = result.error
        if not error:
            return
        place = (error.get("file") or self.target_file, int(error.get("line") or 0))
        # Say it as the platform would: the copy's paths are the platform's code dir and /tmp.
        message = result.on_platform(str(error.get("message", "")), f.code_dir)
        where = result.where(error.get("filename")) if error.get("filename") else ""
        if error.get("errno") in _READ_ONLY_ERRORS and where in (CODE, OTHER):
            what = "next to the code" if where == CODE else "outside the temp dir"
            title = f"importing the app fails: it writes {what}"
            self.findings.append(read_only_write(f, *place, title, f"{error.get('type')}: {message}."))
            return
        self._add(
            "breaks",
            "import-fails",
            place,
            "importing the app fails with the code read-only",
            f"{error.get('type')}: {message}",
            "Fix the error above; run `bridge check` again to see what follows it.",
            f.lifecycle_doc,
        )

    def _writes(self) -> None:
        f = self.facts
        for write in self.result.writes:
            if self.result.where(write["path"]) != OTHER:
                continue
            self._add(
                "risky",
                "write-outside-tmp",
                (write["file"], write["line"]),
                f"at import the app writes {write['path']}",
                f"Only {f.writable} is writable on {f.title}: this write fails there.",
                "Write under tempfile.gettempdir() instead.",
                f.filesystem_doc,
            )
        for relative in self.result.new_code_files:
            title = "importing the app creates this file next to the code"
            self.findings.append(read_only_write(f, relative, 0, title))

    def _threads(self) -> None:
        f = self.facts
        for thread in self.result.threads:
            self._add(
                "risky",
                "thread-at-import",
                (thread["file"] or self.target_file, thread["line"]),
                f"a thread started at import is still running ({thread['name']}: {thread['target']})",
                f"{f.title} freezes the instance between requests: the thread makes no progress then, "
                "and whatever it does (a scheduler, a flusher, a poller) runs only while a request does.",
                "Do the work per request, or as its own function on a timer trigger.",
                f.lifecycle_doc,
            )

    def _routes(self) -> None:
        f = self.facts
        static = [r for r in self.result.routes if r["kind"] == "static"]
        for route in self.result.routes:
            if route["kind"] == "websocket":
                self._add(
                    "breaks",
                    "websocket-route",
                    (route["file"] or self.target_file, route["line"]),
                    f"WebSocket route {route['path']}",
                    f"An event function answers one HTTP request per invocation; {f.title}'s HTTP "
                    "trigger cannot hold a WebSocket connection open to it.",
                    "Serve WebSockets elsewhere (a web function or a managed WebSocket service) and "
                    "keep the HTTP routes here.",
                    f.timeout_doc,
                )
        if static:
            self._add(
                "cost",
                "static-files",
                (static[0]["file"] or self.target_file, static[0]["line"]),
                f"static files are served by the function ({', '.join(r['path'] for r in static)})",
                f"Each file is an invocation billed on {f.title}, and a cold start delays the page.",
                "Put static files on object storage or a CDN in front of the function.",
                f.limits_doc,
            )

    def _cold_start(self) -> None:
        seconds = self.result.seconds
        if seconds <= self.budget:
            return
        top = self.result.profile.top(3)
        names = ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in top)
        place = self.lines.import_of(top[0][0]) if top else None
        self._add(
            "cost",
            "cold-start",
            place or (self.target_file, 0),
            f"loading the app takes {seconds:.1f} s (budget {self.budget:g} s)",
            f"Every cold start on {self.facts.title} pays this before the first request; the slowest "
            f"imports: {names}.",
            "Import heavy packages inside the functions that use them, or split the app so each "
            "function imports less.",
            self.facts.lifecycle_doc,
        )

    # --- Django -----------------------------------------------------------------------------

    def _django(self, s: Dict) -> None:
        f = self.facts
        settings_file = s.get("settings_file") or self.target_file

        def at(name: str) -> Tuple[str, int]:
            return self.lines.setting(name, prefer=settings_file) or (settings_file, 0)

        if s["DEBUG"]:
            self.findings.append(debug_on(*at("DEBUG")))
        if not s["ALLOWED_HOSTS"] and not s["DEBUG"]:
            self._add(
                "breaks",
                "allowed-hosts",
                at("ALLOWED_HOSTS"),
                "ALLOWED_HOSTS is empty",
                "With DEBUG off Django answers 400 Bad Request to every request.",
                f"Add the function's domain (on {f.title}: e.g. {f.default_host}) and your own domain.",
                _DJANGO_DOCS + "#allowed-hosts",
            )
        elif not s["hosts_allowed"].get(f.name, True):
            self._add(
                "risky",
                "allowed-hosts",
                at("ALLOWED_HOSTS"),
                f"ALLOWED_HOSTS does not allow {f.title}'s default domain",
                f"Requests to the default domain ({f.default_host}) get 400 Bad Request; fine if only a "
                "custom domain is used.",
                "Add the default domain (a leading dot matches its subdomains) or your custom domain.",
                _DJANGO_DOCS + "#allowed-hosts",
            )
        engine = s["SESSION_ENGINE"]
        if engine.endswith(".file"):
            self._placed(
                "SESSION_FILE_PATH", s["SESSION_FILE_PATH"], at("SESSION_ENGINE"), "file-based sessions"
            )
        elif (
            engine.endswith((".cache", ".cached_db"))
            and "locmem" in s["CACHES"].get("default", {}).get("BACKEND", "").lower()
        ):
            self._per_instance(
                at("SESSION_ENGINE"), "sessions in the in-process memory cache", "session-store"
            )
        if s["CACHES_SET"]:
            for spec in s["CACHES"].values():
                backend = spec["BACKEND"]
                if "filebased" in backend.lower():
                    self._placed("CACHES", spec["LOCATION"], at("CACHES"), "the file-based cache")
                elif "locmem" in backend.lower():
                    self._per_instance(at("CACHES"), "the in-process memory cache", "session-store")
        self._django_static(s, at)
        for spec in s["DATABASES"].values():
            if "sqlite" in spec["ENGINE"]:
                self._sqlite(spec["NAME"], at("DATABASES"))

    def _django_static(self, s: Dict, at) -> None:
        f = self.facts
        if not s["STATICFILES"]:
            return
        if s["WHITENOISE"]:
            if not s["STATIC_ROOT_EXISTS"] and not s["WHITENOISE_USE_FINDERS"]:
                self._add(
                    "breaks",
                    "static-root",
                    at("STATIC_ROOT"),
                    "STATIC_ROOT is not in the package",
                    "WhiteNoise serves what collectstatic gathered; without it every static file is 404.",
                    "Run `manage.py collectstatic` before packaging (or set WHITENOISE_USE_FINDERS).",
                    _DJANGO_DOCS + "#static-root",
                )
            self._add(
                "cost",
                "static-files",
                at("STATIC_ROOT"),
                "static files are served by the function (WhiteNoise)",
                f"Each file is an invocation billed on {f.title}, and a cold start delays the page.",
                "Put collected static files on object storage or a CDN and point STATIC_URL at it.",
                f.limits_doc,
            )
        elif not s["DEBUG"]:
            self._add(
                "risky",
                "static-root",
                at("STATIC_ROOT"),
                "nothing serves static files",
                "With DEBUG off Django does not serve /static/; on a function no web server does either.",
                "Add WhiteNoise, or upload collectstatic's output to object storage and set STATIC_URL.",
                _DJANGO_DOCS + "#static-root",
            )

    # --- Flask ------------------------------------------------------------------------------

    def _flask(self, c: Dict) -> None:
        def at(name: str) -> Tuple[str, int]:
            return self.lines.setting(name) or (self.target_file, 0)

        if c.get("DEBUG"):
            self.findings.append(debug_on(*at("DEBUG")))
        database = c.get("sqlite_file")
        if database:
            self._sqlite(database, at("SQLALCHEMY_DATABASE_URI"))
        session = str(c.get("SESSION_TYPE") or "").lower()
        if session == "filesystem":
            # Flask-Session's default folder is flask_session in the working directory: the code.
            directory = c.get("SESSION_FILE_DIR") or "flask_session"
            self._placed("SESSION_FILE_DIR", directory, at("SESSION_TYPE"), "file-based sessions")
        cache = str(c.get("CACHE_TYPE") or "").lower()
        if cache in ("filesystem", "filesystemcache", "flask_caching.backends.filesystemcache"):
            self._placed("CACHE_DIR", c.get("CACHE_DIR") or "", at("CACHE_TYPE"), "the file-based cache")
        elif cache in ("simple", "simplecache", "flask_caching.backends.simplecache"):
            self._per_instance(at("CACHE_TYPE"), "the in-process cache (SimpleCache)", "session-store")
        if c.get("UPLOAD_FOLDER"):
            self._uploads(c["UPLOAD_FOLDER"], at("UPLOAD_FOLDER"))

    def _uploads(self, folder: str, place: Tuple[str, int]) -> None:
        f = self.facts
        where = self._where_path(folder)
        limit = f"Request bodies over {f.body_limit} never reach the function on {f.title}."
        if where in (CODE, OTHER):
            self._add(
                "breaks",
                "upload-folder",
                place,
                "uploads are saved next to the code",
                f"The code package is read-only on {f.title} (only {f.writable} is writable): saving an "
                f"upload fails. {limit}",
                _UPLOAD_FIX,
                f.limits_doc,
            )
        else:
            self._add(
                "risky",
                "upload-folder",
                place,
                "uploads are saved in the temp dir",
                f"Each instance has its own {f.writable}: an upload is invisible to other instances and "
                f"lost when this one stops. {limit}",
                _UPLOAD_FIX,
                f.limits_doc,
            )

    # --- shared judgments -------------------------------------------------------------------

    def _sqlite(self, database: Optional[str], place: Tuple[str, int]) -> None:
        f = self.facts
        if not database or database.startswith(":memory:") or database.startswith("file::memory:"):
            self._per_instance(place, "an in-memory SQLite database", "sqlite-per-instance")
            return
        where = self._where_path(database)
        if where in (CODE, OTHER):
            title = "the SQLite database file is next to the code"
            self.findings.append(sqlite_next_to_code(f, *place, title))
        else:
            self._per_instance(place, "a SQLite database in the temp dir", "sqlite-per-instance")

    def _where_path(self, path: str) -> str:
        # A relative path is taken from the working directory, which on a function is the code.
        return self.result.where(path if Path(path).is_absolute() else str(Path(self.result.code_dir) / path))

    def _per_instance(self, place: Tuple[str, int], what: str, rule: str) -> None:
        self.findings.append(per_instance(self.facts, *place, what, rule))

    def _placed(self, setting: str, path: Optional[str], place: Tuple[str, int], what: str) -> None:
        f = self.facts
        where = self._where_path(path) if path else TMP  # unset: the framework's temp-dir default
        if where in (CODE, OTHER):
            self._add(
                "breaks",
                "file-store",
                place,
                f"{what} write next to the code ({setting})",
                f"On {f.title} only {f.writable} is writable: the first write fails.",
                "Keep it in a database, Redis or signed cookies (sessions).",
                f.filesystem_doc,
            )
        else:
            self._per_instance(place, what + " in the temp dir", "session-store")


class SettingLocator:
    """Finds the line that sets a setting: ``NAME = ...``, ``config["NAME"] = ...``, ``NAME=...``."""

    def __init__(self, root: Path, files: List[str]) -> None:
        self.root = root
        self.files = files
        self._trees: Dict[str, Optional[ast.AST]] = {}

    def _tree(self, relative: str) -> Optional[ast.AST]:
        if relative not in self._trees:
            try:
                self._trees[relative] = ast.parse((self.root / relative).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                self._trees[relative] = None
        return self._trees[relative]

    def setting(self, name: str, prefer: str = "") -> Optional[Tuple[str, int]]:
        order = ([prefer] if prefer in self.files else []) + [f for f in self.files if f != prefer]
        for relative in order:
            tree = self._tree(relative)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if _sets(node, name):
                    return relative, node.lineno
        return None

    def import_of(self, package: str) -> Optional[Tuple[str, int]]:
        for relative in self.files:
            tree = self._tree(relative)
            for node in ast.walk(tree) if tree is not None else ():
                if isinstance(node, ast.Import) and any(a.name.split(".")[0] == package for a in node.names):
                    return relative, node.lineno
                if (
                    isinstance(node, ast.ImportFrom)
                    and (node.module or "").split(".")[0] == package
                    and not node.level
                ):
                    return relative, node.lineno
        return None


def _sets(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name:
                return True
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.slice, ast.Constant)
                and target.slice.value == name
            ):
                return True
    if isinstance(node, ast.Call):
        return any(k.arg == name for k in node.keywords)
    return False
