"""Tencent Cloud SCF: a Serverless Framework ``serverless.yml``.

One function uses the ``scf`` component, several the ``multi-scf`` component (reference
tencent-scf.md §5.1, §5.2). The HTTP entry is a Function URL (trigger type ``http``) by default:
API Gateway triggers can no longer be created since 2024-07-01 and go offline on 2025-06-30
(https://cloud.tencent.com/document/product/583/107631, tencent-scf.md §0), so they are written only
with ``--trigger apigw``, and then with ``isIntegratedResponse: true`` since the bridge returns the
integrated-response shape (tencent-scf.md §2).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List

from ..._errors import ConfigError
from .. import job_triggers, variables, yaml_out
from ._base import CODE_DIR, MB, SizeLimit, Target, header

if TYPE_CHECKING:
    from ..deployment import DeployedFunction, Deployment, DeployOptions

# Methods an API Gateway API may have in the components' allow list (tencent-scf.md §5.1).
_APIGW_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
# Reserved environment variable prefixes (qcloud-docs 开发指南/环境变量.md, tencent-scf.md §4).
_RESERVED_ENV = ("SCF_", "QCLOUD_", "TENCENTCLOUD_")


class ScfServerlessFramework(Target):
    name = "scf"
    title = "Tencent Cloud SCF"
    deploy_file = "serverless.yml"
    bootstrap_name = "scf_bootstrap"
    bootstrap_doc = (
        "SCF web functions run the executable scf_bootstrap, which must listen on 0.0.0.0:9000 "
        "(https://cloud.tencent.com/document/product/583/56126)."
    )
    # SDK CreateFunction Runtime values with Python 3.9+ (tencent-scf.md §4).
    python_versions = ("3.9", "3.10")
    memory_mb = (128, 3072, 128)  # 64 MB also exists; too small for a web framework (tencent-scf.md §4)
    timeout_s = (1, 900)
    size_limits = (
        SizeLimit(
            "zip sent in CreateFunction (ZipFile, base64)",
            unzipped=False,
            limit_bytes=50 * MB,
            source="https://cloud.tencent.com/document/product/583/11637",
            confirmed=True,
        ),
        SizeLimit(
            "zip sent in UpdateFunctionCode (ZipFile)",
            unzipped=False,
            limit_bytes=20 * MB,
            source="https://cloud.tencent.com/document/api/583/18581",
            confirmed=True,
        ),
        SizeLimit(
            "code and layers, extracted",
            unzipped=True,
            limit_bytes=500 * MB,
            source="https://cloud.tencent.com/document/product/583/11637",
            confirmed=True,
        ),
    )

    def gateway(self, options: DeployOptions) -> str:
        # Function URLs have no route table: the router put in front uses the nginx one.
        return "scf" if options.trigger == "apigw" else "nginx"

    size_advice = (
        (
            "upload the zip to COS and deploy the function from there (CodeSource Cos)",
            "https://cloud.tencent.com/document/api/583/18581",
        ),
        (
            "move the dependencies into a layer, and build with --no-requirements",
            "https://cloud.tencent.com/document/product/583/40159",
        ),
    )

    def runtime(self, python_version: str) -> str:
        return f"Python{python_version}"

    def web_interpreter(self, python_version: str) -> str:
        # Python3.10: /var/lang/python310/bin/python3.10 (tencent-scf src/config.js); Python3.9 by
        # the same pattern is seen in third-party files only (tencent-scf.md §3.2).
        compact = python_version.replace(".", "")
        return f"/var/lang/python{compact}/bin/python{python_version}"

    def check(self, deployment: Deployment) -> None:
        super().check(deployment)
        for function in deployment.functions:
            for key in function.environment:
                if key.upper().startswith(_RESERVED_ENV):
                    raise ConfigError(
                        f"function {function.name!r}: environment variable {key} uses a prefix SCF reserves "
                        f"({', '.join(_RESERVED_ENV)}); rename it"
                    )

    def notes(self, deployment: Deployment) -> List[str]:
        notes = []
        defaulted = sorted(
            {
                name
                for function in deployment.functions
                for value in function.environment.values()
                for name, default in variables.references(value)
                if default is not None
            }
        )
        if defaulted:
            notes.append(
                f"SCF: serverless.yml cannot carry the defaults of {', '.join(defaulted)} (UNCONFIRMED "
                "that Tencent's components resolve ${env:NAME, 'default'}): set them, even empty, "
                "before `sls deploy`"
            )
        if any(function.concurrency for function in deployment.functions):
            # Multi-concurrency is a web-function setting the components' docs do not show.
            notes.append("SCF: `concurrency` is not written; set it on the web function in the console")
        if deployment.split and deployment.options.trigger == "url":
            notes.append(
                "SCF Function URLs are one per function, with no route table: put a router in front "
                "(the plan is checked for the `nginx` table; or a TSE gateway), or use --trigger apigw"
            )
        if deployment.split and deployment.options.trigger == "apigw":
            notes.append(
                "multi-scf (serverless-components/tencent-multi-scf src/formatter.ts) rebuilds each API's "
                "`function` and may drop isIntegratedResponse: after deploy, check that integrated "
                "response is on for every API"
            )
        return notes

    def render(self, deployment: Deployment) -> Dict[str, str]:
        if deployment.split:
            document = self._multi_scf(deployment)
        else:
            document = self._scf(deployment, deployment.functions[0])
        return {self.deploy_file: yaml_out.dump(document, header(deployment, self))}

    # --- one function: component scf ---------------------------------------------------------------

    def _scf(self, deployment: Deployment, function: DeployedFunction) -> Dict[str, Any]:
        web = deployment.options.mode == "web"
        inputs: Dict[str, Any] = {
            "name": function.name,
            "src": {"src": f"./{CODE_DIR}"},
            "type": "web" if web else "event",
        }
        if not web:
            # Our own entry, so the handler is index.handler rather than SCF's usual main_handler.
            inputs["handler"] = deployment.handler
        inputs.update(self._common(deployment))
        inputs["memorySize"] = function.memory
        inputs["timeout"] = function.timeout
        if function.environment:
            inputs["environment"] = {"variables": _environment(function)}
        if deployment.options.trigger == "apigw":
            endpoints = [dict(api, **_integrated(deployment)) for api in _apis(deployment)]
            parameters = dict(_apigw_service(deployment), endpoints=endpoints)
            inputs["events"] = [{"apigw": {"parameters": parameters}}]
        else:
            inputs["events"] = [{"http": {"parameters": _function_url()}}]
        jobs = job_triggers.function_jobs(deployment, function)
        if jobs is not None:
            inputs["events"] += job_triggers.scf_events(jobs, self._common(deployment)["region"])
        return {
            "app": deployment.name,
            "stage": "dev",
            "component": "scf",
            "name": deployment.name,
            "inputs": inputs,
        }

    # --- several functions: component multi-scf ----------------------------------------------------

    def _multi_scf(self, deployment: Deployment) -> Dict[str, Any]:
        web = deployment.options.mode == "web"
        functions: Dict[str, Any] = {}
        for function in deployment.functions:
            spec: Dict[str, Any] = {
                "name": function.name,
                # multi-scf's web example names the start script as the handler.
                "handler": self.bootstrap_name if web else deployment.handler,
                "memorySize": function.memory,
                "timeout": function.timeout,
            }
            if function.environment:
                # multi-scf takes a key/value list here, unlike scf's map (tencent-scf.md §5.2).
                spec["environment"] = [{"key": k, "value": v} for k, v in _environment(function).items()]
            functions[_function_key(function.name)] = spec
        if deployment.options.trigger == "apigw":
            apis = [
                dict(api, function=_function_key(api.pop("function")), **_flat_integrated(deployment))
                for api in _apis(deployment, with_function=True)
            ]
            triggers = [{"type": "apigw", "parameters": dict(_apigw_service(deployment), apis=apis)}]
        else:
            triggers = [
                {"type": "http", "function": _function_key(function.name), "parameters": _function_url()}
                for function in deployment.functions
                if function.http
            ]
        inputs: Dict[str, Any] = {"src": {"src": f"./{CODE_DIR}"}}
        inputs.update(self._common(deployment))
        inputs["type"] = "web" if web else "event"
        inputs["functions"] = functions
        for function in deployment.functions:
            jobs = job_triggers.function_jobs(deployment, function)
            if jobs is not None:
                key = _function_key(function.name)
                triggers += job_triggers.scf_multi_triggers(jobs, self._common(deployment)["region"], key)
        inputs["triggers"] = triggers
        return {
            "app": deployment.name,
            "stage": "dev",
            "component": "multi-scf",
            "name": deployment.name,
            "inputs": inputs,
        }

    def _common(self, deployment: Deployment) -> Dict[str, Any]:
        return {
            "region": getattr(deployment.project, "region", None) or "ap-guangzhou",
            "runtime": self.runtime(deployment.python_version),
        }


def _environment(function: DeployedFunction) -> Dict[str, str]:
    return {
        key: variables.respell(value, variables.serverless_framework)
        for key, value in function.environment.items()
    }


def _function_url() -> Dict[str, Any]:
    # tencent-component-toolkit src/modules/triggers/http.ts: AuthType NONE is "open"; both
    # networks default to off, so the public one must be switched on.
    return {
        "qualifier": "$DEFAULT",
        "authType": "NONE",
        "netConfig": {"enableIntranet": False, "enableExtranet": True},
    }


def _apigw_service(deployment: Deployment) -> Dict[str, Any]:
    # serviceName: ^[a-zA-Z][a-zA-Z0-9(_)]{0,48}[a-zA-Z0-9]?$ (tencent-scf serverless.component.yml)
    service = re.sub(r"[^A-Za-z0-9_]", "_", deployment.name)[:49] or "faas_bridge"
    return {"name": service, "protocols": ["http", "https"], "environment": "release"}


def _apis(deployment: Deployment, *, with_function: bool = False) -> List[Dict[str, Any]]:
    """API Gateway APIs from the plan's ``scf`` table: plain path prefixes, one API per method."""
    apis: List[Dict[str, Any]] = []
    for route in deployment.table("scf"):
        methods = [m.upper() for m in route.methods or ()]
        if not methods or any(m not in _APIGW_METHODS for m in methods):
            methods = ["ANY"]  # PATCH/OPTIONS have no API of their own; ANY reaches the app's answer
        for method in methods:
            api: Dict[str, Any] = {"path": route.path, "method": method}
            if with_function:
                api["function"] = route.function
            apis.append(api)
    return apis


def _integrated(deployment: Deployment) -> Dict[str, Any]:
    # Web functions get the HTTP request as is; event functions must answer in the integrated shape.
    if deployment.options.mode == "web":
        return {}
    return {"function": {"isIntegratedResponse": True}}


def _flat_integrated(deployment: Deployment) -> Dict[str, Any]:
    return {} if deployment.options.mode == "web" else {"isIntegratedResponse": True}


def _function_key(name: str) -> str:
    return re.sub(r"\W", "_", name)
