"""A small FastAPI app for the gateway tests (``bridge serve gateway_fastapi:app``)."""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/hello")
async def hello():
    return {"message": "hello", "pid": os.getpid()}


@app.post("/echo")
async def echo(request: Request):
    body = await request.body()
    return {"path": request.url.path, "query": str(request.url.query), "body": body.decode()}


@app.get("/cookies")
async def cookies():
    response = PlainTextResponse("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@app.get("/boom")
async def boom():
    raise RuntimeError("boom")


@app.get("/crash")
async def crash():
    os._exit(3)
