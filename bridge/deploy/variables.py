"""References to deploy-time variables in environment values, and their spelling per deploy tool.

A project writes ``SECRET_KEY = "${env.SECRET_KEY}"``: the value is read from the deployer's shell
when the deploy tool runs, so no secret is ever written into a generated file. faas-bridge never
resolves a reference; it only re-spells it in the syntax of the tool that reads the file:

- Serverless Devs (``s.yaml``): ``${env('NAME')}``
  (https://github.com/Serverless-Devs/Serverless-Devs docs "Yaml 变量赋值")
- Serverless Framework components (``serverless.yml``): ``${env:NAME}``
  (https://github.com/serverless/serverless docs/providers/aws/guide/variables.md)
- AWS SAM has no such syntax: the AWS emitter turns each reference into a ``NoEcho`` template
  parameter (``sam deploy --parameter-overrides NAME=...``).

All four input spellings are accepted: ``${env.NAME}``, ``${env:NAME}``, ``${env('NAME')}``,
``${env("NAME")}``. Any other ``${...}`` passes through untouched. ``bridge deploy``, which is its
own deploy tool, resolves them from the deployer's shell (:func:`resolve`).
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Mapping

ENV_REFERENCE = re.compile(r"""\$\{\s*env(?:\.|:\s*|\(\s*['"])([A-Za-z_][A-Za-z0-9_]*)(?:['"]\s*\))?\s*\}""")

# Keys whose literal value is probably a secret: worth a warning, since it lands in a deploy file.
_SECRET_KEY = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY", re.I)


def referenced_names(value: str) -> List[str]:
    """Names of the deploy-time variables ``value`` refers to, in order of appearance."""
    return ENV_REFERENCE.findall(value)


def respell(value: str, spell: Callable[[str], str]) -> str:
    """``value`` with each environment reference replaced by ``spell(NAME)``."""
    return ENV_REFERENCE.sub(lambda match: spell(match.group(1)), value)


def serverless_devs(name: str) -> str:
    """``${env('NAME')}``: the Serverless Devs spelling, for ``s.yaml``."""
    return "${env('" + name + "')}"


def serverless_framework(name: str) -> str:
    """``${env:NAME}``: the Serverless Framework spelling, for Tencent's ``serverless.yml``."""
    return "${env:" + name + "}"


def literal_secrets(environment: Dict[str, str]) -> List[str]:
    """Keys that look like secrets but hold a literal value rather than a reference."""
    return sorted(
        key
        for key, value in environment.items()
        if _SECRET_KEY.search(key) and value and "${" not in str(value)
    )


def resolve(value: str, env: Mapping[str, str], *, key: str = "") -> str:
    """``value`` with each reference replaced by the variable's value in ``env``.

    A variable that is not set is an error naming it: deploying an empty ``DATABASE_URL`` would
    fail later and further from the cause.
    """
    from .._errors import ConfigError

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            where = f"environment {key} refers to " if key else ""
            raise ConfigError(f"{where}${{env.{name}}}, which is not set in this shell: export {name}=...")
        return env[name]

    return ENV_REFERENCE.sub(value_of, value)
