"""``bridge deploy``, ``status``, ``manage`` and ``remove``: the project's plan, applied to a cloud.

One :class:`~bridge.cloud.provider.Provider` per cloud (FC, SCF, AWS) turns the same plan that
``bridge build`` writes into remote resources, reads what is deployed, and applies the difference.
The vendors' SDKs are imported only here, from the ``deploy`` extra; never on the handler path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Dict, Mapping, Optional

from .._errors import ConfigError

if TYPE_CHECKING:
    from .provider import Provider

#: ``--platform`` -> ``module:Class`` of its provider. Import paths, not classes: a cloud's SDK is
#: imported only when that cloud is deployed to.
PROVIDERS: Dict[str, str] = {
    "fc": "bridge.cloud.fc:FCProvider",
    "scf": "bridge.cloud.scf:SCFProvider",
    "aws": "bridge.cloud.aws:AWSProvider",
}


def provider_class(platform: str) -> type:
    """The provider class for ``platform``, imported now."""
    try:
        path = PROVIDERS[platform]
    except KeyError:
        raise ConfigError(f"unknown platform {platform!r}; choose one of {', '.join(PROVIDERS)}") from None
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_provider(
    platform: str, *, region: str, endpoint: Optional[str] = None, env: Optional[Mapping[str, str]] = None
) -> Provider:
    """An instance of ``platform``'s provider for ``region`` (``env`` defaults to ``os.environ``)."""
    import os

    return provider_class(platform)(region=region, endpoint=endpoint, env=os.environ if env is None else env)


__all__ = ["PROVIDERS", "get_provider", "provider_class"]
