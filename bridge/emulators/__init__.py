"""Platform emulators: what each platform's gateway sends a function, and makes of its answer.

One module per platform trigger, each an :class:`Emulator`::

    emulator = get_emulator("scf", stage="release")
    event, context = emulator.build_event(GatewayRequest("GET", "/release/a?b=1"), request_id="r1")
    response = emulator.invoke(handler, request, request_id="r1")   # a GatewayResponse

Written from the platform documentation (``/work/shared/reference``), independently of the core's
decoders, so the core's tests can use them to synthesize events.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict, Tuple

from ._base import Emulator, GatewayRequest, GatewayResponse

# CLI name → (module, class). Adding a platform is one module and one line here.
_EMULATORS: Dict[str, Tuple[str, str]] = {
    "fc": ("bridge.emulators.fc", "FCEmulator"),
    "fc2": ("bridge.emulators.fc2", "FC2Emulator"),
    "scf": ("bridge.emulators.scf", "SCFEmulator"),
    "scf-url": ("bridge.emulators.scf_url", "SCFURLEmulator"),
    "aws-v1": ("bridge.emulators.aws_v1", "AWSV1Emulator"),
    "aws-v2": ("bridge.emulators.aws_v2", "AWSV2Emulator"),
    "alb": ("bridge.emulators.alb", "ALBEmulator"),
    "huawei": ("bridge.emulators.huawei", "HuaweiEmulator"),
    "azure": ("bridge.emulators.azure", "AzureEmulator"),
    "gcf": ("bridge.emulators.gcf", "GCFEmulator"),
    "openwhisk": ("bridge.emulators.openwhisk", "OpenWhiskEmulator"),
    "fn": ("bridge.emulators.fn", "FnEmulator"),
    "openfaas": ("bridge.emulators.openfaas", "OpenFaaSEmulator"),
    "fission": ("bridge.emulators.fission", "FissionEmulator"),
    "kubeless": ("bridge.emulators.kubeless", "KubelessEmulator"),
}

#: The platform names ``bridge serve --platform`` and :func:`get_emulator` accept.
PLATFORM_NAMES: Tuple[str, ...] = tuple(_EMULATORS)


def get_emulator(name: str, **options: Any) -> Emulator:
    """The emulator of platform ``name`` configured with ``options``.

    Options a platform does not know raise :class:`~bridge._errors.ConfigError`, except those set
    to None, which mean "the default" everywhere (so callers may pass ``stage=None`` to any platform).
    """
    from .._errors import ConfigError

    if name not in _EMULATORS:
        raise ConfigError(f"unknown platform {name!r}; choose one of {', '.join(PLATFORM_NAMES)}")
    module_name, class_name = _EMULATORS[name]
    emulator_class = getattr(importlib.import_module(module_name), class_name)
    given = {key: value for key, value in options.items() if value is not None}
    try:
        return emulator_class(**given)
    except TypeError as exc:
        raise ConfigError(f"platform {name!r} does not take these options: {exc}")


__all__ = ["Emulator", "GatewayRequest", "GatewayResponse", "PLATFORM_NAMES", "get_emulator"]
