"""Settings for the blog, read from the environment so one file serves a laptop and a function.

| variable                    | default                                  |
| --------------------------- | ---------------------------------------- |
| DJANGO_SECRET_KEY           | an insecure development key              |
| DJANGO_DEBUG                | on (set ``0`` when deployed)             |
| DJANGO_ALLOWED_HOSTS        | local names plus FC, SCF, Lambda domains |
| DJANGO_CSRF_TRUSTED_ORIGINS | none                                     |
| DATABASE_URL                | SQLite, see ``blog_site.database``       |
| DJANGO_MIGRATE_AT_STARTUP   | on only for the temp-dir SQLite fallback |
| DJANGO_SECURE_COOKIES       | off (on when served over HTTPS only)     |

List values are comma-separated.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from .database import choose_database

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-dev-only-set-DJANGO_SECRET_KEY-when-deployed"
)
DEBUG = _env_flag("DJANGO_DEBUG", True)

# The default domains each platform gives a function, so a first deploy answers without extra
# setup; a leading dot matches every subdomain. The gateways set Host to the real domain, so a
# client cannot smuggle another one in. Add your own domain with DJANGO_ALLOWED_HOSTS.
ALLOWED_HOSTS = _env_list(
    "DJANGO_ALLOWED_HOSTS",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        ".fcapp.run",  # Alibaba FC 3.0 HTTP trigger
        ".fc.aliyuncs.com",  # Alibaba FC 2.0 HTTP trigger
        ".tencentcs.com",  # Tencent SCF: API gateway (apigw.tencentcs.com) and function URLs
        ".amazonaws.com",  # AWS API Gateway (execute-api.<region>.amazonaws.com)
        ".on.aws",  # AWS Lambda function URLs (lambda-url.<region>.on.aws)
    ],
)
# Only needed for HTTPS on a domain other than the one the browser posted to (Django checks the
# Origin header); e.g. "https://blog.example.com".
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Off by default because the local gateway emulator and runserver speak plain HTTP, and a browser
# never sends a Secure cookie back over it.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_flag("DJANGO_SECURE_COOKIES", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Lets WhiteNoise, not runserver, serve static files in development too: one behaviour everywhere.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "blog",
]

MIDDLEWARE = [
    "blog_site.startup_migrations.MigrateAtStartup",
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, as WhiteNoise's docs ask: static files skip the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "blog_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "blog_site.wsgi.application"

_database = choose_database(BASE_DIR)
DATABASES = {"default": _database.config}
# A temp-dir SQLite file starts empty on every instance: migrate it before the first request.
MIGRATE_AT_STARTUP = _env_flag("DJANGO_MIGRATE_AT_STARTUP", _database.is_temporary)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# URL names, not paths: reversed per request, so they carry the mount prefix.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "blog:post_list"
LOGOUT_REDIRECT_URL = "blog:post_list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Absolute on purpose: the storage below adds the mount prefix per request. Django's own way, a
# relative STATIC_URL, takes the prefix once per process; blog_site/static_storage.py says why
# that gives wrong links under a gateway stage.
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "blog_site.static_storage.ScriptPrefixedStaticFilesStorage"},
}
# Where `collectstatic` gathers files for a real deployment.
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the apps' static/ folders as well, so tests and a function package work
# without running collectstatic (and the plain storage needs no manifest to build URLs).
WHITENOISE_USE_FINDERS = True
# Re-scan files on each request while developing; scan once at startup otherwise.
WHITENOISE_AUTOREFRESH = DEBUG
# Until collectstatic runs, STATIC_ROOT does not exist and the finders serve everything; say
# nothing about it on every cold start.
warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"blog_site": {"level": "INFO"}},
}
