"""``bridge invoke TARGET --timer NAME`` / ``--job-event FILE``: run a job here, as the platform would.

The project (``bridge.toml`` or ``[tool.bridge]``, from ``--chdir`` or the current directory)
supplies the jobs; ``--timer`` builds the platform's own timer event for the schedule (the shapes in
:mod:`bridge.events.timer`), ``--job-event`` reads a storage or queue event from a file (the
vendors' samples in the README work as they are). The result is printed as JSON; the exit status
is 1 when the job failed (non-zero exit code, an HTTP error status, failed queue messages).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, TextIO

from .._errors import ConfigError
from .dispatch import succeeded
from .jobs import Jobs


def timer_event(platform: str, name: str, jobs: Jobs) -> Dict[str, Any]:
    """The event ``platform``'s timer trigger for schedule ``name`` sends (as ``bridge build`` names it)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if platform.startswith("fc"):
        return {"triggerTime": now, "triggerName": name, "payload": name}
    if platform.startswith("scf"):
        return {"Type": "Timer", "TriggerName": name, "Time": now, "Message": name}
    if platform == "huawei":
        return {
            "version": "v1.0",
            "time": now,
            "trigger_type": "TIMER",
            "trigger_name": name,
            "user_event": name,
        }
    rule = f"{jobs.prefix}-{name}" if jobs.prefix else name
    return {
        "version": "0",
        "id": "bridge-invoke",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }


def run_local(
    target: str,
    platform: str,
    *,
    timer: Optional[str] = None,
    event_file: Optional[str] = None,
    event_name: Optional[str] = None,
    chdir: Optional[str] = None,
    out: TextIO = sys.stdout,
) -> int:
    from .. import Bridge
    from ..apploader import load_target
    from ..project import load_project

    project = load_project(Path(chdir or "."))
    jobs = project.jobs
    if not jobs:
        raise ConfigError(f"{project.source}: no [schedules] or [events] to run")
    if timer is not None:
        if timer not in jobs.timers:
            raise ConfigError(
                f"--timer {timer}: no such schedule; schedules: {', '.join(jobs.timers) or 'none'}"
            )
        event: Any = timer_event(platform, timer, jobs)
    else:
        option = "--file" if event_name is not None else "--job-event"
        try:
            event = json.loads(Path(event_file or "").read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{option} {event_file}: cannot read a JSON event: {exc}") from None
        if event_name is not None:
            if event_name not in jobs.events:
                known = ", ".join(jobs.events) or "none"
                raise ConfigError(f"--event {event_name}: no such [events] entry; events: {known}")
            # Only that entry may take the event: one whose source does not match it is the
            # handler's clear "no job" error, not another entry's run.
            jobs = jobs.only([jobs.events[event_name].key])
    app = load_target(target, chdir=chdir)
    if isinstance(app, Bridge):
        app = app.app
    result = Bridge(app, jobs=jobs)(event, None)
    out.write(json.dumps(result, indent=2, default=str) + "\n")
    return 0 if succeeded(result) else 1
