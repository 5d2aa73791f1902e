"""From a project to a package that runs: each silent failure of issue 9, reproduced as the user met it.

Dependencies where Python projects keep them, the package verified against the app's imports, the
user's own index.py, `package` agreeing with `build`, hard size limits, and environment defaults.
Wheels come from local directories (--find-links, --no-index): no test needs the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import (
    all_in_one_plan,
    deployment,
    fc_event,
    make_project,
    make_wheel,
    split_plan,
    wheels_from_installed,
)

from bridge.deploy import build_package, get_target
from bridge.deploy.dependencies import read_dependencies
from bridge.deploy.errors import PackageVerifyError

HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    directory = tmp_path / "wheelhouse"
    make_wheel(directory, "tinydep", "1.0")
    make_wheel(directory, "tinydep", "2.0")
    make_wheel(directory, "extradep")
    return directory


def package(project, out: Path, plan=None, platform: str = "fc", **options):
    dep = deployment(project, plan or all_in_one_plan(), platform, **options.pop("deploy", {}))
    return build_package(dep, get_target(platform), out, **options)


def offline(wheelhouse: Path) -> dict:
    return {"find_links": [wheelhouse], "no_index": True}


def names(report) -> set:
    return set(zipfile.ZipFile(report.zip_path).namelist())


def installed_version(report, name: str) -> str:
    with zipfile.ZipFile(report.zip_path) as archive:
        return archive.read(f"{name}/__init__.py").decode().split('"')[1]


# --- 1. dependencies where Python projects keep them, and the package verified -------------------


def test_dependencies_only_in_pyproject_reach_the_package(tmp_path: Path, wheelhouse: Path) -> None:
    project = make_project(tmp_path / "p")
    (project.root / "hello.py").write_text("import tinydep\n" + (project.root / "hello.py").read_text())
    (project.root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["tinydep"]\n')
    dependencies = read_dependencies(project.root)
    assert dependencies.requirements == ["tinydep"]
    report = package(project, tmp_path / "out", dependencies=dependencies, **offline(wheelhouse))
    assert "tinydep/__init__.py" in names(report)
    assert report.verification is not None and not report.verification.missing
    assert "tinydep" in report.verification.checked


def test_optional_groups_named_in_extras_are_installed(tmp_path: Path, wheelhouse: Path) -> None:
    root = tmp_path / "p"
    make_project(root)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\ndependencies = ["tinydep"]\n'
        '[project.optional-dependencies]\nprod = ["extradep"]\ntest = ["pytest"]\n'
    )
    assert read_dependencies(root, extras=["prod"]).requirements == ["tinydep", "extradep"]
    with pytest.raises(Exception, match="'nope'.*prod, test"):
        read_dependencies(root, extras=["nope"])


@pytest.mark.parametrize("lock", ["uv.lock", "poetry.lock", "Pipfile.lock"])
def test_a_lock_file_pins_the_versions(tmp_path: Path, wheelhouse: Path, lock: str) -> None:
    project = make_project(tmp_path / "p")
    root = project.root
    if lock == "Pipfile.lock":
        # Pipenv keeps dependencies in the lock file's "default" section, pinned.
        document = {"default": {"tinydep": {"version": "==1.0"}}, "develop": {"pytest": {"version": "==8"}}}
        (root / lock).write_text(json.dumps(document))
    else:
        (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["tinydep"]\n')
        source = 'source = { registry = "https://pypi.org/simple" }' if lock == "uv.lock" else ""
        (root / lock).write_text(
            f'[[package]]\nname = "p"\nversion = "0.1"\nsource = {{ editable = "." }}\n\n'
            f'[[package]]\nname = "tinydep"\nversion = "1.0"\n{source}\n'
        )
    dependencies = read_dependencies(root)
    assert any(lock.split(".")[0] in source for source in dependencies.sources)
    # Without the lock pip would take tinydep 2.0, the newest.
    report = package(project, tmp_path / "out", dependencies=dependencies, **offline(wheelhouse))
    assert installed_version(report, "tinydep") == "1.0"


def test_an_invalid_requirement_names_its_file(tmp_path: Path) -> None:
    root = tmp_path / "p"
    make_project(root)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["flask >>> 2"]\n')
    with pytest.raises(Exception, match=r"pyproject.toml \[project\].dependencies.*flask >>> 2"):
        read_dependencies(root)


@pytest.mark.parametrize("runtime", ["python3.10", f"python{HERE}"], ids=["static", "isolated"])
def test_a_module_the_app_imports_but_the_package_lacks_fails_naming_it(tmp_path: Path, runtime: str) -> None:
    platform = "fc" if runtime == "python3.10" else "aws"
    if platform == "aws" and HERE not in get_target("aws").python_versions:
        pytest.skip(f"no AWS runtime for this Python {HERE}")
    project = make_project(tmp_path / "p", runtime=runtime)
    (project.root / "hello.py").write_text(
        "import json\nimport flask\n" + (project.root / "hello.py").read_text()
    )
    with pytest.raises(PackageVerifyError) as raised:
        package(project, tmp_path / "out", platform=platform)
    message = str(raised.value)
    assert "flask (imported by hello.py:2)" in message and "[project].dependencies" in message
    assert "json" not in message  # the standard library is there


def test_isolated_check_finds_what_a_dependency_itself_lacks(tmp_path: Path) -> None:
    if HERE not in get_target("aws").python_versions:
        pytest.skip(f"no AWS runtime for this Python {HERE}")
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "outer", code="import inner_missing\n")  # declares no dependency on it
    project = make_project(tmp_path / "p", runtime=f"python{HERE}")
    (project.root / "hello.py").write_text("import outer\n" + (project.root / "hello.py").read_text())
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("outer\n")
    with pytest.raises(PackageVerifyError, match="outer .*needs 'inner_missing'"):
        package(project, tmp_path / "out", platform="aws", requirements=requirements, **offline(wheels))


def test_optional_and_type_checking_imports_are_not_required(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project.root / "hello.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "if TYPE_CHECKING:\n    import mypy_extensions\n"
        "def later():\n    import IPython\n" + (project.root / "hello.py").read_text()
    )
    report = package(project, tmp_path / "out")
    assert report.verification is not None and report.verification.missing == []


# --- 2. the user's own index.py ships ---------------------------------------------------------------

USER_INDEX = """\
from bridge import Bridge, HTTPResponse
from hello import app

