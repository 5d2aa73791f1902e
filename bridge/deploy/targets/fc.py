"""Alibaba Cloud Function Compute 3.0: a Serverless Devs ``s.yaml``.

One ``fc3`` resource per function (HTTP trigger, lifecycle hooks wired to the bridge) and one
``fc3-domain`` resource holding the route table. Props follow the components' JSON Schemas
(``devsapp/fc3`` and ``devsapp/fc3-domain`` ``src/schema.json``; reference alibaba-fc.md §6).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List

from .. import job_triggers, variables, yaml_out
from ..deployment import HTTP_METHODS, WEB_PORT
from ._base import CODE_ZIP, MB, SizeLimit, Target, header

if TYPE_CHECKING:
    from ..deployment import DeployedFunction, Deployment

_LIMITS_PAGE = "https://help.aliyun.com/zh/functioncompute/fc-3-0/product-overview/limits-of-usage"
# Longest lifecycle hooks FC runs: Initializer 300 s, PreStop 90 s (same limits page).
_INITIALIZER_MAX_S = 300
_PRE_STOP_MAX_S = 90
# PreStop runs the app's shutdown (ASGI lifespan, on_shutdown hooks): the core gives lifespan
# shutdown 10 s, plus a margin for the hooks. In web mode `bridge run` drains running requests for
# the grace period less a second (9 s), then gives lifespan shutdown 5 s: 15 s covers both.
_PRE_STOP_S = 15
# A custom runtime's hooks are HTTP requests to the server (POST /initialize, GET /pre-stop); the
# handler FC sends along is "meaningless" there and "can be set to a random string"
# (https://www.alibabacloud.com/help/doc-detail/425057.htm), but a hook is configured by setting one.
_WEB_HOOK_HANDLER = "true"


class FcServerlessDevs(Target):
    name = "fc"
    title = "Alibaba Cloud FC 3.0"
    deploy_file = "s.yaml"
    bootstrap_name = "bootstrap"
    bootstrap_doc = (
        "FC starts customRuntimeConfig.command, /code/bootstrap by default "
        "(https://help.aliyun.com/document_detail/2513503.html)."
    )
    # fc3 schema IRuntime enum: python3.9, python3.10, python3.12 (alibaba-fc.md §6.1).
    python_versions = ("3.9", "3.10", "3.12")
    memory_mb = (128, 32768, 64)  # fc3 schema: multipleOf 64, 128..32768
    timeout_s = (1, 86400)  # fc3 schema
    size_limits = (
        SizeLimit(
            "zip uploaded by Serverless Devs, the console or OSS",
            unzipped=False,
            limit_bytes=500 * MB,
            source=_LIMITS_PAGE,
            confirmed=False,
        ),
        SizeLimit(
            "zip uploaded through the SDK/OpenAPI (ZipFile, base64)",
            unzipped=False,
            limit_bytes=100 * MB,
            source=_LIMITS_PAGE,
            confirmed=False,
        ),
    )

    size_advice = (
        ("upload the zip to OSS and point the function's code at the object", _LIMITS_PAGE),
        ("move the dependencies into a layer, and build with --no-requirements", _LIMITS_PAGE),
    )

    def runtime(self, python_version: str) -> str:
        return f"python{python_version}"

    def web_interpreter(self, python_version: str) -> str:
        # The official Flask/FastAPI templates put /var/fc/lang/python3.10/bin on PATH for
        # custom.debian10 (alibaba-fc.md §5, §6.4); other versions there are UNCONFIRMED.
        return f"/var/fc/lang/python{python_version}/bin/python3"

    def notes(self, deployment: Deployment) -> List[str]:
        if deployment.options.mode == "event" and any(f.concurrency for f in deployment.functions):
            # instanceConcurrency is for custom runtimes only (alibaba-fc.md §3.4).
            return [
                "FC: `concurrency` is not written in event mode: built-in runtimes take one request "
                "per instance; --mode web serves several per instance"
            ]
        return []

    def render(self, deployment: Deployment) -> Dict[str, str]:
        region = getattr(deployment.project, "region", None) or "cn-hangzhou"
        resources: Dict[str, Any] = {}
        for function in deployment.functions:
            resources[_resource_key(function.name)] = {
                "component": "fc3",
                "props": self._function_props(deployment, function, region),
            }
        resources["custom_domain"] = {"component": "fc3-domain", "props": _domain_props(deployment, region)}
        document = {"edition": "3.0.0", "name": deployment.name, "access": "default", "resources": resources}
        return {self.deploy_file: yaml_out.dump(document, header(deployment, self))}

    def _function_props(
        self, deployment: Deployment, function: DeployedFunction, region: str
    ) -> Dict[str, Any]:
        web = deployment.options.mode == "web"
        props: Dict[str, Any] = {
            "region": region,
            "functionName": function.name,
            "description": f"{deployment.name} {function.name} (faas-bridge)",
            # Custom runtimes pass HTTP through to a server on CAPort; built-in ones call a handler
            # with an event (alibaba-fc.md §0).
            "runtime": "custom.debian10" if web else self.runtime(deployment.python_version),
            "code": f"./{CODE_ZIP}",
        }
        if not web:
            props["handler"] = deployment.handler
        props["memorySize"] = function.memory
        props["timeout"] = function.timeout
        if function.environment:
            props["environmentVariables"] = {
                key: variables.respell(value, variables.serverless_devs)
                for key, value in function.environment.items()
            }
        if web:
            # `bash bootstrap` rather than `./bootstrap`: works whether or not the zip's exec bit survives.
            props["customRuntimeConfig"] = {"command": ["/bin/bash", "/code/bootstrap"], "port": WEB_PORT}
            if function.concurrency:
                props["instanceConcurrency"] = function.concurrency
        # Web mode: `bridge run --platform fc` answers FC's POST /initialize and GET /pre-stop itself
        # (lifespan startup; drain, then lifespan shutdown), so the hooks are configured there too.
        initializer = _WEB_HOOK_HANDLER if web else deployment.initializer
        pre_stop = _WEB_HOOK_HANDLER if web else deployment.pre_stop
        props["instanceLifecycleConfig"] = {
            "initializer": {
                "handler": initializer,
                "timeout": min(_INITIALIZER_MAX_S, max(30, function.timeout)),
            },
            "preStop": {"handler": pre_stop, "timeout": min(_PRE_STOP_MAX_S, _PRE_STOP_S)},
        }
        props["triggers"] = [
            {
                "triggerName": "http",
                "triggerType": "http",
                "description": "faas-bridge HTTP entry",
                "qualifier": "LATEST",
                "triggerConfig": {
                    "authType": "anonymous",
                    # Every method: a method a function's routes do not take must get the app's own
                    # answer (a JSON 405, say), not the trigger's; the domain routes by path anyway.
                    "methods": list(HTTP_METHODS),
                    "disableURLInternet": False,
                },
            }
        ]
        if not function.http:  # a split plan's `jobs` function: its triggers are its jobs'
            props["triggers"] = []
        props["triggers"] += _job_triggers(deployment, function, region)
        return props


def _job_triggers(deployment: Deployment, function: DeployedFunction, region: str) -> List[Dict[str, Any]]:
    """Timer / OSS / MNS triggers for ``[schedules]`` and ``[events]``, on the function that runs them."""
    jobs = job_triggers.function_jobs(deployment, function)
    return [] if jobs is None else job_triggers.fc_triggers(jobs, region)


def _domain_props(deployment: Deployment, region: str) -> Dict[str, Any]:
    routes: List[Dict[str, Any]] = []
    for route in deployment.table("fc"):
        entry: Dict[str, Any] = {
            "path": route.path,
            "functionName": deployment.function(route.function).name,
            "qualifier": "LATEST",
        }
        methods = [m for m in (m.upper() for m in route.methods or ()) if m in HTTP_METHODS]
        if route.methods and methods and "ANY" not in (m.upper() for m in route.methods):
            entry["methods"] = methods
        routes.append(entry)
    return {
        "region": region,
        "domainName": deployment.options.domain_name,
        "protocol": "HTTP",
        "routeConfig": {"routes": routes},
    }


def _resource_key(name: str) -> str:
    """A resource key for ``s.yaml`` (`${resources.KEY...}` references need a plain identifier)."""
    key = re.sub(r"\W", "_", name)
    return key if key[:1].isalpha() else f"fn_{key}"
