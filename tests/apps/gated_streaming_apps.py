"""Apps that stream: a FastAPI StreamingResponse, a Flask generator, an SSE endpoint.

``release`` is set by a test once it has seen the first chunk: the apps wait on it before they
produce the last, so a test proves the first chunk left first without any wall-clock threshold.
Without a test (the bootstrap run as Lambda runs it) ``release`` is already set. An app in another
process (behind ``bridge serve``) waits instead for the file ``STREAMING_RELEASE_FILE`` names.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from flask import Flask, Response, stream_with_context

from bridge import Bridge

release = threading.Event()
release.set()


def wait_release(timeout: float = 30.0) -> None:
    """Block until the test lets the app produce the rest of its response."""
    path = os.environ.get("STREAMING_RELEASE_FILE")
    if not path:
        release.wait(timeout)
        return
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)

fastapi_app = FastAPI()


@fastapi_app.get("/stream")
async def fastapi_stream() -> StreamingResponse:
    async def chunks():
        yield b"first chunk\n"
        await asyncio.get_running_loop().run_in_executor(None, wait_release)
        yield b"second chunk\n"
        yield b"last chunk\n"

    response = StreamingResponse(chunks(), media_type="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@fastapi_app.get("/events")
async def fastapi_events() -> StreamingResponse:
    async def events():
        yield "event: tick\ndata: 1\n\n"
        await asyncio.get_running_loop().run_in_executor(None, wait_release)
        yield "event: tick\ndata: 2\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@fastapi_app.get("/broken")
async def fastapi_broken() -> StreamingResponse:
    async def chunks():
        yield b"partial "
        raise RuntimeError("secret detail that must not reach the client")

    return StreamingResponse(chunks(), media_type="text/plain")


@fastapi_app.get("/big")
async def fastapi_big(size: int = 1024, chunk: int = 65536) -> StreamingResponse:
    block = b"x" * chunk

    async def chunks():
        left = size
        while left > 0:
            yield block[: min(chunk, left)]
            left -= chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream")


flask_app = Flask(__name__)


@flask_app.get("/stream")
def flask_stream() -> Response:
    def chunks():
        yield "first chunk\n"
        wait_release()
        yield "second chunk\n"
        yield "last chunk\n"

    response = Response(stream_with_context(chunks()), mimetype="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@flask_app.get("/events")
def flask_events() -> Response:
    def events():
        yield "event: tick\ndata: 1\n\n"
        wait_release()
        yield "event: tick\ndata: 2\n\n"

    return Response(events(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})


@flask_app.get("/broken")
def flask_broken() -> Response:
    def chunks():
        yield "partial "
        raise RuntimeError("secret detail that must not reach the client")

    return Response(chunks(), mimetype="text/plain")


@flask_app.get("/big")
def flask_big() -> Response:
    from flask import request

    size = int(request.args.get("size", 1024))
    chunk = int(request.args.get("chunk", 65536))
    block = b"x" * chunk

    def chunks():
        left = size
        while left > 0:
            yield block[: min(chunk, left)]
            left -= chunk

    return Response(chunks(), mimetype="application/octet-stream")


@flask_app.get("/hello")
def flask_hello() -> str:
    return "hello"


fastapi_handler = Bridge(fastapi_app)
flask_handler = Bridge(flask_app)
