"""AWS Lambda: an AWS SAM ``template.yaml``.

One ``AWS::Serverless::Function`` per function and one ``AWS::Serverless::HttpApi`` routing to them
with ``HttpApi`` events from the plan's ``aws`` table (payload format 2.0, which the bridge's
``aws-v2`` platform reads). SAM spec:
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html

With ``--streaming`` the one function has a Function URL with ``InvokeMode: RESPONSE_STREAM`` instead
(API Gateway's Lambda integrations return responses whole), and the Python runtime starts
:mod:`bridge.aws_runtime` through a wrapper script (``AWS_LAMBDA_EXEC_WRAPPER``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ..._errors import ConfigError
from ...aws_runtime.wrapper import WRAPPER_ENV, WRAPPER_NAME, wrapper_path, wrapper_script
from .. import job_triggers, variables, yaml_out
from ..entry import PackageFile
from ._base import CODE_ZIP, MB, SizeLimit, Target, header

if TYPE_CHECKING:
    from ..deployment import DeployedFunction, Deployment

_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
#: The alias SAM publishes each version under when SnapStart is on (``AutoPublishAlias``).
SNAPSTART_ALIAS = "live"


class AwsSam(Target):
    name = "aws"
    title = "AWS Lambda"
    deploy_file = "template.yaml"
    # python3.9 and python3.10 can no longer be created (deprecated 2025-12-15 and 2026-06-30, per
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html as bundled in cfn-lint E2533).
    python_versions = ("3.11", "3.12", "3.13", "3.14")
    memory_mb = (128, 10240, 1)
    timeout_s = (1, 900)
    size_limits = (
        SizeLimit(
            "zip uploaded directly (not through S3)",
            unzipped=False,
            limit_bytes=50 * MB,
            source=_QUOTAS,
            confirmed=False,
        ),
        SizeLimit(
            "code and layers, extracted", unzipped=True, limit_bytes=250 * MB, source=_QUOTAS, confirmed=False
        ),
    )

    size_advice = (
        (
            "deploy the zip through S3 (sam deploy uploads it there)",
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-zip.html",
        ),
        (
            "move the dependencies into a layer, and build with --no-requirements",
            "https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html",
        ),
        (
            "over 250 MB unzipped: a container image (up to 10 GB)",
            "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html",
        ),
    )

    def runtime(self, python_version: str) -> str:
        return f"python{python_version}"

    def check(self, deployment: Deployment) -> None:
        super().check(deployment)
        if deployment.options.streaming and deployment.split:
            # A split plan routes through API Gateway, whose Lambda proxy integrations buffer the
            # response; only a Function URL relays a stream from Python's runtime here.
            raise ConfigError(
                "--streaming serves the whole app from one function behind a Function URL (API Gateway's "
                "routes to several functions cannot stream): build without --split, or without --streaming"
            )
        snapstart = getattr(deployment.project, "snapstart", False)
        if snapstart and deployment.options.streaming:
            # The streaming runtime is our own Runtime API loop started by the exec wrapper; the
            # snapshot and restore steps belong to AWS's runtime client, which it replaces.
            # https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html
            raise ConfigError(
                "--streaming and SnapStart do not combine: the streaming function runs faas-bridge's own "
                "Runtime API loop, and SnapStart's snapshot and restore are driven by AWS's runtime client. "
                "Build without --streaming, or set snapstart = false"
            )
        version = deployment.python_version
        if snapstart and tuple(map(int, version.split("."))) < (3, 12):
            raise ConfigError(
                f"SnapStart for Python needs python3.12 or later, not python{version}; set "
                'runtime = "python3.12" (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html)'
            )

    def package_files(self, deployment: Deployment) -> Dict[str, Any]:
        if not deployment.options.streaming:
            return {}
        return {WRAPPER_NAME: PackageFile(wrapper_script(streaming=True), executable=True)}

    def streaming_environment(self, deployment: Deployment) -> Dict[str, str]:
        """What a streaming function's environment adds: the wrapper that starts bridge.aws_runtime."""
        return {WRAPPER_ENV: wrapper_path()} if deployment.options.streaming else {}

    def render(self, deployment: Deployment) -> Dict[str, str]:
        if deployment.options.streaming:
            return self._render_streaming(deployment)
        parameters: Dict[str, Any] = {}
        resources: Dict[str, Any] = {"HttpApi": {"Type": "AWS::Serverless::HttpApi"}}
        logical_ids = {function.name: _logical_id(function.name) for function in deployment.functions}
        events: Dict[str, Dict[str, Any]] = {function.name: {} for function in deployment.functions}
        for route in deployment.table("aws"):
            for method in _methods(route.methods):
                event = events[deployment.function(route.function).name]
                properties: Dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}}
                if route.path == "/{proxy+}" and method == "ANY":
                    # `/{proxy+}` does not match `/`; the $default route (no Path, no Method) takes
                    # every request no other route matches, `/` included.
                    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
                    pass
                else:
                    properties["Path"] = route.path
                    properties["Method"] = method
                event[f"Route{len(event)}"] = {"Type": "HttpApi", "Properties": properties}
        for function in deployment.functions:
            jobs = job_triggers.function_jobs(deployment, function)
            if jobs is not None:
                job_events, job_resources = job_triggers.aws_events(jobs, deployment.name)
                events[function.name].update(job_events)
                resources.update(job_resources)
        for function in deployment.functions:
            resources[logical_ids[function.name]] = {
                "Type": "AWS::Serverless::Function",
                "Properties": self._properties(deployment, function, events[function.name], parameters),
            }
        outputs = {
            "ApiUrl": {
                "Description": "Base URL of the HTTP API",
                "Value": {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"},
            }
        }
        return self._template(deployment, "", parameters, resources, outputs)

    def _render_streaming(self, deployment: Deployment) -> Dict[str, str]:
        """One function with a streaming Function URL (``FunctionUrlConfig``, SAM spec:
        https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-functionurlconfig.html)."""
        parameters: Dict[str, Any] = {}
        resources: Dict[str, Any] = {}
        (function,) = deployment.functions
        logical_id = _logical_id(function.name)
        events: Dict[str, Any] = {}
        jobs = job_triggers.project_jobs(deployment)
        if jobs is not None:
            job_events, job_resources = job_triggers.aws_events(jobs, deployment.name)
            events.update(job_events)
            resources.update(job_resources)
        properties = self._properties(deployment, function, events, parameters)
        variables_ = properties.setdefault("Environment", {"Variables": {}})["Variables"]
        variables_.update(self.streaming_environment(deployment))
        # NONE: public, as the buffered build's HTTP API is; AWS_IAM needs signed requests.
        properties["FunctionUrlConfig"] = {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM"}
        resources[logical_id] = {"Type": "AWS::Serverless::Function", "Properties": properties}
        outputs = {
            "FunctionUrl": {
                "Description": "The function's URL (streams responses)",
                # SAM names the URL resource <function logical id>Url.
                "Value": {"Fn::GetAtt": [f"{logical_id}Url", "FunctionUrl"]},
            }
        }
        return self._template(deployment, ", response streaming", parameters, resources, outputs)

    def _template(
        self,
        deployment: Deployment,
        described_as: str,
        parameters: Dict[str, Any],
        resources: Dict[str, Any],
        outputs: Dict[str, Any],
    ) -> Dict[str, str]:
        """``{template.yaml: text}``: the SAM document around ``resources``."""
        document: Dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "AWS::Serverless-2016-10-31",
            "Description": f"{deployment.name} (generated by faas-bridge{described_as})",
        }
        if parameters:
            document["Parameters"] = parameters
        document["Resources"] = resources
        document["Outputs"] = outputs
        return {self.deploy_file: yaml_out.dump(document, header(deployment, self))}

    def _properties(
        self,
        deployment: Deployment,
        function: DeployedFunction,
        events: Dict[str, Any],
        parameters: Dict[str, Any],
    ) -> Dict[str, Any]:
        properties: Dict[str, Any] = {
            "Description": f"{deployment.name} {function.name} (faas-bridge)",
            "CodeUri": CODE_ZIP,
            "Handler": deployment.handler,
            "Runtime": self.runtime(deployment.python_version),
            "Architectures": ["x86_64"],  # the package's wheels are manylinux2014_x86_64
            "MemorySize": function.memory,
            "Timeout": function.timeout,
        }
        if function.environment:
            properties["Environment"] = {
                "Variables": {key: _value(value, parameters) for key, value in function.environment.items()}
            }
        if getattr(deployment.project, "snapstart", False):
            # SnapStart applies to published versions only; AutoPublishAlias publishes one on each
            # deploy and points the events at it.
            # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-snapstart
            properties["AutoPublishAlias"] = SNAPSTART_ALIAS
            properties["SnapStart"] = {"ApplyOn": "PublishedVersions"}
        if events:
            properties["Events"] = events
        return properties

    def notes(self, deployment: Deployment) -> List[str]:
        if any(function.concurrency for function in deployment.functions):
            # Not ReservedConcurrentExecutions: that caps the number of instances, another meaning.
            return ["AWS: `concurrency` is not written: a Lambda instance takes one request at a time"]
        return []


def _value(value: str, parameters: Dict[str, Any]) -> Any:
    """An environment value: literal text, or ``Fn::Sub`` over ``NoEcho`` parameters for references."""
    names = variables.referenced_names(value)
    if not names:
        return value
    for name, default in variables.references(value):
        parameters[_parameter_id(name)] = {
            "Type": "String",
            "NoEcho": True,
            "Description": f"Value of {name} (sam deploy --parameter-overrides {_parameter_id(name)}=...)",
        }
        if default is not None:
            # The app's own default: `sam deploy` then needs no value for it.
            parameters[_parameter_id(name)]["Default"] = default
    match = variables.ENV_REFERENCE.fullmatch(value.strip())
    if match:
        return {"Ref": _parameter_id(variables.reference(match)[0])}
    # In Fn::Sub a `${` that is not a parameter must stay literal: it is written `${!`.
    parts: List[str] = []
    position = 0
    for match in variables.ENV_REFERENCE.finditer(value):
        parts.append(value[position : match.start()].replace("${", "${!"))
        parts.append("${" + _parameter_id(variables.reference(match)[0]) + "}")
        position = match.end()
    parts.append(value[position:].replace("${", "${!"))
    return {"Fn::Sub": "".join(parts)}


def _parameter_id(name: str) -> str:
    # Template parameter names are alphanumeric.
    return "Env" + re.sub(r"[^A-Za-z0-9]", "", name.title().replace("_", ""))


def _logical_id(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(word[:1].upper() + word[1:] for word in words if word) + "Function"


def _methods(methods: Any) -> Tuple[str, ...]:
    """HttpApi events take one method each; no methods means any."""
    if not methods or any(str(m).upper() in ("ANY", "*") for m in methods):
        return ("ANY",)
    return tuple(str(m).upper() for m in methods)
