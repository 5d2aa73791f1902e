"""Hazard: DEBUG off and no allowed host: Django answers 400 to everything."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = False
ALLOWED_HOSTS = []  # check: allowed-hosts
ROOT_URLCONF = "site_conf.urls"
INSTALLED_APPS = []
DATABASES = {}
