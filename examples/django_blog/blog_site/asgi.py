"""ASGI entry point, for uvicorn and friends: ``uvicorn blog_site.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog_site.settings")

application = get_asgi_application()
