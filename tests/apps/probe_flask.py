"""The differential probe as a Flask app: each route reports what the framework saw."""

from __future__ import annotations

import gzip
import hashlib
import json

from flask import Flask, Response, jsonify, redirect, request, url_for

app = Flask(__name__)
BIG = b"0123456789abcdef" * (5 * 1024 * 1024 // 16)


def seen_headers():
    keep = ("content-type", "cookie", "accept")
    return sorted(
        [name.lower(), value]
        for name, value in request.headers.items()
        if name.lower().startswith("x-test-") or name.lower() in keep
    )


@app.route("/echo", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def echo(rest):
    body = request.get_data()
    return jsonify(
        method=request.method,
        rest=rest,
        path=request.path,
        script=request.script_root,
        query=[[k, v] for k, v in request.args.items(multi=True)],
        headers=seen_headers(),
        body_sha=hashlib.sha256(body).hexdigest(),
        body_len=len(body),
        link=url_for("echo", rest="x y/é"),
        external=url_for("echo", rest="z", _external=True),
        remote=request.remote_addr is not None,
    )


@app.post("/form")
def form():
    return jsonify(sorted([k, v] for k, v in request.form.items(multi=True)))


@app.post("/upload")
def upload():
    files = {name: [f.filename, hashlib.sha256(f.read()).hexdigest()] for name, f in request.files.items()}
    return jsonify(fields=sorted(request.form.items()), files=files)


@app.post("/json")
def json_body():
    data = request.get_json()
    return jsonify(received=data, keys=sorted(data))


@app.get("/binary")
def binary():
    return Response(bytes(range(256)) * 64, mimetype="application/octet-stream")


@app.get("/gzip")
def gzipped():
    payload = gzip.compress(json.dumps({"hello": "world" * 50}).encode(), mtime=0)
    return Response(payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


@app.get("/redirect")
def go():
    return redirect(url_for("echo", rest="target"))


@app.get("/cookies")
def cookies():
    response = Response("two cookies", mimetype="text/plain")
    response.set_cookie("session", "abc", httponly=True)
    response.set_cookie("theme", "dark", expires=1893456000, path="/")
    return response


@app.route("/empty", methods=["GET", "POST"])
def empty():
    return "", 204


@app.get("/etag")
def etag():
    response = Response("tagged", mimetype="text/plain")
    response.set_etag("v1")
    return response.make_conditional(request)


@app.get("/big")
def big():
    return Response(BIG, mimetype="text/plain")


@app.get("/unicode/<name>")
def unicode_name(name):
    return Response(f"hello {name}", mimetype="text/plain")
