"""Hazard: uploads saved in a folder inside the app package."""

import os

from flask import Flask, request

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = os.path.join(app.root_path, "uploads")  # check: upload-folder


@app.post("/upload")
def upload():
    upload = request.files["file"]  # check: uploads-body-limit
    return upload.filename or ""
