"""A small Flask app for the gateway tests (``bridge serve gateway_flask:app``)."""

from __future__ import annotations

import os
import signal
import time

from flask import Flask, Response, jsonify, request

app = Flask(__name__)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


@app.route("/hello")
def hello():
    return jsonify(message="hello", pid=os.getpid())


@app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@app.route("/echo", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], defaults={"rest": ""})
def echo(rest):
    return jsonify(
        method=request.method,
        path=request.path,
        rest=rest,
        args={key: request.args.getlist(key) for key in request.args},
        body=request.get_data(as_text=True),
        header=request.headers.get("X-Test"),
        cookies=dict(request.cookies),
        remote_addr=request.remote_addr,
        scheme=request.scheme,
        host=request.host,
        pid=os.getpid(),
    )


@app.route("/cookies")
def cookies():
    response = Response("two cookies", mimetype="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@app.route("/dated")
def dated():
    # As Werkzeug's static files are: the app dates the response itself.
    return Response("old news", mimetype="text/plain", headers={"Date": "Tue, 01 Jan 2030 00:00:00 GMT"})


@app.route("/binary")
def binary():
    return Response(PNG, mimetype="image/png")


@app.route("/boom")
def boom():
    raise RuntimeError("boom")


@app.route("/crash")
def crash():
    os._exit(3)


@app.route("/hang")
def hang():
    # A function that never answers and ignores the polite stop: only a kill ends it.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3600)
    return "never"
