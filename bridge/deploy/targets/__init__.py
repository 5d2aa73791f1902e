"""Deploy targets: one module per platform, each a :class:`~bridge.deploy.targets._base.Target`."""

from __future__ import annotations

from typing import Dict

from ..._errors import ConfigError
from ._base import CODE_DIR, CODE_ZIP, SizeLimit, Target
from .aws import AwsSam
from .azure import AzureFunctions
from .fc import FcServerlessDevs
from .fission import Fission
from .fn import FnProject
from .gcf import GoogleCloudFunctions
from .huawei import HuaweiFunctionGraph
from .knative import Knative
from .kubeless import Kubeless
from .openfaas import OpenFaaS
from .openwhisk import OpenWhisk
from .scf import ScfServerlessFramework

TARGETS: Dict[str, Target] = {
    target.name: target
    for target in (
        FcServerlessDevs(),
        ScfServerlessFramework(),
        AwsSam(),
        AzureFunctions(),
        GoogleCloudFunctions(),
        HuaweiFunctionGraph(),
        Knative(),
        OpenWhisk(),
        FnProject(),
        OpenFaaS(),
        Fission(),
        Kubeless(),
    )
}


def get_target(name: str) -> Target:
    """The target called ``name`` (``fc``, ``scf``, ``aws``)."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ConfigError(f"unknown platform {name!r}; choose one of {', '.join(TARGETS)}") from None


__all__ = ["CODE_DIR", "CODE_ZIP", "TARGETS", "SizeLimit", "Target", "get_target"]
