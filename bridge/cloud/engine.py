"""The deploy engine: read what is deployed, compare it with the plan, apply the difference.

Every cloud goes through the same four steps, so idempotence, ordering, retries and dry runs are
decided once, here, and a provider only speaks its vendor's API:

1. **desired**: the provider turns the :class:`~bridge.deploy.deployment.Deployment` and package
   ``bridge build`` makes into :class:`~bridge.cloud.provider.Resource` objects;
2. **actual**: the provider lists what carries this project's tag (read calls only);
3. **diff**: a resource missing remotely is created, one whose planned settings differ (only the
   keys the plan sets are compared) is updated field by field, one the plan no longer has is
   deleted (a function only with ``prune``);
4. **apply**: one change at a time, creates and updates in :attr:`Provider.kinds` order, deletes in
   reverse, each retried on :class:`RetryableError` with exponential backoff and jitter within a
   bounded total time; any other error stops the run and names the step, resource and message.

A rerun after a failure reads the remote state again, so what was done is not done twice.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple, TypeVar

from .provider import Change, CloudError, Package, Provider, Resource, RetryableError

T = TypeVar("T")

ACTIONS = ("create", "update", "delete")
_SIGNS = {"create": "+", "update": "~", "delete": "-"}
_DONE = {"create": "created", "update": "updated", "delete": "deleted"}


# --- retries -----------------------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """How long to keep retrying a :class:`RetryableError`: exponential backoff, jitter, a time bound.

    The delay before retry *n* is ``min(max_delay, first_delay * 2**n)``, scaled by a random factor
    in [0.5, 1] ("equal jitter", https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
    so that several clients throttled together do not retry in step. A retry whose delay would end
    past ``total_seconds`` from the first attempt is not made: the last error is raised instead.
    """

    total_seconds: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def call(
        self, what: str, attempt: Callable[[], T], on_retry: Optional[Callable[[str], None]] = None
    ) -> T:
        """``attempt()``, retried on :class:`RetryableError`; ``on_retry`` hears about each retry."""
        deadline = self.clock() + self.total_seconds
        tries = 0
        while True:
            try:
                return attempt()
            except RetryableError as exc:
                delay = min(self.max_delay, self.first_delay * 2**tries) * random.uniform(0.5, 1.0)
                tries += 1
                if self.clock() + delay > deadline:
                    raise RetryableError(
                        exc.step,
                        exc.resource,
                        f"{exc.vendor_message} (still failing after {tries} attempts in "
                        f"{self.total_seconds:g} s; rerun later, or raise --retry-for)",
                        code=exc.code,
                    ) from exc
                if on_retry is not None:
                    on_retry(f"{what}: {exc}; retrying in {delay:.1f} s")
                self.sleep(delay)


# --- progress ----------------------------------------------------------------------------------------


class Progress:
    """One line per resource on ``stream`` (stderr): what was done, or why it failed."""

    def __init__(self, stream: Optional[TextIO] = None, *, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet

    def line(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def done(self, change: Change, seconds: float) -> None:
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        self.line(
            f"{_SIGNS[change.action]} {change.resource}: {_DONE[change.action]}{fields} in {seconds:.1f} s"
        )

    def failed(self, change: Change, error: CloudError) -> None:
        self.line(f"! {change.resource}: {change.action} failed: {error}")


# --- the diff ----------------------------------------------------------------------------------------


@dataclass
class Diff:
    """What a deploy would change: the ordered changes, and stale functions kept without ``prune``."""

    project: str
    desired: List[Resource]
    actual: List[Resource]
    changes: List[Change]
    #: Deployed resources the plan no longer has but that stay (functions without ``--prune``).
    kept: List[Resource] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.changes


def compare(
    desired: Sequence[Resource],
    actual: Sequence[Resource],
    *,
    project: str,
    kinds: Sequence[str],
    prune: bool = False,
) -> Diff:
    """The changes that turn ``actual`` into ``desired``, in the order they must be applied.

    Creates and updates go kind by kind in ``kinds`` order (a function before its trigger), then
    deletes in the reverse order (a route before its integration before its function), so that
    nothing new ever points at something missing and nothing is removed while still in use.
    Without ``prune``, a deployed function the plan no longer has is kept, with everything that
    belongs to it (``extra["function"]``, or a name ``<function>/...``).
    """
    deployed = {resource.key: resource for resource in actual}
    planned = {resource.key: resource for resource in desired}
    if len(planned) != len(desired):
        names = [str(resource) for resource in desired]
        twice = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"the provider planned {', '.join(twice)} twice")
    upserts: List[Change] = []
    for resource in desired:
        current = deployed.get(resource.key)
        if current is None:
            upserts.append(Change("create", resource))
            continue
        fields = differences(resource.settings, current.settings)
        if fields:
            upserts.append(Change("update", resource, fields=fields, current=current))
    stale = [resource for resource in actual if resource.key not in planned]
    kept: List[Resource] = []
    if not prune:
        kept_functions = {r.name for r in stale if r.kind == "function"}
        kept = [r for r in stale if r.kind == "function" or owner(r) in kept_functions]
        stale = [r for r in stale if r not in kept]
    rank = _ranks(kinds)
    upserts.sort(key=lambda change: (rank(change.resource.kind), change.resource.name))
    deletes = [Change("delete", resource) for resource in stale]
    deletes.sort(key=lambda change: (-rank(change.resource.kind), change.resource.name))
    return Diff(project, list(desired), list(actual), upserts + deletes, kept)


def differences(planned: Dict[str, Any], deployed: Dict[str, Any]) -> Dict[str, Tuple[Any, Any]]:
    """``{field: (deployed, planned)}`` for every planned field whose deployed value differs."""
    missing = object()
    found: Dict[str, Tuple[Any, Any]] = {}
    for key, value in planned.items():
        current = deployed.get(key, missing)
        if current is missing or _normal(current) != _normal(value):
            found[key] = (None if current is missing else current, value)
    return found


def owner(resource: Resource) -> str:
    """The function a resource belongs to: ``extra["function"]``, else the ``<function>/`` name prefix."""
    named = resource.extra.get("function")
    if named:
        return str(named)
    return resource.name.split("/", 1)[0] if "/" in resource.name else ""


def _normal(value: Any) -> Any:
    # Tuples and lists, and mappings in any order, are the same setting.
    if isinstance(value, (list, tuple)):
        return [_normal(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _normal(item) for key, item in value.items()}
    return value


def _ranks(kinds: Sequence[str]) -> Callable[[str], int]:
    order = {kind: index for index, kind in enumerate(kinds)}
    return lambda kind: order.get(kind, len(order))


# --- applying it -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What :func:`apply` did: the changes made, in order, and the error that stopped it, if any."""

    applied: List[Change] = field(default_factory=list)
    failed: Optional[Change] = None
    error: Optional[CloudError] = None

    @property
    def ok(self) -> bool:
        return self.error is None


def apply(provider: Provider, diff: Diff, *, retry: RetryPolicy, progress: Progress) -> Outcome:
    """Apply ``diff.changes`` one at a time; stop at the first error that retrying does not cure."""
    outcome = Outcome()
    for change in diff.changes:
        act = _action(provider, change)
        started = time.monotonic()
        try:
            retry.call(f"{change.action} {change.resource}", act, progress.line)
        except CloudError as exc:
            outcome.failed, outcome.error = change, exc
            progress.failed(change, exc)
            break
        outcome.applied.append(change)
        progress.done(change, time.monotonic() - started)
    return outcome


def _action(provider: Provider, change: Change) -> Callable[[], None]:
    if change.action == "create":
        return lambda: provider.create(change.resource)
    if change.action == "update":
        return lambda: provider.update(change)
    return lambda: provider.delete(change.resource)


def read(provider: Provider, project: str, *, retry: RetryPolicy, progress: Progress) -> List[Resource]:
    """What is deployed for ``project``, read with retries."""
    return retry.call(f"read {project}", lambda: provider.actual(project), progress.line)


def plan(
    provider: Provider,
    deployment: Any,
    package: Package,
    *,
    prune: bool,
    retry: RetryPolicy,
    progress: Progress,
) -> Diff:
    """The :class:`Diff` between the deployment's resources and what is deployed (read calls only)."""
    desired = provider.desired(deployment, package)
    actual = read(provider, deployment.name, retry=retry, progress=progress)
    return compare(desired, actual, project=deployment.name, kinds=provider.kinds, prune=prune)


def removal(provider: Provider, project: str, *, retry: RetryPolicy, progress: Progress) -> Diff:
    """The :class:`Diff` deleting everything tagged with ``project`` (nothing is desired)."""
    actual = read(provider, project, retry=retry, progress=progress)
    return compare([], actual, project=project, kinds=provider.kinds, prune=True)


# --- showing it --------------------------------------------------------------------------------------

#: Fields whose values are never shown (environment variables carry secrets): only which keys differ.
_HIDDEN = ("environment", "variables", "env")


def public_settings(settings: Dict[str, Any]) -> Dict[str, Any]:
    """``settings`` fit to print: an environment shows its variable names, never their values."""
    return {
        key: sorted(value) if key.lower() in _HIDDEN and isinstance(value, dict) else value
        for key, value in settings.items()
    }


def describe(diff: Diff) -> List[str]:
    """The diff as text: ``+ create``, ``~ update`` with one line per field, ``- delete``."""
    if diff.in_sync and not diff.kept:
        return [f"{diff.project}: up to date, nothing to change"]
    lines: List[str] = []
    for change in diff.changes:
        lines.append(f"{_SIGNS[change.action]} {change.action} {change.resource}")
        for name, (deployed, planned) in change.fields.items():
            shown = _shown(name, deployed, planned)
            if isinstance(shown, dict):
                keys = "; ".join(f"{what} {', '.join(names)}" for what, names in shown.items() if names)
                lines.append(f"    {name}: {keys}")
            else:
                lines.append(f"    {name}: {shown[0]} -> {shown[1]}")
    for resource in diff.kept:
        lines.append(f"  keep {resource} (no longer in the plan; --prune deletes it)")
    return lines


def _shown(name: str, deployed: Any, planned: Any) -> Any:
    if name.lower() in _HIDDEN and isinstance(planned, dict):
        before = deployed if isinstance(deployed, dict) else {}
        return {
            "added": sorted(k for k in planned if k not in before),
            "changed": sorted(k for k in planned if k in before and before[k] != planned[k]),
            "removed": sorted(k for k in before if k not in planned),
        }
    return (json.dumps(deployed, default=str), json.dumps(planned, default=str))


def as_json(diff: Diff, outcome: Optional[Outcome] = None, **more: Any) -> Dict[str, Any]:
    """The plan and (when applied) the result, for ``--json``; environment values are never included."""
    document: Dict[str, Any] = {
        "project": diff.project,
        "in_sync": diff.in_sync,
        "changes": [_change_json(change) for change in diff.changes],
        "kept": [{"kind": r.kind, "name": r.name} for r in diff.kept],
    }
    if outcome is not None:
        document["applied"] = [_change_json(change) for change in outcome.applied]
        document["error"] = (
            None
            if outcome.error is None
            else {
                "step": outcome.error.step,
                "resource": outcome.error.resource,
                "code": outcome.error.code,
                "message": outcome.error.vendor_message,
            }
        )
    document.update(more)
    return document


def _change_json(change: Change) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    for name, (deployed, planned) in change.fields.items():
        shown = _shown(name, deployed, planned)
        fields[name] = shown if isinstance(shown, dict) else {"deployed": deployed, "planned": planned}
    entry: Dict[str, Any] = {
        "action": change.action,
        "kind": change.resource.kind,
        "name": change.resource.name,
    }
    if fields:
        entry["fields"] = fields
    return entry
