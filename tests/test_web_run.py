"""`bridge run` and `bridge serve --mode web`: the app on a production server, as a web function.

The start contracts come from the vendors' documentation (bridge/web/contracts.py names each page);
the servers' behaviour is judged against the bare servers: the same streamed bytes and headers
through `bridge run` as through `python -m uvicorn` / `python -m gunicorn`, chunks arriving as the
app produces them, WebSockets with a real client (`websockets`), and SIGTERM draining a stream.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from _serving import bridge_serve, child_env

from bridge.web.contracts import detect_contract, get_contract
from bridge.web.sizing import instance_cpus, instance_memory_mb, size

APPS = Path(__file__).resolve().parent / "apps"
PAUSE_S = 0.3  # streaming_apps sleeps this long between its 5 chunks
CHUNKS = 5
FASTAPI = "streaming_apps:fastapi_app"
FLASK = "streaming_apps:flask_app"


# --- the start contracts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"FC_FUNCTION_NAME": "f", "FC_INSTANCE_ID": "i"}, "fc"),
        ({"TENCENTCLOUD_RUNENV": "SCF"}, "scf"),
        ({"RUNTIME_FUNC_NAME": "f", "RUNTIME_MEMORY": "512"}, "huawei"),
        ({"K_SERVICE": "svc", "PORT": "8080"}, "knative"),
        ({}, "local"),
    ],
)
def test_the_platform_is_recognised_from_the_variables_it_sets(
    environ: Dict[str, str], platform: str
) -> None:
    assert detect_contract(environ).name == platform


@pytest.mark.parametrize(
    ("platform", "environ", "port"),
    [
        ("fc", {}, 9000),
        ("fc", {"FC_SERVER_PORT": "9123"}, 9123),
        ("scf", {"PORT": "1234"}, 9000),  # SCF's port is fixed
        ("huawei", {}, 8000),
        ("knative", {"PORT": "8081"}, 8081),
        ("knative", {}, 8080),
    ],
)
def test_each_platform_listens_on_its_documented_port(
    platform: str, environ: Dict[str, str], port: int
) -> None:
    contract = get_contract(platform, environ)
    assert contract.port(environ) == port
    # FC and SCF refuse a server on 127.0.0.1; Huawei's runtime connects to 127.0.0.1:8000.
    assert contract.host == ("127.0.0.1" if platform == "huawei" else "0.0.0.0")


def test_forwarded_headers_are_trusted_from_loopback_only_unless_the_platform_proxies_everything() -> None:
    assert get_contract("fc").forwarded_allow_ips == "127.0.0.1"
    assert get_contract("scf").forwarded_allow_ips == "127.0.0.1"
    assert get_contract("huawei").forwarded_allow_ips == "127.0.0.1"
    assert get_contract("knative").forwarded_allow_ips == "*"


def test_a_bad_port_variable_is_a_clear_error() -> None:
    from bridge._errors import ConfigError

    with pytest.raises(ConfigError, match="FC_SERVER_PORT='x' is not a port number"):
        get_contract("fc").port({"FC_SERVER_PORT": "x"})


# --- sizing ---------------------------------------------------------------------------------------


def test_cgroup_v2_quota_and_memory_limit_size_the_instance(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # half a CPU
    (tmp_path / "memory.max").write_text(str(768 * 1024 * 1024) + "\n")
    assert instance_cpus({}, None, tmp_path) == 1
    assert instance_memory_mb({}, None, tmp_path) == 768


def test_cgroup_v1_limits_and_no_limit(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert instance_cpus({}, None, tmp_path) == len(os.sched_getaffinity(0))
    assert instance_memory_mb({}, None, tmp_path) is None


def test_the_platforms_memory_variable_wins_when_smaller(tmp_path: Path) -> None:
    (tmp_path / "memory.max").write_text("max\n")
    assert instance_memory_mb({"FC_FUNCTION_MEMORY_SIZE": "512"}, "FC_FUNCTION_MEMORY_SIZE", tmp_path) == 512
    assert instance_cpus({"RUNTIME_CPU": "0.3"}, "RUNTIME_CPU", tmp_path) == 1


def test_the_sizing_formula() -> None:
    wsgi = size("wsgi", cpus=4, memory_mb=512)
    assert (wsgi.workers, wsgi.threads) == (2, 8)  # 512 MB // 256 MB per worker
    assert (size("wsgi", cpus=4, memory_mb=4096).workers, size("wsgi", cpus=1, memory_mb=None).workers) == (
        4,
        1,
    )
    assert size("wsgi", cpus=2, memory_mb=2048, concurrency=20).threads == 10
    assert size("wsgi", cpus=2, memory_mb=128).workers == 1
    asgi = size("asgi", cpus=8, memory_mb=8192)
    assert (asgi.workers, asgi.threads) == (1, 1)  # lifespan once per instance


def printed(command: List[str], *args: str, env: Dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``COMMAND ARGS --print`` run from the test apps' folder: the settings it would start with."""
    return subprocess.run(
        [sys.executable, "-m", *command, *args, "--print"],
        cwd=APPS,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_print(*args: str, env: Dict[str, str] | None = None) -> dict:
    result = printed(["bridge", "run"], *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_bridge_run_follows_the_detected_platform() -> None:
    plan = run_print(
        FLASK, env={"FC_FUNCTION_NAME": "f", "FC_SERVER_PORT": "9321", "FC_FUNCTION_MEMORY_SIZE": "256"}
    )
    assert plan["platform"] == "fc" and plan["port"] == 9321 and plan["host"] == "0.0.0.0"
    assert (plan["server"], plan["interface"], plan["workers"]) == ("gunicorn", "wsgi", 1)
    assert (plan["grace_s"], plan["graceful_s"]) == (10.0, 9)
    plan = run_print(FASTAPI, "--platform", "huawei", "--port", "8123")
    assert (plan["port"], plan["server"], plan["workers"]) == (8123, "uvicorn", 1)


def test_bridge_run_serves_django_settings_with_gunicorn() -> None:
    plan = run_print("site_conf.settings", "--chdir", str(APPS / "django_site"), "--platform", "scf")
    assert (plan["server"], plan["interface"], plan["port"]) == ("gunicorn", "wsgi", 9000)


def test_bridge_run_takes_the_projects_app_and_concurrency(tmp_path: Path) -> None:
    (tmp_path / "bridge.toml").write_text('app = "hello:app"\nname = "hello"\nconcurrency = 12\n')
    (tmp_path / "hello.py").write_text("def app(environ, start_response):\n    return []\n")
    plan = run_print("--project", str(tmp_path), "--platform", "scf")
    assert (plan["interface"], plan["concurrency"]) == ("wsgi", 12)
    assert plan["threads"] == -(-12 // plan["workers"])


def test_a_wrong_server_for_the_app_says_what_to_use() -> None:
    result = printed(["bridge.web"], FLASK, "--server", "uvicorn")
    assert result.returncode == 1
    assert "uvicorn serves ASGI apps; this app is WSGI: use --server gunicorn" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_asgi_app_is_never_given_several_workers() -> None:
    result = printed(["bridge.web"], FASTAPI, "--workers", "2")
    assert result.returncode == 1
    assert "an ASGI app runs in one process per instance, so that lifespan runs once" in result.stderr


def test_without_gunicorn_the_start_command_names_the_extra() -> None:
    # As if gunicorn were not installed, in the command the start scripts run.
    script = (
        "import sys\nsys.modules['gunicorn'] = None\nfrom bridge.web.cli import main\n"
        f"sys.exit(main([{FLASK!r}, '--port', '0']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=APPS, env=child_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert 'pip install "faas-bridge[web]"' in result.stderr and "Traceback" not in result.stderr


def test_serve_in_web_mode_refuses_the_emulation_options() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bridge",
            "serve",
            FASTAPI,
            "--platform",
            "fc",
            "--mode",
            "web",
            "--stage",
            "x",
        ],
        cwd=APPS,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--stage: not for --mode web" in result.stderr and "Traceback" not in result.stderr


# --- serving: processes and a streaming client ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(command: List[str], port: int, env: Dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``command`` started in tests/apps, once it accepts connections on ``port``; stopped after."""
    process = subprocess.Popen(
        command, cwd=APPS, env=child_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{command} did not start (exit {process.poll()})")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bridge_run(target: str, port: int, *extra: str) -> List[str]:
    return [sys.executable, "-m", "bridge", "run", target, "--port", str(port), *extra]


def bare(target: str, port: int) -> List[str]:
    if target == FASTAPI:
        return [sys.executable, "-m", "uvicorn", target, "--port", str(port)]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "gthread",
        "--threads",
        "8",
        "-b",
        f"127.0.0.1:{port}",
        target,
    ]


class Streamed:
    """A response read as it arrives: status, headers (without Date and Server), body, timings."""

    def __init__(self, port: int, path: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        self.status = response.status
        self.headers = sorted(
            (name.lower(), value)
            for name, value in response.getheaders()
            if name.lower() not in ("date", "server")
        )
        pieces: List[Tuple[float, bytes]] = []
        while True:
            piece = response.read1(65536)
            if not piece:
                break
            pieces.append((time.monotonic() - started, piece))
        connection.close()
        self.body = b"".join(piece for _, piece in pieces)
        self.first_s = pieces[0][0]
        self.last_s = pieces[-1][0]


def assert_streamed(streamed: Streamed) -> None:
    """The first chunk came long before the last: the app sleeps between chunks, nobody buffered."""
    produced_s = (CHUNKS - 1) * PAUSE_S
    assert streamed.last_s - streamed.first_s > produced_s / 2, (streamed.first_s, streamed.last_s)


STREAMS = [(FASTAPI, "/stream"), (FASTAPI, "/events"), (FLASK, "/stream"), (FLASK, "/events")]


@pytest.mark.parametrize(("target", "path"), STREAMS)
def test_bridge_run_streams_what_the_bare_server_streams(target: str, path: str) -> None:
    bare_port, run_port = free_port(), free_port()
    with running(bare(target, bare_port), bare_port), running(bridge_run(target, run_port), run_port):
        expected = Streamed(bare_port, path)
        got = Streamed(run_port, path)
    assert expected.status == got.status == 200
    assert got.headers == expected.headers
    assert got.body == expected.body and got.body.count(b"\n") >= CHUNKS
    assert_streamed(expected)
    assert_streamed(got)


@pytest.mark.parametrize(
    ("platform", "target"), [("fc", FLASK), ("scf", FASTAPI), ("huawei", FLASK), ("knative", FASTAPI)]
)
def test_sse_streams_on_each_platforms_start_contract(platform: str, target: str) -> None:
    port = free_port()
    # Only the port is overridden: host, keep-alive, forwarded headers and grace are the platform's.
    with running(bridge_run(target, port, "--platform", platform), port):
        got = Streamed(port, "/events")
    assert got.status == 200 and ("content-type", "text/event-stream; charset=utf-8") in got.headers
    assert got.body.count(b"data: event") == CHUNKS
    assert_streamed(got)


@pytest.mark.parametrize(("target", "path"), [(FASTAPI, "/events"), (FLASK, "/stream")])
def test_bridge_serve_in_web_mode_streams(target: str, path: str) -> None:
    bare_port = free_port()
    with running(bare(target, bare_port), bare_port):
        expected = Streamed(bare_port, path)
    with bridge_serve(target, "--platform", "fc", "--mode", "web", cwd=APPS) as served:
        got = Streamed(int(served.root.rsplit(":", 1)[1]), path)
    assert (got.status, got.headers, got.body) == (expected.status, expected.headers, expected.body)
    assert_streamed(got)


def websocket_exchange(port: int) -> List[str]:
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as websocket:
        replies = []
        for text in ("one", "two"):
            websocket.send(text)
            replies.append(websocket.recv(timeout=10))
        websocket.send("bye")
    return replies


def test_a_websocket_route_works_through_bridge_run() -> None:
    port = free_port()
    with running(bridge_run(FASTAPI, port, "--platform", "knative"), port):
        assert websocket_exchange(port) == ["echo one", "echo two"]


def test_a_websocket_route_works_through_bridge_serve_in_web_mode() -> None:
    with bridge_serve(FASTAPI, "--platform", "scf", "--mode", "web", cwd=APPS) as served:
        assert websocket_exchange(int(served.root.rsplit(":", 1)[1])) == ["echo one", "echo two"]


# --- graceful shutdown ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", [FASTAPI, FLASK])
def test_sigterm_lets_a_running_stream_finish_and_lifespan_shuts_down_once(
    target: str, tmp_path: Path
) -> None:
    lifespan_log = tmp_path / "lifespan.log"
    port = free_port()
    result: Dict[str, bytes] = {}
    with running(
        bridge_run(target, port, "--grace", "10"), port, env={"LIFESPAN_LOG": str(lifespan_log)}
    ) as server:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/stream")
        response = connection.getresponse()
        result["first"] = response.read1(65536)  # the stream has begun

        reader = threading.Thread(target=lambda: result.update(rest=response.read()))
        reader.start()
        server.send_signal(signal.SIGTERM)
        reader.join(timeout=15)
        exit_code = server.wait(timeout=15)
        connection.close()
    body = result["first"] + result.get("rest", b"")
    assert body == b"".join(f"chunk {n}\n".encode() for n in range(CHUNKS))
    # uvicorn (0.29+) re-raises the signal it caught once it has drained: ended by SIGTERM, not KILL.
    assert exit_code in (0, -signal.SIGTERM)
    if target == FASTAPI:
        events = [line.split()[0] for line in lifespan_log.read_text().splitlines()]
        assert events == ["startup", "shutdown"]


# --- routes ---------------------------------------------------------------------------------------


def test_bridge_routes_names_web_mode_for_a_websocket_route() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bridge", "routes", FASTAPI],
        cwd=APPS,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "/ws" in line)
    assert "websocket: not servable in event mode; serve it in web mode (bridge run, --mode web)" in line
