"""A local stand-in of the Alibaba Cloud FC 3.0 OpenAPI (2023-03-30), for deploy tests.

Written from the API reference (https://help.aliyun.com/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-overview),
its error codes (https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes) and the
request models of ``alibabacloud-fc20230330``: ROA paths under ``/2023-03-30``, JSON bodies, errors
as ``{"Code", "Message", "RequestId"}``.

Every request must carry a valid ACS3-HMAC-SHA256 signature
(https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature), verified here
by recomputing it from the request as received: a wrong secret gets 403 ``SignatureNotMatch``, an
unknown key 403 ``InvalidAccessKeyID``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ._base import Reply, StandIn

ACCESS_KEY_ID = "LTAI-test-key-id"
ACCESS_KEY_SECRET = "test-secret-for-the-stand-in"
ACCOUNT_ID = "1234567890123456"
REGION = "cn-hangzhou"

_PREFIX = "/2023-03-30"


def crc64_xz(data: bytes) -> int:
    """CRC-64/XZ bit by bit (no table): an implementation independent of the provider's."""
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xC96C5795D7870F42 & -(crc & 1))
    return crc ^ 0xFFFFFFFFFFFFFFFF


class FCStandIn(StandIn):
    def __init__(self, *, access_keys: Optional[Dict[str, str]] = None) -> None:
        super().__init__()
        self.access_keys = access_keys or {ACCESS_KEY_ID: ACCESS_KEY_SECRET}
        self.functions: Dict[str, Dict[str, Any]] = {}
        self.code: Dict[str, bytes] = {}
        self.triggers: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.domains: Dict[str, Dict[str, Any]] = {}
        self.invocations: List[Dict[str, Any]] = []

    # --- plumbing -------------------------------------------------------------------------------------

    def dispatch(
        self, method: str, path: str, headers: Dict[str, str], body: bytes
    ) -> Tuple[int, Any, Dict[str, str]]:
        request_id = str(uuid.uuid4())
        parts = urlsplit(path)
        try:
            self._verify(method, parts.path, parts.query, headers, body)
            action, mutating, handler, args = self._route(method, parts.path)
            fault = self.record(method, action, mutating, parts.path)
            if fault is not None:
                raise Reply(fault.status, {"Code": fault.code, "Message": fault.message})
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            payload = (
                json.loads(body)
                if body and headers.get("content-type", "").startswith("application/json")
                else body
            )
            with self.lock:
                status, answer, extra = handler(*args, query=query, body=payload)
            return status, answer, extra
        except Reply as reply:
            answer = dict(reply.body, RequestId=request_id) if isinstance(reply.body, dict) else reply.body
            return reply.status, answer, dict(reply.headers, **{"x-fc-request-id": request_id})

    def _verify(self, method: str, path: str, query: str, headers: Dict[str, str], body: bytes) -> None:
        authorization = headers.get("authorization", "")
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)", authorization
        )
        if not match:
            raise Reply(
                400,
                {
                    "Code": "MissingRequiredHeader",
                    "Message": "required HTTP header Authorization was not specified",
                },
            )
        key_id, signed, signature = match.groups()
        if key_id not in self.access_keys:
            raise Reply(403, {"Code": "InvalidAccessKeyID", "Message": f"invalid access key ID '{key_id}'"})
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            raise Reply(
                403, {"Code": "SignatureNotMatch", "Message": "x-acs-content-sha256 does not match the body"}
            )
        names = signed.split(";")
        required = {
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        }
        unsigned = sorted(
            name for name in required | {h for h in headers if h.startswith("x-acs-")} if name not in names
        )
        if unsigned or names != sorted(names):
            raise Reply(
                403, {"Code": "SignatureNotMatch", "Message": f"headers not signed: {', '.join(unsigned)}"}
            )
        canonical_query = "&".join(
            f"{quote(k, safe='~')}={quote(v, safe='~')}"
            for k, v in sorted(parse_qsl(query, keep_blank_values=True))
        )
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
        canonical = "\n".join([method, path or "/", canonical_query, canonical_headers, signed, payload_hash])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.access_keys[key_id].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise Reply(
                403,
                {
                    "Code": "SignatureNotMatch",
                    "Message": "The request signature we calculated does not match the signature you "
                    "provided. Check your access key and signing method",
                },
            )

    def _route(self, method: str, path: str) -> Tuple[str, bool, Any, Tuple[Any, ...]]:
        if not path.startswith(_PREFIX + "/"):
            raise Reply(
                400, {"Code": "PathNotSupported", "Message": f"'{method}' against '{path}' is not supported"}
            )
        segments = [unquote(s) for s in path[len(_PREFIX) + 1 :].split("/")]
        table = [
            ("POST", ["functions"], "CreateFunction", True, self.create_function),
            ("GET", ["functions"], "ListFunctions", False, self.list_functions),
            ("GET", ["functions", "*"], "GetFunction", False, self.get_function),
            ("PUT", ["functions", "*"], "UpdateFunction", True, self.update_function),
            ("DELETE", ["functions", "*"], "DeleteFunction", True, self.delete_function),
            ("POST", ["functions", "*", "invocations"], "InvokeFunction", False, self.invoke_function),
            ("POST", ["functions", "*", "triggers"], "CreateTrigger", True, self.create_trigger),
            ("GET", ["functions", "*", "triggers"], "ListTriggers", False, self.list_triggers),
            ("PUT", ["functions", "*", "triggers", "*"], "UpdateTrigger", True, self.update_trigger),
            ("DELETE", ["functions", "*", "triggers", "*"], "DeleteTrigger", True, self.delete_trigger),
            ("POST", ["custom-domains"], "CreateCustomDomain", True, self.create_domain),
            ("GET", ["custom-domains"], "ListCustomDomains", False, self.list_domains),
            ("PUT", ["custom-domains", "*"], "UpdateCustomDomain", True, self.update_domain),
            ("DELETE", ["custom-domains", "*"], "DeleteCustomDomain", True, self.delete_domain),
        ]
        for verb, pattern, action, mutating, handler in table:
            if (
                verb == method
                and len(pattern) == len(segments)
                and all(p == "*" or p == s for p, s in zip(pattern, segments))
            ):
                args = tuple(s for p, s in zip(pattern, segments) if p == "*")
                return action, mutating, handler, args
        raise Reply(
            400, {"Code": "PathNotSupported", "Message": f"'{method}' against '{path}' is not supported"}
        )

    # --- functions ------------------------------------------------------------------------------------

    def _function(self, name: str) -> Dict[str, Any]:
        if name not in self.functions:
            raise Reply(404, {"Code": "FunctionNotFound", "Message": f"function '{name}' does not exist."})
        return self.functions[name]

    def _store_code(self, name: str, code: Dict[str, Any]) -> Dict[str, Any]:
        if not code or not code.get("zipFile"):
            raise Reply(
                400, {"Code": "InvalidArgument", "Message": "code.zipFile or an OSS location is required"}
            )
        data = base64.b64decode(code["zipFile"])
        self.code[name] = data
        return {"codeChecksum": str(crc64_xz(data)), "codeSize": len(data)}

    _SETTINGS = (
        "runtime",
        "handler",
        "memorySize",
        "timeout",
        "description",
        "environmentVariables",
        "instanceLifecycleConfig",
        "customRuntimeConfig",
    )

    def create_function(
        self, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        name = body.get("functionName")
        for field in ("functionName", "runtime", "handler"):
            if not body.get(field):
                raise Reply(400, {"Code": "InvalidArgument", "Message": f"{field} is required"})
        if name in self.functions:
            raise Reply(
                409, {"Code": "FunctionAlreadyExists", "Message": f"function '{name}' already exists"}
            )
        function = {key: body[key] for key in self._SETTINGS if key in body}
        function.update(self._store_code(name, body.get("code")))
        function.update(
            functionName=name,
            functionArn=f"acs:fc:{REGION}:{ACCOUNT_ID}:functions/{name}",
            state="Active",
            tags=list(body.get("tags") or []),
        )
        self.functions[name] = function
        self.triggers[name] = {}
        return 200, function, {}

    def list_functions(self, *, query: Dict[str, str], body: Any) -> Tuple[int, Any, Dict[str, str]]:
        wanted = json.loads(query["tags"]) if query.get("tags") else []
        functions = [
            f
            for name, f in sorted(self.functions.items())
            if all({"Key": t.get("Key"), "Value": t.get("Value")} in f["tags"] for t in wanted)
            and name.startswith(query.get("prefix", ""))
        ]
        limit = int(query.get("limit") or 20)
        start = int(query.get("nextToken") or 0)
        page = functions[start : start + limit]
        token = str(start + limit) if start + limit < len(functions) else None
        return 200, {"functions": page, "nextToken": token}, {}

    def get_function(self, name: str, *, query: Dict[str, str], body: Any) -> Tuple[int, Any, Dict[str, str]]:
        return 200, self._function(name), {}

    def update_function(
        self, name: str, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        function = self._function(name)
        for key in self._SETTINGS:
            if key in body:
                function[key] = body[key]
        if body.get("code"):
            function.update(self._store_code(name, body["code"]))
        return 200, function, {}

    def delete_function(
        self, name: str, *, query: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        self._function(name)
        if self.triggers.get(name):
            raise Reply(
                412, {"Code": "FunctionNotEmpty", "Message": f"function '{name}' has active triggers"}
            )
        del self.functions[name]
        self.code.pop(name, None)
        self.triggers.pop(name, None)
        return 204, b"", {}

    def invoke_function(
        self, name: str, *, query: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        function = self._function(name)
        event = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.invocations.append({"function": name, "event": event})
        hooks = function.get("instanceLifecycleConfig") or {}
        outcome = self.run_handler(
            self.code[name],
            handler=function["handler"],
            initializer=(hooks.get("initializer") or {}).get("handler"),
            event=base64.b64encode(event).decode(),
            context={
                "request_id": str(uuid.uuid4()),
                "function": {
                    "name": name,
                    "handler": function["handler"],
                    "memory": function.get("memorySize"),
                    "timeout": function.get("timeout"),
                },
                "region": REGION,
                "account_id": ACCOUNT_ID,
            },
            environment=dict(function.get("environmentVariables") or {}),
            flavour="fc",
        )
        if "error" in outcome:
            # An unhandled error: 200, the error as the body, and x-fc-error-type saying so.
            return 200, outcome["error"], {"x-fc-error-type": "UnhandledInvocationError"}
        result = outcome["result"]
        data = result.encode() if isinstance(result, str) else json.dumps(result).encode()
        return 200, data, {"content-type": "application/octet-stream"}

    # --- triggers -------------------------------------------------------------------------------------

    def create_trigger(
        self, name: str, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        self._function(name)
        trigger_name = body.get("triggerName")
        if not trigger_name or not body.get("triggerType") or not isinstance(body.get("triggerConfig"), str):
            raise Reply(
                400,
                {
                    "Code": "InvalidArgument",
                    "Message": "triggerName, triggerType and triggerConfig (a JSON string) are required",
                },
            )
        if trigger_name in self.triggers[name]:
            raise Reply(
                409, {"Code": "TriggerAlreadyExists", "Message": f"trigger '{trigger_name}' already exists"}
            )
        _check_trigger(body["triggerType"], _config(body["triggerConfig"]), body)
        trigger = {
            "triggerName": trigger_name,
            "triggerType": body["triggerType"],
            "triggerConfig": body["triggerConfig"],
            "qualifier": body.get("qualifier") or "LATEST",
            "description": body.get("description"),
        }
        for key in ("sourceArn", "invocationRole"):
            if body.get(key):
                trigger[key] = body[key]
        if body["triggerType"] == "http":
            trigger["httpTrigger"] = {
                "urlInternet": f"https://{name.lower()}-{ACCOUNT_ID[:6]}.{REGION}.fcapp.run",
                "urlIntranet": f"https://{name.lower()}-{ACCOUNT_ID[:6]}.{REGION}-vpc.fcapp.run",
            }
        self.triggers[name][trigger_name] = trigger
        return 200, trigger, {}

    def list_triggers(
        self, name: str, *, query: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        self._function(name)
        return 200, {"triggers": list(self.triggers[name].values()), "nextToken": None}, {}

    def _trigger(self, name: str, trigger_name: str) -> Dict[str, Any]:
        self._function(name)
        if trigger_name not in self.triggers[name]:
            raise Reply(
                404, {"Code": "TriggerNotFound", "Message": f"trigger '{trigger_name}' does not exist"}
            )
        return self.triggers[name][trigger_name]

    def update_trigger(
        self, name: str, trigger_name: str, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        trigger = self._trigger(name, trigger_name)
        if body.get("sourceArn") is not None or body.get("triggerType") is not None:
            # UpdateTriggerInput has neither: a trigger's type and source are fixed at creation.
            raise _invalid("sourceArn and triggerType cannot change")
        merged = dict(trigger, **{k: v for k, v in body.items() if v is not None})
        _check_trigger(trigger["triggerType"], _config(merged["triggerConfig"]), merged)
        for key in ("triggerConfig", "qualifier", "description", "invocationRole"):
            if body.get(key) is not None:
                trigger[key] = body[key]
        return 200, trigger, {}

    def delete_trigger(
        self, name: str, trigger_name: str, *, query: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        self._trigger(name, trigger_name)
        del self.triggers[name][trigger_name]
        return 204, b"", {}

    # --- custom domains -------------------------------------------------------------------------------

    def _check_routes(self, body: Dict[str, Any]) -> None:
        for route in (body.get("routeConfig") or {}).get("routes") or []:
            if not route.get("path") or not route.get("functionName"):
                raise Reply(
                    400, {"Code": "InvalidArgument", "Message": "every route needs path and functionName"}
                )

    def create_domain(
        self, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        name = body.get("domainName")
        if not name:
            raise Reply(400, {"Code": "InvalidArgument", "Message": "domainName is required"})
        if name in self.domains:
            raise Reply(
                409, {"Code": "DomainNameAlreadyExists", "Message": f"domain name '{name}' already exists"}
            )
        self._check_routes(body)
        domain = {
            "domainName": name,
            "protocol": body.get("protocol") or "HTTP",
            "routeConfig": body.get("routeConfig") or {"routes": []},
            "accountId": ACCOUNT_ID,
        }
        self.domains[name] = domain
        return 200, domain, {}

    def list_domains(self, *, query: Dict[str, str], body: Any) -> Tuple[int, Any, Dict[str, str]]:
        return 200, {"customDomains": [self.domains[k] for k in sorted(self.domains)], "nextToken": None}, {}

    def _domain(self, name: str) -> Dict[str, Any]:
        if name not in self.domains:
            raise Reply(
                404, {"Code": "DomainNameNotFound", "Message": f"domain name '{name}' does not exist"}
            )
        return self.domains[name]

    def update_domain(
        self, name: str, *, query: Dict[str, str], body: Dict[str, Any]
    ) -> Tuple[int, Any, Dict[str, str]]:
        domain = self._domain(name)
        self._check_routes(body)
        for key in ("protocol", "routeConfig"):
            if body.get(key) is not None:
                domain[key] = body[key]
        return 200, domain, {}

    def delete_domain(
        self, name: str, *, query: Dict[str, str], body: Any
    ) -> Tuple[int, Any, Dict[str, str]]:
        self._domain(name)
        del self.domains[name]
        return 204, b"", {}


# --- trigger configurations, per type, as the API reference describes them --------------------------
# CreateTrigger: https://help.aliyun.com/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-createtrigger
# timer: https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/configure-a-time-trigger
# (cronExpression `@every <n>m|h` or six fields, seconds first, optional CRON_TZ=; minimum 1 minute),
# OSS: https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/configure-an-oss-trigger
# (sourceArn acs:oss:<region>:<account>:<bucket>, invocationRole a RAM role ARN, events `oss:...`),
# MNS topic: https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/configure-an-mns-topic-trigger
# (sourceArn acs:mns:<region>:<account>:/topics/<topic>, notifyContentFormat STREAM or JSON,
# notifyStrategy BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY).

_EVERY = re.compile(r"@every ([1-9][0-9]*)(m|h)")
_ROLE = re.compile(r"acs:ram::[0-9]+:role/[A-Za-z0-9._-]+")


def _config(text: Any) -> Dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise _invalid("triggerConfig must be a JSON object in a string")
    return value


def _invalid(message: str) -> Reply:
    return Reply(400, {"Code": "InvalidArgument", "Message": message})


def _check_trigger(trigger_type: str, config: Dict[str, Any], body: Dict[str, Any]) -> None:
    if trigger_type == "http":
        return
    if trigger_type == "timer":
        expression = config.get("cronExpression")
        if not isinstance(expression, str) or not (
            _EVERY.fullmatch(expression) or len(re.sub(r"^CRON_TZ=\S+ ", "", expression).split()) == 6
        ):
            raise _invalid(f"timer cronExpression {expression!r}: @every <n>m|h, or six cron fields")
        if not isinstance(config.get("enable"), bool):
            raise _invalid("timer enable must be true or false")
        if "payload" in config and not isinstance(config["payload"], str):
            raise _invalid("timer payload must be a string")
        return
    role = body.get("invocationRole")
    if not isinstance(role, str) or not _ROLE.fullmatch(role):
        raise _invalid(f"{trigger_type} triggers need invocationRole, a RAM role ARN (got {role!r})")
    source = body.get("sourceArn") or ""
    if trigger_type == "oss":
        if not re.fullmatch(rf"acs:oss:{REGION}:{ACCOUNT_ID}:[a-z0-9][a-z0-9-]{{1,61}}[a-z0-9]", source):
            raise _invalid(f"oss sourceArn {source!r}: acs:oss:<region>:<account>:<bucket>")
        events = config.get("events")
        if not events or not all(isinstance(e, str) and e.startswith("oss:") for e in events):
            raise _invalid("oss events must be a list of oss:... event names")
        key = (config.get("filter") or {}).get("key")
        if not isinstance(key, dict) or not all(isinstance(key.get(k), str) for k in ("prefix", "suffix")):
            raise _invalid("oss filter must be {key: {prefix, suffix}}")
        return
    if trigger_type == "mns_topic":
        if not re.fullmatch(rf"acs:mns:{REGION}:{ACCOUNT_ID}:/topics/[A-Za-z0-9-]+", source):
            raise _invalid(f"mns_topic sourceArn {source!r}: acs:mns:<region>:<account>:/topics/<topic>")
        if config.get("notifyContentFormat") not in ("STREAM", "JSON"):
            raise _invalid("mns_topic notifyContentFormat must be STREAM or JSON")
        if config.get("notifyStrategy") not in ("BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"):
            raise _invalid("mns_topic notifyStrategy must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY")
        return
    raise _invalid(f"this stand-in does not know triggerType {trigger_type!r}")
