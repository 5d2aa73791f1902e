"""A local stand-in of the Tencent Cloud SCF API (2018-04-16), for deploy tests.

Written from the API reference (https://cloud.tencent.com/document/api/583/17234), the common
request/response structure and error codes of Tencent Cloud API 3.0
(https://cloud.tencent.com/document/api/583/17238, /17255) and the request models of
``tencentcloud-sdk-python-scf``: one POST to ``/`` per action named in ``X-TC-Action``, answers as
``{"Response": {..., "RequestId"}}``, errors as ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``
with HTTP 200.

Every request must carry a valid TC3-HMAC-SHA256 signature
(https://cloud.tencent.com/document/api/583/17240), recomputed here from the request as received:
a wrong key gets ``AuthFailure.SignatureFailure``, an unknown id ``AuthFailure.SecretIdNotFound``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from ._base import Reply, StandIn

SECRET_ID = "AKID-test-secret-id"
SECRET_KEY = "test-secret-key-for-the-stand-in"
REGIONS = ("ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-chengdu", "ap-hongkong", "ap-singapore")
NAMESPACE = "default"

_MUTATING = {
    "CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "DeleteFunction",
    "CreateTrigger", "UpdateTrigger", "DeleteTrigger",
    "CreateCustomDomain", "UpdateCustomDomain", "DeleteCustomDomain",
}  # fmt: skip


class SCFStandIn(StandIn):
    def __init__(self, *, secrets: Optional[Dict[str, str]] = None, polls_until_active: int = 1) -> None:
        super().__init__()
        self.secrets = secrets or {SECRET_ID: SECRET_KEY}
        self.functions: Dict[str, Dict[str, Any]] = {}
        self.code: Dict[str, bytes] = {}
        self.triggers: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.domains: Dict[str, Dict[str, Any]] = {}
        #: GetFunction answers a transitional state (Creating, Updating) this many times first.
        self.polls_until_active = polls_until_active
        #: Function name -> (failed state, reasons) its next create or update ends in.
        self.fail_deploy: Dict[str, Tuple[str, List[Dict[str, str]]]] = {}
        self._pending: Dict[str, int] = {}

    def dispatch(
        self, method: str, path: str, headers: Dict[str, str], body: bytes
    ) -> Tuple[int, Any, Dict[str, str]]:
        request_id = str(uuid.uuid4())
        try:
            self._verify(method, path, headers, body)
            action = headers.get("x-tc-action", "")
            region = headers.get("x-tc-region", "")
            if region not in REGIONS:
                raise _error("UnsupportedRegion", f"the API does not support region {region!r}")
            handler = getattr(self, f"do_{action}", None)
            if handler is None:
                raise _error("InvalidAction", f"action {action!r} does not exist")
            fault = self.record(method, action, action in _MUTATING, path)
            if fault is not None:
                if fault.status >= 500:  # the gateway itself failing: no API answer at all
                    return fault.status, {"message": fault.message}, {}
                raise _error(fault.code, fault.message)
            params = json.loads(body or b"{}")
            with self.lock:
                answer = handler(params)
            return 200, {"Response": dict(answer, RequestId=request_id)}, {}
        except Reply as reply:
            return 200, {"Response": dict(reply.body, RequestId=request_id)}, {}

    def _verify(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        match = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
            r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
            headers.get("authorization", ""),
        )
        if not match:
            raise _error(
                "AuthFailure.InvalidAuthorization", "Authorization in the request header is invalid."
            )
        secret_id, date, service, signed, signature = match.groups()
        if secret_id not in self.secrets:
            raise _error(
                "AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that it exists."
            )
        timestamp = int(headers.get("x-tc-timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            raise _error("AuthFailure.SignatureExpire", "Signature expired.")
        if datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d") != date or service != "scf":
            raise _error("AuthFailure.SignatureFailure", "The credential scope does not match the request.")
        names = signed.split(";")
        if "content-type" not in names or "host" not in names:
            raise _error("AuthFailure.SignatureFailure", "content-type and host must be signed.")
        uri, _, query = path.partition("?")
        canonical = "\n".join(
            [
                method,
                uri,
                query if method == "GET" else "",
                # "the header names and values, lower case and trimmed" (the TC3 signing document)
                "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in names),
                signed,
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + self.secrets[secret_id]).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise _error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )

    # --- functions ------------------------------------------------------------------------------------

    def _function(self, params: Dict[str, Any]) -> Dict[str, Any]:
        name = params.get("FunctionName")
        if name not in self.functions:
            raise _error("ResourceNotFound.Function", f"函数不存在: {name}")
        return self.functions[name]

    def _settle(self, name: str, transitional: str) -> None:
        self.functions[name]["Status"] = transitional
        self._pending[name] = self.polls_until_active

    def _store_code(self, name: str, zip_base64: Optional[str]) -> None:
        if not zip_base64:
            raise _error("InvalidParameterValue.Code", "Code.ZipFile or a COS location is required")
        data = base64.b64decode(zip_base64)
        self.code[name] = data
        self.functions[name]["CodeSha256"] = hashlib.sha256(data).hexdigest()
        self.functions[name]["CodeSize"] = len(data)

    def do_CreateFunction(self, params: Dict[str, Any]) -> Dict[str, Any]:
        name = params.get("FunctionName") or ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]", name):
            raise _error("InvalidParameterValue.FunctionName", f"invalid function name {name!r}")
        if name in self.functions:
            raise _error("ResourceInUse.Function", f"函数已存在: {name}")
        self.functions[name] = {
            "FunctionName": name,
            "Namespace": params.get("Namespace") or NAMESPACE,
            "Runtime": params.get("Runtime") or "Python2.7",
            "Handler": params.get("Handler"),
            "MemorySize": params.get("MemorySize") or 128,
            "Timeout": params.get("Timeout") or 3,
            "Description": params.get("Description") or "",
            "Type": params.get("Type") or "Event",
            "Environment": params.get("Environment") or {"Variables": []},
            "Tags": list(params.get("Tags") or []),
            "FunctionId": "lam-" + uuid.uuid4().hex[:8],
        }
        self._store_code(name, (params.get("Code") or {}).get("ZipFile"))
        self.triggers[name] = {}
        self._settle(name, "Creating")
        return {}

    def do_GetFunction(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        name = function["FunctionName"]
        if name in self._pending:
            self._pending[name] -= 1
            if self._pending[name] < 0:
                del self._pending[name]
                failure = self.fail_deploy.pop(name, None)
                if failure:
                    function["Status"], function["StatusReasons"] = failure
                else:
                    function["Status"], function["StatusReasons"] = "Active", []
        answer = {k: v for k, v in function.items() if k not in ("CodeSha256", "CodeSize")}
        answer["CodeSize"] = function["CodeSize"]
        answer["Triggers"] = [
            {k: t[k] for k in ("Type", "TriggerName", "TriggerDesc", "Qualifier")}
            for t in self.triggers[name].values()
        ]
        return answer

    def do_GetFunctionAddress(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        return {
            "Url": f"https://scf-code.cos.example/{function['FunctionName']}.zip",
            "CodeSha256": function["CodeSha256"],
        }

    def do_ListFunctions(self, params: Dict[str, Any]) -> Dict[str, Any]:
        functions = [f for _, f in sorted(self.functions.items())]
        offset, limit = int(params.get("Offset") or 0), int(params.get("Limit") or 20)
        keys = ("FunctionName", "FunctionId", "Namespace", "Runtime", "Status", "Description", "Tags", "Type")
        page = [{k: f.get(k) for k in keys} for f in functions[offset : offset + limit]]
        return {"Functions": page, "TotalCount": len(functions)}

    def do_UpdateFunctionCode(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        if function.get("Status") != "Active":
            raise _error("FailedOperation.UpdateFunctionCode", f"the function is {function.get('Status')}")
        if params.get("Handler"):
            function["Handler"] = params["Handler"]
        self._store_code(
            function["FunctionName"], params.get("ZipFile") or (params.get("Code") or {}).get("ZipFile")
        )
        self._settle(function["FunctionName"], "Updating")
        return {}

    def do_UpdateFunctionConfiguration(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        if function.get("Status") != "Active":
            raise _error(
                "FailedOperation.UpdateFunctionConfiguration", f"the function is {function.get('Status')}"
            )
        for key in ("MemorySize", "Timeout", "Description", "Environment"):
            if params.get(key) is not None:
                function[key] = params[key]
        self._settle(function["FunctionName"], "Updating")
        return {}

    def do_DeleteFunction(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        name = function["FunctionName"]
        for domain in self.domains.values():
            if any(e.get("FunctionName") == name for e in domain["EndpointsConfig"]):
                raise _error(
                    "ResourceInUse.Function", f"the custom domain {domain['Domain']} routes to {name}"
                )
        del self.functions[name]
        self.triggers.pop(name, None)
        self.code.pop(name, None)
        return {}

    def do_Invoke(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        name = function["FunctionName"]
        if params.get("InvocationType", "RequestResponse") != "RequestResponse":
            raise _error("InvalidParameterValue.InvocationType", "only RequestResponse is supported here")
        event = json.loads(params.get("ClientContext") or "{}")
        environment = {v["Key"]: v.get("Value", "") for v in function["Environment"].get("Variables") or []}
        request_id = str(uuid.uuid4())
        outcome = self.run_handler(
            self.code[name],
            handler=function["Handler"],
            event=event,
            context={
                "request_id": request_id,
                "function_name": name,
                "function_version": "$LATEST",
                "namespace": NAMESPACE,
                "memory_limit_in_mb": function["MemorySize"],
                "time_limit_in_ms": function["Timeout"] * 1000,
            },
            environment=environment,
            flavour="scf",
        )
        result: Dict[str, Any] = {"FunctionRequestId": request_id, "Log": outcome["log"][-4000:],
                                  "Duration": 1.0, "BillDuration": 1, "MemUsage": 1}  # fmt: skip
        if "error" in outcome:
            result.update(InvokeResult=-1, ErrMsg=json.dumps(outcome["error"]), RetMsg="")
        else:
            result.update(InvokeResult=0, ErrMsg="", RetMsg=json.dumps(outcome["result"]))
        return {"Result": result}

    # --- triggers -------------------------------------------------------------------------------------

    def do_CreateTrigger(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        name = function["FunctionName"]
        if function.get("Status") != "Active":
            raise _error("FailedOperation.CreateTrigger", f"the function is {function.get('Status')}")
        trigger_name = params.get("TriggerName")
        if trigger_name in self.triggers[name]:
            raise _error("ResourceInUse.Trigger", f"trigger {trigger_name} already exists")
        kind = params.get("Type")
        if kind in _JOB_TRIGGERS:
            _check_job_trigger(params)
            trigger = {
                "TriggerName": trigger_name,
                "Type": kind,
                "TriggerDesc": _listed_desc(kind, params.get("TriggerDesc") or ""),
                "CustomArgument": params.get("CustomArgument") or "",
                "Qualifier": params.get("Qualifier") or "$LATEST",
                "Enable": 1 if params.get("Enable", "OPEN") == "OPEN" else 0,
                "AvailableStatus": "Available",
            }
            self.triggers[name][trigger_name] = trigger
            return {"TriggerInfo": trigger}
        if kind != "http":
            raise _error("InvalidParameterValue.Type", f"this stand-in does not create {kind} triggers")
        desc = json.loads(params.get("TriggerDesc") or "{}")
        desc["InternetUrl"] = f"https://{uuid.uuid4().hex[:10]}-{name.lower()}.ap-guangzhou.tencentscf.com"
        trigger = {
            "TriggerName": trigger_name,
            "Type": "http",
            "TriggerDesc": json.dumps(desc),
            "Qualifier": params.get("Qualifier") or "$LATEST",
            "Enable": 1 if params.get("Enable", "OPEN") == "OPEN" else 0,
            "AvailableStatus": "Available",
        }
        self.triggers[name][trigger_name] = trigger
        return {"TriggerInfo": trigger}

    def do_ListTriggers(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        triggers = list(self.triggers[function["FunctionName"]].values())
        return {"Triggers": triggers, "TotalCount": len(triggers)}

    def _trigger(self, params: Dict[str, Any]) -> Dict[str, Any]:
        function = self._function(params)
        trigger = self.triggers[function["FunctionName"]].get(params.get("TriggerName"))
        if trigger is None:
            raise _error("ResourceNotFound.Trigger", f"trigger {params.get('TriggerName')} does not exist")
        return trigger

    def do_UpdateTrigger(self, params: Dict[str, Any]) -> Dict[str, Any]:
        trigger = self._trigger(params)
        if params.get("Type") not in ("timer", "ckafka", "http") or params["Type"] != trigger["Type"]:
            raise _error("InvalidParameterValue.Type", "UpdateTrigger takes timer, ckafka and http triggers")
        if trigger["Type"] == "timer":
            _check_job_trigger(dict(params, TriggerName=trigger["TriggerName"]))
            if params.get("TriggerDesc"):
                trigger["TriggerDesc"] = _listed_desc("timer", params["TriggerDesc"])
            if params.get("CustomArgument") is not None:
                trigger["CustomArgument"] = params["CustomArgument"]
            if params.get("Enable"):
                trigger["Enable"] = 1 if params["Enable"] == "OPEN" else 0
            return {}
        if params.get("TriggerDesc"):
            desc = json.loads(params["TriggerDesc"])
            desc["InternetUrl"] = json.loads(trigger["TriggerDesc"]).get("InternetUrl")
            trigger["TriggerDesc"] = json.dumps(desc)
        if params.get("Qualifier"):
            trigger["Qualifier"] = params["Qualifier"]
        return {}

    def do_DeleteTrigger(self, params: Dict[str, Any]) -> Dict[str, Any]:
        trigger = self._trigger(params)
        if params.get("Type") != trigger["Type"]:
            raise _error(
                "InvalidParameterValue.Type", f"trigger {trigger['TriggerName']} is {trigger['Type']}"
            )
        if trigger["Type"] == "cos" and not params.get("TriggerDesc"):
            raise _error("InvalidParameterValue.TriggerDesc", "deleting a COS trigger needs its TriggerDesc")
        del self.triggers[params["FunctionName"]][trigger["TriggerName"]]
        return {}

    # --- custom domains -------------------------------------------------------------------------------

    def _check_endpoints(self, endpoints: List[Dict[str, Any]]) -> None:
        for endpoint in endpoints:
            if not re.fullmatch(r"/([^*]*/)?\*?|/[^*]+", endpoint.get("PathMatch") or ""):
                raise _error(
                    "InvalidParameterValue.PathMatch", f"invalid PathMatch {endpoint.get('PathMatch')!r}"
                )
            if endpoint.get("FunctionName") not in self.functions:
                raise _error("ResourceNotFound.Function", f"函数不存在: {endpoint.get('FunctionName')}")

    def do_CreateCustomDomain(self, params: Dict[str, Any]) -> Dict[str, Any]:
        domain = params.get("Domain")
        if not domain:
            raise _error("InvalidParameterValue.Domain", "Domain is required")
        if domain in self.domains:
            raise _error("ResourceInUse.CustomDomain", f"custom domain {domain} already exists")
        self._check_endpoints(params.get("EndpointsConfig") or [])
        self.domains[domain] = {
            "Domain": domain,
            "Protocol": params.get("Protocol") or "HTTP",
            "EndpointsConfig": params.get("EndpointsConfig") or [],
        }
        return {}

    def do_ListCustomDomains(self, params: Dict[str, Any]) -> Dict[str, Any]:
        domains = [self.domains[k] for k in sorted(self.domains)]
        offset, limit = int(params.get("Offset") or 0), int(params.get("Limit") or 20)
        return {"Domains": domains[offset : offset + limit], "Total": len(domains)}

    def _domain(self, params: Dict[str, Any]) -> Dict[str, Any]:
        if params.get("Domain") not in self.domains:
            raise _error(
                "ResourceNotFound.CustomDomain", f"custom domain {params.get('Domain')} does not exist"
            )
        return self.domains[params["Domain"]]

    def do_GetCustomDomain(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return dict(self._domain(params))

    def do_UpdateCustomDomain(self, params: Dict[str, Any]) -> Dict[str, Any]:
        domain = self._domain(params)
        if params.get("EndpointsConfig") is not None:
            self._check_endpoints(params["EndpointsConfig"])
            domain["EndpointsConfig"] = params["EndpointsConfig"]
        if params.get("Protocol"):
            domain["Protocol"] = params["Protocol"]
        return {}

    def do_DeleteCustomDomain(self, params: Dict[str, Any]) -> Dict[str, Any]:
        self._domain(params)
        del self.domains[params["Domain"]]
        return {}


# --- timer, COS and CMQ triggers, from the CreateTrigger reference
# (https://www.tencentcloud.com/document/product/583/18589) and its TriggerDesc page
# (https://www.tencentcloud.com/document/product/583/34880): a timer's TriggerName is letters, digits,
# `-` and `_` up to 100, its TriggerDesc a cron expression of seven fields (seconds first, year last;
# https://www.tencentcloud.com/document/product/583/9708); a COS trigger is named after the bucket's
# XML API domain and described as {"event": "cos:...", "filter": {"Prefix", "Suffix"}}; a CMQ one
# after its topic, with no description. UNCONFIRMED: ListTriggers answering a timer's description as
# {"cron": ...} (what the console's API calls show), modelled here so that the provider reads it.

_JOB_TRIGGERS = ("timer", "cos", "cmq")


def _check_job_trigger(params: Dict[str, Any]) -> None:
    kind, name, desc = params.get("Type"), params.get("TriggerName") or "", params.get("TriggerDesc") or ""
    if kind == "timer":
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise _error("InvalidParameterValue.TriggerName", f"timer trigger name {name!r}")
        if len(desc.split()) != 7:
            raise _error("InvalidParameterValue.TriggerDesc", f"timer cron {desc!r}: seven fields")
    elif kind == "cos":
        if not re.fullmatch(r"[a-z0-9-]+-[0-9]+\.cos\.[a-z-]+\.myqcloud\.com", name):
            raise _error(
                "InvalidParameterValue.TriggerName", f"COS trigger name {name!r}: the bucket's domain"
            )
        try:
            value = json.loads(desc)
        except ValueError:
            value = None
        if not isinstance(value, dict) or not str(value.get("event", "")).startswith("cos:"):
            raise _error("InvalidParameterValue.TriggerDesc", f"COS TriggerDesc {desc!r}")
        if not all(isinstance(v, str) for v in (value.get("filter") or {}).values()):
            raise _error("InvalidParameterValue.TriggerDesc", "COS filter: {Prefix, Suffix} strings")
    elif kind == "cmq" and (not name or desc):
        raise _error("InvalidParameterValue", "a CMQ trigger is named after its topic and has no TriggerDesc")


def _listed_desc(kind: str, desc: str) -> str:
    return json.dumps({"cron": desc}) if kind == "timer" else desc


def _error(code: str, message: str) -> Reply:
    return Reply(200, {"Error": {"Code": code, "Message": message}})
