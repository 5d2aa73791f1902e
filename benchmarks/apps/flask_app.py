"""Flask: the quickstart's hello world, and the JSON order endpoint."""

from __future__ import annotations

from flask import Flask, jsonify, request
from workload import price_order

app = Flask(__name__)


@app.route("/")
def hello():
    return "<p>Hello, World!</p>"


@app.route("/orders", methods=["POST"])
def price():
    return jsonify(price_order(request.get_json()))
