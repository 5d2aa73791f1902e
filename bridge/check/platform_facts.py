"""What ``bridge check`` needs to know of each platform, with the vendor page each fact is from.

Figures are from each vendor's published limits (collected in the project's platform references);
a finding quotes them so the reader sees why the hazard matters where they deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

PLATFORMS = ("fc", "scf", "aws")


@dataclass(frozen=True)
class PlatformFacts:
    """The facts of one platform that decide how bad a hazard is there."""

    name: str
    title: str
    #: Where the code package is unpacked (read-only) and the one writable directory.
    code_dir: str
    writable: str
    #: The largest synchronous request body, as the vendor writes it.
    body_limit: str
    #: How long one request may take before the client gets an error.
    request_time: str
    #: A host name of the platform's default domain, for ALLOWED_HOSTS.
    default_host: str
    filesystem_doc: str
    limits_doc: str
    lifecycle_doc: str
    timeout_doc: str


_FACTS: Dict[str, PlatformFacts] = {
    "fc": PlatformFacts(
        name="fc",
        title="Alibaba FC",
        code_dir="/code",
        writable="/tmp (wiped with the instance)",
        body_limit="32 MB",
        request_time="the function timeout (1-86400 s, default 3 s)",
        default_host="myfunc-abcd.cn-hangzhou.fcapp.run",
        filesystem_doc="https://www.alibabacloud.com/help/doc-detail/181824.htm",
        limits_doc="https://alibabacloud.com/help/en/functioncompute/fc-3-0/http-body-be-modified",
        lifecycle_doc="https://www.alibabacloud.com/help/en/functioncompute/fc/lifecycle-hooks-for-function-instances-1",
        timeout_doc="https://help.aliyun.com/en/functioncompute/fc/user-guide/http-triggers-overview",
    ),
    "scf": PlatformFacts(
        name="scf",
        title="Tencent SCF",
        code_dir="/var/user",
        writable="/tmp (512 MB)",
        body_limit="6 MB",
        request_time="the function timeout (1-900 s)",
        default_host="service-abcd-1250000000.gz.apigw.tencentcs.com",
        filesystem_doc="https://cloud.tencent.com/document/product/583/11637",
        limits_doc="https://cloud.tencent.com/document/product/583/11637",
        lifecycle_doc="https://tencentcloud.com/document/product/583/9694",
        timeout_doc="https://cloud.tencent.com/document/product/583/11637",
    ),
    "aws": PlatformFacts(
        name="aws",
        title="AWS Lambda",
        code_dir="/var/task",
        writable="/tmp (512 MB by default)",
        body_limit="6 MB (1 MB behind an ALB)",
        request_time="29 s behind an API Gateway REST API (its integration timeout), "
        "the function timeout (up to 900 s) behind a Function URL",
        default_host="abcdef1234.execute-api.us-east-1.amazonaws.com",
        filesystem_doc="https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html",
        limits_doc="https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html",
        lifecycle_doc="https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
        timeout_doc="https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    ),
}


def facts_for(platform: str) -> PlatformFacts:
    """The facts of ``platform`` (one of :data:`PLATFORMS`)."""
    try:
        return _FACTS[platform]
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}: choose one of {', '.join(PLATFORMS)}") from None


def default_hosts() -> Tuple[Tuple[str, str], ...]:
    """``(platform, host)`` for every platform's default domain."""
    return tuple((name, facts.default_host) for name, facts in _FACTS.items())
