"""Apps with routes of their own named like FC's lifecycle hooks (``/initialize``, ``/pre-stop``),
a slow stream to drain, and (FastAPI) a lifespan recorded in the file named by ``LIFESPAN_LOG``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from flask import Flask, Response

STREAM_PAUSE_S = float(os.environ.get("STREAM_PAUSE_S", "0.4"))
CHUNKS = 5


def _record(event: str) -> None:
    path = os.environ.get("LIFESPAN_LOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{event} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    _record("startup")
    yield {"ready": "yes"}
    _record("shutdown")


fastapi_app = FastAPI(lifespan=_lifespan)


@fastapi_app.post("/initialize")
async def app_initialize() -> PlainTextResponse:
    return PlainTextResponse("the app's own /initialize")


@fastapi_app.get("/pre-stop")
async def app_pre_stop() -> PlainTextResponse:
    return PlainTextResponse("the app's own /pre-stop")


@fastapi_app.get("/state")
async def state(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.state.ready)


@fastapi_app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks():
        for number in range(CHUNKS):
            yield f"chunk {number}\n".encode()
            await asyncio.sleep(STREAM_PAUSE_S)

    return StreamingResponse(chunks(), media_type="text/plain")


flask_app = Flask(__name__)


@flask_app.post("/initialize")
def flask_initialize() -> str:
    return "the app's own /initialize"


@flask_app.get("/pre-stop")
def flask_pre_stop() -> str:
    return "the app's own /pre-stop"


@flask_app.get("/stream")
def flask_stream() -> Response:
    def chunks():
        for number in range(CHUNKS):
            yield f"chunk {number}\n"
            time.sleep(STREAM_PAUSE_S)

    return Response(chunks(), mimetype="text/plain")
