"""Deploy-time values of a function's environment: ``${env.NAME}`` references read from the deployer's shell.

``bridge build`` writes references for the deploy tool to resolve (``bridge.deploy.variables``);
``bridge deploy`` is that tool, so it resolves them itself, from the environment it was given,
and never writes the values anywhere but the vendor's API.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping

from .._errors import ConfigError
from ..deploy.variables import ENV_REFERENCE


def resolve(environment: Mapping[str, str], env: Mapping[str, str], *, function: str) -> Dict[str, str]:
    """``environment`` with every ``${env.NAME}`` replaced by ``env[NAME]``; a missing one is an error."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(
                f"function {function}: the environment refers to ${{env.{name}}}, "
                f"but {name} is not set: export {name}=... before deploying"
            )
        return env[name]

    return {key: ENV_REFERENCE.sub(value, str(text)) for key, text in environment.items()}
