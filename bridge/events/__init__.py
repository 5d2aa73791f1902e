"""Timer, object-storage and queue events delivered to the same app as its HTTP requests.

``[schedules]`` and ``[events]`` in the project (:mod:`bridge.events.jobs`) name what runs: an app
command (Flask CLI / Django management command, run by :func:`bridge._manage.run_command` as
``bridge manage`` runs it) or a request to one of the app's own routes, marked internal.
:mod:`bridge.events.timer`, :mod:`bridge.events.storage` and :mod:`bridge.events.queue` recognise
each vendor's event; :mod:`bridge.events.dispatch` matches an event to its job and runs it;
:mod:`bridge.events.cron` writes each vendor's schedule syntax.

Nothing here is imported by ``import bridge``: ``Bridge`` loads this package on the first event that
is not an HTTP request, and only when it was given jobs.
"""
