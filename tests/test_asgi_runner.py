"""The ASGI runner: one loop per instance, lifespan once, timeouts, the http.disconnect contract."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest
from _support import EVENTS, load_event

from bridge import Bridge


def v2(path: str = "/", method: str = "GET", body: str = ""):
    event = load_event("aws-http-v2")
    event["rawPath"] = path
    event["requestContext"]["http"]["method"] = method
    event["body"] = body
    event["rawQueryString"] = ""
    return event


def starlette_app(lifespan=None, **routes):
    from starlette.applications import Starlette
    from starlette.routing import Route

    return Starlette(routes=[Route(path, endpoint) for path, endpoint in routes.items()], lifespan=lifespan)


class Counter:
    def __init__(self):
        self.startups = 0
        self.shutdowns = 0

    def lifespan(self):
        counter = self

        @contextlib.asynccontextmanager
        async def lifespan(app):
            counter.startups += 1
            yield {"db": "pool-1"}
            counter.shutdowns += 1

        return lifespan


def test_lifespan_startup_runs_exactly_once_across_100_invocations():
    from fastapi import FastAPI

    counter = Counter()
    app = FastAPI(lifespan=counter.lifespan())

    @app.get("/")
    async def root():
        return {"ok": True}

    handler = Bridge(app)
    for _ in range(100):
        assert handler(v2(), None)["statusCode"] == 200
    assert counter.startups == 1
    assert counter.shutdowns == 0
    handler.pre_stop(None)
    assert counter.shutdowns == 1
    handler.pre_stop(None)
    assert counter.shutdowns == 1


def test_lifespan_state_is_copied_into_each_request_scope():
    from starlette.responses import PlainTextResponse

    counter = Counter()

    async def show(request):
        request.state.db += "-changed"  # a request's copy; the next request sees the original
        return PlainTextResponse(request.scope["state"]["db"])

    handler = Bridge(starlette_app(lifespan=counter.lifespan(), **{"/": show}))
    assert handler(v2(), None)["body"] == "pool-1-changed"
    assert handler(v2(), None)["body"] == "pool-1-changed"


def test_lifespan_off_never_starts_it():
    counter = Counter()
    from starlette.responses import PlainTextResponse

    async def ok(request):
        return PlainTextResponse("ok")

    handler = Bridge(starlette_app(lifespan=counter.lifespan(), **{"/": ok}), lifespan="off")
    assert handler(v2(), None)["statusCode"] == 200
    assert counter.startups == 0


def test_initialize_runs_startup_before_the_first_invocation():
    counter = Counter()
    handler = Bridge(starlette_app(lifespan=counter.lifespan()))
    handler.initialize(None)
    assert counter.startups == 1
    handler(v2(), None)
    assert counter.startups == 1


def test_lifespan_startup_failure_answers_503_and_is_retried_next_invocation(caplog):
    attempts = []
    from starlette.responses import PlainTextResponse

    @contextlib.asynccontextmanager
    async def lifespan(app):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database unreachable")
        yield

    async def ok(request):
        return PlainTextResponse("ok")

    handler = Bridge(starlette_app(lifespan=lifespan, **{"/": ok}))
    with caplog.at_level(logging.ERROR, logger="bridge"):
        first = handler(v2(), None)
    assert first["statusCode"] == 503
    assert "Traceback" not in first["body"]
    assert "database unreachable" in caplog.text
    assert handler(v2(), None)["statusCode"] == 200
    assert len(attempts) == 2


def test_lifespan_on_requires_support():
    async def no_lifespan(scope, receive, send):
        if scope["type"] == "lifespan":
            raise ValueError("only http")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert Bridge(no_lifespan, lifespan="on")(v2(), None)["statusCode"] == 503
    assert Bridge(no_lifespan, lifespan="auto")(v2(), None)["statusCode"] == 200


def test_an_app_that_never_responds_gets_504_and_the_next_invocation_works():
    calls = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        calls.append(scope["path"])
        if scope["path"] == "/hang":
            await asyncio.Event().wait()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"fine"})

    handler = Bridge(app, timeout=0.3)
    started = time.monotonic()
    result = handler(v2("/hang"), None)
    assert result["statusCode"] == 504
    assert time.monotonic() - started < 5
    assert handler(v2("/ok"), None) == {
        "statusCode": 200,
        "headers": {"content-type": "text/plain"},
        "isBase64Encoded": False,
        "body": "fine",
    }


def test_remaining_time_comes_from_the_aws_context():
    class Context:
        aws_request_id = "r"

        def get_remaining_time_in_millis(self):
            return 400

    async def app(scope, receive, send):
        await asyncio.sleep(30)

    assert Bridge(app)(v2(), Context())["statusCode"] == 504


def test_http_disconnect_arrives_after_the_response_is_complete():
    seen = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        assert (await receive())["type"] == "http.request"

        async def listen():
            seen.append((await receive())["type"])

        task = asyncio.ensure_future(listen())
        await asyncio.sleep(0)
        assert not seen  # no disconnect while the response is still being sent
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": b"b"})
        await task

    result = Bridge(app)(v2(), None)
    assert result["body"] == "ab"
    assert seen == ["http.disconnect"]


def test_streaming_response_is_buffered_whole():
    from starlette.responses import StreamingResponse

    async def chunks():
        for i in range(5):
            await asyncio.sleep(0)
            yield f"{i},".encode()

    async def stream(request):
        return StreamingResponse(chunks(), media_type="text/plain")

    assert Bridge(starlette_app(**{"/": stream}))(v2(), None)["body"] == "0,1,2,3,4,"


def test_sync_endpoints_run_in_the_threadpool_across_invocations():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/sync")
    def sync_view():
        return {"thread": "worker"}

    handler = Bridge(app)
    for _ in range(20):
        assert handler(v2("/sync"), None)["body"] == '{"thread":"worker"}'


def test_one_loop_is_reused_and_loop_bound_objects_survive_invocations():
    loops = []
    queue_holder = {}

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        loops.append(asyncio.get_running_loop())
        queue_holder.setdefault("q", asyncio.Queue())  # bound to the first invocation's loop
        await queue_holder["q"].put(1)
        await queue_holder["q"].get()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = Bridge(app)
    for _ in range(5):
        assert handler(v2(), None)["statusCode"] == 200
    assert len(set(map(id, loops))) == 1


def test_no_current_event_loop_error_when_called_outside_any_loop():
    # Python 3.12+ raises "There is no current event loop" in peers that call get_event_loop().
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        asyncio.get_event_loop()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert Bridge(app)(v2(), None)["statusCode"] == 204


def test_handler_called_from_inside_a_running_loop_still_answers():
    from starlette.responses import PlainTextResponse

    async def ok(request):
        return PlainTextResponse("ok")

    handler = Bridge(starlette_app(**{"/": ok}))

    async def caller():
        return handler(v2(), None)

    assert asyncio.run(caller())["body"] == "ok"


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_app_that_raises_before_or_after_starting_the_response_gets_500(when, caplog):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if when == "after":
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ZeroDivisionError("boom")

    handler = Bridge(app)
    with caplog.at_level(logging.ERROR, logger="bridge"):
        result = handler(v2(), None)
    assert result["statusCode"] == 500
    assert result["body"] == "Internal Server Error"
    assert "boom" not in result["body"]
    assert handler(v2(), None)["statusCode"] == 500  # and the instance still answers


def test_an_exception_after_a_complete_response_keeps_the_response():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"made"})
        raise RuntimeError("background work failed")

    assert Bridge(app)(v2(), None)["statusCode"] == 201


def test_background_tasks_run_before_the_invocation_returns():
    from starlette.background import BackgroundTask
    from starlette.responses import PlainTextResponse

    done = []

    async def view(request):
        async def later():
            await asyncio.sleep(0.01)
            done.append(True)

        return PlainTextResponse("queued", background=BackgroundTask(later))

    Bridge(starlette_app(**{"/": view}))(v2(), None)
    assert done == [True]  # the platform freezes the instance after return: nothing may be left


def test_the_process_exits_after_serving_a_sync_endpoint(tmp_path):
    # anyio stops its worker threads from the invocation task's done callbacks; if they never ran,
    # the idle worker thread would keep the interpreter from exiting (a hang at instance shutdown).
    import subprocess
    import sys

    script = tmp_path / "serve_once.py"
    script.write_text(
        "import json, sys\n"
        "from fastapi import FastAPI\n"
        "from bridge import Bridge\n"
        "app = FastAPI()\n"
        "app.get('/sync')(lambda: {'ok': 1})\n"
        f"event = json.load(open({str(EVENTS / 'aws-http-v2.json')!r}))\n"
        "event['rawPath'] = '/sync'\n"
        "event['requestContext']['http']['method'] = 'GET'\n"
        "print(Bridge(app)(event, None)['body'])\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"ok":1}'
