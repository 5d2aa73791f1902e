"""AWS Lambda through boto3: functions, a Function URL or an HTTP API, and their execution role.

What the plan becomes (the same resources the SAM template of ``bridge build`` describes):

- ``role``: ``faas-bridge-<project>``, assumable by Lambda, with the AWS-managed basic execution
  policy (logs), unless ``BRIDGE_AWS_ROLE_ARN`` names a role to use instead;
- ``function``: one Lambda function per plan function (code compared by ``CodeSha256``, settings
  field by field), zip uploaded inline up to the API's limit, else through S3
  (``BRIDGE_AWS_S3_BUCKET``), else a clear error;
- one function: a public ``url`` (Function URL, payload 2.0);
- a split: an ``api`` (HTTP API with an auto-deployed ``$default`` stage), one ``integration``
  per function and one ``route`` per entry of the plan's ``aws`` route table;
- ``trigger``: each job's SAM event, through the API behind it: a ``Schedule`` an EventBridge rule
  (tagged, named ``<project>-<job>``), an ``S3`` event an entry of the existing bucket's
  notifications, an ``SQS`` event an event source mapping (the role then gets SAM's SQS policy).

Everything taggable carries ``faas-bridge-project=<project>``; integrations and routes live
inside the tagged API. boto3's own retries are off: the engine retries, within its time bound.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .._errors import ConfigError
from .provider import (
    TAG_KEY,
    Change,
    CloudError,
    CredentialsError,
    Package,
    Provider,
    Resource,
    RetryableError,
)

#: Lambda's limit on a zip sent in the CreateFunction/UpdateFunctionCode request itself.
#: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("50 MB zipped, direct upload")
INLINE_ZIP_LIMIT = 50 * 1024 * 1024

#: AWS-managed policy letting a function write its logs (what SAM attaches by default).
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
#: ... and the one SAM adds for an SQS event: Lambda polls the queue with the function's role
#: (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-permissions).
SQS_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

# Error codes worth another try: throttling, the service's own failures, and a function still
# being updated (https://docs.aws.amazon.com/lambda/latest/dg/API_UpdateFunctionConfiguration.html).
_RETRYABLE_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceException",
    "ServiceUnavailable",
    "InternalFailure",
    "ResourceConflictException",
}
_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
}
_NOT_FOUND = {"ResourceNotFoundException", "NotFoundException", "NoSuchEntity"}

_STATEMENT_URL = "faas-bridge-url"
_STATEMENT_URL_INVOKE = "faas-bridge-url-invoke"
_STATEMENT_API = "faas-bridge-api"
#: The prefixes of the permission statements letting EventBridge or S3 call a job's function (a
#: schedule and an event may share a name: each table is its own).
_STATEMENT_JOB = {"Schedule": "faas-bridge-schedule-", "S3": "faas-bridge-event-"}


class AWSProvider(Provider):
    name = "aws"
    title = "AWS Lambda"
    #: ``trigger``: a job's EventBridge rule target, S3 notification or SQS event source mapping.
    kinds = ("role", "function", "url", "api", "integration", "route", "trigger")
    # boto3 reads AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) itself; --endpoint overrides.
    endpoint_variable = ""
    region_variables = ("AWS_REGION", "AWS_DEFAULT_REGION")

    def __init__(self, *, region: str, endpoint: Optional[str], env: Mapping[str, str]) -> None:
        super().__init__(region=region, endpoint=endpoint, env=env)
        self._session: Any = None
        self._clients: Dict[str, Any] = {}
        #: Ids learnt while reading and creating: API id, integration id per function.
        self._api_id: Optional[str] = None
        self._integrations: Dict[str, str] = {}

    # --- region and credentials ------------------------------------------------------------------

    @classmethod
    def default_region(cls, env: Mapping[str, str]) -> Optional[str]:
        found = super().default_region(env)
        if found:
            return found
        import boto3

        return boto3.session.Session().region_name  # the profile's region (~/.aws/config)

    def check_region(self) -> None:
        session = self._boto()
        known = {
            region
            for partition in session.get_available_partitions()
            for region in session.get_available_regions("lambda", partition_name=partition)
        }
        if self.region not in known:
            raise ConfigError(
                f"region {self.region!r} is not an AWS Lambda region (for example us-east-1, eu-west-1): "
                "fix --region or AWS_REGION"
            )

    def check_credentials(self) -> None:
        if self._boto().get_credentials() is None:
            raise CredentialsError(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                "(any source of the standard AWS chain works)"
            )

    # --- the plan --------------------------------------------------------------------------------

    def desired(self, deployment: Any, package: Package) -> List[Resource]:
        from ..deploy.targets import get_target

        project = deployment.name
        target = get_target("aws")
        tag = {"project": project}
        role_arn = self.env.get("BRIDGE_AWS_ROLE_ARN")
        found: List[Resource] = []
        triggers = self._job_triggers(deployment)
        if not role_arn:
            policies = [BASIC_EXECUTION_POLICY]
            if any(trigger.settings["Type"] == "SQS" for trigger in triggers):
                policies.append(SQS_EXECUTION_POLICY)
            found.append(Resource("role", _role_name(project), {"policy": _policies(policies)}, dict(tag)))
        code_sha = base64.b64encode(bytes.fromhex(package.sha256_hex)).decode("ascii")
        for function in deployment.functions:
            settings = {
                "Runtime": target.runtime(deployment.python_version),
                "Handler": deployment.handler,
                "MemorySize": function.memory,
                "Timeout": function.timeout,
                "Environment": dict(function.environment, **target.streaming_environment(deployment)),
                "Architectures": ["x86_64"],  # the package's wheels are manylinux2014_x86_64
                "Role": role_arn.rsplit("/", 1)[-1] if role_arn else _role_name(project),
                "Description": f"{project} {function.name} (faas-bridge)",
                "CodeSha256": code_sha,
            }
            extra = dict(tag, zip_path=str(package.zip_path), size=package.size, role_arn=role_arn or "")
            found.append(Resource("function", function.name, settings, extra))
        found += triggers
        if not deployment.split:
            only = deployment.functions[0].name
            # RESPONSE_STREAM: the URL relays what bridge.aws_runtime streams (--streaming).
            mode = "RESPONSE_STREAM" if deployment.options.streaming else "BUFFERED"
            settings = {"AuthType": "NONE", "InvokeMode": mode}
            found.append(Resource("url", only, settings, dict(tag, function=only)))
            return found
        found.append(Resource("api", project, {"ProtocolType": "HTTP"}, dict(tag)))
        for function in deployment.functions:
            if not function.http:
                continue  # a split plan's `jobs` function: no route reaches it
            settings = {
                "IntegrationType": "AWS_PROXY",
                "PayloadFormatVersion": "2.0",
                "function": function.name,
            }
            found.append(Resource("integration", function.name, settings, dict(tag, function=function.name)))
        for route in deployment.table("aws"):
            for key in _route_keys(route):
                found.append(Resource("route", key, {"function": route.function}, dict(tag)))
        return found

    def _job_triggers(self, deployment: Any) -> List[Resource]:
        """The Schedule, S3 and SQS events the SAM template gives each function, as API resources.

        Named ``<function>/<job>``, an SQS mapping ``<function>/sqs:<queue>`` (a mapping has no name
        of its own to find the job by when it is read back).
        """
        from ..deploy import job_triggers

        found: List[Resource] = []
        for function in deployment.functions:
            jobs = job_triggers.function_jobs(deployment, function)
            if jobs is None:
                continue
            for trigger in job_triggers.aws_api_triggers(jobs, deployment.name):
                job = trigger.pop("job")
                label = f"sqs:{trigger['Queue']}" if trigger["Type"] == "SQS" else job
                if any(resource.name == f"{function.name}/{label}" for resource in found):
                    raise ConfigError(
                        f"AWS: two jobs of {function.name} read the queue {trigger['Queue']} (one event "
                        "source mapping per queue and function): make them one job"
                    )
                extra = {"function": function.name, "project": deployment.name, "job": job}
                found.append(Resource("trigger", f"{function.name}/{label}", trigger, extra))
        return found

    # --- what is deployed (read calls only) -----------------------------------------------------

    def actual(self, project: str) -> List[Resource]:
        found: List[Resource] = []
        role = _role_name(project)
        try:
            tags = self._call(
                "read", f"role {role}", lambda: self._client("iam").list_role_tags(RoleName=role)
            )
        except _Missing:
            tags = None
        if tags is not None and _tag_value(tags.get("Tags", [])) == project:
            policies = self._call(
                "read", f"role {role}", lambda: self._client("iam").list_attached_role_policies(RoleName=role)
            )
            arns = [p["PolicyArn"] for p in policies.get("AttachedPolicies", [])]
            found.append(Resource("role", role, {"policy": _policies(arns)}, {"project": project}))
        functions = self._functions(project)
        found += self._deployed_triggers(project, functions)
        for name, configuration in functions.items():
            found.append(Resource("function", name, _function_settings(configuration), {"project": project}))
            try:
                url = self._call(
                    "read",
                    f"url {name}",
                    lambda n=name: self._client("lambda").get_function_url_config(FunctionName=n),
                )
            except _Missing:
                continue
            mode = (url.get("InvokeMode") or "BUFFERED").upper()  # moto spells its default "Buffered"
            found.append(
                Resource(
                    "url",
                    name,
                    {"AuthType": url["AuthType"], "InvokeMode": mode},
                    {"function": name, "url": url["FunctionUrl"]},
                )
            )
        api = self._api(project)
        if api is not None:
            self._api_id = api["ApiId"]
            found.append(
                Resource(
                    "api",
                    project,
                    {"ProtocolType": api["ProtocolType"]},
                    {"endpoint": api.get("ApiEndpoint")},
                )
            )
            found.extend(self._api_contents(api["ApiId"]))
        return found

    def _functions(self, project: str) -> Dict[str, Dict[str, Any]]:
        lam = self._client("lambda")
        found: Dict[str, Dict[str, Any]] = {}
        for page in self._pages("list functions", lam, "list_functions"):
            for configuration in page.get("Functions", []):
                name = configuration["FunctionName"]
                tags = self._call(
                    "read",
                    f"function {name}",
                    lambda c=configuration: lam.list_tags(Resource=c["FunctionArn"]),
                )
                if tags.get("Tags", {}).get(TAG_KEY) == project:
                    found[name] = configuration
        return found

    def _deployed_triggers(self, project: str, functions: Dict[str, Dict[str, Any]]) -> List[Resource]:
        """The jobs' rules (tagged, named ``<project>-<job>``), S3 notifications (found through the
        functions' permission statements) and SQS mappings of this project's functions."""
        found: List[Resource] = []
        events, lam = self._client("events"), self._client("lambda")
        by_arn = {configuration["FunctionArn"]: name for name, configuration in functions.items()}
        prefix = f"{project}-"
        for page in self._pages("list rules", events, "list_rules", NamePrefix=prefix):
            for rule in page.get("Rules", []):
                tags = self._call(
                    "read",
                    f"rule {rule['Name']}",
                    lambda r=rule: events.list_tags_for_resource(ResourceARN=r["Arn"]),
                )
                if _tag_value(tags.get("Tags", [])) != project:
                    continue
                targets = self._call(
                    "read", f"rule {rule['Name']}", lambda r=rule: events.list_targets_by_rule(Rule=r["Name"])
                )
                for target in targets.get("Targets", []):
                    function = by_arn.get(target["Arn"])
                    if function is None:
                        continue
                    job = rule["Name"][len(prefix) :]
                    settings = {
                        "Type": "Schedule",
                        "Name": rule["Name"],
                        "ScheduleExpression": rule.get("ScheduleExpression"),
                        "State": rule.get("State"),
                    }
                    extra = {"function": function, "project": project, "job": job}
                    found.append(Resource("trigger", f"{function}/{job}", settings, extra))
        for name in functions:
            for bucket, job in self._notifying_buckets(name):
                configuration = self._call(
                    "read",
                    f"bucket {bucket}",
                    lambda b=bucket: self._client("s3").get_bucket_notification_configuration(Bucket=b),
                )
                for item in configuration.get("LambdaFunctionConfigurations", []):
                    if item.get("Id") != _notification_id(name, job):
                        continue
                    settings = {"Type": "S3", "Bucket": bucket, "Events": item.get("Events")}
                    rules = (item.get("Filter") or {}).get("Key", {}).get("FilterRules", [])
                    if rules:
                        # S3 answers the rule names capitalised (Prefix) whatever case was put.
                        settings["Filter"] = {
                            "Key": {
                                "FilterRules": [dict(r, Name=str(r.get("Name", "")).lower()) for r in rules]
                            }
                        }
                    extra = {"function": name, "project": project, "job": job}
                    found.append(Resource("trigger", f"{name}/{job}", settings, extra))
            for page in self._pages(
                f"event source mappings of {name}", lam, "list_event_source_mappings", FunctionName=name
            ):
                for mapping in page.get("EventSourceMappings", []):
                    source = str(mapping.get("EventSourceArn", ""))
                    if ":sqs:" not in source:
                        continue
                    queue = source.rsplit(":", 1)[-1]
                    settings = {
                        "Type": "SQS",
                        "Queue": queue,
                        "FunctionResponseTypes": mapping.get("FunctionResponseTypes") or [],
                    }
                    extra = {"function": name, "project": project, "uuid": mapping["UUID"]}
                    found.append(Resource("trigger", f"{name}/sqs:{queue}", settings, extra))
        return found

    def _notifying_buckets(self, function: str) -> List[Tuple[str, str]]:
        """(bucket, job) for each permission statement this tool gave S3 on ``function``."""
        try:
            answer = self._call(
                "read",
                f"function {function}",
                lambda: self._client("lambda").get_policy(FunctionName=function),
            )
        except _Missing:
            return []
        found = []
        for statement in json.loads(answer.get("Policy") or "{}").get("Statement", []):
            sid = str(statement.get("Sid", ""))
            principal = statement.get("Principal")
            service = principal.get("Service") if isinstance(principal, dict) else principal
            if not sid.startswith(_STATEMENT_JOB["S3"]) or service != "s3.amazonaws.com":
                continue
            source = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn", "")
            found.append((str(source).rsplit(":", 1)[-1], sid[len(_STATEMENT_JOB["S3"]) :]))
        return found

    def _api(self, project: str) -> Optional[Dict[str, Any]]:
        gateway = self._client("apigatewayv2")
        for page in self._pages("list APIs", gateway, "get_apis"):
            for api in page.get("Items", []):
                if api.get("Tags", {}).get(TAG_KEY) == project:
                    return api
        return None

    def _api_contents(self, api_id: str) -> List[Resource]:
        gateway = self._client("apigatewayv2")
        found: List[Resource] = []
        by_id: Dict[str, str] = {}
        for page in self._pages("list integrations", gateway, "get_integrations", ApiId=api_id):
            for item in page.get("Items", []):
                function = _function_of(item.get("IntegrationUri", ""))
                by_id[item["IntegrationId"]] = function
                self._integrations[function] = item["IntegrationId"]
                settings = {
                    "IntegrationType": item.get("IntegrationType"),
                    "PayloadFormatVersion": item.get("PayloadFormatVersion"),
                    "function": function,
                }
                found.append(
                    Resource(
                        "integration", function, settings, {"function": function, "id": item["IntegrationId"]}
                    )
                )
        for page in self._pages("list routes", gateway, "get_routes", ApiId=api_id):
            for item in page.get("Items", []):
                target = str(item.get("Target", "")).rpartition("/")[2]
                found.append(
                    Resource(
                        "route",
                        item["RouteKey"],
                        {"function": by_id.get(target, target)},
                        {"id": item["RouteId"]},
                    )
                )
        return found

    # --- changes --------------------------------------------------------------------------------

    def create(self, resource: Resource) -> None:
        getattr(self, f"_create_{resource.kind}")(resource)

    def update(self, change: Change) -> None:
        getattr(self, f"_update_{change.resource.kind}")(change)

    def delete(self, resource: Resource) -> None:
        try:
            getattr(self, f"_delete_{resource.kind}")(resource)
        except _Missing:
            pass  # already gone (deleted with its parent, or by a run that failed after deleting it)

    # role

    def _create_role(self, resource: Resource) -> None:
        iam = self._client("iam")
        self._call(
            "create",
            str(resource),
            lambda: iam.create_role(
                RoleName=resource.name,
                AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY),
                Description=f"Execution role of {resource.extra['project']}'s functions (faas-bridge)",
                Tags=[{"Key": TAG_KEY, "Value": resource.extra["project"]}],
            ),
        )
        for arn in _policy_list(resource.settings["policy"]):
            self._call(
                "create",
                str(resource),
                lambda a=arn: iam.attach_role_policy(RoleName=resource.name, PolicyArn=a),
            )

    def _update_role(self, change: Change) -> None:
        iam = self._client("iam")
        deployed = _policy_list(change.fields["policy"][0])
        planned = _policy_list(change.resource.settings["policy"])
        for arn in deployed:
            if arn not in planned:
                self._call(
                    "update",
                    str(change.resource),
                    lambda a=arn: iam.detach_role_policy(RoleName=change.resource.name, PolicyArn=a),
                )
        for arn in planned:
            if arn not in deployed:
                self._call(
                    "update",
                    str(change.resource),
                    lambda a=arn: iam.attach_role_policy(RoleName=change.resource.name, PolicyArn=a),
                )

    def _delete_role(self, resource: Resource) -> None:
        iam = self._client("iam")
        policies = self._call(
            "delete", str(resource), lambda: iam.list_attached_role_policies(RoleName=resource.name)
        )
        for policy in policies.get("AttachedPolicies", []):
            self._call(
                "delete",
                str(resource),
                lambda p=policy: iam.detach_role_policy(RoleName=resource.name, PolicyArn=p["PolicyArn"]),
            )
        self._call("delete", str(resource), lambda: iam.delete_role(RoleName=resource.name))

    # function

    def _create_function(self, resource: Resource) -> None:
        settings = resource.settings
        lam = self._client("lambda")
        arguments = {
            "FunctionName": resource.name,
            "Role": self._role_arn(resource),
            "Code": self._code(resource),
            "Publish": False,
            "Tags": {TAG_KEY: resource.extra["project"]},
            **_configuration(settings),
        }
        self._call("create", str(resource), lambda: lam.create_function(**arguments), _role_not_ready)
        self._wait("create", resource, "function_active_v2")

    def _update_function(self, change: Change) -> None:
        resource = change.resource
        lam = self._client("lambda")
        if "CodeSha256" in change.fields:
            code = self._code(resource)
            self._call(
                "update", str(resource), lambda: lam.update_function_code(FunctionName=resource.name, **code)
            )
            self._wait("update", resource, "function_updated_v2")
        changed = {
            key: value
            for key, value in resource.settings.items()
            if key in change.fields and key != "CodeSha256"
        }
        if changed:
            arguments = _configuration(changed)
            if "Role" in changed:
                arguments["Role"] = self._role_arn(resource)
            self._call(
                "update",
                str(resource),
                lambda: lam.update_function_configuration(FunctionName=resource.name, **arguments),
                _role_not_ready,
            )
            self._wait("update", resource, "function_updated_v2")

    def _delete_function(self, resource: Resource) -> None:
        self._call(
            "delete",
            str(resource),
            lambda: self._client("lambda").delete_function(FunctionName=resource.name),
        )

    def _code(self, resource: Resource) -> Dict[str, Any]:
        from pathlib import Path

        zip_path = Path(resource.extra["zip_path"])
        size = zip_path.stat().st_size
        if size <= INLINE_ZIP_LIMIT:
            return {"ZipFile": zip_path.read_bytes()}
        bucket = self.env.get("BRIDGE_AWS_S3_BUCKET")
        if not bucket:
            raise CloudError(
                "upload",
                str(resource),
                f"the package is {size / 1048576:.1f} MB, over Lambda's {INLINE_ZIP_LIMIT // 1048576} MB "
                "limit for a direct upload: set BRIDGE_AWS_S3_BUCKET to an S3 bucket in this region "
                "to upload it through S3",
            )
        key = (
            f"faas-bridge/{resource.extra['project']}/{resource.settings['CodeSha256'].replace('/', '_')}.zip"
        )
        self._call(
            "upload", str(resource), lambda: self._client("s3").upload_file(str(zip_path), bucket, key)
        )
        return {"S3Bucket": bucket, "S3Key": key}

    def _role_arn(self, resource: Resource) -> str:
        if resource.extra.get("role_arn"):
            return str(resource.extra["role_arn"])
        role = resource.settings["Role"]
        answer = self._call("read", f"role {role}", lambda: self._client("iam").get_role(RoleName=role))
        return str(answer["Role"]["Arn"])

    def _wait(self, step: str, resource: Resource, waiter: str) -> None:
        # Lambda applies a change asynchronously: the next change is refused until it is done.
        # https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
        from botocore.exceptions import WaiterError

        try:
            self._client("lambda").get_waiter(waiter).wait(
                FunctionName=resource.name, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
            )
        except WaiterError as exc:
            last = getattr(exc, "last_response", {}) or {}
            reason = last.get("Configuration", last).get("StateReason") or last.get("LastUpdateStatusReason")
            raise CloudError(
                step, str(resource), f"the function did not become ready: {reason or exc}"
            ) from None

    # url (one function)

    def _create_url(self, resource: Resource) -> None:
        lam = self._client("lambda")
        function = resource.name
        self._call(
            "create",
            str(resource),
            lambda: lam.create_function_url_config(FunctionName=function, **_url_config(resource)),
        )
        if resource.settings["AuthType"] == "NONE":
            # A public URL needs both permissions since October 2025:
            # https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
            self._permit(
                resource, _STATEMENT_URL, "lambda:InvokeFunctionUrl", "*", FunctionUrlAuthType="NONE"
            )
            self._permit(resource, _STATEMENT_URL_INVOKE, "lambda:InvokeFunction", "*")

    def _update_url(self, change: Change) -> None:
        resource = change.resource
        self._call(
            "update",
            str(resource),
            lambda: self._client("lambda").update_function_url_config(
                FunctionName=resource.name, **_url_config(resource)
            ),
        )

    def _delete_url(self, resource: Resource) -> None:
        lam = self._client("lambda")
        self._call(
            "delete", str(resource), lambda: lam.delete_function_url_config(FunctionName=resource.name)
        )
        for statement in (_STATEMENT_URL, _STATEMENT_URL_INVOKE):
            try:
                self._call(
                    "delete",
                    str(resource),
                    lambda s=statement: lam.remove_permission(FunctionName=resource.name, StatementId=s),
                )
            except _Missing:
                pass

    def _permit(self, resource: Resource, statement: str, action: str, principal: str, **more: Any) -> None:
        function = resource.extra.get("function") or resource.name
        try:
            self._call(
                "create",
                str(resource),
                lambda: self._client("lambda").add_permission(
                    FunctionName=function, StatementId=statement, Action=action, Principal=principal, **more
                ),
            )
        except CloudError as exc:
            if exc.code != "ResourceConflictException":  # already there from an earlier run
                raise

    # api, integrations, routes (a split)

    def _create_api(self, resource: Resource) -> None:
        gateway = self._client("apigatewayv2")
        api = self._call(
            "create",
            str(resource),
            lambda: gateway.create_api(
                Name=resource.name,
                ProtocolType=resource.settings["ProtocolType"],
                Description=f"{resource.name} (faas-bridge)",
                Tags={TAG_KEY: resource.extra["project"]},
            ),
        )
        self._api_id = api["ApiId"]
        self._call(
            "create",
            str(resource),
            lambda: gateway.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True),
        )

    def _update_api(self, change: Change) -> None:
        raise CloudError(
            "update", str(change.resource), "an HTTP API's protocol cannot change: run bridge remove first"
        )

    def _delete_api(self, resource: Resource) -> None:
        api_id = self._api_id or self._api(resource.name)["ApiId"]  # type: ignore[index]
        self._call("delete", str(resource), lambda: self._client("apigatewayv2").delete_api(ApiId=api_id))
        self._api_id = None

    def _create_integration(self, resource: Resource) -> None:
        function = resource.settings["function"]
        configuration = self._call(
            "read",
            f"function {function}",
            lambda: self._client("lambda").get_function_configuration(FunctionName=function),
        )
        arn = configuration["FunctionArn"]
        api_id = self._require_api(resource)
        answer = self._call(
            "create",
            str(resource),
            lambda: self._client("apigatewayv2").create_integration(
                ApiId=api_id,
                IntegrationType=resource.settings["IntegrationType"],
                IntegrationUri=arn,
                PayloadFormatVersion=resource.settings["PayloadFormatVersion"],
            ),
        )
        self._integrations[function] = answer["IntegrationId"]
        account = arn.split(":")[4]
        source = f"arn:{arn.split(':')[1]}:execute-api:{self.region}:{account}:{api_id}/*"
        self._permit(
            resource, _STATEMENT_API, "lambda:InvokeFunction", "apigateway.amazonaws.com", SourceArn=source
        )

    def _update_integration(self, change: Change) -> None:
        resource = change.resource
        api_id = self._require_api(resource)
        self._call(
            "update",
            str(resource),
            lambda: self._client("apigatewayv2").update_integration(
                ApiId=api_id,
                IntegrationId=change.current.extra["id"],  # type: ignore[union-attr]
                IntegrationType=resource.settings["IntegrationType"],
                PayloadFormatVersion=resource.settings["PayloadFormatVersion"],
            ),
        )

    def _delete_integration(self, resource: Resource) -> None:
        api_id = self._require_api(resource)
        self._call(
            "delete",
            str(resource),
            lambda: self._client("apigatewayv2").delete_integration(
                ApiId=api_id, IntegrationId=resource.extra["id"]
            ),
        )

    def _create_route(self, resource: Resource) -> None:
        api_id, target = self._route_target(resource)
        self._call(
            "create",
            str(resource),
            lambda: self._client("apigatewayv2").create_route(
                ApiId=api_id, RouteKey=resource.name, Target=target
            ),
        )

    def _update_route(self, change: Change) -> None:
        resource = change.resource
        api_id, target = self._route_target(resource)
        self._call(
            "update",
            str(resource),
            lambda: self._client("apigatewayv2").update_route(
                ApiId=api_id,
                RouteId=change.current.extra["id"],
                Target=target,  # type: ignore[union-attr]
            ),
        )

    def _route_target(self, resource: Resource) -> Tuple[str, str]:
        """The API id, and the route's ``Target``: the integration of the function it goes to."""
        return self._require_api(
            resource
        ), f"integrations/{self._integrations[resource.settings['function']]}"

    def _delete_route(self, resource: Resource) -> None:
        api_id = self._require_api(resource)
        self._call(
            "delete",
            str(resource),
            lambda: self._client("apigatewayv2").delete_route(ApiId=api_id, RouteId=resource.extra["id"]),
        )

    def _require_api(self, resource: Resource) -> str:
        if self._api_id is None:
            raise CloudError(
                "create", str(resource), "the project's HTTP API does not exist: rerun bridge deploy"
            )
        return self._api_id

    # trigger (a job's rule, S3 notification or SQS mapping)

    def _create_trigger(self, resource: Resource) -> None:
        kind = resource.settings["Type"]
        if kind == "Schedule":
            self._put_schedule(resource)
        elif kind == "S3":
            self._put_notification(resource)
        else:
            self._create_mapping(resource)

    def _update_trigger(self, change: Change) -> None:
        resource, current = change.resource, change.current
        if "Type" in change.fields or (resource.settings["Type"] == "SQS" and "Queue" in change.fields):
            self._delete_trigger(current or resource)
            self._create_trigger(resource)
        elif resource.settings["Type"] == "Schedule" and set(change.fields) <= {
            "ScheduleExpression",
            "State",
        }:
            self._put_rule(resource, "update")  # its target and permission stay
        elif resource.settings["Type"] == "SQS":
            uuid = (current.extra if current else {}).get("uuid")
            self._call(
                "update",
                str(resource),
                lambda: self._client("lambda").update_event_source_mapping(
                    UUID=uuid, FunctionResponseTypes=resource.settings["FunctionResponseTypes"]
                ),
            )
        else:  # PutRule and PutBucketNotificationConfiguration replace what they name
            if (
                resource.settings["Type"] == "S3"
                and current
                and current.settings.get("Bucket") != resource.settings["Bucket"]
            ):
                self._delete_trigger(current)
            self._create_trigger(resource)

    def _delete_trigger(self, resource: Resource) -> None:
        kind = resource.settings.get("Type")
        function = resource.extra["function"]
        if kind == "SQS":
            self._call(
                "delete",
                str(resource),
                lambda: self._client("lambda").delete_event_source_mapping(UUID=resource.extra["uuid"]),
            )
            return
        statement = _STATEMENT_JOB[str(kind)] + resource.extra["job"]
        if kind == "Schedule":
            events, rule = self._client("events"), resource.settings["Name"]
            self._call("delete", str(resource), lambda: events.remove_targets(Rule=rule, Ids=[function]))
            left = self._call("delete", str(resource), lambda: events.list_targets_by_rule(Rule=rule))
            if not left.get("Targets"):  # another function may have taken the schedule over
                self._call("delete", str(resource), lambda: events.delete_rule(Name=rule))
        else:
            bucket = resource.settings["Bucket"]
            configuration = self._notifications(resource, "delete", bucket)
            ours = _notification_id(function, resource.extra["job"])
            configuration["LambdaFunctionConfigurations"] = [
                item
                for item in configuration.get("LambdaFunctionConfigurations", [])
                if item.get("Id") != ours
            ]
            self._call(
                "delete",
                str(resource),
                lambda: self._client("s3").put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration=configuration
                ),
            )
        try:
            self._call(
                "delete",
                str(resource),
                lambda: self._client("lambda").remove_permission(
                    FunctionName=function, StatementId=statement
                ),
            )
        except _Missing:
            pass

    def _put_schedule(self, resource: Resource) -> None:
        settings, function = resource.settings, resource.extra["function"]
        events = self._client("events")
        rule = self._put_rule(resource, "create")
        self._permit(
            resource,
            _STATEMENT_JOB[resource.settings["Type"]] + resource.extra["job"],
            "lambda:InvokeFunction",
            "events.amazonaws.com",
            SourceArn=rule["RuleArn"],
        )
        arn = self._function_arn(resource)
        # One target per function (its name as the target id): a job moving to another function of
        # the plan is taken over by the new target before the old one is removed.
        self._call(
            "create",
            str(resource),
            lambda: events.put_targets(Rule=settings["Name"], Targets=[{"Id": function, "Arn": arn}]),
        )

    def _put_rule(self, resource: Resource, step: str) -> Dict[str, Any]:
        """PutRule: creates the rule, or replaces every field of it (tags aside) with these."""
        settings = resource.settings
        return self._call(
            step,
            str(resource),
            lambda: self._client("events").put_rule(
                Name=settings["Name"],
                ScheduleExpression=settings["ScheduleExpression"],
                State=settings["State"],
                Description=f"faas-bridge schedule {resource.extra['job']} of {resource.extra['project']}",
                Tags=[{"Key": TAG_KEY, "Value": resource.extra["project"]}],
            ),
        )

    def _put_notification(self, resource: Resource) -> None:
        settings, function = resource.settings, resource.extra["function"]
        bucket = settings["Bucket"]
        configuration = self._notifications(resource, "create", bucket)
        arn = self._function_arn(resource)
        self._permit(
            resource,
            _STATEMENT_JOB[resource.settings["Type"]] + resource.extra["job"],
            "lambda:InvokeFunction",
            "s3.amazonaws.com",
            SourceArn=f"arn:{arn.split(':')[1]}:s3:::{bucket}",
            SourceAccount=arn.split(":")[4],
        )
        ours = _notification_id(function, resource.extra["job"])
        entry: Dict[str, Any] = {"Id": ours, "LambdaFunctionArn": arn, "Events": list(settings["Events"])}
        if settings.get("Filter"):
            entry["Filter"] = settings["Filter"]
        # The bucket's other notifications stay: the call replaces the whole configuration.
        others = [i for i in configuration.get("LambdaFunctionConfigurations", []) if i.get("Id") != ours]
        configuration["LambdaFunctionConfigurations"] = others + [entry]
        self._call(
            "create",
            str(resource),
            lambda: self._client("s3").put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration=configuration
            ),
        )

    def _notifications(self, resource: Resource, step: str, bucket: str) -> Dict[str, Any]:
        """The bucket's notification configuration, in the form PutBucketNotificationConfiguration takes."""
        try:
            answer = self._call(
                "read", f"bucket {bucket}",
                lambda: self._client("s3").get_bucket_notification_configuration(Bucket=bucket),
            )  # fmt: skip
        except CloudError as exc:
            if exc.code not in ("NoSuchBucket", "AccessDenied"):
                raise
            raise CloudError(
                step,
                str(resource),
                f"the S3 bucket {bucket} cannot be read ({exc.code}): bridge deploy attaches the function "
                "to an existing bucket of this account and region (the SAM template of bridge build creates "
                "it); create it, or fix the source of the job",
                code=exc.code,
            ) from None
        keys = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations",
                "EventBridgeConfiguration")  # fmt: skip
        return {key: answer[key] for key in keys if key in answer}

    def _create_mapping(self, resource: Resource) -> None:
        queue = resource.settings["Queue"]
        sqs = self._client("sqs")
        try:
            url = self._call("read", f"queue {queue}", lambda: sqs.get_queue_url(QueueName=queue))["QueueUrl"]
        except CloudError as exc:
            if isinstance(exc, RetryableError):
                raise
            raise CloudError(
                "create",
                str(resource),
                f"the SQS queue {queue} cannot be found ({exc.code}): create it in this account and region, "
                "or fix the source of the job",
                code=exc.code,
            ) from None
        attributes = self._call(
            "read",
            f"queue {queue}",
            lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]),
        )
        self._call(
            "create",
            str(resource),
            lambda: self._client("lambda").create_event_source_mapping(
                EventSourceArn=attributes["Attributes"]["QueueArn"],
                FunctionName=resource.extra["function"],
                Enabled=True,
                FunctionResponseTypes=resource.settings["FunctionResponseTypes"],
            ),
            _role_not_ready,
        )

    def _function_arn(self, resource: Resource) -> str:
        function = resource.extra["function"]
        configuration = self._call(
            "read",
            f"function {function}",
            lambda: self._client("lambda").get_function_configuration(FunctionName=function),
        )
        return str(configuration["FunctionArn"])

    # --- where it answers, and invoke -------------------------------------------------------------

    def endpoints(self, resources: List[Resource]) -> Dict[str, str]:
        urls: Dict[str, str] = {}
        for resource in resources:
            if resource.kind == "url" and resource.extra.get("url"):
                urls[resource.name] = str(resource.extra["url"])
            elif resource.kind == "api" and resource.extra.get("endpoint"):
                urls[resource.name] = str(resource.extra["endpoint"]).rstrip("/") + "/"
        return urls

    def invoke(self, function: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        answer = self._call(
            "invoke",
            f"function {function}",
            lambda: self._client("lambda").invoke(
                FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
            ),
        )
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            # The runtime's error document: {"errorMessage", "errorType", "stackTrace"}.
            try:
                error = json.loads(body)
                message = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"
            except ValueError:
                message = body.decode("utf-8", "replace")
            raise CloudError("invoke", f"function {function}", message, code=str(answer["FunctionError"]))
        try:
            result = json.loads(body or b"null")
        except ValueError:
            raise CloudError(
                "invoke", f"function {function}", f"the answer is not JSON: {body[:200]!r}"
            ) from None
        return result if isinstance(result, dict) else {"answer": result}

    # --- boto3 ------------------------------------------------------------------------------------

    def _boto(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(region_name=self.region)
        return self._session

    def _client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            from botocore.config import Config

            # One attempt per call: the engine retries, with its own bound and progress lines.
            config = Config(
                retries={"total_max_attempts": 1, "mode": "standard"}, user_agent_extra="faas-bridge"
            )
            kwargs: Dict[str, Any] = {"config": config}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
            client = self._clients[service] = self._boto().client(service, **kwargs)
        return client

    def _pages(self, what: str, client: Any, operation: str, **arguments: Any) -> List[Dict[str, Any]]:
        if client.can_paginate(operation):
            return self._call(
                "read", what, lambda: list(client.get_paginator(operation).paginate(**arguments))
            )
        return [self._call("read", what, lambda: getattr(client, operation)(**arguments))]

    def _call(
        self,
        step: str,
        resource: str,
        call: Callable[[], Any],
        retryable: Optional[Callable[[Any], bool]] = None,
    ) -> Any:
        """``call()``, its botocore errors turned into the engine's error types."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            NoCredentialsError,
            NoRegionError,
        )
        from botocore.exceptions import (
            ConnectionError as BotoConnectionError,
        )

        try:
            return call()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = str(error.get("Message", "")) or str(exc)
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in _NOT_FOUND and step in ("read", "delete"):
                raise _Missing(step, resource, message, code=code) from None
            if code in _CREDENTIAL_CODES:
                raise CredentialsError(
                    f"AWS rejected the credentials ({code}: {message}): check AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or AWS_PROFILE"
                ) from None
            if code in _RETRYABLE_CODES or status >= 500 or (retryable is not None and retryable(exc)):
                raise RetryableError(step, resource, message, code=code) from None
            raise CloudError(step, resource, message, code=code) from None
        except NoCredentialsError:
            raise CredentialsError(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
            ) from None
        except NoRegionError:
            raise ConfigError("no AWS region: pass --region or set AWS_REGION") from None
        except BotoConnectionError as exc:
            raise RetryableError(step, resource, f"network: {exc}") from None
        except BotoCoreError as exc:
            raise CloudError(step, resource, str(exc)) from None


class _Missing(CloudError):
    """Not found, while reading or deleting: an absence, not a failure."""


def _url_config(resource: Resource) -> Dict[str, str]:
    """A Function URL's AuthType and InvokeMode (BUFFERED unless the plan streams)."""
    settings = resource.settings
    return {"AuthType": settings["AuthType"], "InvokeMode": settings.get("InvokeMode", "BUFFERED")}


def _role_not_ready(exc: Any) -> bool:
    # A new role, or a policy just attached to it, takes seconds to be usable by Lambda (IAM is
    # eventually consistent):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
    message = str(exc.response.get("Error", {}).get("Message", ""))
    return "cannot be assumed by Lambda" in message or "execution role does not have permissions" in message


def _policies(arns: List[str]) -> Any:
    """A role's managed policies as compared: the one ARN, or several, sorted."""
    return arns[0] if len(arns) == 1 else sorted(arns)


def _policy_list(value: Any) -> List[str]:
    return list(value) if isinstance(value, list) else [value] if value else []


def _notification_id(function: str, job: str) -> str:
    """The ``Id`` of a job's entry among the bucket's notifications: its function's and its own name."""
    return f"faas-bridge-{function}-{job}"


def _role_name(project: str) -> str:
    return f"faas-bridge-{project}"[:64]


def _tag_value(tags: List[Dict[str, str]]) -> Optional[str]:
    for tag in tags:
        if tag.get("Key") == TAG_KEY:
            return tag.get("Value")
    return None


def _configuration(settings: Dict[str, Any]) -> Dict[str, Any]:
    """The Create/UpdateFunctionConfiguration arguments for ``settings`` (Role excluded: an ARN)."""
    arguments: Dict[str, Any] = {}
    for key, value in settings.items():
        if key == "Environment":
            arguments[key] = {"Variables": dict(value)}
        elif key not in ("CodeSha256", "Role") and not (key == "Architectures" and "Runtime" not in settings):
            arguments[key] = value
    return arguments


def _function_settings(configuration: Dict[str, Any]) -> Dict[str, Any]:
    """A function as deployed, in the form :meth:`AWSProvider.desired` plans it."""
    return {
        "Runtime": configuration.get("Runtime"),
        "Handler": configuration.get("Handler"),
        "MemorySize": configuration.get("MemorySize"),
        "Timeout": configuration.get("Timeout"),
        "Environment": (configuration.get("Environment") or {}).get("Variables") or {},
        "Architectures": configuration.get("Architectures") or ["x86_64"],
        "Role": str(configuration.get("Role", "")).rsplit("/", 1)[-1],
        "Description": configuration.get("Description", ""),
        "CodeSha256": configuration.get("CodeSha256"),
    }


def _function_of(uri: str) -> str:
    """The function name in an integration's URI (a function ARN, possibly inside an invoke URI)."""
    marker = ":function:"
    if marker not in uri:
        return uri
    return uri.split(marker, 1)[1].split("/", 1)[0].split(":", 1)[0]


def _route_keys(route: Any) -> List[str]:
    """HTTP API route keys for one entry of the plan's ``aws`` table, as the SAM emitter writes them.

    ``/{proxy+}`` does not match ``/``; the ``$default`` route takes every request no other route
    matches, ``/`` included (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
    """
    methods = [str(m).upper() for m in (route.methods or ())]
    if not methods or any(m in ("ANY", "*") for m in methods):
        methods = ["ANY"]
    if route.path == "$default" or (route.path == "/{proxy+}" and methods == ["ANY"]):
        return ["$default"]
    return [f"{method} {route.path}" for method in methods]


__all__ = ["AWSProvider"]
