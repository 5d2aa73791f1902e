"""Hazard: DEBUG left on."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = True  # check: debug-on
ALLOWED_HOSTS = [".fcapp.run", ".tencentcs.com", ".amazonaws.com"]
ROOT_URLCONF = "site_conf.urls"
INSTALLED_APPS = []
DATABASES = {}
