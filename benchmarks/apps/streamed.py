"""A streamed download for the web-mode benchmark: ``GET /big/N`` sends N MiB in 1 MiB chunks,
from FastAPI (``asgi``) and Flask (``wsgi``)."""

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from flask import Flask, Response

BLOCK = b"x" * (1 << 20)

asgi = FastAPI()
wsgi = Flask(__name__)


@asgi.get("/big/{megabytes}")
async def big_asgi(megabytes: int) -> StreamingResponse:
    async def blocks():
        for _ in range(megabytes):
            yield BLOCK

    return StreamingResponse(blocks(), media_type="application/octet-stream")


@wsgi.get("/big/<int:megabytes>")
def big_wsgi(megabytes: int) -> Response:
    return Response((BLOCK for _ in range(megabytes)), mimetype="application/octet-stream")
