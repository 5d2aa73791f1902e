"""Web-function mode: the app served by a production HTTP server, on a platform's start contract.

``bridge run`` (and ``python -m bridge.web``, which the web-mode start scripts exec) loads the app
once, picks the server (uvicorn for ASGI, gunicorn's threaded worker for WSGI), sizes it from the
instance's CPU and memory, and listens where the platform expects (:mod:`bridge.web.contracts`).
Nothing here runs on the event-mode handler path.
"""
