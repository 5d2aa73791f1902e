"""Hazard: file-based sessions in a folder of the project."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = False
ALLOWED_HOSTS = [".fcapp.run", ".tencentcs.com", ".amazonaws.com"]
ROOT_URLCONF = "site_conf.urls"
INSTALLED_APPS = ["django.contrib.sessions"]
DATABASES = {}
SESSION_ENGINE = "django.contrib.sessions.backends.file"  # check: file-store
SESSION_FILE_PATH = str(BASE_DIR / "sessions")
