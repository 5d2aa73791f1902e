"""Platform modules: one per event format, each a :class:`~bridge.platforms._base.Platform`.

Adding a platform is one module and one line in :data:`EVENT_PLATFORMS`. Order matters only where
formats overlap: the first that matches wins, so the most specific test comes first.
"""

from __future__ import annotations

from typing import Dict, Tuple

from ._base import Platform
from .aws_alb import AwsAlb
from .aws_v1 import AwsApiGatewayV1
from .aws_v2 import AwsHttpApiV2
from .azure import AzureFunctions
from .fc2 import FC2
from .fc3 import FC3
from .fission import FissionPython
from .fn import FnProject
from .gcf import GoogleCloudFunctions
from .huawei import HuaweiApig
from .kubeless import KubelessPython
from .openfaas import OpenFaaSHttp
from .openwhisk import OpenWhiskWebAction
from .scf import ScfApiGateway, ScfFunctionUrl

EVENT_PLATFORMS: Tuple[Platform, ...] = (
    FC3(),
    AwsHttpApiV2(),
    AwsAlb(),
    AwsApiGatewayV1(),
    ScfApiGateway(),
    ScfFunctionUrl(),
    HuaweiApig(),  # after AWS REST, whose events carry the same keys plus `resource`
    OpenWhiskWebAction(),
)

#: Platforms that call the handler with a request object, not a JSON event (``Platform.matches_call``).
CALL_PLATFORMS: Tuple[Platform, ...] = (
    AzureFunctions(),
    FissionPython(),  # before Google: both are Flask requests, Fission's carry the router's headers
    GoogleCloudFunctions(),
    FnProject(),
    OpenFaaSHttp(),
    FC2(),  # handler(environ, start_response): a dict call (Platform.dict_call)
    KubelessPython(),  # handler(event, context), a dict holding a bottle request: a dict call too
)

#: Every platform name ``Bridge(platform=...)`` and the CLI accept.
PLATFORM_NAMES: Tuple[str, ...] = tuple(p.name for p in EVENT_PLATFORMS + CALL_PLATFORMS)

BY_NAME: Dict[str, Platform] = {p.name: p for p in EVENT_PLATFORMS + CALL_PLATFORMS}

__all__ = ["BY_NAME", "CALL_PLATFORMS", "EVENT_PLATFORMS", "PLATFORM_NAMES", "Platform"]
