"""Each platform's start contract for a web function: where to listen, how it is recognised, and
how long it waits between SIGTERM and SIGKILL.

- Alibaba FC 3.0 custom runtime / web function: ``0.0.0.0:CAPort``, 9000 unless configured
  (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/principles-1); the
  instance carries ``FC_FUNCTION_NAME``, ``FC_INSTANCE_ID`` and ``FC_FUNCTION_MEMORY_SIZE``.
- Tencent SCF web function: ``0.0.0.0:9000``, fixed
  (https://www.tencentcloud.com/document/product/583/40690); ``TENCENTCLOUD_RUNENV=SCF``.
- Huawei FunctionGraph HTTP function: ``127.0.0.1:8000``, "The bound IP address is 127.0.0.1"
  (https://support.huaweicloud.com/intl/en-us/usermanual-functiongraph/functiongraph_01_1442.html);
  ``RUNTIME_FUNC_NAME``, ``RUNTIME_MEMORY`` (MB) and ``RUNTIME_CPU`` are preset
  (https://support.huaweicloud.com/intl/en-us/usermanual-functiongraph/functiongraph_01_0154.html).
- Knative Serving and Cloud Run: ``$PORT`` (Cloud Run's default 8080), ``K_SERVICE`` set; SIGTERM,
  then 10 s on Cloud Run before SIGKILL
  (https://github.com/knative/specs/blob/main/specs/serving/runtime-contract.md,
  https://cloud.google.com/run/docs/container-contract#instance-shutdown).

Forwarded headers (``X-Forwarded-For``/``-Proto``) are believed only from the front end. The
Knative runtime contract says "all traffic is intermediated by an L7 proxy" and Cloud Run's port is
reached only through Google's front end, so there any peer is the front end. Huawei's runtime
reaches the server on loopback, so loopback is its front end. FC and SCF do not document the
address their proxy connects from, and the server must listen on 0.0.0.0, so the default there is
the servers' own: loopback only (uvicorn's and gunicorn's ``127.0.0.1``).

The grace period of FC, SCF and Huawei web functions is not documented; 10 s (Cloud Run's, the
shortest documented) is the assumption everywhere, and ``--grace`` changes it. FC tells a custom
runtime of an instance's end with an HTTP PreStop hook rather than a signal
(https://www.alibabacloud.com/help/en/functioncompute/fc/lifecycle-hooks-for-function-instances-in-a-custom-runtime):
:mod:`bridge.web.fc_lifecycle` answers it.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Mapping, Optional, Tuple

from .._errors import ConfigError

LOOPBACK = "127.0.0.1"
#: Seconds between SIGTERM and SIGKILL assumed where the platform does not document it.
DEFAULT_GRACE_S = 10.0


class StartContract:
    """How one platform starts a web function's server and stops it."""

    __slots__ = (
        "name",
        "title",
        "host",
        "default_port",
        "port_variable",
        "detect",
        "memory_variable",
        "cpu_variable",
        "forwarded_allow_ips",
        "keep_alive_s",
        "grace_s",
    )

    def __init__(
        self,
        name: str,
        title: str,
        *,
        default_port: int,
        detect: Callable[[Mapping[str, str]], bool],
        host: str = "0.0.0.0",
        port_variable: Optional[str] = None,
        memory_variable: Optional[str] = None,
        cpu_variable: Optional[str] = None,
        forwarded_allow_ips: str = LOOPBACK,
        keep_alive_s: int = 900,
        grace_s: float = DEFAULT_GRACE_S,
    ) -> None:
        self.name = name
        self.title = title
        self.host = host
        self.default_port = default_port
        #: The variable the platform sets to the port, when it sets one.
        self.port_variable = port_variable
        #: True when the environment is this platform's instance.
        self.detect = detect
        #: The variable holding the function's configured memory in MB, when documented.
        self.memory_variable = memory_variable
        #: The variable holding the instance's CPU count, when documented.
        self.cpu_variable = cpu_variable
        self.forwarded_allow_ips = forwarded_allow_ips
        #: Idle keep-alive: longer than the front end's, so the server never closes a connection
        #: the proxy is about to reuse.
        self.keep_alive_s = keep_alive_s
        self.grace_s = grace_s

    def port(self, environ: Mapping[str, str]) -> int:
        """The port the platform expects the server on."""
        text = environ.get(self.port_variable, "") if self.port_variable else ""
        if not text:
            return self.default_port
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{self.port_variable}={text!r} is not a port number") from None

    def __repr__(self) -> str:
        return f"<StartContract {self.name}>"


CONTRACTS: Dict[str, StartContract] = {
    "fc": StartContract(
        "fc",
        "Alibaba FC 3.0 web function",
        default_port=9000,
        port_variable="FC_SERVER_PORT",
        detect=lambda env: bool(env.get("FC_FUNCTION_NAME") or env.get("FC_INSTANCE_ID")),
        memory_variable="FC_FUNCTION_MEMORY_SIZE",
        # 900 s as in FC's own gunicorn sample (devsapp/fc3 __tests__/e2e/custom/python).
        keep_alive_s=900,
    ),
    "scf": StartContract(
        "scf",
        "Tencent SCF web function",
        default_port=9000,
        detect=lambda env: env.get("TENCENTCLOUD_RUNENV", "").upper() == "SCF",
    ),
    "huawei": StartContract(
        "huawei",
        "Huawei FunctionGraph HTTP function",
        host=LOOPBACK,
        default_port=8000,
        detect=lambda env: bool(env.get("RUNTIME_FUNC_NAME")),
        memory_variable="RUNTIME_MEMORY",
        cpu_variable="RUNTIME_CPU",
    ),
    "knative": StartContract(
        "knative",
        "Knative / Cloud Run",
        default_port=8080,
        port_variable="PORT",
        detect=lambda env: bool(env.get("K_SERVICE")),
        forwarded_allow_ips="*",
        # Cloud Run's load balancer keeps idle connections 600 s: stay open a little longer.
        keep_alive_s=620,
    ),
    # Not a platform: a run on a developer's machine, reachable from this machine only.
    "local": StartContract(
        "local",
        "this machine",
        host=LOOPBACK,
        default_port=8000,
        port_variable="PORT",
        detect=lambda env: False,
        keep_alive_s=5,
    ),
}

#: The names ``bridge run --platform`` accepts.
PLATFORMS: Tuple[str, ...] = tuple(CONTRACTS)


def detect_contract(environ: Optional[Mapping[str, str]] = None) -> StartContract:
    """The contract of the platform whose instance this is, or ``local`` when none is recognised."""
    environ = os.environ if environ is None else environ
    for contract in CONTRACTS.values():
        if contract.detect(environ):
            return contract
    return CONTRACTS["local"]


def get_contract(name: Optional[str], environ: Optional[Mapping[str, str]] = None) -> StartContract:
    """The contract ``name`` names, or the detected one when ``name`` is None or ``auto``."""
    if name in (None, "auto"):
        return detect_contract(environ)
    try:
        return CONTRACTS[str(name)]
    except KeyError:
        raise ConfigError(f"--platform {name!r}: choose one of {', '.join(PLATFORMS)} or auto") from None
