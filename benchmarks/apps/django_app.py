"""Django in one module: settings, one view and the URLconf (``DJANGO_SETTINGS_MODULE=django_app``)."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from workload import price_order

SECRET_KEY = "benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = __name__
USE_TZ = True
INSTALLED_APPS: list = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}


def hello(request):
    return HttpResponse("<p>Hello, World!</p>")


def price(request):
    return JsonResponse(price_order(json.loads(request.body)))


urlpatterns = [path("", hello), path("orders", price)]
