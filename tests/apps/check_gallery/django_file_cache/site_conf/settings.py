"""Hazard: Django's file-based cache in a folder of the project."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = False
ALLOWED_HOSTS = [".fcapp.run", ".tencentcs.com", ".amazonaws.com"]
ROOT_URLCONF = "site_conf.urls"
INSTALLED_APPS = []
DATABASES = {}
CACHES = {  # check: file-store
    "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "cache"},
}
