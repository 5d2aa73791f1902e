"""`bridge build --platform aws`: an AWS SAM template that cfn-lint accepts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _deploy_fixtures import all_in_one_plan, built_sample, deployment, make_project, split_plan

from bridge.deploy import get_target


def cfn_lint() -> str:
    beside = Path(sys.executable).parent / "cfn-lint"  # the venv's, as `make setup` installs it
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if not found:
        pytest.skip("cfn-lint is not installed")
    return found


def render(dep) -> str:
    target = get_target("aws")
    target.check(dep)
    return target.render(dep)["template.yaml"]


def load(text: str) -> dict:
    return yaml.safe_load(text)


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_template_passes_cfn_lint(tmp_path: Path, plan) -> None:
    project = make_project(
        tmp_path / "project", runtime="python3.12", environment={"SECRET_KEY": "${env.SECRET_KEY}"}
    )
    template = tmp_path / "template.yaml"
    template.write_text(render(deployment(project, plan(), "aws")))
    result = subprocess.run([cfn_lint(), str(template)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_catch_all_function_takes_the_default_route(tmp_path: Path) -> None:
    template = load(
        render(deployment(make_project(tmp_path, runtime="python3.12"), all_in_one_plan(), "aws"))
    )
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Resources"]["HttpApi"] == {"Type": "AWS::Serverless::HttpApi"}
    function = template["Resources"]["HelloFunction"]
    assert function["Type"] == "AWS::Serverless::Function"
    properties = function["Properties"]
    assert (properties["Runtime"], properties["Handler"], properties["CodeUri"]) == (
        "python3.12",
        "index.handler",
        "code.zip",
    )
    assert (properties["MemorySize"], properties["Timeout"]) == (512, 30)
    # /{proxy+} does not match "/": the $default route (no Path/Method) does.
    assert properties["Events"] == {
        "Route0": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"}}}
    }


def test_split_routes_become_one_http_api_event_per_method(tmp_path: Path) -> None:
    template = load(render(deployment(make_project(tmp_path, runtime="python3.12"), split_plan(), "aws")))
    api = template["Resources"]["HelloApiFunction"]["Properties"]
    routes = sorted((e["Properties"]["Path"], e["Properties"]["Method"]) for e in api["Events"].values())
    assert routes == [
        ("/api/todos", "GET"),
        ("/api/todos", "POST"),
        ("/api/todos/{id}", "DELETE"),
        ("/api/todos/{id}", "GET"),
    ]
    assert api["Environment"]["Variables"] == {"API_ONLY": "1", "BRIDGE_FUNCTION": "hello-api"}
    web = template["Resources"]["HelloWebFunction"]["Properties"]
    assert web["MemorySize"] == 1024 and len(web["Events"]) == 1


def test_secret_references_become_no_echo_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-from-the-shell")
    project = make_project(
        tmp_path,
        runtime="python3.12",
        environment={"SECRET_KEY": "${env.SECRET_KEY}", "DSN": "pg://u:${env:DB_PASS}@db/${x}"},
    )
    text = render(deployment(project, all_in_one_plan(), "aws"))
    assert "s3cr3t" not in text
    template = load(text)
    assert template["Parameters"]["EnvSecretKey"]["NoEcho"] is True
    variables = template["Resources"]["HelloFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["SECRET_KEY"] == {"Ref": "EnvSecretKey"}
    assert variables["DSN"] == {"Fn::Sub": "pg://u:${EnvDbPass}@db/${!x}"}


def test_web_mode_is_refused_on_aws(tmp_path: Path) -> None:
    from bridge import ConfigError

    with pytest.raises(ConfigError, match="--mode event"):
        get_target("aws").check(
            deployment(make_project(tmp_path, runtime="python3.12"), all_in_one_plan(), "aws", mode="web")
        )


def test_runtimes_lambda_no_longer_creates_are_refused(tmp_path: Path) -> None:
    from bridge import ConfigError

    with pytest.raises(
        ConfigError,
        match="AWS Lambda offers no Python 3.10 runtime for new functions; set `runtime` to one of python3.1",
    ):
        get_target("aws").check(deployment(make_project(tmp_path), all_in_one_plan(), "aws"))


@pytest.mark.parametrize("sample", ["flask_todo", "django_blog"])
def test_samples_build_sam_templates_that_pass_cfn_lint(sample: str) -> None:
    built = built_sample(sample)
    templates = [str(built / "out" / f"aws-{variant}" / "template.yaml") for variant in ("all", "split")]
    result = subprocess.run([cfn_lint(), *templates], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    split = load((built / "out" / "aws-split" / "template.yaml").read_text())
    functions = [r for r in split["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) > 1


# --- --streaming: a Function URL with InvokeMode RESPONSE_STREAM, started by bridge.aws_runtime -----------


def test_streaming_template_has_a_streaming_function_url_and_the_wrapper(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "project", runtime="python3.12", environment={"SECRET_KEY": "${env.SECRET_KEY}"}
    )
    dep = deployment(project, all_in_one_plan(), "aws", streaming=True)
    text = render(dep)
    template = load(text)
    assert "HttpApi" not in template["Resources"]  # API Gateway would buffer the stream
    properties = template["Resources"]["HelloFunction"]["Properties"]
    assert properties["FunctionUrlConfig"] == {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM"}
    assert properties["Runtime"] == "python3.12"  # the managed runtime: wrapper scripts need it
    variables = properties["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/bridge_stream_runtime"
    assert variables["SECRET_KEY"] == {"Ref": "EnvSecretKey"}
    assert template["Outputs"]["FunctionUrl"]["Value"] == {"Fn::GetAtt": ["HelloFunctionUrl", "FunctionUrl"]}
    files = get_target("aws").package_files(dep)
    wrapper = files["bridge_stream_runtime"]
    assert wrapper.executable and "-m bridge.aws_runtime --streaming" in wrapper.text
    path = tmp_path / "template.yaml"
    path.write_text(text)
    result = subprocess.run([cfn_lint(), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buffered_stays_the_default(tmp_path: Path) -> None:
    dep = deployment(make_project(tmp_path, runtime="python3.12"), all_in_one_plan(), "aws")
    template = load(render(dep))
    properties = template["Resources"]["HelloFunction"]["Properties"]
    assert "FunctionUrlConfig" not in properties
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in str(properties)
    assert get_target("aws").package_files(dep) == {}


def test_streaming_refuses_a_split_plan_and_other_platforms(tmp_path: Path) -> None:
    from bridge._errors import ConfigError

    project = make_project(tmp_path, runtime="python3.12")
    with pytest.raises(ConfigError, match="without --split"):
        get_target("aws").check(deployment(project, split_plan(), "aws", streaming=True))
    with pytest.raises(ConfigError, match="--streaming is for --platform aws"):
        deployment(project, all_in_one_plan(), "fc", streaming=True)


def test_bridge_build_streaming_packages_the_executable_wrapper(tmp_path: Path) -> None:
    import zipfile

    project = make_project(tmp_path / "project", runtime="python3.12")
    (project.root / "hello.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/')\ndef hello():\n    return 'hi'\n"
    )
    (project.root / "bridge.toml").write_text('name = "hello"\napp = "hello:app"\nruntime = "python3.12"\n')
    out = tmp_path / "out"
    command = ["build", "--platform", "aws", "--streaming", "--no-requirements", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "bridge", *command, "--project", str(project.root)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(out / "code.zip") as package:
        info = package.getinfo("bridge_stream_runtime")
        assert (info.external_attr >> 16) & 0o111  # executable, as AWS_LAMBDA_EXEC_WRAPPER needs
        assert "bridge/aws_runtime/loop.py" in package.namelist()
    assert "RESPONSE_STREAM" in (out / "template.yaml").read_text()


@pytest.mark.parametrize("plan", [all_in_one_plan, split_plan])
def test_snapstart_publishes_versions_with_snapstart_on(tmp_path: Path, plan) -> None:
    project = make_project(tmp_path / "project", runtime="python3.12", snapstart=True)
    text = render(deployment(project, plan(), "aws"))
    template = tmp_path / "template.yaml"
    template.write_text(text)
    result = subprocess.run([cfn_lint(), str(template)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    functions = [r for r in load(text)["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        # SnapStart applies to published versions only: SAM publishes one per deploy under the alias.
        assert function["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        assert function["Properties"]["AutoPublishAlias"] == "live"


def test_no_snapstart_unless_asked(tmp_path: Path) -> None:
    text = render(deployment(make_project(tmp_path, runtime="python3.12"), all_in_one_plan(), "aws"))
    assert "SnapStart" not in text and "AutoPublishAlias" not in text


def test_snapstart_needs_python_3_12(tmp_path: Path) -> None:
    from bridge import ConfigError

    project = make_project(tmp_path, runtime="python3.11", snapstart=True)
    with pytest.raises(
        ConfigError, match='SnapStart for Python needs python3.12 or later.*runtime = "python3.12"'
    ):
        get_target("aws").check(deployment(project, all_in_one_plan(), "aws"))


def test_snapstart_is_a_project_setting_and_a_build_flag(tmp_path: Path) -> None:
    from bridge import ConfigError
    from bridge.project import project_from_dict

    assert project_from_dict({"app": "hello:app", "snapstart": True}, root=tmp_path).snapstart is True
    assert project_from_dict({"app": "hello:app"}, root=tmp_path).snapstart is False
    with pytest.raises(ConfigError, match="snapstart must be true or false"):
        project_from_dict({"app": "hello:app", "snapstart": "yes"}, root=tmp_path)
    from bridge.cli import main

    root = tmp_path / "flagged"
    root.mkdir()
    (root / "web.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n@app.get('/')\ndef home():\n    return 'hi'\n"
    )
    (root / "pyproject.toml").write_text('[tool.bridge]\napp = "web:app"\nruntime = "python3.12"\n')
    out = tmp_path / "out"
    code = main(
        [
            "build",
            "--project",
            str(root),
            "--platform",
            "aws",
            "--snapstart",
            "--no-package",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    function = load((out / "template.yaml").read_text())["Resources"]["FlaggedFunction"]
    assert function["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def test_snapstart_flag_is_refused_off_aws(tmp_path: Path, capsys) -> None:
    from bridge.cli import main

    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.bridge]\napp = "web:app"\n')
    code = main(["build", "--project", str(root), "--platform", "fc", "--snapstart", "--no-package"])
    assert code != 0
    assert "--snapstart is for --platform aws" in capsys.readouterr().err


def test_snapstart_and_streaming_are_refused_together(tmp_path: Path) -> None:
    from bridge import ConfigError

    project = make_project(tmp_path, runtime="python3.12", snapstart=True)
    with pytest.raises(ConfigError, match="--streaming and SnapStart do not combine"):
        get_target("aws").check(deployment(project, all_in_one_plan(), "aws", streaming=True))
