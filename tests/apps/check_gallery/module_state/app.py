"""Hazard: a per-visitor counter kept in a module-level dict."""

from flask import Flask, request

app = Flask(__name__)
VISITS = {}  # check: module-state


@app.get("/")
def index():
    VISITS[request.remote_addr] = VISITS.get(request.remote_addr, 0) + 1
    return str(VISITS[request.remote_addr])