handler = Bridge(app)
initializer = handler.initialize
pre_stop = handler.pre_stop


@handler.before_invocation
def only_staff(request):
    if request.path.startswith("/admin"):
        return HTTPResponse(403, [("content-type", "text/plain")], b"staff only")
"""


def run_packaged(zip_path: Path, fresh: Path, module: str, path: str, function: str = "") -> dict:
    """Unzip and call ``module.handler`` with an FC event, in an interpreter that sees only the package."""
    if not fresh.exists():
        zipfile.ZipFile(zip_path).extractall(fresh)
    script = (
        f"import json, sys\nsys.path.insert(0, {str(fresh)!r})\nimport {module}\n"
        f"print(json.dumps({module}.handler({fc_event(path)!r}, None)))\n"
    )
    environment = {"PATH": os.environ.get("PATH", ""), "BRIDGE_FUNCTION": function}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], cwd=fresh, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_users_own_index_ships_and_its_hooks_run(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", app="hello:app")
    (project.root / "index.py").write_text(USER_INDEX)
    report = package(project, tmp_path / "out")
    assert report.entry == "index"
    assert zipfile.ZipFile(report.zip_path).read("index.py").decode() == USER_INDEX
    assert "bridge_index.py" not in names(report)
    assert run_packaged(report.zip_path, tmp_path / "x", "index", "/admin/users")["statusCode"] == 403
    assert run_packaged(report.zip_path, tmp_path / "x", "index", "/ping")["statusCode"] == 200


def test_a_split_package_wraps_the_users_index_with_the_route_guard(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", app="hello:app")
    (project.root / "index.py").write_text(USER_INDEX.replace("initializer = handler.initialize\n", ""))
    plan = split_plan()
    app_routes = [route for function in plan.functions for route in function.routes]
    dep = deployment(project, plan, "fc", app_routes=app_routes)
    assert dep.handler == "bridge_index.handler" and dep.initializer == "bridge_index.initializer"
    report = build_package(dep, get_target("fc"), tmp_path / "out")
    assert zipfile.ZipFile(report.zip_path).read("index.py").decode().startswith("from bridge import")
    fresh = tmp_path / "x"
    assert (
        run_packaged(report.zip_path, fresh, "bridge_index", "/api/todos", "hello-api")["statusCode"] == 200
    )
    assert (
        run_packaged(report.zip_path, fresh, "bridge_index", "/elsewhere", "hello-api")["statusCode"] == 404
    )
    # The user's hook still answers first, in every function.
    assert run_packaged(report.zip_path, fresh, "bridge_index", "/admin/x", "hello-web")["statusCode"] == 403


# --- 3, 4, 5: through the command, as the user runs it --------------------------------------------

FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def home():
    return "home"


@app.get("/api/items")
def items():
    return {"items": []}


@app.get("/about")
def about():
    return "about"
"""


def bridge(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *argv], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def package_offline(project: Path, wheels: Path, platform: str) -> subprocess.CompletedProcess:
    """`bridge package` with the dependencies from ``wheels`` only."""
    return bridge(
        "package",
        "--platform",
        platform,
        "--project",
        str(project),
        "--find-links",
        str(wheels),
        "--no-index",
        cwd=project,
    )


