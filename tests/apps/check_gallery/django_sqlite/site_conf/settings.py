"""Hazard: the SQLite database in the project directory (Zappa #700 on a function)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = False
ALLOWED_HOSTS = [".fcapp.run", ".tencentcs.com", ".amazonaws.com"]
ROOT_URLCONF = "site_conf.urls"
INSTALLED_APPS = []
DATABASES = {  # check: sqlite-file
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},
}
