"""The registry: match a non-HTTP event to its job and run it.

``Bridge`` calls :func:`run_job` for an event no HTTP platform decoded. Timer, storage and queue
decoders are asked in turn; the first that recognises the event names the job:

- a timer by its trigger name (FC ``triggerName``, SCF ``TriggerName``, the EventBridge rule name,
  which ``bridge build`` makes ``<project>-<schedule>``), or the trigger's message when it names one;
- a storage event by bucket and key prefix; a queue message by queue or topic name.

A job with ``command`` runs the app's command line in this process; its output goes to the log and
``{"exit_code", "output"}`` is the function's result. A job with ``post`` sends the app ``POST
<route>`` with a JSON body describing the event and ``X-Bridge-Internal: <kind>:<name>``; the route
answers 404 to HTTP callers (``Bridge`` checks that before any HTTP request reaches the app).
Storage and queue events send one request per record. An SQS batch answers
``{"batchItemFailures": [{"itemIdentifier": id}]}`` for the messages whose request failed
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html); MNS and CMQ take no
partial answer, so a failed message raises, and the vendor's retry policy redelivers the invocation.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict, List

from .._errors import EventError
from .._manage import run_command
from .._model import HTTPRequest, HTTPResponse
from . import queue, storage, timer
from .jobs import Job, Jobs

#: The header on every request a job sends; its value is ``kind:name``.
INTERNAL_HEADER = "X-Bridge-Internal"

Respond = Callable[[HTTPRequest], HTTPResponse]


class JobFailed(Exception):
    """A queue message whose route failed, on a vendor that redelivers the whole invocation."""


def run_job(jobs: Jobs, event: Dict[str, Any], context: Any, app: Any, respond: Respond) -> Any:
    """The result of the job ``event`` triggers; ``NotImplemented``: not a timer, storage or queue event."""
    fired = timer.decode(event)
    if fired is not None:
        job = _timer_job(jobs, fired)
        return _run(job, fired.fields(event), event, context, app, respond)
    objects = storage.decode(event)
    if objects is not None:
        results = []
        for item in objects:
            job = _storage_job(jobs, item)
            results.append(_run(job, item.fields(event), event, context, app, respond))
        return results[0] if len(results) == 1 else results
    messages = queue.decode(event)
    if messages is not None:
        return _run_messages(jobs, messages, event, context, app, respond)
    return NotImplemented


def _timer_job(jobs: Jobs, fired: timer.TimerFired) -> Job:
    prefix = jobs.prefix
    for name in fired.names:
        for candidate in (
            name,
            name[len(prefix) + 1 :] if prefix and name.startswith(prefix + "-") else None,
        ):
            if candidate in jobs.timers:
                return jobs.timers[candidate]
    raise EventError(
        f"a {fired.vendor} timer fired ({', '.join(fired.names) or 'no name'}) but no [schedules] entry has "
        f"that name; schedules: {', '.join(jobs.timers) or 'none'}"
    )


def _storage_job(jobs: Jobs, item: storage.StoredObject) -> Job:
    for job in jobs.events.values():
        if job.scheme == item.scheme and job.resource in item.buckets and item.key.startswith(job.prefix):
            return job
    raise EventError(
        f"{item.scheme} event for {item.buckets[0]}/{item.key} matches no [events] source; "
        f"sources: {_sources(jobs)}"
    )


def _queue_job(jobs: Jobs, message: queue.Message) -> Job:
    schemes = ("cmq", "tdmq") if message.scheme == "cmq" else (message.scheme,)
    for job in jobs.events.values():
        if job.kind == "queue" and job.scheme in schemes and job.resource == message.queue:
            return job
    raise EventError(
        f"{message.scheme} message from {message.queue!r} matches no [events] source; "
        f"sources: {_sources(jobs)}"
    )


def _sources(jobs: Jobs) -> str:
    """Every [events] source as written (``s3:bucket/prefix*``, ``sqs:queue``): what could have matched."""
    return (
        ", ".join(
            f"{j.scheme}:{j.resource}" + (f"/{j.prefix}*" if j.kind == "storage" else "")
            for j in jobs.events.values()
        )
        or "none"
    )


def _run_messages(
    jobs: Jobs, messages: List[queue.Message], event: Dict[str, Any], context: Any, app: Any, respond: Respond
) -> Any:
    failures: List[str] = []
    for message in messages:
        job = _queue_job(jobs, message)
        if not succeeded(_run(job, message.fields(event), event, context, app, respond)):
            failures.append(message.message_id)
    if messages[0].scheme == "sqs":
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
    if failures:
        raise JobFailed(f"{len(failures)} {messages[0].scheme} message(s) failed: {', '.join(failures)}")
    return {"processed": len(messages)}


def _run(
    job: Job, fields: Dict[str, Any], event: Any, context: Any, app: Any, respond: Respond
) -> Dict[str, Any]:
    if job.command is not None:
        result = run_command(app, job.command)
        _log(job, f"exit status {result['exit_code']}", result["output"])
        return result
    payload = {"job": job.name, "kind": job.kind, **fields}
    body = json.dumps(payload, default=str).encode()
    request = HTTPRequest(
        "POST",
        job.post or "/",
        (job.post or "/").encode(),
        headers={"content-type": "application/json", INTERNAL_HEADER.lower(): job.internal_header},
        body=body,
        scheme="https",
        event=event,
        context=context,
    )
    response = respond(request)
    text = response.body.decode("utf-8", "replace")
    if response.status >= 300:
        _log(job, f"HTTP {response.status}", text)
    return {"status": response.status, "body": text}


def succeeded(result: Any) -> bool:
    """Whether a job's result reports success: exit code 0, a status under 300, no failed message."""
    if isinstance(result, list):
        return all(succeeded(item) for item in result)
    if not isinstance(result, dict):
        return False
    if "exit_code" in result:
        return result["exit_code"] == 0
    if "status" in result:
        return result["status"] < 300
    if "batchItemFailures" in result:
        return not result["batchItemFailures"]
    return "processed" in result


def _log(job: Job, outcome: str, output: str) -> None:
    # The function's stderr is its log on FC, SCF and Lambda.
    sys.stderr.write(f"[bridge] {job.kind} {job.name} ({job.what}): {outcome}\n")
    if output:
        sys.stderr.write(output if output.endswith("\n") else output + "\n")