@pytest.fixture
def flask_project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "site_app.py").write_text(FLASK_APP)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "site"\ndependencies = ["flask"]\n\n[tool.bridge]\napp = "site_app:app"\n'
    )
    return root


@pytest.fixture(scope="module")
def flask_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("flask-wheels")
    wheels_from_installed(directory, "flask")
    return directory


def test_package_after_a_split_build_builds_what_the_deploy_file_declares(
    flask_project: Path, flask_wheels: Path
) -> None:
    offline_args = ("--find-links", str(flask_wheels), "--no-index")
    built = bridge(
        "build",
        "--platform",
        "fc",
        "--project",
        str(flask_project),
        "--split",
        "per-route",
        *offline_args,
        cwd=flask_project,
    )
    assert built.returncode == 0, built.stderr
    declared = yaml.safe_load((flask_project / "build" / "fc" / "s.yaml").read_text())
    functions = [
        r["props"]["functionName"] for r in declared["resources"].values() if "functionName" in r["props"]
    ]
    # Without --split, `package` builds the split that `build` wrote, not the project's all-in-one.
    packaged = bridge(
        "package",
        "--platform",
        "fc",
        "--project",
        str(flask_project),
        "--json",
        *offline_args,
        cwd=flask_project,
    )
    assert packaged.returncode == 0, packaged.stderr
    result = json.loads(packaged.stdout)
    assert sorted(result["package"]["functions"]) == sorted(functions) and len(functions) > 1
    assert "bridge_routes.json" in zipfile.ZipFile(result["package"]["zip"]).namelist()
    # Asking for another plan into the same directory is refused, with the reason.
    other = bridge(
        "package",
        "--platform",
        "fc",
        "--project",
        str(flask_project),
        "--split",
        "all-in-one",
        *offline_args,
        cwd=flask_project,
    )
    assert other.returncode == 1
    assert "s.yaml" in other.stderr and "--split per-route" in other.stderr and "bridge build" in other.stderr


def test_a_package_over_a_hard_limit_fails_with_what_to_do(flask_project: Path, flask_wheels: Path) -> None:
    # 21 MB that does not compress: over SCF's 20 MB UpdateFunctionCode zip limit.
    (flask_project / "model.bin").write_bytes(os.urandom(21 * 1024 * 1024))
    result = package_offline(flask_project, flask_wheels, "scf")
    assert result.returncode == 1
    assert "20.0 MB" in result.stderr and "COS" in result.stderr and "layer" in result.stderr
    assert "https://cloud.tencent.com/document/" in result.stderr
    assert ".md" not in result.stderr  # public documentation only, never a file the user lacks


def test_pyproject_dependencies_are_verified_through_the_command(
    flask_project: Path, flask_wheels: Path
) -> None:
    result = package_offline(flask_project, flask_wheels, "fc")
    assert result.returncode == 0, result.stderr
    assert "bridge: installing dependencies" in result.stderr
    # A line per package pip resolves.
    assert any(
        line.strip().startswith("Processing") and "Flask-" in line for line in result.stderr.splitlines()
    )
    assert "verify: all" in result.stdout
    zip_names = zipfile.ZipFile(flask_project / "build" / "fc" / "code.zip").namelist()
    assert "flask/__init__.py" in zip_names and "werkzeug/__init__.py" in zip_names
    # The same project with the dependency forgotten: non-zero, naming the module.
    (flask_project / "pyproject.toml").write_text(
        '[project]\nname = "site"\n\n[tool.bridge]\napp = "site_app:app"\n'
    )
    result = bridge(
        "package", "--platform", "fc", "--project", str(flask_project), "--no-index", cwd=flask_project
    )
    assert result.returncode == 1 and "flask (imported by site_app.py:1)" in result.stderr


def test_environment_defaults_render_in_each_deploy_tools_syntax(tmp_path: Path) -> None:
    from bridge.deploy.targets import get_target as target

    project = make_project(
        tmp_path / "p",
        runtime="python3.12",
        environment={"DATABASE_URL": "${env('DATABASE_URL', '')}", "SECRET_KEY": "${env.SECRET_KEY}"},
    )
    fc = target("fc").render(deployment(project, all_in_one_plan(), "fc"))["s.yaml"]
    assert "${env('DATABASE_URL', '')}" in fc and "${env('SECRET_KEY')}" in fc
    aws = yaml.safe_load(target("aws").render(deployment(project, all_in_one_plan(), "aws"))["template.yaml"])
    assert aws["Parameters"]["EnvDatabaseUrl"]["Default"] == ""
    assert "Default" not in aws["Parameters"]["EnvSecretKey"]
    scf = deployment(project, all_in_one_plan(), "scf")
    assert any("DATABASE_URL" in note for note in target("scf").notes(scf))
