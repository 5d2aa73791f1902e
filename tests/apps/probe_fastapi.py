"""The differential probe as a FastAPI app: each route reports what the framework saw."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

app = FastAPI()
BIG = b"0123456789abcdef" * (5 * 1024 * 1024 // 16)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def seen_headers(request: Request):
    keep = ("content-type", "cookie", "accept")
    names = sorted({k for k in request.headers if k.startswith("x-test-") or k in keep})
    return [[k, ",".join(request.headers.getlist(k))] for k in names]


@app.api_route("/echo", methods=METHODS)
@app.api_route("/echo/{rest:path}", methods=METHODS)
async def echo(request: Request, rest: str = ""):
    body = await request.body()
    return {
        "method": request.method,
        "rest": rest,
        "path": request.url.path,
        "root": request.scope.get("root_path", ""),
        "query": [[k, v] for k, v in request.query_params.multi_items()],
        "headers": seen_headers(request),
        "body_sha": hashlib.sha256(body).hexdigest(),
        "body_len": len(body),
        "link": str(request.url_for("echo", rest="x y/é")),
        "remote": request.client is not None,
    }


@app.post("/form")
async def form(request: Request):
    data = await request.form()
    return sorted([k, v] for k, v in data.multi_items())


@app.post("/upload")
async def upload(request: Request):
    data = await request.form()
    fields, files = [], {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            fields.append([key, value])
        else:
            files[key] = [value.filename, hashlib.sha256(await value.read()).hexdigest()]
    return {"fields": sorted(fields), "files": files}


@app.post("/json")
async def json_body(request: Request):
    data = await request.json()
    return {"received": data, "keys": sorted(data)}


@app.get("/binary")
async def binary():
    return Response(bytes(range(256)) * 64, media_type="application/octet-stream")


@app.get("/gzip")
async def gzipped():
    payload = gzip.compress(json.dumps({"hello": "world" * 50}).encode(), mtime=0)
    return Response(payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


@app.get("/redirect")
async def go(request: Request):
    return RedirectResponse(request.url_for("echo", rest="target"), status_code=302)


@app.get("/cookies")
async def cookies():
    response = PlainTextResponse("two cookies")
    response.set_cookie("session", "abc", httponly=True)
    response.set_cookie("theme", "dark", expires=datetime(2030, 1, 1, tzinfo=timezone.utc), path="/")
    return response


@app.api_route("/empty", methods=["GET", "POST"], status_code=204)
async def empty():
    return Response(status_code=204)


@app.get("/etag")
async def etag(request: Request):
    if request.headers.get("if-none-match") == '"v1"':
        return Response(status_code=304, headers={"ETag": '"v1"'})
    return PlainTextResponse("tagged", headers={"ETag": '"v1"'})


@app.get("/big")
async def big():
    return Response(BIG, media_type="text/plain")


@app.get("/unicode/{name}")
async def unicode_name(name: str):
    return PlainTextResponse(f"hello {name}")


@app.get("/state")
async def state():
    return JSONResponse({"ok": True})
