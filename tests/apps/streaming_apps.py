"""Apps that stream: a FastAPI StreamingResponse, SSE and a WebSocket, and a Flask generator.

Each streamed response sleeps ``STREAM_PAUSE_S`` between chunks, so a client that reads as bytes
arrive sees the first chunk well before the last. The FastAPI app records lifespan startup and
shutdown in the file named by ``LIFESPAN_LOG`` (one line each), so a test can count them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from fastapi import FastAPI, WebSocket
from fastapi.responses import StreamingResponse
from flask import Flask, Response

STREAM_PAUSE_S = float(os.environ.get("STREAM_PAUSE_S", "0.3"))
CHUNKS = 5


def _record(event: str) -> None:
    path = os.environ.get("LIFESPAN_LOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{event} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    _record("startup")
    yield
    _record("shutdown")


fastapi_app = FastAPI(lifespan=_lifespan)


@fastapi_app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks():
        for number in range(CHUNKS):
            yield f"chunk {number}\n".encode()
            await asyncio.sleep(STREAM_PAUSE_S)

    return StreamingResponse(chunks(), media_type="text/plain", headers={"X-Streamed": "yes"})


@fastapi_app.get("/events")
async def events() -> StreamingResponse:
    async def messages():
        for number in range(CHUNKS):
            yield f"id: {number}\ndata: event {number}\n\n"
            await asyncio.sleep(STREAM_PAUSE_S)

    return StreamingResponse(
        messages(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@fastapi_app.get("/big/{megabytes}")
async def big(megabytes: int) -> StreamingResponse:
    block = b"x" * (1 << 20)

    async def blocks():
        for _ in range(megabytes):
            yield block

    return StreamingResponse(blocks(), media_type="application/octet-stream")


@fastapi_app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        text = await websocket.receive_text()
        if text == "bye":
            await websocket.close()
            return
        await websocket.send_text(f"echo {text}")


flask_app = Flask(__name__)


@flask_app.get("/stream")
def flask_stream() -> Response:
    def chunks():
        for number in range(CHUNKS):
            yield f"chunk {number}\n"
            time.sleep(STREAM_PAUSE_S)

    return Response(chunks(), mimetype="text/plain", headers={"X-Streamed": "yes"})


@flask_app.get("/events")
def flask_events() -> Response:
    def messages():
        for number in range(CHUNKS):
            yield f"id: {number}\ndata: event {number}\n\n"
            time.sleep(STREAM_PAUSE_S)

    return Response(messages(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})


@flask_app.get("/big/<int:megabytes>")
def flask_big(megabytes: int) -> Response:
    block = b"x" * (1 << 20)
    return Response((block for _ in range(megabytes)), mimetype="application/octet-stream")
