"""The floor of an ASGI invocation: what entering the loop and running the app as a Task costs alone.

A synchronous handler must enter the event loop once per invocation, and the ASGI ecosystem needs
the app to run as a real :class:`asyncio.Task` (anyio's cancel scopes, ``current_task()``,
contextvars per request). This counts, with cachegrind, the instructions per invocation of a
trivial ASGI app (two ``send`` calls, no framework) driven four ways:

- ``await``: awaited in a loop inside one already-running coroutine (the overhead table's raw call);
- ``run_until_complete``: ``loop.run_until_complete(app(...))`` per invocation (a Task each time);
- ``InstanceLoop.run``: the bridge's stepped loop, a Task per invocation (``bridge/runners/_loop.py``);
- ``ASGIRunner.run``: the bridge's whole ASGI runner on a decoded request (scope, receive, send,
  response), without platform decode or encode.

    python -m benchmarks.asgi_floor        (needs valgrind; about a minute per way)
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLS = (2000, 6000)
WAYS = ("await", "run_until_complete", "InstanceLoop.run", "ASGIRunner.run")
_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hi"})


async def _receive():  # type: ignore[no-untyped-def]
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message):  # type: ignore[no-untyped-def]
    pass


def _driver(way: str):  # type: ignore[no-untyped-def]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    if way == "await":
        loop = asyncio.new_event_loop()

        async def many(n: int) -> None:
            for _ in range(n):
                await app(scope, _receive, _send)

        return lambda n: loop.run_until_complete(many(n))
    if way == "run_until_complete":
        loop = asyncio.new_event_loop()

        def each(n: int) -> None:
            for _ in range(n):
                loop.run_until_complete(app(scope, _receive, _send))

        return each
    if way == "InstanceLoop.run":
        from bridge.runners._loop import InstanceLoop

        instance = InstanceLoop()

        def stepped(n: int) -> None:
            for _ in range(n):
                instance.run(app(scope, _receive, _send))

        return stepped
    from bridge import HTTPRequest
    from bridge.runners.asgi import ASGIRunner

    runner = ASGIRunner(app, "off")
    request = HTTPRequest("GET", "/", b"/", b"", {"host": "example.com"})

    def whole(n: int) -> None:
        for _ in range(n):
            runner.run(request, None)

    return whole


def _count(way: str, calls: int) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "benchmarks.asgi_floor", "--child", way, str(calls)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    found = _IREFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"cachegrind run of {way!r} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        run = _driver(argv[1])
        run(200)  # warm-up
        run(int(argv[2]))
        return 0
    per_call = {}
    for way in WAYS:
        subprocess.run(
            [sys.executable, "-m", "benchmarks.asgi_floor", "--child", way, "10"], cwd=ROOT, check=True
        )
        few, many = _count(way, CALLS[0]), _count(way, CALLS[1])
        per_call[way] = (many - few) / (CALLS[1] - CALLS[0])
        print(f"counted {way}", file=sys.stderr, flush=True)
    base = per_call["await"]
    print("| way | instructions per invocation | over `await` |\n|---|--:|--:|")
    for way, count in per_call.items():
        print(f"| {way} | {count / 1000:.1f} K | +{(count - base) / 1000:.1f} K |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
