"""`bridge deploy --platform aws` against moto in server mode (a real AWS API emulator, not ours).

moto runs as a server on 127.0.0.1; boto3 reaches it through ``AWS_ENDPOINT_URL`` with fake
credentials, exactly as it would reach AWS. Every API call boto3 makes is recorded by a botocore
``before-call`` hook, so a test can count mutating calls and make the Nth one fail.

moto's Lambda ``Invoke`` runs the function in Docker, which this machine lacks: the invoke path of
``bridge manage`` is proven with botocore's Stubber on the real Lambda service model instead.
"""

from __future__ import annotations

import io
import json
import socket
from typing import Any, Dict, List, Optional, Tuple

import boto3
import pytest
from _cloud_cli import sample_project, set_cleanup  # noqa: F401  (fixture)
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from bridge.cloud import aws
from bridge.cloud.provider import MANAGE_EVENT_KEY, TAG_KEY

moto_server = pytest.importorskip("moto.server")

REGION = "eu-west-1"
AWS = ["--platform", "aws", "--region", REGION, "--retry-for", "2"]
BUILD = ["--no-requirements"]
_MUTATING = ("Create", "Update", "Delete", "Put", "Add", "Remove", "Tag", "Untag", "Attach", "Detach")


@pytest.fixture(scope="module")
def moto_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.MonkeyPatch.context() as patch:
        # AWS-managed policies (AWSLambdaBasicExecutionRole) exist in IAM only when moto loads them.
        patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{port}"
        server.stop()


class Calls:
    """Every API operation the provider's boto3 clients make, and a failure to inject."""

    def __init__(self) -> None:
        self.made: List[Tuple[str, str]] = []
        self.fail_mutation: Optional[int] = None

    def mutations(self) -> List[Tuple[str, str]]:
        return [(service, name) for service, name in self.made if name.startswith(_MUTATING)]

    def hook(self, model: Any, **_: Any) -> None:
        self.made.append((model.service_model.service_name, model.name))
        failing = self.fail_mutation is not None and model.name.startswith(_MUTATING)
        if failing and len(self.mutations()) == self.fail_mutation:
            raise ClientError(
                {"Error": {"Code": "InvalidParameterValueException", "Message": "injected failure"}},
                model.name,
            )


