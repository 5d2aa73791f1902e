"""Hazard: the session signing key written in the code."""

from flask import Flask

app = Flask(__name__)
app.config["SECRET_KEY"] = "s3cr3t-in-the-repository"  # check: secret-in-code


@app.get("/")
def index():
    return "hello"
