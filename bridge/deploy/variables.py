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
- Printed commands (``gcloud``, ``az``) and files read through ``envsubst`` (Huawei, Knative): the
  shell's ``${NAME}``.

All input spellings are accepted: ``${env.NAME}``, ``${env:NAME}``, ``${env('NAME')}``,
``${env("NAME")}``, and with a default where the app has one (so the deploy tool renders the file
without the variable set): ``${env('NAME', 'default')}`` or ``${env:NAME, 'default'}``. Any other
``${...}`` passes through untouched.
``bridge deploy``, which is its own deploy tool, resolves them from the deployer's shell
(:func:`resolve`), a default standing in for an unset variable.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Mapping, Optional, Tuple

_NAME = r"([A-Za-z_][A-Za-z0-9_]*)"
_DEFAULT = r"""(?:\s*,\s*(?:'([^']*)'|"([^"]*)"))?"""
#: One reference: ``${env.NAME}``, ``${env:NAME}``, ``${env:NAME, 'default'}``, ``${env('NAME')}`` or
#: ``${env('NAME', 'default')}`` (either quote). :func:`reference` reads a match.
ENV_REFERENCE = re.compile(
    r"\$\{\s*env(?:\." + _NAME + r"|:\s*" + _NAME + _DEFAULT + r"|\(\s*['\"]" + _NAME + r"['\"]" + _DEFAULT
    + r"\s*\))\s*\}"
)


def reference(match: re.Match[str]) -> Tuple[str, Optional[str]]:
    """``(NAME, default or None)`` of an :data:`ENV_REFERENCE` match."""
    groups = match.groups()
    name = next(group for group in (groups[0], groups[1], groups[4]) if group is not None)
    defaults = [group for group in groups[2:4] + groups[5:7] if group is not None]
    return name, (defaults[0] if defaults else None)


# Keys whose literal value is probably a secret: worth a warning, since it lands in a deploy file.
_SECRET_KEY = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY", re.I)


def referenced_names(value: str) -> List[str]:
    """Names of the deploy-time variables ``value`` refers to, in order of appearance."""
    return [reference(match)[0] for match in ENV_REFERENCE.finditer(value)]


def references(value: str) -> List[Tuple[str, Optional[str]]]:
    """``(NAME, default or None)`` of each reference in ``value``, in order of appearance."""
    return [reference(match) for match in ENV_REFERENCE.finditer(value)]


def respell(value: str, spell: Callable[[str, Optional[str]], str]) -> str:
    """``value`` with each environment reference replaced by ``spell(NAME, default)``."""
    return ENV_REFERENCE.sub(lambda match: spell(*reference(match)), value)


def serverless_devs(name: str, default: Optional[str] = None) -> str:
    """``${env('NAME')}``, or ``${env('NAME', 'default')}``: the Serverless Devs spelling, for
    ``s.yaml``. Its template engine returns the default when the variable is unset or empty, and
    fails the whole command otherwise (``envFun`` in @serverless-devs/art-template
    ``lib/devs-compile.js``, https://www.npmjs.com/package/@serverless-devs/art-template)."""
    if default is None:
        return "${env('" + name + "')}"
    quote = '"' if "'" in default else "'"
    return "${env('" + name + "', " + quote + default + quote + ")}"


def serverless_framework(name: str, default: Optional[str] = None) -> str:
    """``${env:NAME}``: the Serverless Framework spelling, for Tencent's ``serverless.yml``.

    A default is not written: whether Tencent's components resolve the framework's
    ``${env:NAME, 'default'}`` fallback is UNCONFIRMED, so the variable must be set to deploy
    (:func:`bridge.deploy.targets.scf` notes which)."""
    return "${env:" + name + "}"


def literal_secrets(environment: Dict[str, str]) -> List[str]:
    """Keys that look like secrets but hold a literal value rather than a reference."""
    return sorted(
        key
        for key, value in environment.items()
        if _SECRET_KEY.search(key) and value and "${" not in str(value)
    )


def shell_variable(name: str, default: Optional[str] = None) -> str:
    """``${NAME}``: the spelling ``envsubst`` reads (Huawei, Knative files). ``envsubst`` has no
    default syntax (https://www.gnu.org/software/gettext/manual/html_node/envsubst-Invocation.html),
    so a default is not written there: the variable must be set when the file is rendered."""
    return "${" + name + "}"


def shell_word(value: str) -> str:
    """``value`` as one shell word for a printed deploy command: literal text single-quoted, each
    reference a double-quoted ``"${NAME}"`` expanded when the command runs."""
    import shlex

    parts: List[str] = []
    position = 0
    for match in ENV_REFERENCE.finditer(value):
        if match.start() > position:
            parts.append(shlex.quote(value[position : match.start()]))
        name, default = reference(match)
        # POSIX ${NAME:-default}: the default where the variable is unset or empty, as Serverless Devs.
        fallback = "" if default is None else ":-" + re.sub(r'([\\"$`])', r"\\\1", default)
        parts.append('"${' + name + fallback + '}"')
        position = match.end()
    if position < len(value) or not parts:
        parts.append(shlex.quote(value[position:]))
    return "".join(parts)


def resolve(value: str, env: Mapping[str, str], *, key: str = "") -> str:
    """``value`` with each reference replaced by the variable's value in ``env``.

    A variable that is not set is an error naming it: deploying an empty ``DATABASE_URL`` would
    fail later and further from the cause.
    """
    from .._errors import ConfigError

    def value_of(match: re.Match[str]) -> str:
        name, default = reference(match)
        if name not in env:
            if default is not None:
                return default
            where = f"environment {key} refers to " if key else ""
            raise ConfigError(f"{where}${{env.{name}}}, which is not set in this shell: export {name}=...")
        return env[name]

    return ENV_REFERENCE.sub(value_of, value)
