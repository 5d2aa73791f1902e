"""YAML output for deploy files. PyYAML (the ``build`` extra) is imported here only, when needed."""

from __future__ import annotations

from typing import Any

from .._errors import ConfigError


def dump(document: Any, header: str = "") -> str:
    """``document`` as block-style YAML in insertion order, after the ``header`` comment lines."""
    try:
        import yaml
    except ImportError:
        raise ConfigError("writing deploy files needs PyYAML: pip install 'faas-bridge[build]'") from None

    class _Dumper(yaml.SafeDumper):
        # Repeated lists (the same methods on two routes) must not become &anchors/*aliases:
        # a deploy tool may not resolve them, and a reader should see each value where it applies.
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120
    )
    return header + body