@pytest.fixture
def calls(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """moto emptied, boto3 pointed at it with fake credentials, and every call recorded."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    recorded = Calls()
    original = aws.AWSProvider._boto

    def recording_session(self: aws.AWSProvider) -> Any:
        fresh = self._session is None
        session = original(self)
        if fresh:
            session.events.register("before-call", recorded.hook)
        return session

    monkeypatch.setattr(aws.AWSProvider, "_boto", recording_session)
    return recorded


@pytest.fixture
def todo(sample_project):  # noqa: F811
    return sample_project("flask_todo")


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def functions(endpoint: str) -> Dict[str, Dict[str, Any]]:
    return {f["FunctionName"]: f for f in client("lambda", endpoint).list_functions()["Functions"]}


def the_plan(todo, split: Optional[str] = None) -> Any:
    from bridge.deploy.build import load_deployment
    from bridge.deploy.deployment import DeployOptions

    return load_deployment(todo.root, DeployOptions("aws"), split=split, gateway="aws")


# --- fresh deploys -----------------------------------------------------------------------------------


def test_fresh_all_in_one_deploy_is_one_function_with_a_url(calls: Calls, todo, moto_endpoint: str) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    deployed = functions(moto_endpoint)
    assert list(deployed) == ["todo"]
    function = deployed["todo"]
    # The sample's own index.py, wrapped to hand its handler the [schedules] jobs file.
    assert function["Runtime"] == "python3.12" and function["Handler"] == "bridge_index.handler"
    assert function["MemorySize"] == 256 and function["Timeout"] == 30
    assert function["Environment"]["Variables"]["SECRET_KEY"] == "test-secret"
    assert function["Role"].endswith(":role/faas-bridge-todo")
    lam = client("lambda", moto_endpoint)
    assert lam.list_tags(Resource=function["FunctionArn"])["Tags"] == {TAG_KEY: "todo"}
    url = lam.get_function_url_config(FunctionName="todo")
    assert url["AuthType"] == "NONE"
    assert f"todo: {url['FunctionUrl']}" in out
    policy = json.loads(lam.get_policy(FunctionName="todo")["Policy"])
    assert {s["Action"] for s in policy["Statement"]} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    # the code is the package bridge build makes, compared by CodeSha256
    import base64
    import hashlib

    zipped = (todo.root / "build" / "aws" / "code.zip").read_bytes()
    assert function["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert client("apigatewayv2", moto_endpoint).get_apis()["Items"] == []


def test_fresh_split_deploy_is_the_plans_functions_and_route_table(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--split", "per-route")
    assert code == 0, err
    plan = the_plan(todo, "per-route")
    deployed = functions(moto_endpoint)
    assert sorted(deployed) == sorted(f.name for f in plan.functions)
    for function in plan.functions:
        assert deployed[function.name]["Environment"]["Variables"]["BRIDGE_FUNCTION"] == function.name
    gateway = client("apigatewayv2", moto_endpoint)
    (api,) = gateway.get_apis()["Items"]
    assert api["Tags"] == {TAG_KEY: "todo"} and api["ProtocolType"] == "HTTP"
    integrations = {
        i["IntegrationId"]: i["IntegrationUri"].split(":function:")[1]
        for i in gateway.get_integrations(ApiId=api["ApiId"])["Items"]
    }
    assert sorted(integrations.values()) == sorted(f.name for f in plan.functions if f.http)  # not todo-jobs
    routes = {
        r["RouteKey"]: integrations[r["Target"].split("/")[1]]
        for r in gateway.get_routes(ApiId=api["ApiId"])["Items"]
    }
    expected = {}
    for route in plan.table("aws"):
        for key in aws._route_keys(route):
            expected[key] = route.function
    assert routes == expected
    assert "$default" in routes  # the catch-all, `/` included
    assert gateway.get_stages(ApiId=api["ApiId"])["Items"][0]["StageName"] == "$default"
    assert f"todo: {api['ApiEndpoint']}" in out


# --- idempotence -------------------------------------------------------------------------------------


@pytest.mark.parametrize("split", [None, "per-route"])
def test_redeploy_with_nothing_changed_makes_no_mutating_call(calls: Calls, todo, split) -> None:
    extra = ["--split", split] if split else []
    assert todo.run("deploy", *AWS, *BUILD, *extra)[0] == 0
    calls.made.clear()
    code, out, err = todo.run("deploy", *AWS, *BUILD, *extra)
    assert code == 0, err
    assert calls.made and calls.mutations() == []
    assert "up to date" in out


def test_a_changed_memory_is_exactly_one_update(calls: Calls, todo, moto_endpoint: str) -> None:
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    calls.made.clear()
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--memory", "1024")
    assert code == 0, err
    assert calls.mutations() == [("lambda", "UpdateFunctionConfiguration")]
    assert functions(moto_endpoint)["todo"]["MemorySize"] == 1024


def test_changed_code_is_one_code_update(calls: Calls, todo, moto_endpoint: str) -> None:
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    before = functions(moto_endpoint)["todo"]["CodeSha256"]
    (todo.root / "todo" / "health.py").write_text(
        (todo.root / "todo" / "health.py").read_text() + "\n# changed\n"
    )
    calls.made.clear()
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    assert calls.mutations() == [("lambda", "UpdateFunctionCode")]
    assert functions(moto_endpoint)["todo"]["CodeSha256"] != before


# --- failures ----------------------------------------------------------------------------------------


def test_a_failure_half_way_then_a_rerun_converges_without_duplicates(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    calls.fail_mutation = 6
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--split", "per-route")
    assert code == 4
    (line,) = [line for line in err.splitlines() if line.startswith("bridge: error:")]
    assert "InvalidParameterValueException: injected failure" in line
    assert line.startswith("bridge: error: create function ")
    half = functions(moto_endpoint)
    assert 0 < len(half) < len(the_plan(todo, "per-route").functions)
    calls.fail_mutation = None
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--split", "per-route")
    assert code == 0, err
    assert sorted(functions(moto_endpoint)) == sorted(f.name for f in the_plan(todo, "per-route").functions)
    assert len(client("apigatewayv2", moto_endpoint).get_apis()["Items"]) == 1
    created = [name for service, name in calls.made if name == "CreateFunction"]
    assert len(created) == len(functions(moto_endpoint)) + 1  # the failed attempt, then each once
    calls.made.clear()
    assert todo.run("deploy", *AWS, *BUILD, "--split", "per-route")[0] == 0
    assert calls.mutations() == []


def test_throttling_is_retried_until_the_bound(calls: Calls, todo, monkeypatch: pytest.MonkeyPatch) -> None:
    throttled = {"left": 2}

    def throttle(model: Any, **_: Any) -> None:
        if model.name == "CreateFunction" and throttled["left"]:
            throttled["left"] -= 1
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, model.name
            )

    original = aws.AWSProvider._boto

    def with_throttle(self: aws.AWSProvider) -> Any:
        fresh = self._session is None
        session = original(self)
        if fresh:
            session.events.register("before-call.lambda.CreateFunction", throttle)
        return session

    monkeypatch.setattr(aws.AWSProvider, "_boto", with_throttle)
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--retry-for", "20")
    assert code == 0, err
    assert err.count("TooManyRequestsException: Rate exceeded; retrying in") == 2


# --- dry run, status, prune, remove ------------------------------------------------------------------


def test_dry_run_makes_no_mutating_call(calls: Calls, todo) -> None:
    code, out, _ = todo.run("deploy", *AWS, *BUILD, "--split", "per-route", "--dry-run")
    assert code == 0
    assert calls.made and calls.mutations() == []
    assert "+ create api todo" in out and "+ create route $default" in out
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    calls.made.clear()
    code, out, _ = todo.run("deploy", *AWS, *BUILD, "--dry-run", "--timeout", "45", "--json")
    assert code == 0 and calls.mutations() == []
    (change,) = json.loads(out)["changes"]
    assert change == {
        "action": "update",
        "kind": "function",
        "name": "todo",
        "fields": {"Timeout": {"deployed": 30, "planned": 45}},
    }


def test_status_reports_urls_and_drift(calls: Calls, todo, moto_endpoint: str) -> None:
    assert todo.run("status", *AWS, *BUILD)[0] == 5
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    code, out, _ = todo.run("status", *AWS, *BUILD)
    assert code == 0 and "in sync with the plan" in out and "lambda-url" in out
    client("lambda", moto_endpoint).update_function_configuration(FunctionName="todo", MemorySize=128)
    calls.made.clear()
    code, out, _ = todo.run("status", *AWS, *BUILD)
    assert code == 5 and "MemorySize: 128 -> 256" in out
    assert calls.mutations() == []


def _foreign_function(endpoint: str) -> None:
    """A function this tool did not create, in the same account."""
    import zipfile

    iam = client("iam", endpoint)
    role = iam.create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(aws._TRUST_POLICY))
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    client("lambda", endpoint).create_function(
        FunctionName="todo-legacy",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": data.getvalue()},
    )


def test_remove_deletes_exactly_what_was_created(calls: Calls, todo, moto_endpoint: str) -> None:
    _foreign_function(moto_endpoint)
    assert todo.run("deploy", *AWS, *BUILD, "--split", "per-route")[0] == 0
    code, out, _ = todo.run("remove", *AWS, "--dry-run")
    assert code == 0 and "- delete api todo" in out
    code, out, err = todo.run("remove", *AWS)
    assert code == 0, err
    assert list(functions(moto_endpoint)) == ["todo-legacy"]
    assert client("apigatewayv2", moto_endpoint).get_apis()["Items"] == []
    roles = [r["RoleName"] for r in client("iam", moto_endpoint).list_roles()["Roles"]]
    assert roles == ["someone-else"]
    calls.made.clear()
    code, out, _ = todo.run("remove", *AWS)
    assert code == 0 and "nothing deployed" in out and calls.mutations() == []


def test_prune_deletes_functions_the_plan_dropped_and_nothing_else(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    _foreign_function(moto_endpoint)
    assert todo.run("deploy", *AWS, *BUILD, "--split", "per-route")[0] == 0
    split = set(functions(moto_endpoint)) - {"todo-legacy"}
    code, out, err = todo.run("deploy", *AWS, *BUILD)  # back to one function: the API goes, functions stay
    assert code == 0, err
    assert set(functions(moto_endpoint)) == split | {"todo", "todo-legacy"}
    assert "keep function" in out
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--prune")
    assert code == 0, err
    assert sorted(functions(moto_endpoint)) == ["todo", "todo-legacy"]


# --- credentials and region --------------------------------------------------------------------------


def test_missing_credentials_is_one_line(calls: Calls, todo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    for command in (
        ["deploy", *AWS, *BUILD],
        ["status", *AWS, *BUILD],
        ["remove", *AWS],
        ["manage", *AWS, "--", "x"],
    ):
        code, out, err = todo.run(*command)
        assert code == 3
        assert err.count("\n") == 1 and err.startswith(
            "bridge: error: no AWS credentials: set AWS_ACCESS_KEY_ID"
        )
    assert calls.made == []


def test_a_wrong_region_is_one_line(calls: Calls, todo) -> None:
    code, _, err = todo.run("deploy", "--platform", "aws", "--region", "eu-wset-1", *BUILD)
    assert code == 1
    assert err == (
        "bridge: error: region 'eu-wset-1' is not an AWS Lambda region (for example us-east-1, eu-west-1): "
        "fix --region or AWS_REGION\n"
    )
    assert calls.made == []


def test_region_from_aws_region_and_endpoint_from_the_option(
    calls: Calls, todo, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    code, out, err = todo.run("deploy", "--platform", "aws", *BUILD, "--json", "--endpoint", moto_endpoint)
    assert code == 0, err
    assert json.loads(out)["region"] == "ap-southeast-1"
    lam = boto3.client("lambda", region_name="ap-southeast-1", endpoint_url=moto_endpoint)
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["todo"]


# --- manage: the invoke path -------------------------------------------------------------------------


def _stubbed(provider: aws.AWSProvider) -> Stubber:
    lam = boto3.client("lambda", region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b")
    provider._clients["lambda"] = lam
    return Stubber(lam)


def test_invoke_sends_the_manage_event_and_reads_the_answer() -> None:
    """botocore's Stubber checks the request against the real Lambda service model."""
    provider = aws.AWSProvider(region=REGION, endpoint=None, env={})
    stub = _stubbed(provider)
    event = {MANAGE_EVENT_KEY: {"argv": ["init-db"]}}
    answer = {"exit_code": 0, "output": "Initialized the database\n"}
    stub.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())},
        {"FunctionName": "todo", "InvocationType": "RequestResponse", "Payload": json.dumps(event).encode()},
    )
    with stub:
        assert provider.invoke("todo", event) == answer
    stub.assert_no_pending_responses()


