"""``bridge serve --platform aws-v2 --streaming``: the AWS streaming runtime behind the local gateway,
relayed to the client as a Function URL with InvokeMode RESPONSE_STREAM relays it.

Chunk timing is proved by order: the app (in the gateway's instance process) produces its last chunk
only once the test, having read the first chunk over HTTP, creates the release file.
"""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _serving import bridge_serve, child_env

TESTS = Path(__file__).resolve().parent


def _read_until(response: http.client.HTTPResponse, wanted: bytes) -> bytes:
    got = b""
    while len(got) < len(wanted):
        chunk = response.read1(65536)
        if not chunk:
            break
        got += chunk
    return got


@pytest.mark.parametrize("app", ["fastapi_app", "flask_app"])
def test_serve_streams_the_first_chunk_before_the_app_produces_the_last(tmp_path, app):
    release = tmp_path / "release"
    env = child_env({"STREAMING_RELEASE_FILE": str(release)})
    args = (f"apps.gated_streaming_apps:{app}", "--platform", "aws-v2", "--streaming", "--chdir", str(TESTS))
    with bridge_serve(*args, env=env) as served:
        address = urlsplit(served.root)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.request("GET", served.prefix + "/stream")
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("transfer-encoding") == "chunked"
            assert [c.split(";")[0] for c in response.headers.get_all("set-cookie")] == ["a=1", "b=2"]
            first = _read_until(response, b"first chunk\n")
            assert first == b"first chunk\n"  # the app is still waiting for the release file
            release.touch()
            assert first + response.read() == b"first chunk\nsecond chunk\nlast chunk\n"
            # The instance lives on: the next request is served by the same loop.
            connection.request("GET", served.prefix + "/events")
            again = connection.getresponse()
            assert again.getheader("content-type").startswith("text/event-stream")
            assert again.read() == b"event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n"
        finally:
            connection.close()


def test_serve_streaming_logs_an_error_mid_stream_and_keeps_serving(tmp_path):
    target = "apps.gated_streaming_apps:fastapi_app"
    with bridge_serve(target, "--platform", "aws-v2", "--streaming", "--chdir", str(TESTS)) as served:
        address = urlsplit(served.root)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.request("GET", served.prefix + "/broken")
            broken = connection.getresponse()
            assert broken.status == 200 and broken.read() == b"partial "
            connection.request("GET", served.prefix + "/events")
            assert connection.getresponse().read().startswith(b"event: tick")
        finally:
            connection.close()
        mid_stream = re.compile("Function.RuntimeError after the response began streaming")
        assert mid_stream.search(served.log_with(mid_stream, 1))  # logged as the stream ends


def test_serve_streaming_needs_aws_v2_and_a_target():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bridge", "serve", "x:app", "--platform", "fc", "--streaming"],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert result.returncode != 0
    assert "--platform aws-v2" in result.stderr
