"""``[schedules]`` and ``[events]``: what runs on a timer, a stored object or a queue message.

::

    [schedules]
    cleanup = { every = "1h", command = "purge-done" }              # an app command
    digest  = { cron = "0 8 * * 1-5", post = "/internal/digest" }   # or a request to an app route
    [events]
    uploads = { source = "oss:my-bucket/uploads/*", post = "/internal/uploaded" }  # cos:, s3:
    orders  = { source = "mns:orders", post = "/internal/order" }                  # cmq:, tdmq:, sqs:
    [jobs]
    timeout = "15m"     # the split plan's `jobs` function, which runs the commands
    memory = 1024

Each entry runs ``command`` (a string split like a shell line, or a list) or ``post``s the event
as JSON to a route of the app, which then answers 404 to HTTP callers. The same data travels into
the code package as JSON (:meth:`Jobs.document`) for the handler to read.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .._errors import ConfigError
from . import cron

#: Event sources by kind: the prefix of ``source`` and the vendor it belongs to.
STORAGE_SOURCES = {"oss": "fc", "cos": "scf", "s3": "aws"}
QUEUE_SOURCES = {"mns": "fc", "cmq": "scf", "tdmq": "scf", "sqs": "aws"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_SCHEDULE_KEYS = ("cron", "every", "command", "post")
_EVENT_KEYS = ("source", "command", "post")
_SETTINGS_KEYS = ("timeout", "memory")
#: The `jobs` function's timeout unless ``[jobs] timeout`` says otherwise: the longest every vendor
#: writing job triggers gives an event function (Lambda and SCF 900 s, FC 86400 s).
DEFAULT_JOBS_TIMEOUT_S = 900


@dataclass
class Job:
    """One schedule or event entry: when it runs and what it runs."""

    name: str
    kind: str  # "timer", "storage" or "queue"
    command: Optional[List[str]] = None
    post: Optional[str] = None
    cron: Optional[str] = None
    every: Optional[str] = None
    #: for storage: "oss" / "cos" / "s3"; for queues: "mns" / "cmq" / "tdmq" / "sqs"
    scheme: Optional[str] = None
    #: bucket or queue/topic name
    resource: Optional[str] = None
    #: object-key prefix a storage event must match ("" for every key)
    prefix: str = ""

    @property
    def what(self) -> str:
        return f"post {self.post}" if self.post else "command " + " ".join(self.command or [])

    @property
    def key(self) -> str:
        """``schedules.<name>`` or ``events.<name>``: how the project and the plan name it."""
        return f"{'schedules' if self.kind == 'timer' else 'events'}.{self.name}"

    @property
    def internal_header(self) -> str:
        """The value of ``X-Bridge-Internal`` on the request this job sends: ``kind:name``."""
        return f"{self.kind}:{self.name}"


@dataclass
class Jobs:
    """Every job of the project, and the routes they make internal."""

    timers: Dict[str, Job] = field(default_factory=dict)
    events: Dict[str, Job] = field(default_factory=dict)
    #: the deployment's name: EventBridge rule names are ``<prefix>-<schedule>``
    prefix: str = ""
    #: the tables as written, for the code package's jobs file (read back by :func:`load_jobs`)
    tables: Dict[str, Any] = field(default_factory=dict)
    #: ``[jobs]``: timeout (seconds) and memory (MB) of a split plan's ``jobs`` function; None: default
    timeout: Optional[int] = None
    memory: Optional[int] = None

    def __bool__(self) -> bool:
        return bool(self.timers or self.events)

    @property
    def internal_paths(self) -> frozenset:
        """Paths HTTP callers may not reach: every route a job posts to."""
        return frozenset(job.post.rstrip("/") or "/" for job in self.all() if job.post)

    def all(self) -> List[Job]:
        return list(self.timers.values()) + list(self.events.values())

    def only(self, keys: Any) -> Jobs:
        """The jobs named by ``keys`` (:attr:`Job.key`), with this one's prefix: one function's share."""
        wanted = set(keys)
        return Jobs(
            timers={n: j for n, j in self.timers.items() if j.key in wanted},
            events={n: j for n, j in self.events.items() if j.key in wanted},
            prefix=self.prefix,
            tables=self.tables,
            timeout=self.timeout,
            memory=self.memory,
        )

    def document(self) -> Dict[str, Any]:
        """What the code package's jobs file holds: ``{"name", "schedules", "events"}``."""
        return {"name": self.prefix, **self.tables}


def load_jobs(value: Any) -> Jobs:
    """``Bridge(app, jobs=...)``: a :class:`Jobs`, the tables as a dict, or the path of a jobs JSON file."""
    if isinstance(value, Jobs):
        return value
    where = "Bridge(jobs=...)"
    if isinstance(value, (str, os.PathLike)):
        where = os.fspath(value)
        try:
            with open(value, encoding="utf-8") as f:
                value = json.load(f)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the jobs file {where}: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: jobs must be {{"schedules": {{...}}, "events": {{...}}}}')
    name = value.get("name") or ""
    return parse_jobs(value.get("schedules"), value.get("events"), where, prefix=str(name))


