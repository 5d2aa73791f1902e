"""The new user's journey (issue 9 "Done when"), from the built wheel of faas-bridge.

tests/apps/notes_app is laid out as Flask's tutorial app is: an app factory, dependencies only in
pyproject.toml, hooks in its own index.py, an instance folder. faas-bridge is built as a wheel and
installed into a fresh virtual environment; from there, `bridge --version`, `routes`, `build`
(which installs and verifies the app's dependencies) and `serve --as-deployed` (the function run
from the built package, read-only, with the platform's environment) run against a copy of it.

No network: the wheel is built without build isolation (setuptools from the dev environment), it
is installed with --no-deps, and the fresh environment reaches the dev environment's packages
through a .pth line (its own site-packages, holding the wheel, come first). The app's Flask is
repacked from the dev environment into local wheels (tests/_deploy_fixtures.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path
from typing import Tuple

import pytest
from _deploy_fixtures import wheels_from_installed
from _serving import bridge_serve

REPO = Path(__file__).resolve().parent.parent
NOTES_APP = Path(__file__).resolve().parent / "apps" / "notes_app"
HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh virtual environment holding faas-bridge's built wheel."""
    base = tmp_path_factory.mktemp("wheel-install")
    dist = base / "dist"
    # `pip wheel` builds the same wheel `python -m build` does, from pyproject.toml, offline.
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(dist.glob("faas_bridge-*-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and any(n.endswith("licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    environment = base / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    site = next((environment / "lib").glob("python*/site-packages"))
    # The dev environment's packages (uvicorn, PyYAML, Flask ...) after the fresh environment's own.
    (site / "dev-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0 and "no such option: --python" in installed.stderr:
        pytest.skip("pip too old for --python")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run(
        [str(python), "-c", "import bridge; print(bridge.__file__)"], capture_output=True, text=True, cwd=base
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr  # the wheel, not the repo
    return environment / "bin"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path]:
    """A copy of the notes app, and a directory of wheels for its dependencies."""
    base = tmp_path_factory.mktemp("notes")
    project = base / "notes_app"
    shutil.copytree(NOTES_APP, project, ignore=shutil.ignore_patterns("__pycache__", "build"))
    wheels = base / "wheels"
    wheels_from_installed(wheels, "flask")
    return project, wheels


def bridge(bin_dir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return subprocess.run(
        [str(bin_dir / "bridge"), *argv], capture_output=True, text=True, cwd=cwd, env=clean, timeout=300
    )


def fetch(url: str, data: bytes | None = None) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_wheel_installs_and_bridge_reports_its_version(installed: Path, tmp_path: Path) -> None:
    result = bridge(installed, "--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "bridge (faas-bridge) 0.1.0"


def test_routes_from_the_wheel_suggest_the_factory_as_flask_does(installed: Path, notes) -> None:
    project, _ = notes
    result = bridge(installed, "routes", "notes", "--chdir", str(project), cwd=project)
    assert result.returncode == 1 and '"notes:create_app()"' in result.stderr
    result = bridge(installed, "routes", "notes:create_app()", "--chdir", str(project), cwd=project)
    assert result.returncode == 0, result.stderr
    assert "/notes" in result.stdout and "/admin/stats" in result.stdout


def test_the_new_user_journey_builds_verifies_and_serves_as_deployed(installed: Path, notes) -> None:
    project, wheels = notes
    if HERE not in ("3.11", "3.12", "3.13", "3.14"):
        pytest.skip(f"no AWS runtime for this Python {HERE}, which the isolated verification needs")
    built = bridge(
        installed,
        "build",
        "--platform",
        "aws",
        "--runtime",
        f"python{HERE}",
        "--project",
        str(project),
        "--find-links",
        str(wheels),
        "--no-index",
        "--json",
        cwd=project,
    )
    assert built.returncode == 0, built.stderr
    result = json.loads(built.stdout)
    package = result["package"]
    assert package["verification"]["missing"] == []
    assert package["verification"]["method"].startswith("imported with Python")  # really imported, isolated
    assert "flask" in package["verification"]["modules"]
    assert package["entry"] == "index" and result["handler"] == "index.handler"
    assert {"path": "instance/", "reason": "a development file (name it in `include` to ship it)"} in package[
        "excluded"
    ]
    with zipfile.ZipFile(package["zip"]) as archive:
        assert archive.read("index.py") == (project / "index.py").read_bytes()  # the user's own entry
        assert "flask/__init__.py" in archive.namelist()

    clean = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    served = bridge_serve(
        "--as-deployed",
        "--project",
        str(project),
        "--platform",
        "aws",
        env=clean,
        bridge=[str(installed / "bridge")],
    )
    with served as gateway:
        check_deployed_notes(gateway.url, project)


def check_deployed_notes(url: str, project: Path) -> None:
    """The notes app as deployed: the default environment, the user's hook, data only in the temp dir."""
    assert fetch(url + "/") == (200, "hello from notes")  # the default of ${env('NOTES_GREETING', 'hello')}
    assert fetch(url + "/admin/stats")[0] == 403  # the hook in the user's index.py
    status, body = fetch(url + "/health")
    health = json.loads(body)
    # The code directory is read-only: the app keeps its instance folder in the temp directory.
    assert status == 200 and health["instance_path"].startswith(health["tmpdir"])
    assert not health["tmpdir"].startswith(str(project))
    assert fetch(url + "/notes", json.dumps({"text": "milk"}).encode())[0] == 201
    assert fetch(url + "/notes") == (200, '["milk"]\n')
