"""The events each platform's runtime hands a function, for one HTTP request, and their contexts.

Built from the documented samples in ``tests/events/`` (the fields every real event carries), with
the method, path, headers and body of the benchmark request put in. Each comes back as JSON text:
FC 3.0 passes the function those bytes, SCF and AWS pass the dict their runtime decoded from them,
so every benchmark call decodes its event the same way.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "events"

AWS_HOST = "r3pmxmplak.execute-api.us-east-1.amazonaws.com"
FC_HOST = "my-func-abcdefgh.cn-hangzhou.fcapp.run"
SCF_HOST = "service-f94sy04v-1250000000.gz.apigw.tencentcs.com"
ALB_HOST = "lambda-846800462-us-east-2.elb.amazonaws.com"


class Request:
    """One client request: what every event below describes."""

    def __init__(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> None:
        self.method = method
        self.path = path
        self.body = body
        self.content_type = content_type

    def headers(self, host: str) -> List[Tuple[str, str]]:
        """The headers a browser-ish client and the gateway put on the request (lower-case names)."""
        headers = [
            ("accept", "application/json, text/html;q=0.9, */*;q=0.8"),
            ("accept-encoding", "gzip, deflate, br"),
            ("accept-language", "en-US,en;q=0.9"),
            ("host", host),
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0",
            ),
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-port", "443"),
            ("x-forwarded-proto", "https"),
        ]
        if self.body:
            headers.append(("content-length", str(len(self.body))))
            headers.append(("content-type", self.content_type or "application/octet-stream"))
        return headers


def _sample(name: str) -> Dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def aws_v2(request: Request) -> str:
    """AWS API Gateway HTTP API payload 2.0 (``tests/events/aws-http-v2.json``)."""
    event = copy.deepcopy(_sample("aws-http-v2.json"))
    headers = dict(request.headers(AWS_HOST))
    headers["x-amzn-trace-id"] = "Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e"
    event.pop("cookies", None)
    event.update(
        rawPath=request.path,
        rawQueryString="",
        headers=headers,
        body=request.body.decode("utf-8"),
        isBase64Encoded=False,
    )
    event.pop("queryStringParameters", None)
    context = event["requestContext"]
    context["domainName"] = AWS_HOST
    context["http"].update(method=request.method, path=request.path)
    return json.dumps(event)


def aws_v1(request: Request) -> str:
    """AWS API Gateway REST API, payload 1.0 (``tests/events/aws-apigw-v1.json``), with both header maps."""
    event = copy.deepcopy(_sample("aws-apigw-v1.json"))
    # REST APIs send the client's header names as they came; browsers' HTTP/1.1 names are canonical.
    headers = {"-".join(p.capitalize() for p in k.split("-")): v for k, v in request.headers(AWS_HOST)}
    event.update(
        path=request.path,
        httpMethod=request.method,
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
        pathParameters={"proxy": request.path.lstrip("/")},
        body=request.body.decode("utf-8") or None,
        isBase64Encoded=False,
    )
    context = event["requestContext"]
    context.update(domainName=AWS_HOST, httpMethod=request.method, path="/prod" + request.path)
    return json.dumps(event)


def alb(request: Request) -> str:
    """AWS Application Load Balancer target event (``tests/events/aws-alb.json``), single-value headers."""
    event = copy.deepcopy(_sample("aws-alb.json"))
    headers = dict(request.headers(ALB_HOST))
    headers["x-amzn-trace-id"] = "Root=1-5bdb40ca-556d8b0c50dc66f0511bf520"
    event.update(
        path=request.path,
        httpMethod=request.method,
        headers=headers,
        queryStringParameters={},
        body=request.body.decode("utf-8"),
        isBase64Encoded=False,
    )
    return json.dumps(event)


def fc3(request: Request) -> bytes:
    """Alibaba FC 3.0 HTTP trigger (``tests/events/fc3-http-documented.json``), as the bytes FC passes."""
    event = copy.deepcopy(_sample("fc3-http-documented.json"))
    event.update(
        rawPath=request.path,
        # FC sends canonical header names (reference/alibaba-fc.md §1.2).
        headers={"-".join(p.capitalize() for p in k.split("-")): v for k, v in request.headers(FC_HOST)},
        queryParameters={},
        body=request.body.decode("utf-8"),
        isBase64Encoded=False,
    )
    context = event["requestContext"]
    context["domainName"] = FC_HOST
    context["http"].update(method=request.method, path=request.path)
    return json.dumps(event).encode("utf-8")


def scf(request: Request) -> str:
    """Tencent SCF API Gateway trigger (``tests/events/scf-apigw-documented.json``)."""
    event = copy.deepcopy(_sample("scf-apigw-documented.json"))
    event.update(
        path=request.path,
        httpMethod=request.method,
        headers=dict(request.headers(SCF_HOST)),
        body=request.body.decode("utf-8"),
        queryString={},
        queryStringParameters={},
        pathParameters={},
    )
    event["requestContext"].update(httpMethod=request.method, path=request.path)
    return json.dumps(event)


class AwsContext:
    """The LambdaContext the AWS Python runtime passes (the attributes adapters read)."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = "1024"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2024/01/01/[$LATEST]abcdef"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 3600.0

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


class _FcFunction:
    name = "bench"
    handler = "index.handler"
    memory = 1024
    timeout = 60


class FcContext:
    """The context object FC 3.0's Python runtime passes (the attributes adapters read)."""

    request_id = "1-64f6cd87-0123456789abcdef"
    region = "cn-hangzhou"
    account_id = "123456789"
    function = _FcFunction()


def scf_context() -> Dict[str, Any]:
    """SCF's context is a dict."""
    return {
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "function_name": "bench",
        "function_version": "$LATEST",
        "memory_limit_in_mb": 1024,
        "time_limit_in_ms": 60000,
        "namespace": "default",
        "tencentcloud_region": "ap-guangzhou",
    }
