"""The neutral request: headers given as a platform's map behave as the documented list of pairs."""

from __future__ import annotations

from _support import RecordingASGI, RecordingWSGI, load_event

from bridge import Bridge, HTTPRequest


def test_headers_given_as_a_map_read_as_pairs_in_their_order():
    request = HTTPRequest("GET", "/", b"/", b"", {"accept": "*/*", "host": "example.com"})
    assert request.header("host") == "example.com"
    assert request.headers == [("accept", "*/*"), ("host", "example.com")]
    request.headers.append(("accept", "text/html"))  # the list is the headers from now on
    assert request.headers[-1] == ("accept", "text/html")
    assert request.header("accept") == "*/*"


def test_headers_given_as_pairs_keep_repeats():
    request = HTTPRequest("GET", "/", b"/", b"", [("x-a", "1"), ("x-a", "2")])
    assert request.headers == [("x-a", "1"), ("x-a", "2")]
    assert request.header("x-a") == "1"
    assert request.header("x-b", "none") == "none"


def test_a_header_a_hook_adds_reaches_the_wsgi_app():
    app = RecordingWSGI()
    handler = Bridge(app)

    @handler.before_invocation
    def tag(request):
        request.headers.append(("x-tenant", "acme"))
        request.headers.append(("header1", "value3"))  # a repeat of a header the event has

    handler(load_event("aws-http-v2"), None)
    assert app.environ["HTTP_X_TENANT"] == "acme"
    assert app.environ["HTTP_HEADER1"] == "value1,value3"  # joined, as Werkzeug and gunicorn join


def test_a_non_ascii_header_value_reaches_wsgi_as_latin1_and_asgi_as_utf8_bytes():
    event = load_event("aws-http-v2")
    event["headers"]["x-name"] = "café"
    wsgi = RecordingWSGI()
    Bridge(wsgi)(event, None)
    assert wsgi.environ["HTTP_X_NAME"] == "café".encode().decode("latin-1")  # PEP 3333
    asgi = RecordingASGI()
    Bridge(asgi)(event, None)
    assert (b"x-name", "café".encode()) in asgi.scope["headers"]


def test_an_unusual_header_name_gets_its_cgi_key():
    event = load_event("aws-http-v2")
    event["headers"]["x-my-custom-thing"] = "1"
    event["headers"]["content-length"] = "999"  # stale framing: the environ has the real length
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["HTTP_X_MY_CUSTOM_THING"] == "1"
    assert app.environ.get("CONTENT_LENGTH") == str(len(app.body_read))
    assert "HTTP_CONTENT_LENGTH" not in app.environ