def test_invoke_reports_a_function_error_with_the_runtimes_message() -> None:
    from bridge.cloud.provider import CloudError

    provider = aws.AWSProvider(region=REGION, endpoint=None, env={})
    stub = _stubbed(provider)
    error = {
        "errorMessage": "No module named 'todo'",
        "errorType": "Runtime.ImportModuleError",
        "stackTrace": [],
    }
    stub.add_response(
        "invoke",
        {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())},
    )
    stub.add_client_error("invoke", "ResourceNotFoundException", "Function not found: todo", 404)
    with (
        stub,
        pytest.raises(CloudError, match="Unhandled: Runtime.ImportModuleError: No module named 'todo'"),
    ):
        provider.invoke("todo", {})
    with stub, pytest.raises(CloudError, match="ResourceNotFoundException: Function not found"):
        provider.invoke("todo", {})


def test_manage_through_moto_reaches_the_deployed_function(calls: Calls, todo) -> None:
    """moto accepts the Invoke call for the deployed function; it would run it in Docker."""
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    calls.made.clear()
    code, out, err = todo.run("manage", *AWS, "--", "init-db")
    assert ("lambda", "Invoke") in calls.made
    if code == 0:  # a moto with Docker ran the function
        assert "Initialized the database" in out
    else:
        assert err.startswith("bridge: error: ") and err.count("\n") == 1