def parse_jobs(schedules: Any, events: Any, where: str, *, prefix: str = "", settings: Any = None) -> Jobs:
    """Validate the ``[schedules]``, ``[events]`` and ``[jobs]`` tables; errors name the entry."""
    tables = {key: value for key, value in (("schedules", schedules), ("events", events)) if value}
    jobs = Jobs(prefix=prefix, tables=tables)
    if settings is not None:
        jobs.timeout, jobs.memory = _settings(settings, where)
    for name, spec in _table(schedules, "schedules", where):
        context = f"{where}: schedules.{name}"
        _no_unknown(spec, _SCHEDULE_KEYS, context)
        when_cron, every = spec.get("cron"), spec.get("every")
        if (when_cron is None) == (every is None):
            raise ConfigError(f'{context}: set one of cron = "m h dom mon dow" or every = "1h"')
        if every is not None:
            cron.parse_every(every, context)
        else:
            cron.split_cron(when_cron, context)
        command, post = _action(spec, context)
        jobs.timers[name] = Job(
            name=name,
            kind="timer",
            command=command,
            post=post,
            cron=when_cron,
            every=every,
        )
    for name, spec in _table(events, "events", where):
        context = f"{where}: events.{name}"
        if name in jobs.timers:
            # Triggers are named after their jobs (FC trigger names, SAM event ids), and the handler
            # finds the job by that name: one name, one job.
            raise ConfigError(f"{where}: schedules.{name} and events.{name} share a name: rename one")
        _no_unknown(spec, _EVENT_KEYS, context)
        kind, scheme, resource, key_prefix = _source(spec.get("source"), context)
        if spec.get("post") is None:
            # An event carries data (an object key, a message body) that only a request can hand over.
            raise ConfigError(f'{context}: an event runs a route of the app: set post = "/internal/..."')
        command, post = _action(spec, context)
        jobs.events[name] = Job(
            name=name,
            kind=kind,
            command=command,
            post=post,
            scheme=scheme,
            resource=resource,
            prefix=key_prefix,
        )
    return jobs


def _settings(value: Any, where: str) -> Tuple[Optional[int], Optional[int]]:
    """``[jobs]``: ``timeout`` as seconds or ``"15m"``, ``memory`` in MB (the deploy step checks each
    vendor's own limits)."""
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: jobs must be a table, e.g. jobs = {{ timeout = "15m" }}')
    _no_unknown(value, _SETTINGS_KEYS, f"{where}: jobs")
    timeout, memory = value.get("timeout"), value.get("memory")
    written = timeout
    if isinstance(timeout, str):
        try:
            count, unit = cron.parse_every(timeout, where)
        except ConfigError:
            count, unit = 0, "s"
        timeout = count * cron.UNIT_SECONDS[unit]
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1):
        raise ConfigError(f'{where}: jobs.timeout = {written!r} must be seconds or a duration such as "15m"')
    if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int) or memory < 64):
        raise ConfigError(f"{where}: jobs.memory = {memory!r} must be a number of MB, 64 or more")
    return timeout, memory


def _table(value: Any, key: str, where: str) -> List[Tuple[str, Dict[str, Any]]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table of name = {{ ... }} entries")
    out = []
    for name, spec in value.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ConfigError(
                f"{where}: {key}.{name}: the name must be a-z, 0-9 and '-', starting with a letter, "
                "41 characters at most (it names the trigger)"
            )
        if not isinstance(spec, dict):
            raise ConfigError(
                f'{where}: {key}.{name} must be a table, e.g. {{ every = "1h", command = "..." }}'
            )
        out.append((name, spec))
    return out


def _no_unknown(spec: Dict[str, Any], allowed: Tuple[str, ...], context: str) -> None:
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise ConfigError(f"{context}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _action(spec: Dict[str, Any], context: str) -> Tuple[Optional[List[str]], Optional[str]]:
    command, post = spec.get("command"), spec.get("post")
    if (command is None) == (post is None):
        raise ConfigError(f'{context}: set one of command = "app-command args" or post = "/route"')
    if post is not None:
        if not isinstance(post, str) or not post.startswith("/") or "?" in post:
            raise ConfigError(f"{context}: post = {post!r} must be a path starting with '/' (no query)")
        return None, post
    if isinstance(command, str):
        argv = shlex.split(command)
    elif isinstance(command, list) and all(isinstance(part, str) for part in command):
        argv = list(command)
    else:
        argv = []
    if not argv:
        raise ConfigError(f'{context}: command must be a command line, e.g. "purge-done --days 7"')
    return argv, None


def _source(value: Any, context: str) -> Tuple[str, str, str, str]:
    """``"oss:bucket/prefix*"`` -> ``("storage", "oss", "bucket", "prefix")``; queues have no prefix."""
    scheme, sep, rest = value.partition(":") if isinstance(value, str) else ("", "", "")
    if scheme in STORAGE_SOURCES and rest:
        bucket, _, pattern = rest.partition("/")
        if pattern.endswith("*"):
            pattern = pattern[:-1]
        if not bucket or "*" in pattern:
            raise ConfigError(
                f"{context}: source = {value!r}: write {scheme}:bucket or {scheme}:bucket/prefix/* "
                "('*' only at the end)"
            )
        return "storage", scheme, bucket, pattern
    if scheme in QUEUE_SOURCES and rest and "/" not in rest:
        return "queue", scheme, rest, ""
    kinds = (
        ", ".join(f"{s}:bucket/prefix/*" for s in STORAGE_SOURCES)
        + ", "
        + ", ".join(f"{s}:name" for s in QUEUE_SOURCES)
    )
    raise ConfigError(f"{context}: source = {value!r} is not an event source: use one of {kinds}")
