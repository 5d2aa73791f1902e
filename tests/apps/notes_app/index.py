"""The function entry, written by the user: their own hooks run on the platform."""
from notes import create_app

from bridge import Bridge, HTTPResponse

handler = Bridge(create_app())
initializer = handler.initialize
pre_stop = handler.pre_stop


@handler.before_invocation
def staff_only(request):
    if request.path.startswith("/admin"):
        return HTTPResponse(403, [("content-type", "text/plain")], b"staff only")
