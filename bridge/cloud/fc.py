"""Alibaba Cloud Function Compute 3.0 through its official SDK (``alibabacloud-fc20230330``, API 2023-03-30).

Resources: one function per plan function (built-in Python runtime, ``index.handler``, initializer
and PreStop hooks wired to the bridge), its HTTP trigger, the timer / OSS / MNS triggers of the jobs
it runs (``[schedules]``, ``[events]``), and for a split app one custom domain whose ``routeConfig``
is the plan's ``fc`` route table. The settings are the ones ``bridge build`` writes
into ``s.yaml`` (:mod:`bridge.deploy.targets.fc`), so a deploy and ``s deploy`` agree.

Code is compared by FC's ``codeChecksum``: the CRC-64/ECMA-182 (the ``CRC-64/XZ`` parameters, as
OSS uses: https://www.alibabacloud.com/help/en/oss/user-guide/crc-64) of the zip, in decimal.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Optional
from urllib.parse import urlsplit

from .._errors import ConfigError
from . import http_functions
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

if TYPE_CHECKING:
    from ..deploy.deployment import Deployment

API_VERSION = "2023-03-30"
# FC answers these when it is busy or failing on its side (https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes).
_RETRYABLE_CODES = {
    "TooManyRequests",
    "ResourceExhausted",
    "ResourceThrottled",
    "ConcurrentUpdateError",
    "InternalServerError",
    "ServiceUnavailable",
    "Throttling",
}
_NOT_FOUND_CODES = {"FunctionNotFound", "TriggerNotFound", "DomainNameNotFound", "CustomDomainNotFound"}
_TRIGGER = "http"
#: What is compared of a job's trigger (``description`` is not: FC keeps it, but it only informs).
_JOB_TRIGGER_FIELDS = ("triggerType", "qualifier", "triggerConfig", "sourceArn", "invocationRole")
#: Trigger type -> (the variable naming its invocation role, the service assuming it, the role the
#: FC console creates for it, the page saying so).
_ROLE_VARIABLES = {
    "oss": (
        "BRIDGE_FC_OSS_ROLE_ARN",
        "OSS",
        "aliyunosseventnotificationrole",
        "https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/configure-an-oss-trigger",
    ),
    "mns_topic": (
        "BRIDGE_FC_MNS_ROLE_ARN",
        "MNS",
        "aliyunmnsnotificationrole",
        "https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/mns-topic-trigger",
    ),
}
# How long an invocation is waited for (other calls: 120 s); FC itself allows up to 24 h of function time.
_INVOKE_READ_TIMEOUT_MS = 15 * 60 * 1000
_QUALIFIER = "LATEST"


def crc64_ecma(data: bytes, crc: int = 0) -> int:
    """CRC-64/XZ of ``data`` (poly 0x42F0E1EBA9EA3693 reflected, init and xorout all ones).

    Check value: ``crc64_ecma(b"123456789") == 0x995DC9BBDF1939FA``. Pass a previous result as
    ``crc`` to continue over the next chunk.
    """
    table = _crc64_table()
    crc ^= 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


_TABLE: List[int] = []


def _crc64_table() -> List[int]:
    if not _TABLE:
        for index in range(256):
            crc = index
            for _ in range(8):
                crc = (crc >> 1) ^ 0xC96C5795D7870F42 if crc & 1 else crc >> 1
            _TABLE.append(crc)
    return _TABLE


def code_checksum(zip_path: Any) -> str:
    """FC's ``codeChecksum`` of a zip file: its CRC-64/ECMA in decimal."""
    crc = 0
    with open(zip_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            crc = crc64_ecma(chunk, crc)
    return str(crc)


class FCProvider(Provider):
    name = "fc"
    title = "Alibaba Cloud FC 3.0"
    kinds = ("function", "trigger", "domain")
    endpoint_variable = "BRIDGE_FC_ENDPOINT"
    #: The plan's route table a split app's custom domain uses.
    gateway = "fc"
    region_variables = ("ALIBABA_CLOUD_REGION_ID",)

    def __init__(self, *, region: str, endpoint: Optional[str], env: Any) -> None:
        super().__init__(region=region, endpoint=endpoint, env=env)
        self._client: Any = None

    # --- credentials and the SDK client -------------------------------------------------------------

    def check_credentials(self) -> None:
        for name in (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_ACCOUNT_ID",
        ):
            if not self.env.get(name):
                raise CredentialsError(
                    f"FC: {name} is not set: export {name}=... (an AccessKey of the account)"
                )

    def api_endpoint(self) -> str:
        """The API endpoint: ``--endpoint``/``BRIDGE_FC_ENDPOINT``, else the account's regional one."""
        if self.endpoint:
            return self.endpoint if "://" in self.endpoint else f"https://{self.endpoint}"
        account = self.env.get("ALIBABA_CLOUD_ACCOUNT_ID", "")
        return f"https://{account}.{self.region}.fc.aliyuncs.com"

    def client(self) -> Any:
        if self._client is None:
            self.check_credentials()
            try:
                from alibabacloud_fc20230330.client import Client
                from alibabacloud_tea_openapi.utils_models import Config
            except ImportError:
                raise ConfigError(
                    "FC deploys need the Alibaba Cloud SDK: pip install 'faas-bridge[deploy]'"
                ) from None
            url = urlsplit(self.api_endpoint())
            config = Config(
                access_key_id=self.env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                access_key_secret=self.env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                security_token=self.env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None,
                region_id=self.region,
                endpoint=url.netloc,
                protocol=url.scheme or "https",
                connect_timeout=10000,
                read_timeout=120000,
            )
            self._client = Client(config)
        return self._client

    def check_region(self) -> None:
        """The region must be one the SDK knows (``Client._endpoint_map``), unless ``--endpoint`` is given.

        A typo fails here, in one line, rather than as a DNS error after the retries.
        """
        if self.endpoint:
            return
        try:
            from alibabacloud_fc20230330.client import Client
        except ImportError:
            return  # client() says what to install
        import inspect

        source = inspect.getsource(Client.__init__)
        known = sorted(set(_quoted_keys(source)))
        if known and self.region not in known:
            raise ConfigError(
                f"FC: unknown region {self.region!r}: use one of {', '.join(known)} "
                f"(or --endpoint URL for another API endpoint)"
            )

    def _call(self, step: str, resource: str, method: str, *args: Any) -> Any:
        """One SDK call; the vendor's errors become :class:`CloudError`/:class:`RetryableError`."""
        try:
            return getattr(self.client(), method)(*args)
        except Exception as error:  # the SDK raises its own hierarchy and the HTTP library's
            raise _cloud_error(step, resource, error, self.api_endpoint()) from None

    # --- the plan --------------------------------------------------------------------------------------

    def desired(self, deployment: Deployment, package: Package) -> List[Resource]:
        from ..deploy.targets import get_target
        from ..deploy.targets.fc import _domain_props

        target = get_target("fc")
        target.check(deployment)
        limit = _inline_limit(target)
        if package.size > limit.limit_bytes:
            raise ConfigError(
                f"FC: the package is {package.size / 1e6:.1f} MB, over the {limit.limit_bytes // 2**20} MB "
                f"FC accepts inline through the API ({limit.source}); uploading through OSS is not "
                f"implemented: deploy with `s deploy` from `bridge build --platform fc`, or make the "
                f"package smaller (exclude files in the project definition)"
            )
        checksum = code_checksum(package.zip_path)
        resources: List[Resource] = []
        project = deployment.name
        for function in deployment.functions:
            props = target._function_props(deployment, function, self.region)  # the s.yaml props
            settings: Dict[str, Any] = {
                "runtime": props["runtime"],
                "handler": props.get("handler", "index.handler"),
                "memorySize": props["memorySize"],
                "timeout": props["timeout"],
                "description": props["description"],
                # References (${env.NAME}) were resolved by the CLI from the deployer's shell.
                "environmentVariables": dict(function.environment),
                "codeChecksum": checksum,
            }
            lifecycle = props.get("instanceLifecycleConfig")
            if lifecycle:
                settings["instanceLifecycleConfig"] = _hooks(lifecycle)
            if props.get("customRuntimeConfig"):
                settings["customRuntimeConfig"] = props["customRuntimeConfig"]
            resources.append(
                Resource(
                    "function", function.name, settings, {"zip_path": package.zip_path, "project": project}
                )
            )
            resources += self._job_triggers(deployment, function)
            if not function.http:
                continue  # a split plan's `jobs` function: the triggers of its jobs only
            trigger = props["triggers"][0]
            resources.append(
                Resource(
                    "trigger",
                    f"{function.name}/{trigger['triggerName']}",
                    {
                        "triggerType": trigger["triggerType"],
                        "qualifier": trigger["qualifier"],
                        "triggerConfig": _trigger_config(trigger["triggerConfig"]),
                    },
                    {
                        "function": function.name,
                        "trigger": trigger["triggerName"],
                        "description": trigger["description"],
                    },
                )
            )
        if deployment.split:
            domain = deployment.options.domain_name
            if not domain or domain == "auto":
                raise ConfigError(
                    "FC: a split app needs a custom domain for its route table: pass --domain NAME "
                    f"(a domain you own, CNAME to {self.env.get('ALIBABA_CLOUD_ACCOUNT_ID', 'ACCOUNT')}"
                    f".{self.region}.fc.aliyuncs.com)"
                )
            try:
                props = _domain_props(deployment, self.region)
            except ValueError as error:
                raise ConfigError(f"FC: {error}") from None
            resources.append(
                Resource(
                    "domain",
                    domain,
                    {"protocol": props["protocol"], "routes": _routes(props["routeConfig"]["routes"])},
                )
            )
        return resources

    def _job_triggers(self, deployment: Deployment, function: Any) -> List[Resource]:
        """The timer, OSS and MNS triggers ``s.yaml`` gives ``function``, with this account's ARNs."""
        from ..deploy import job_triggers

        jobs = job_triggers.function_jobs(deployment, function)
        if jobs is None:
            return []
        account = self.env.get("ALIBABA_CLOUD_ACCOUNT_ID", "")
        found: List[Resource] = []
        for trigger in job_triggers.fc_triggers(jobs, self.region, account=account, role=self._role):
            settings = {key: trigger[key] for key in _JOB_TRIGGER_FIELDS if key in trigger}
            extra = {
                "function": function.name,
                "trigger": trigger["triggerName"],
                "description": trigger["description"],
            }
            found.append(Resource("trigger", f"{function.name}/{trigger['triggerName']}", settings, extra))
        return found

    def _role(self, trigger_type: str, job: Any) -> str:
        """The RAM role OSS or MNS assumes to call the function: configured, never guessed (a role
        named like the console's may not exist in this account, or may not trust that service)."""
        variable, service, console, page = _ROLE_VARIABLES[trigger_type]
        arn = self.env.get(variable)
        if not arn:
            account = self.env.get("ALIBABA_CLOUD_ACCOUNT_ID") or "ACCOUNT"
            raise ConfigError(
                f"FC: {job.key} needs the RAM role {service} assumes to invoke the function: set "
                f"{variable} to its ARN (the FC console creates acs:ram::{account}:role/{console}: {page})"
            )
        return arn

    # --- what is deployed --------------------------------------------------------------------------

    def actual(self, project: str) -> List[Resource]:
        from alibabacloud_fc20230330 import models

        resources: List[Resource] = []
        functions = []
        token = None
        while True:
            request = models.ListFunctionsRequest(
                limit=100, next_token=token, tags=[models.Tag(key=TAG_KEY, value=project)]
            )
            output = self._call("list", "functions", "list_functions", request).body
            functions.extend(output.functions or [])
            token = output.next_token
            if not token:
                break
        ours = set()
        for function in functions:
            tags = function.tags or []
            if tags and not any(t.key == TAG_KEY and t.value == project for t in tags):
                continue  # the server filtered by tag; a missing tag list is trusted to that filter
            ours.add(function.function_name)
            resources.append(_function_resource(function, project))
            listing = self._call(
                "list",
                f"triggers of {function.function_name}",
                "list_triggers",
                function.function_name,
                models.ListTriggersRequest(limit=100),
            ).body
            for trigger in listing.triggers or []:
                resources.append(_trigger_resource(function.function_name, trigger))
        token = None
        while True:
            request = models.ListCustomDomainsRequest(limit=100, next_token=token)
            output = self._call("list", "custom domains", "list_custom_domains", request).body
            for domain in output.custom_domains or []:
                routes = (domain.route_config.routes if domain.route_config else None) or []
                # A domain is ours when it routes only to this project's functions: FC does not tag
                # custom domains through the function API.
                if routes and all(route.function_name in ours for route in routes):
                    resources.append(
                        Resource(
                            "domain",
                            domain.domain_name,
                            {"protocol": domain.protocol, "routes": _routes([r.to_map() for r in routes])},
                        )
                    )
            token = output.next_token
            if not token:
                break
        return resources

    # --- changes --------------------------------------------------------------------------------------

    def create(self, resource: Resource) -> None:
        from alibabacloud_fc20230330 import models

        if resource.kind == "function":
            body = models.CreateFunctionInput(
                function_name=resource.name,
                code=models.InputCodeLocation(zip_file=http_functions.zip_base64(resource)),
                tags=[models.Tag(key=TAG_KEY, value=resource.extra["project"])],
                **_function_fields(models, resource.settings),
            )
            self._call("create", str(resource), "create_function", models.CreateFunctionRequest(body=body))
        elif resource.kind == "trigger":
            body = models.CreateTriggerInput(
                trigger_name=resource.extra["trigger"],
                trigger_type=resource.settings["triggerType"],
                qualifier=resource.settings["qualifier"],
                description=resource.extra.get("description"),
                trigger_config=json.dumps(resource.settings["triggerConfig"]),
                source_arn=resource.settings.get("sourceArn"),
                invocation_role=resource.settings.get("invocationRole"),
            )
            self._call(
                "create",
                str(resource),
                "create_trigger",
                resource.extra["function"],
                models.CreateTriggerRequest(body=body),
            )
        elif resource.kind == "domain":
            body = models.CreateCustomDomainInput(
                domain_name=resource.name,
                protocol=resource.settings["protocol"],
                route_config=_route_config(models, resource.settings["routes"]),
            )
            self._call(
                "create", str(resource), "create_custom_domain", models.CreateCustomDomainRequest(body=body)
            )
        else:
            raise ValueError(f"FC has no resource kind {resource.kind!r}")

    def update(self, change: Change) -> None:
        from alibabacloud_fc20230330 import models

        resource = change.resource
        if resource.kind == "function":
            fields = _function_fields(models, resource.settings)
            if "codeChecksum" in change.fields:
                fields["code"] = models.InputCodeLocation(zip_file=http_functions.zip_base64(resource))
            body = models.UpdateFunctionInput(**fields)
            self._call(
                "update",
                str(resource),
                "update_function",
                resource.name,
                models.UpdateFunctionRequest(body=body),
            )
        elif resource.kind == "trigger":
            if "triggerType" in change.fields or "sourceArn" in change.fields:
                # UpdateTrigger changes neither (UpdateTriggerInput has no such field): replace it.
                self.delete(change.current or resource)
                self.create(resource)
                return
            body = models.UpdateTriggerInput(
                qualifier=resource.settings["qualifier"],
                description=resource.extra.get("description"),
                trigger_config=json.dumps(resource.settings["triggerConfig"]),
                invocation_role=resource.settings.get("invocationRole"),
            )
            self._call(
                "update",
                str(resource),
                "update_trigger",
                resource.extra["function"],
                resource.extra["trigger"],
                models.UpdateTriggerRequest(body=body),
            )
        elif resource.kind == "domain":
            body = models.UpdateCustomDomainInput(
                protocol=resource.settings["protocol"],
                route_config=_route_config(models, resource.settings["routes"]),
            )
            self._call(
                "update",
                str(resource),
                "update_custom_domain",
                resource.name,
                models.UpdateCustomDomainRequest(body=body),
            )
        else:
            raise ValueError(f"FC has no resource kind {resource.kind!r}")

    def delete(self, resource: Resource) -> None:
        try:
            if resource.kind == "function":
                self._call("delete", str(resource), "delete_function", resource.name)
            elif resource.kind == "trigger":
                self._call(
                    "delete",
                    str(resource),
                    "delete_trigger",
                    resource.extra["function"],
                    resource.extra["trigger"],
                )
            elif resource.kind == "domain":
                self._call("delete", str(resource), "delete_custom_domain", resource.name)
            else:
                raise ValueError(f"FC has no resource kind {resource.kind!r}")
        except CloudError as error:
            if error.code not in _NOT_FOUND_CODES:  # already gone: what delete wanted
                raise

    def endpoints(self, resources: List[Resource]) -> Dict[str, str]:
        return http_functions.endpoints(resources, "protocol")

    def invoke(self, function: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        from alibabacloud_fc20230330 import models

        request = models.InvokeFunctionRequest(body=json.dumps(payload).encode(), qualifier=_QUALIFIER)
        from darabonba.runtime import RuntimeOptions

        # A management command may run as long as the function's timeout allows: wait for it.
        runtime = RuntimeOptions(read_timeout=_INVOKE_READ_TIMEOUT_MS)
        response = self._call(
            "invoke", f"function {function}", "invoke_function_with_options",
            function, request, models.InvokeFunctionHeaders(), runtime,
        )  # fmt: skip
        body = response.body.read() if hasattr(response.body, "read") else (response.body or b"")
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        if headers.get("x-fc-error-type"):
            # The function raised: FC answers 200 with the error in the body (x-fc-error-type says so).
            raise CloudError("invoke", f"function {function}", text, code=headers["x-fc-error-type"])
        return http_functions.invocation_result(function, text)


# --- settings in FC's form ---------------------------------------------------------------------------


def _inline_limit(target: Any) -> Any:
    for limit in target.size_limits:
        if "SDK" in limit.what:
            return limit
    return target.size_limits[-1]


def _hooks(lifecycle: Dict[str, Any]) -> Dict[str, Any]:
    return {
        name: {"handler": hook.get("handler"), "timeout": hook.get("timeout")}
        for name, hook in sorted(lifecycle.items())
        if hook and hook.get("handler")
    }


def _trigger_config(config: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "authType": config.get("authType", "anonymous"),
        "methods": sorted(str(m).upper() for m in config.get("methods") or ()),
        "disableURLInternet": bool(config.get("disableURLInternet", False)),
    }


def _routes(routes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Route entries with only the compared keys, in table order (the order is FC's match order)."""
    entries = []
    for route in routes:
        entry = {
            "path": route["path"],
            "functionName": route["functionName"],
            "qualifier": route.get("qualifier") or _QUALIFIER,
        }
        if route.get("methods"):
            entry["methods"] = sorted(route["methods"])
        entries.append(entry)
    return entries


def _route_config(models: Any, routes: List[Dict[str, Any]]) -> Any:
    return models.RouteConfig(
        routes=[
            models.PathConfig(
                path=r["path"],
                function_name=r["functionName"],
                qualifier=r["qualifier"],
                methods=r.get("methods"),
            )
            for r in routes
        ]
    )


def _function_fields(models: Any, settings: Dict[str, Any]) -> Dict[str, Any]:
    fields: Dict[str, Any] = {
        "runtime": settings["runtime"],
        "handler": settings["handler"],
        "memory_size": settings["memorySize"],
        "timeout": settings["timeout"],
        "description": settings["description"],
        "environment_variables": dict(settings["environmentVariables"]),
    }
    hooks = settings.get("instanceLifecycleConfig")
    if hooks:
        fields["instance_lifecycle_config"] = models.InstanceLifecycleConfig(
            initializer=_hook(models, hooks.get("initializer")), pre_stop=_hook(models, hooks.get("preStop"))
        )
    runtime_config = settings.get("customRuntimeConfig")
    if runtime_config:
        fields["custom_runtime_config"] = models.CustomRuntimeConfig(
            command=runtime_config.get("command"), port=runtime_config.get("port")
        )
    return fields


def _hook(models: Any, hook: Optional[Dict[str, Any]]) -> Any:
    return models.LifecycleHook(handler=hook["handler"], timeout=hook["timeout"]) if hook else None


def _function_resource(function: Any, project: str) -> Resource:
    settings: Dict[str, Any] = {
        "runtime": function.runtime,
        "handler": function.handler,
        "memorySize": function.memory_size,
        "timeout": function.timeout,
        "description": function.description or "",
        "environmentVariables": dict(function.environment_variables or {}),
        "codeChecksum": str(function.code_checksum or ""),
    }
    lifecycle = function.instance_lifecycle_config
    if lifecycle is not None:
        settings["instanceLifecycleConfig"] = _hooks(
            {k: v for k, v in (lifecycle.to_map() or {}).items() if isinstance(v, dict)}
        )
    if function.custom_runtime_config is not None:
        config = function.custom_runtime_config
        settings["customRuntimeConfig"] = {"command": config.command, "port": config.port}
    extra = {"project": project, "state": function.state, "arn": function.function_arn}
    return Resource("function", function.function_name, settings, extra)


def _trigger_resource(function: str, trigger: Any) -> Resource:
    try:
        config = json.loads(trigger.trigger_config or "{}")
    except ValueError:
        config = {}
    url = None
    if trigger.http_trigger is not None:
        url = trigger.http_trigger.url_internet
    settings = {
        "triggerType": trigger.trigger_type,
        "qualifier": trigger.qualifier or _QUALIFIER,
        "triggerConfig": _trigger_config(config) if trigger.trigger_type == _TRIGGER else config,
    }
    if trigger.source_arn:
        settings["sourceArn"] = trigger.source_arn
    if trigger.invocation_role:
        settings["invocationRole"] = trigger.invocation_role
    return Resource(
        "trigger",
        f"{function}/{trigger.trigger_name}",
        settings,
        {
            "function": function,
            "trigger": trigger.trigger_name,
            "url": url,
            "description": trigger.description,
        },
    )


def _quoted_keys(source: str) -> List[str]:
    import re

    return re.findall(r"'([a-z0-9-]+)': '[a-z0-9.-]+\.aliyuncs\.com", source)


def _cloud_error(step: str, resource: str, error: Exception, endpoint: str) -> CloudError:
    from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException

    if isinstance(error, CloudError):
        return error
    if isinstance(error, AlibabaCloudException):
        data = error.data if isinstance(error.data, dict) else {}
        code = str(data.get("Code") or data.get("code") or error.code or "")
        message = str(data.get("Message") or data.get("message") or error.message or "")
        status = error.status_code or 0
        if code in ("SignatureNotMatch", "InvalidAccessKeyID", "InvalidSecurityToken"):
            raise CredentialsError(
                f"FC rejected the credentials ({step} {resource}): {code}: {message} "
                "(check ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)"
            )
        if (
            isinstance(error, ThrottlingException)
            or status == 429
            or status >= 500
            or code in _RETRYABLE_CODES
        ):
            return RetryableError(step, resource, message, code=code)
        return CloudError(step, resource, message, code=code)
    from darabonba.exceptions import UnretryableException

    if isinstance(error, (UnretryableException, OSError)) or type(error).__module__.startswith(
        ("requests", "urllib3")
    ):
        # No answer at all (refused, DNS, timeout): the network, retryable, with the endpoint named.
        inner = getattr(error, "inner_exception", None) or error
        return RetryableError(
            step, resource, f"cannot reach {endpoint}: {_first_line(inner)}", code="NetworkError"
        )
    # The SDK refused the request itself (a missing required field): ours to fix, not retryable.
    return CloudError(step, resource, _first_line(error), code=type(error).__name__)


def _first_line(error: Any) -> str:
    text = str(error) or type(error).__name__
    return text.strip().splitlines()[0][:300] if text.strip() else type(error).__name__