def test_a_package_over_the_inline_limit_goes_through_s3_or_names_the_option(
    calls: Calls, todo, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "INLINE_ZIP_LIMIT", 1024)
    code, _, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 4
    assert "limit for a direct upload: set BRIDGE_AWS_S3_BUCKET to an S3 bucket" in err
    client("s3", moto_endpoint).create_bucket(
        Bucket="deploys", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    monkeypatch.setenv("BRIDGE_AWS_S3_BUCKET", "deploys")
    code, _, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    (key,) = [o["Key"] for o in client("s3", moto_endpoint).list_objects_v2(Bucket="deploys")["Contents"]]
    assert key.startswith("faas-bridge/todo/")
    zipped = (todo.root / "build" / "aws" / "code.zip").read_bytes()
    import base64
    import hashlib

    assert (
        functions(moto_endpoint)["todo"]["CodeSha256"]
        == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    )
    calls.made.clear()
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    assert calls.mutations() == []


def test_deploy_packages_byte_code_as_bridge_build_does(calls: Calls, todo) -> None:
    import sys
    import zipfile

    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    zip_path = todo.root / "build" / "aws" / "code.zip"

    def pycs() -> int:
        return sum(name.endswith(".pyc") for name in zipfile.ZipFile(zip_path).namelist())

    elsewhere = "3.12" if here != "3.12" else "3.13"
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--runtime", f"python{elsewhere}", "--dry-run")
    assert code == 0 and pycs() == 0
    assert f"no byte code in the package: the python{elsewhere} runtime" in err
    from bridge.deploy import get_target

    if here not in get_target("aws").python_versions:
        return  # AWS offers no runtime for this Python: the default cannot include byte code here
    code, _, err = todo.run("deploy", *AWS, *BUILD, "--runtime", f"python{here}", "--dry-run")
    assert code == 0 and pycs() > 0 and "no byte code" not in err
    code, _, _ = todo.run("deploy", *AWS, *BUILD, "--runtime", f"python{here}", "--no-compile", "--dry-run")
    assert code == 0 and pycs() == 0


def test_streaming_deploy_sets_the_wrapper_and_a_response_stream_url(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--streaming")
    assert code == 0, err
    function = functions(moto_endpoint)["todo"]
    variables = function["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/bridge_stream_runtime"
    url = client("lambda", moto_endpoint).get_function_url_config(FunctionName="todo")
    assert url["InvokeMode"] == "RESPONSE_STREAM"
    # Nothing differs on a second run; back to buffered, the URL's mode and the environment change.
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--streaming", "--dry-run")
    assert code == 0, err
    assert "nothing to change" in out + err
    calls.made.clear()
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    # moto 5.2's update_function_url_config keeps the old InvokeMode (it updates Cors and AuthType
    # only), so the call itself is what can be checked here.
    assert ("lambda", "UpdateFunctionUrlConfig") in calls.made
    assert "AWS_LAMBDA_EXEC_WRAPPER" not in functions(moto_endpoint)["todo"]["Environment"]["Variables"]


def test_streaming_deploy_refuses_a_split_plan(calls: Calls, todo) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--streaming", "--split", "per-route")
    assert code != 0
    assert "without --split" in err
    assert calls.mutations() == []


def test_a_split_deploy_creates_the_jobs_function_with_no_route_to_it(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--split", "per-blueprint")
    assert code == 0, err
    deployed = functions(moto_endpoint)
    assert deployed["todo-jobs"]["Timeout"] == 900
    assert deployed["todo-jobs"]["Environment"]["Variables"]["BRIDGE_FUNCTION"] == "todo-jobs"
    gateway = client("apigatewayv2", moto_endpoint)
    (api,) = gateway.get_apis()["Items"]
    targets = {
        i["IntegrationUri"].split(":function:")[1]
        for i in gateway.get_integrations(ApiId=api["ApiId"])["Items"]
    }
    assert "todo-jobs" not in targets and targets == set(deployed) - {"todo-jobs"}
    # The hourly cleanup is the SAM template's Schedule event: an EventBridge rule calling todo-jobs.
    assert schedule(moto_endpoint, "todo-cleanup") == (
        "rate(1 hour)",
        "ENABLED",
        [deployed["todo-jobs"]["FunctionArn"]],
    )
    assert "not deployed" not in out + err


# --- [schedules] and [events]: EventBridge rules, S3 notifications, SQS event source mappings ---------


def schedule(endpoint: str, rule: str) -> Tuple[str, str, List[str]]:
    """A rule's expression, state and target ARNs."""
    events = client("events", endpoint)
    found = events.describe_rule(Name=rule)
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]]
    return found["ScheduleExpression"], found["State"], targets


def built_events(todo: Any, split: Optional[str] = None) -> Dict[str, Any]:
    """The job events of the SAM template `bridge build` writes: {function resource: {event: ...}}."""
    import yaml

    from bridge.deploy.targets import get_target

    target = get_target("aws")
    text = target.render(the_plan(todo, split))[target.deploy_file]
    template = yaml.safe_load(text)
    return {
        key: {
            name: event
            for name, event in resource["Properties"].get("Events", {}).items()
            if name.startswith("Job")
        }
        for key, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def add_events(todo: Any) -> None:
    with open(todo.root / "bridge.toml", "a", encoding="utf-8") as handle:
        handle.write(
            '\n[events]\nuploads = { source = "s3:todo-uploads/uploads/*", post = "/internal/uploaded" }\n'
            'orders = { source = "sqs:orders", post = "/internal/order" }\n'
        )


#: What the bucket already sends elsewhere: a deploy adds to it and a removal leaves it.
OTHER_NOTIFICATION = {"Id": "someone-elses", "Events": ["s3:ObjectRemoved:*"]}


@pytest.fixture
def sources(calls: Calls, moto_endpoint: str) -> Dict[str, str]:
    """The bucket (with a notification of someone else's) and the queue the jobs read."""
    s3 = client("s3", moto_endpoint)
    s3.create_bucket(Bucket="todo-uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
    queue = client("sqs", moto_endpoint)
    other = queue.create_queue(QueueName="elsewhere")["QueueUrl"]
    other_arn = queue.get_queue_attributes(QueueUrl=other, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket="todo-uploads",
        NotificationConfiguration={"QueueConfigurations": [dict(OTHER_NOTIFICATION, QueueArn=other_arn)]},
    )
    url = queue.create_queue(QueueName="orders")["QueueUrl"]
    arn = queue.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    calls.made.clear()
    return {"queue": arn, "other": other_arn}


def test_the_hourly_cleanup_is_a_rule_on_the_one_function_as_the_template_has_it(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    arn = functions(moto_endpoint)["todo"]["FunctionArn"]
    (event,) = built_events(todo)["TodoFunction"].values()
    assert event["Type"] == "Schedule"
    assert schedule(moto_endpoint, event["Properties"]["Name"]) == (
        event["Properties"]["Schedule"],
        "ENABLED",
        [arn],
    )
    assert event["Properties"]["Schedule"] == "rate(1 hour)"
    events = client("events", moto_endpoint)
    rule = events.describe_rule(Name="todo-cleanup")
    assert events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"] == [
        {"Key": TAG_KEY, "Value": "todo"}
    ]
    policy = json.loads(client("lambda", moto_endpoint).get_policy(FunctionName="todo")["Policy"])
    (allowed,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert allowed["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]


def test_storage_and_queue_jobs_are_a_notification_and_a_mapping(
    calls: Calls, todo, moto_endpoint: str, sources: Dict[str, str]
) -> None:
    add_events(todo)
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    arn = functions(moto_endpoint)["todo"]["FunctionArn"]
    notifications = client("s3", moto_endpoint).get_bucket_notification_configuration(Bucket="todo-uploads")
    (ours,) = notifications["LambdaFunctionConfigurations"]
    assert ours["LambdaFunctionArn"] == arn and ours["Events"] == ["s3:ObjectCreated:*"]
    rules = ours["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("prefix", "uploads/")]
    assert [q["Id"] for q in notifications["QueueConfigurations"]] == ["someone-elses"]  # kept
    lam = client("lambda", moto_endpoint)
    (mapping,) = lam.list_event_source_mappings(FunctionName="todo")["EventSourceMappings"]
    assert mapping["EventSourceArn"] == sources["queue"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    policy = json.loads(lam.get_policy(FunctionName="todo")["Policy"])
    (allowed,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": "s3.amazonaws.com"}]
    assert allowed["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::todo-uploads"
    # Lambda polls the queue with the function's role: SAM's SQS policy is attached, as SAM does.
    attached = client("iam", moto_endpoint).list_attached_role_policies(RoleName="faas-bridge-todo")
    assert aws.SQS_EXECUTION_POLICY in [p["PolicyArn"] for p in attached["AttachedPolicies"]]
    # ... matching the template's events
    built = {e["Type"]: e["Properties"] for events in built_events(todo).values() for e in events.values()}
    assert built["S3"]["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert built["SQS"]["FunctionResponseTypes"] == mapping["FunctionResponseTypes"]
    calls.made.clear()
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    assert calls.mutations() == [] and "up to date" in out
    # bridge remove takes them away, and only them
    code, out, err = todo.run("remove", "--platform", "aws", "--region", REGION, "--retry-for", "2")
    assert code == 0, err
    notifications = client("s3", moto_endpoint).get_bucket_notification_configuration(Bucket="todo-uploads")
    assert "LambdaFunctionConfigurations" not in notifications
    assert [q["Id"] for q in notifications["QueueConfigurations"]] == ["someone-elses"]
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
    assert client("events", moto_endpoint).list_rules()["Rules"] == []


def test_a_missing_queue_or_bucket_stops_naming_it(calls: Calls, todo, moto_endpoint: str) -> None:
    add_events(todo)
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 4
    assert "the SQS queue orders cannot be found" in err and "create it" in err
    client("sqs", moto_endpoint).create_queue(QueueName="orders")
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 4
    assert "the S3 bucket todo-uploads cannot be read (NoSuchBucket)" in err and "create it" in err


def test_a_changed_schedule_is_one_put_rule_and_a_removed_job_deletes_its_rule(
    calls: Calls, todo, moto_endpoint: str
) -> None:
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    set_cleanup(todo, 'cleanup = { cron = "30 2 * * *", command = "purge-done" }')
    calls.made.clear()
    code, out, err = todo.run("deploy", *AWS, *BUILD, "--dry-run", "--json")
    assert code == 0, err
    changes = [(c["action"], c["name"]) for c in json.loads(out)["changes"] if c["kind"] == "trigger"]
    assert changes == [("update", "todo/cleanup")] and calls.mutations() == []
    assert todo.run("deploy", *AWS, *BUILD)[0] == 0
    assert [m for m in calls.mutations() if m[0] == "events"] == [("events", "PutRule")]
    assert schedule(moto_endpoint, "todo-cleanup")[0] == "cron(30 2 * * ? *)"
    set_cleanup(todo, "")
    calls.made.clear()
    code, out, err = todo.run("deploy", *AWS, *BUILD)
    assert code == 0, err
    assert ("events", "DeleteRule") in calls.mutations()
    assert client("events", moto_endpoint).list_rules()["Rules"] == []
    policy = json.loads(client("lambda", moto_endpoint).get_policy(FunctionName="todo")["Policy"])
    assert not [s for s in policy["Statement"] if s["Principal"] == {"Service": "events.amazonaws.com"}]
