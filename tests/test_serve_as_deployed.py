"""`bridge serve --as-deployed`: what breaks in the cloud breaks here too (issue 9 item 6).

flaskr creates its instance folder next to its code at start-up: fine under `bridge serve`,
fatal on FC, SCF and Lambda, whose code directory is read-only. Run from the built package, the
same app fails here with the platform's error; a dependency missing from the package is missing
here too, even though this machine has it; the platform's variables and memory apply.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Tuple

import pytest
from _deploy_fixtures import wheels_from_installed
from _serving import bridge_serve, child_env

FLASKR_LIKE = """\
import os

from flask import Flask, jsonify


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)  # as flaskr does: next to the code

    @app.get("/")
    def home():
        return "home"

    @app.get("/env")
    def env():
        names = ("FC_FUNCTION_NAME", "FC_FUNCTION_MEMORY_SIZE", "HOME", "TMPDIR", "GREETING")
        return jsonify(dict({name: os.environ.get(name) for name in names}, cwd=os.getcwd()))

    @app.get("/eat/<int:mb>")
    def eat(mb):
        block = bytearray(mb * 1024 * 1024)
        return str(len(block))

    return app
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("flask-wheels")
    wheels_from_installed(directory, "flask")
    return directory


def make_app(root: Path, guarded_instance: bool) -> Path:
    (root / "flaskr").mkdir(parents=True)
    code = FLASKR_LIKE
    if guarded_instance:
        code = code.replace(
            "    os.makedirs(app.instance_path, exist_ok=True)  # as flaskr does: next to the code\n",
            "    try:\n        os.makedirs(app.instance_path, exist_ok=True)\n    except OSError:\n"
            "        app.instance_path = os.environ['TMPDIR']\n",
        )
    (root / "flaskr" / "__init__.py").write_text(code)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "flaskr"\ndependencies = ["flask"]\n\n[tool.bridge]\n'
        'app = "flaskr:create_app()"\nmemory = 256\ntimeout = 10\n'
        "environment = { GREETING = \"${env('GREETING', 'hi')}\" }\n"
    )
    return root


def run_bridge(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *argv], capture_output=True, text=True, cwd=cwd, env=child_env()
    )


def build(root: Path, wheels: Path, *extra: str) -> None:
    result = run_bridge(
        "build",
        "--platform",
        "fc",
        "--project",
        str(root),
        "--find-links",
        str(wheels),
        "--no-index",
        *extra,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr


def logged(served, text: str) -> str:
    """The gateway's log once ``text`` is in it (its output is read as it comes), or after 10 s."""
    return served.log_with(re.compile(re.escape(text)), 1)


def get(url: str) -> Tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_an_app_writing_next_to_its_code_fails_as_deployed_as_on_the_platform(
    tmp_path: Path, wheels: Path
) -> None:
    root = make_app(tmp_path / "site", guarded_instance=False)
    build(root, wheels)
    with bridge_serve("--project", str(root), "--platform", "fc") as plain:
        assert get(plain.url + "/") == (200, "home")  # the ordinary gateway hides the problem
    shutil.rmtree(root / "instance")
    with bridge_serve("--as-deployed", "--project", str(root), "--platform", "fc") as deployed:
        status, _ = get(deployed.url + "/")
        assert status >= 500
        assert "Read-only file system" in logged(deployed, "Read-only file system")


def test_as_deployed_sets_the_platforms_environment_memory_and_a_writable_temp_dir(
    tmp_path: Path, wheels: Path
) -> None:
    root = make_app(tmp_path / "site", guarded_instance=True)
    build(root, wheels)
    with bridge_serve("--as-deployed", "--project", str(root), "--platform", "fc") as deployed:
        status, body = get(deployed.url + "/env")
        assert status == 200, deployed.log
        seen = json.loads(body)
        assert seen["FC_FUNCTION_NAME"] == "flaskr" and seen["FC_FUNCTION_MEMORY_SIZE"] == "256"
        assert seen["GREETING"] == "hi"  # the reference's default, as Serverless Devs renders it
        assert seen["HOME"] == seen["TMPDIR"] and not seen["TMPDIR"].startswith(str(root))
        assert seen["cwd"].endswith("/code")
        assert get(deployed.url + "/eat/16") == (200, str(16 * 1024 * 1024))
        status, _ = get(deployed.url + "/eat/400")  # more than the function's 256 MB
        assert status >= 500


def test_a_dependency_missing_from_the_package_is_missing_as_deployed(tmp_path: Path, wheels: Path) -> None:
    root = make_app(tmp_path / "site", guarded_instance=True)
    # No dependencies in the package (say, a layer was meant to provide them): build warns...
    result = run_bridge("build", "--platform", "fc", "--project", str(root), "--no-requirements", cwd=root)
    assert result.returncode == 0 and "missing: flask (imported by flaskr/__init__.py:3)" in result.stdout
    # ...and the function cannot start, although this machine has Flask.
    with bridge_serve("--as-deployed", "--project", str(root), "--platform", "fc") as deployed:
        assert get(deployed.url + "/")[0] >= 500
        assert "No module named 'flask'" in logged(deployed, "No module named 'flask'")


def test_as_deployed_needs_a_build_first(tmp_path: Path) -> None:
    root = make_app(tmp_path / "site", guarded_instance=True)
    result = run_bridge("serve", "--as-deployed", "--project", str(root), "--platform", "fc")
    assert result.returncode == 1 and "bridge build --platform fc" in result.stderr
