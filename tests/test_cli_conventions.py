"""What a user expects of a command line: a version, exit codes that fail on failure, the name of
the extra to install, one platform name for AWS across commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _serving import child_env

TESTS = Path(__file__).resolve().parent


def bridge(*argv: str, prelude: str = "") -> subprocess.CompletedProcess:
    script = f"{prelude}\nimport sys\nfrom bridge.cli import main\nsys.exit(main({list(argv)!r}))\n"
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=TESTS,
        env=child_env(),
        timeout=120,
    )


def test_version() -> None:
    result = bridge("--version")
    assert result.returncode == 0 and result.stdout.startswith("bridge (faas-bridge) ")


def test_invoke_fail_exits_non_zero_on_a_5xx_and_aws_means_the_http_api() -> None:
    common = ("invoke", "apps.gateway_flask:app", "--platform", "aws", "GET")
    assert bridge(*common, "/hello", "--fail").returncode == 0
    plain = bridge(*common, "/boom")
    assert plain.returncode == 0 and "500" in plain.stdout
    failed = bridge(*common, "/boom", "--fail")
    assert failed.returncode == 1
    assert '"version": "2.0"' in failed.stdout  # `aws` is the HTTP API's payload 2.0


def test_serve_without_uvicorn_names_the_extra() -> None:
    # As if uvicorn were not installed: importing it fails.
    result = bridge(
        "serve",
        "apps.gateway_flask:app",
        "--platform",
        "fc",
        "--port",
        "0",
        prelude="import sys\nsys.modules['uvicorn'] = None",
    )
    assert result.returncode == 1
    assert 'pip install "faas-bridge[serve]"' in result.stderr and "Traceback" not in result.stderr
