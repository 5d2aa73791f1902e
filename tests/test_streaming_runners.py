"""The runners' streaming mode: PEP 3333's rules for a streamed WSGI response, and an ASGI app run
beside the reader of its stream."""

from __future__ import annotations

import asyncio

import pytest

from bridge._model import HTTPRequest
from bridge.runners.asgi import ASGIRunner
from bridge.runners.wsgi import run_wsgi, stream_wsgi


def _request() -> HTTPRequest:
    return HTTPRequest("GET", "/", b"/", b"", {"host": "example.com"})


class Closing:
    """A WSGI app's iterable that records close()."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def test_wsgi_write_goes_first_and_close_is_called_when_the_stream_is_abandoned():
    body = Closing([b"", b"b", b"c"])

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"a")
        return body

    stream = stream_wsgi(app, _request())
    assert (stream.status, stream.headers) == (200, [("Content-Type", "text/plain")])
    assert next(stream.chunks) == b"a"
    assert not body.closed
    stream.close()  # the reader went away after one chunk
    assert body.closed


def test_wsgi_headers_wait_for_the_first_non_empty_chunk():
    def app(environ, start_response):
        yield b""
        start_response("201 Created", [])  # a generator may start the response lazily
        yield b"x"
        yield b"y"

    stream = stream_wsgi(app, _request())
    assert stream.status == 201
    assert list(stream.chunks) == [b"x", b"y"]


def test_wsgi_error_page_after_the_headers_left_re_raises():
    import sys

    def app(environ, start_response):
        start_response("200 OK", [])
        yield b"part"
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never"

    stream = stream_wsgi(app, _request())
    assert next(stream.chunks) == b"part"
    with pytest.raises(ValueError, match="late"):
        next(stream.chunks)
    stream.close()


def test_wsgi_buffered_response_of_several_chunks_is_marked_streamed():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"a", b"b"]

    def one(environ, start_response):
        start_response("200 OK", [])
        return [b"ab"]

    assert run_wsgi(app, _request()).streamed
    assert not run_wsgi(one, _request()).streamed


def test_asgi_stream_abandoned_tells_the_app_and_the_runner_serves_again():
    seen = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
        try:
            for n in range(1000):
                await send({"type": "http.response.body", "body": b"%d," % n, "more_body": True})
                await asyncio.sleep(0)
        except OSError:
            seen.append("gone")
            raise
        await send({"type": "http.response.body", "body": b""})

    runner = ASGIRunner(app, lifespan="off")
    stream = runner.stream(_request(), timeout=30)
    assert stream.headers == [("x-a", "1")]
    assert next(stream.chunks) == b"0,"
    stream.close()
    assert seen == ["gone"]
    # The instance loop is free again: a buffered run and a full stream both work.
    response = runner.run(_request(), timeout=30)
    assert response.streamed and response.body.startswith(b"0,1,2,")
    again = runner.stream(_request(), timeout=30)
    assert b"".join(again.chunks).endswith(b"999,")
    again.close()


def test_asgi_error_before_the_first_body_raises_from_stream():
    async def app(scope, receive, send):
        raise LookupError("early")

    with pytest.raises(LookupError):
        ASGIRunner(app, lifespan="off").stream(_request(), timeout=30)
