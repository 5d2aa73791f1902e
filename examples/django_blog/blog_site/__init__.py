"""The Django project around the ``blog`` app: settings, URLs and the WSGI/ASGI entry points."""
