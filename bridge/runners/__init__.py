"""App runners: turn an :class:`~bridge._model.HTTPRequest` into an :class:`~bridge._model.HTTPResponse`
by calling a WSGI (``wsgi``) or ASGI (``asgi``) app. Only the one an app needs is ever imported."""
