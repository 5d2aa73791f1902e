"""`bridge package`: reproducible zips holding the app, faas-bridge and wheels for the function runtime."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from _deploy_fixtures import (
    all_in_one_plan,
    deployment,
    fc_event,
    make_project,
    make_wheel,
    split_plan,
    wheels_from_installed,
)

from bridge import ConfigError
from bridge.deploy import NoCompatibleWheelError, build_package, get_target


def package(project, out: Path, plan=None, platform: str = "fc", **options):
    dep = deployment(project, plan or all_in_one_plan(), platform, **options.pop("deploy", {}))
    return build_package(dep, get_target(platform), out, **options)


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    """A local index: one pure-Python wheel, and a package that exists only as an sdist."""
    directory = tmp_path / "wheelhouse"
    make_wheel(directory, "tinydep")
    (directory / "onlysdist-1.0.tar.gz").write_bytes(b"not really a tarball: pip must never pick it")
    return directory


def test_two_builds_produce_byte_identical_zips(tmp_path: Path, wheelhouse: Path) -> None:
    project = make_project(tmp_path / "project")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep\n")
    options = dict(requirements=requirements, find_links=[wheelhouse], no_index=True)
    first = package(project, tmp_path / "one", **options)
    # Everything a naive zip would record changes between the builds: file times and the output path.
    later = time.time() + 3600
    os.utime(project.root / "hello.py", (later, later))
    second = package(project, tmp_path / "two", **options)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()


def test_entries_are_sorted_dated_1980_with_fixed_permissions(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project.root / "run.sh").write_text("#!/bin/sh\n")
    (project.root / "run.sh").chmod(0o775)
    (project.root / "hello.py").chmod(0o600)
    # No dependencies: the web server the start script needs is reported missing, not fatal.
    report = package(
        project, tmp_path / "out", deploy={"mode": "web"}, requirements=None, verify_strict=False
    )
    with zipfile.ZipFile(report.zip_path) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert not any(name.endswith("/") for name in names)  # no directory entries
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {info.filename: info.external_attr >> 16 & 0o777 for info in infos}
    assert modes["hello.py"] == 0o644
    assert modes["run.sh"] == 0o755
    assert modes["bootstrap"] == 0o755  # web mode start script
    assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}


def test_source_date_epoch_sets_every_entry_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")  # 2023-11-14 22:13:21 UTC
    report = package(make_project(tmp_path / "project"), tmp_path / "out")
    with zipfile.ZipFile(report.zip_path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_package_holds_app_bridge_and_entry_but_no_tests_caches_or_env(tmp_path: Path) -> None:
    report = package(make_project(tmp_path / "project"), tmp_path / "out")
    names = set(zipfile.ZipFile(report.zip_path).namelist())
    assert {"hello.py", "index.py", "bridge/__init__.py", "bridge/_bridge.py"} <= names
    dev_tooling = ("bridge/deploy/", "bridge/gateway/", "bridge/check/")
    assert not any(name.startswith(dev_tooling) for name in names)
    assert not any(name.startswith(("tests/", "__pycache__/")) or name.endswith(".pyc") for name in names)
    assert ".env" not in names
    assert "bridge_routes.json" not in names  # one function: no guard


def test_include_and_exclude_globs_choose_the_app_files(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", exclude=["notes/"])
    (project.root / "notes").mkdir()
    (project.root / "notes" / "todo.txt").write_text("x")
    (project.root / "data.json").write_text("{}")
    names = set(zipfile.ZipFile(package(project, tmp_path / "a").zip_path).namelist())
    assert "data.json" in names and "notes/todo.txt" not in names
    project.include = ["hello.py", "tests/"]
    names = set(zipfile.ZipFile(package(project, tmp_path / "b").zip_path).namelist())
    assert {"hello.py", "tests/test_hello.py"} <= names and "data.json" not in names


def test_unzipped_package_serves_a_request_with_nothing_else_on_sys_path(tmp_path: Path) -> None:
    report = package(make_project(tmp_path / "project"), tmp_path / "out")
    fresh = tmp_path / "fresh"
    zipfile.ZipFile(report.zip_path).extractall(fresh)
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(fresh)!r})\n"
        "import index\n"
        "index.initializer(None)\n"
        f"print(json.dumps(index.handler({fc_event('/ping')!r}, None)))\n"
        "assert all(p.startswith((sys.prefix, sys.base_prefix)) or p == "
        + repr(str(fresh))
        + " for p in sys.path if p)\n"
        "assert 'bridge' in sys.modules and sys.modules['bridge'].__file__.startswith("
        + repr(str(fresh))
        + ")\n"
    )
    # -I: no PYTHON* variables, no user site, no script directory; -S: no site-packages at all.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], cwd=fresh, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert response["body"] == "hello from /ping"


def test_dependencies_are_installed_from_wheels_for_the_target_runtime(
    tmp_path: Path, wheelhouse: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    # faas-bridge itself is listed, as the samples do: the package carries this copy, pip fetches none.
    requirements.write_text("tinydep==1.0\nfaas-bridge[serve]>=0.1  # the bridge\n")
    report = package(
        make_project(tmp_path / "project"),
        tmp_path / "out",
        requirements=requirements,
        find_links=[wheelhouse],
        no_index=True,
    )
    names = set(zipfile.ZipFile(report.zip_path).namelist())
    assert "tinydep/__init__.py" in names
    assert "tinydep-1.0.dist-info/METADATA" in names
    assert not any(name.endswith(".pyc") for name in names)
    assert not any(name.startswith("faas_bridge-") for name in names)
    assert list(requirements.parent.glob(".bridge-*")) == []  # the filtered copy is gone


def test_a_requirement_with_only_an_sdist_is_named_in_the_error(tmp_path: Path, wheelhouse: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep\nonlysdist\n")
    with pytest.raises(
        NoCompatibleWheelError, match=r"no wheel of 'onlysdist' fits .*manylinux2014_x86_64, CPython 3\.10"
    ) as error:
        package(
            make_project(tmp_path / "project"),
            tmp_path / "out",
            requirements=requirements,
            find_links=[wheelhouse],
            no_index=True,
        )
    assert error.value.requirement == "onlysdist"


def test_split_package_lists_the_routes_of_each_function(tmp_path: Path) -> None:
    plan = split_plan()
    app_routes = [route for function in plan.functions for route in function.routes]
    report = package(
        make_project(tmp_path / "project"), tmp_path / "out", plan=plan, deploy={"app_routes": app_routes}
    )
    with zipfile.ZipFile(report.zip_path) as archive:
        table = json.loads(archive.read("bridge_routes.json"))
        entry = archive.read("index.py").decode()
    routes = table["functions"]
    assert routes["hello-web"] is None  # the catch-all is not guarded
    assert [route["path"] for route in routes["hello-api"]] == ["/api/todos", "/api/todos/<int:id>"]
    assert routes["hello-api"][0]["methods"] == ["GET", "POST"]
    assert [route["path"] for route in table["app_routes"]] == [route.path for route in app_routes]
    assert "BRIDGE_FUNCTION" in entry and "guarded(app, read_routes(" in entry  # the route guard, wired
    assert report.functions == ["hello-api", "hello-web"]


def test_an_app_module_named_index_keeps_its_name(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", app="index:app")
    (project.root / "index.py").write_text((project.root / "hello.py").read_text())
    dep = deployment(project, all_in_one_plan(), "fc")
    assert dep.handler == "bridge_index.handler"
    report = build_package(dep, get_target("fc"), tmp_path / "out")
    with zipfile.ZipFile(report.zip_path) as archive:
        assert "from index import app" in archive.read("bridge_index.py").decode()
        assert "def app(" in archive.read("index.py").decode()


HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"
# A runtime whose byte code this interpreter cannot write.
ELSEWHERE = "3.9" if HERE != "3.9" else "3.10"


def pyc_names(report) -> list:
    return [name for name in zipfile.ZipFile(report.zip_path).namelist() if name.endswith(".pyc")]


def test_bytecode_is_included_by_default_for_this_python_and_reproducible(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", runtime=f"python{HERE}")
    first = package(project, tmp_path / "a", platform="aws")
    later = time.time() + 3600
    os.utime(project.root / "hello.py", (later, later))  # hash-based pycs ignore file times
    second = package(project, tmp_path / "b", platform="aws")
    tag = sys.implementation.cache_tag
    names = pyc_names(first)
    assert f"__pycache__/hello.{tag}.pyc" in names and f"bridge/__pycache__/__init__.{tag}.pyc" in names
    assert first.bytecode and first.as_dict()["bytecode"] is True and "byte code: included" in first.lines()
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    # The runtime uses them without reading the sources' times: flags 0b01 is "hash-based, unchecked"
    # (PEP 552), so nothing is recompiled on a read-only code directory.
    with zipfile.ZipFile(first.zip_path) as archive:
        header = archive.read(f"__pycache__/hello.{tag}.pyc")[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 0b01


def test_bytecode_for_another_python_is_left_out_saying_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    project = make_project(tmp_path / "project", runtime=f"python{ELSEWHERE}")
    report = package(project, tmp_path / "out", platform="fc")
    assert pyc_names(report) == [] and not report.bytecode and report.as_dict()["bytecode"] is False
    assert "byte code: not included" in "\n".join(report.lines())
    message = [line for line in capsys.readouterr().err.splitlines() if "byte code" in line]
    assert len(message) == 1, message
    assert f"python{ELSEWHERE} runtime" in message[0] and f"Python {HERE}" in message[0]
    assert f"--runtime python{HERE}" in message[0] and f"python{ELSEWHERE} -m bridge" in message[0]


def test_compile_insists_and_no_compile_leaves_bytecode_out(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"--compile: the python{ELSEWHERE} runtime"):
        package(
            make_project(tmp_path / "p1", runtime=f"python{ELSEWHERE}"),
            tmp_path / "x",
            platform="fc",
            compile_bytecode=True,
        )
    project = make_project(tmp_path / "p2", runtime=f"python{HERE}")
    report = package(project, tmp_path / "a", platform="aws", compile_bytecode=False)
    assert pyc_names(report) == [] and not report.bytecode


@pytest.mark.skipif(HERE not in get_target("aws").python_versions, reason=f"AWS offers no Python {HERE}")
def test_package_command_compiles_by_default_and_no_compile_opts_out(tmp_path: Path) -> None:
    root = tmp_path / "project"
    make_project(root)
    (root / "flask_hello.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (root / "bridge.toml").write_text(f'app = "flask_hello:app"\nname = "hello"\nruntime = "python{HERE}"\n')

    def bridge_package(*extra: str) -> dict:
        command = [sys.executable, "-m", "bridge", "package", "--platform", "aws", "--project", str(root)]
        done = subprocess.run(
            [*command, "--no-requirements", "--json", *extra], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)["package"]

    compiled = bridge_package()
    assert compiled["bytecode"] is True
    assert any(name.endswith(".pyc") for name in zipfile.ZipFile(compiled["zip"]).namelist())
    plain = bridge_package("--no-compile")
    assert plain["bytecode"] is False
    assert not any(name.endswith(".pyc") for name in zipfile.ZipFile(plain["zip"]).namelist())


def test_size_report_names_each_platform_limit_and_its_source(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    fc = "\n".join(package(project, tmp_path / "fc").lines())
    assert "zipped" in fc and "unzipped" in fc and "used by hello" in fc
    assert "ok" in fc and "500.0 MB" in fc and "UNCONFIRMED" in fc
    scf = "\n".join(package(project, tmp_path / "scf", platform="scf").lines())
    assert "50.0 MB: zip sent in CreateFunction" in scf and "https://cloud.tencent.com/document/" in scf
    report = package(project, tmp_path / "fc2")
    report.zip_bytes = 600 * 1024 * 1024
    assert [limit.limit_bytes for limit in report.over()] == [500 * 1024 * 1024, 100 * 1024 * 1024]
    assert "OVER" in "\n".join(report.lines())


def test_split_package_serves_only_the_routes_of_its_function(tmp_path: Path) -> None:
    plan = split_plan()
    app_routes = [route for function in plan.functions for route in function.routes]
    report = package(
        make_project(tmp_path / "project"), tmp_path / "out", plan=plan, deploy={"app_routes": app_routes}
    )
    fresh = tmp_path / "fresh"
    zipfile.ZipFile(report.zip_path).extractall(fresh)

    def status(function: str, path: str) -> int:
        script = (
            "import json, sys\n"
            f"sys.path.insert(0, {str(fresh)!r})\n"
            "import index\n"
            f"print(json.dumps(index.handler({fc_event(path)!r}, None)))\n"
        )
        environment = {"BRIDGE_FUNCTION": function, "PATH": os.environ.get("PATH", "")}
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-c", script],
            cwd=fresh,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["statusCode"]

    assert status("hello-api", "/api/todos") == 200
    assert status("hello-api", "/elsewhere") == 404  # the gateway should never send it: the guard refuses
    assert status("hello-web", "/elsewhere") == 200  # the catch-all takes whatever it is sent


def test_package_command_adds_the_web_server_and_reports_sizes(tmp_path: Path, wheelhouse: Path) -> None:
    make_wheel(wheelhouse, "gunicorn", "99.0")  # a stand-in: the test must not reach the index
    root = tmp_path / "project"
    make_project(root)
    (root / "flask_hello.py").write_text(
        "import tinydep\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/')\n"
        "def home():\n    return 'hi'\n"
    )
    (root / "bridge.toml").write_text('app = "flask_hello:app"\nname = "hello"\n')
    (root / "requirements.txt").write_text("tinydep\nflask\n")
    wheels_from_installed(wheelhouse, "flask")
    command = [
        sys.executable,
        "-m",
        "bridge",
        "package",
        "--platform",
        "scf",
        "--project",
        str(root),
        "--mode",
        "web",
        "--find-links",
        str(wheelhouse),
        "--no-index",
    ]
    # The app imports tinydep, so loading it here for its routes needs tinydep here too.
    local = tmp_path / "local-site"
    zipfile.ZipFile(next(wheelhouse.glob("tinydep-*.whl"))).extractall(local)
    environment = {**os.environ, "PYTHONPATH": str(local)}
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    zip_path = root / "build" / "scf" / "code.zip"
    assert f"{zip_path}:" in result.stdout and "50.0 MB: zip sent in CreateFunction" in result.stdout
    names = set(zipfile.ZipFile(zip_path).namelist())
    assert {"gunicorn/__init__.py", "tinydep/__init__.py", "scf_bootstrap", "flask_hello.py"} <= names
    assert "bridge.toml" not in names and not any(name.startswith("build/") for name in names)
