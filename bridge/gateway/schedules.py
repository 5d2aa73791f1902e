"""``bridge serve`` fires ``[schedules]`` and ``[events]`` on demand, through the platform's own event.

Endpoints of the local gateway (never of a deployed function), while the project has jobs::

    GET  /_bridge/schedules          the schedules and events, the function running each, how to fire
    POST /_bridge/schedules/NAME     fire schedule NAME now
    POST /_bridge/events/NAME        deliver the storage or queue event in the body to events.NAME

A schedule fires as the timer event of the platform being served (FC ``triggerName``/``payload``,
SCF ``Type: Timer``, the EventBridge scheduled event: :func:`bridge.events.local.timer_event`),
handed to the function the plan puts the job on (its instance, its route guard, its timeout), so
what runs here is what the deployed trigger runs. The answer is the handler's result as JSON, 200
when the job succeeded and 500 when it failed.

Schedules fire on demand, not on their clock: a local run is for trying a job now, as ``vercel
crons`` triggers a cron job "immediately for testing" (https://vercel.com/docs/cli/crons) and
``bridge invoke --timer`` does; a clock would fire hourly jobs never, and minute jobs into a
debugging session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ..emulators import GatewayRequest, GatewayResponse
from .deployed import TARGET_FOR_PLATFORM

if TYPE_CHECKING:
    from ..events.jobs import Job, Jobs
    from .server import Function

#: The gateway's own paths; the app's routes below it are not reachable while the project has jobs.
PREFIX = "/_bridge/"

#: Each served platform's timer: the vendor whose event a schedule fires as, the one whose package
#: ``--as-deployed`` runs for it (and FunctionGraph's own).
TIMER_VENDORS = {**TARGET_FOR_PLATFORM, "huawei": "huawei"}


@dataclass
class JobEvent:
    """A timer, storage or queue event for a function instance, sent where an HTTP request would be
    (:class:`~bridge.gateway.worker.Worker`); the instance answers the handler's result as JSON."""

    job: str
    event: Any


class LocalJobs:
    """The project's jobs behind the local gateway: ``placement`` maps ``schedules.NAME`` /
    ``events.NAME`` to the function that runs it."""

    def __init__(self, jobs: Jobs, platform: str, placement: Dict[str, str]) -> None:
        self.jobs = jobs
        self.platform = platform
        self.placement = placement
        self._fired = 0

    def banner(self, base_url: str) -> List[str]:
        """What ``bridge serve`` prints on startup: each job, its function, and how to fire it."""
        lines = [f"jobs (list: curl {base_url}/_bridge/schedules):"]
        if TIMER_VENDORS.get(self.platform) is None:
            lines.append(f"  (not fired here: {self._no_timer()})")
        for job in self.jobs.all():
            kind = "schedules" if job.kind == "timer" else "events"
            how = f"curl -X POST {base_url}/_bridge/{kind}/{job.name}"
            if job.kind != "timer":
                how += " -H 'content-type: application/json' -d @event.json"
            lines.append(f"  {job.key} ({_when(job)}: {job.what}) -> {self.placement[job.key]}: {how}")
        return lines

    async def respond(
        self, request: GatewayRequest, functions: Dict[str, Function]
    ) -> Tuple[GatewayResponse, str]:
        path = request.path
        if path.rstrip("/") in ("/_bridge/schedules", "/_bridge/events"):
            if request.method.upper() not in ("GET", "HEAD"):
                return _json(
                    405, {"error": "GET lists the jobs; POST /_bridge/schedules/NAME fires one"}
                ), "gateway"
            return _json(200, {"platform": self.platform, "jobs": self.listing()}), "gateway"
        kind, _, name = path[len(PREFIX) :].partition("/")
        table = {"schedules": self.jobs.timers, "events": self.jobs.events}.get(kind)
        if table is None or not name or "/" in name:
            return _json(
                404, {"error": f"no such gateway path {path}; GET /_bridge/schedules lists the jobs"}
            ), "gateway"
        job = table.get(name)
        if job is None:
            known = ", ".join(table) or "none"
            return _json(404, {"error": f"no {kind}.{name} in the project; {kind}: {known}"}), "gateway"
        if request.method.upper() != "POST":
            return _json(405, {"error": f"POST {path} fires {job.key}"}), "gateway"
        vendor = TIMER_VENDORS.get(self.platform)
        if vendor is None:
            return _json(400, {"error": self._no_timer()}), "gateway"
        try:
            event = self._event(job, request, vendor)
        except ValueError as exc:
            return _json(400, {"error": str(exc)}), "gateway"
        function = functions[self.placement[job.key]]
        self._fired += 1
        response = await function.invoke(JobEvent(job.key, event), f"bridge-job-{self._fired}")  # type: ignore[arg-type]
        return response, function.name

    def listing(self) -> List[Dict[str, Any]]:
        return [
            {
                "job": job.key,
                "when": _when(job),
                "runs": job.what,
                "function": self.placement[job.key],
                "fire": f"POST /_bridge/{'schedules' if job.kind == 'timer' else 'events'}/{job.name}",
            }
            for job in self.jobs.all()
        ]

    def _event(self, job: Job, request: GatewayRequest, vendor: str) -> Any:
        if job.kind == "timer":
            from ..events.local import timer_event

            event: Any = timer_event(vendor, job.name, self.jobs)
        else:
            try:
                event = json.loads(request.body or b"")
            except ValueError:
                event = None
            if not isinstance(event, dict):
                raise ValueError(
                    f"POST the {job.scheme} event for {job.key} as a JSON object in the body "
                    "(the vendor's sample event, as bridge invoke --job-event takes it)"
                )
        # FC's runtime hands an event handler its event as JSON bytes, as the FC emulator does.
        return json.dumps(event).encode() if vendor == "fc" else event

    def _no_timer(self) -> str:
        return (
            f"{self.platform} has no timer, storage or queue trigger faas-bridge writes: serve with "
            f"--platform {', '.join(sorted(set(TIMER_VENDORS.values())))} to fire the project's jobs"
        )


def _when(job: Job) -> str:
    if job.kind != "timer":
        return f"{job.scheme}:{job.resource}" + (f"/{job.prefix}*" if job.kind == "storage" else "")
    return f"every {job.every}" if job.every else f"cron {job.cron}"


def _json(status: int, payload: Any) -> GatewayResponse:
    body = json.dumps(payload, indent=2).encode() + b"\n"
    # An error's reason goes to the gateway's log line.
    return GatewayResponse(status, [("Content-Type", "application/json")], body, payload.get("error"))
