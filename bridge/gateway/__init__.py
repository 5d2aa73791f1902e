"""The local gateway: ``bridge serve`` (a platform's front end on localhost, each function in its
own instance process) and ``bridge invoke`` (one request, in process, printed)."""
