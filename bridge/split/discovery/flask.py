"""Flask: the rules of ``app.url_map``, blueprints included, in Werkzeug's match order."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from .. import patterns
from ..routes import Route, sorted_methods

# Werkzeug's rule syntax: <converter(arguments):variable>
# (werkzeug/routing/rules.py, _part_re / _rule_re).
_RULE_PART = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<arguments>.*?)\))?:)?"
    r"(?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)\s*>"
)

# Werkzeug converters whose neutral counterpart matches the same paths (when given no arguments).
_NEUTRAL = {"default": "str", "string": "str", "int": "int", "float": "float", "uuid": "uuid", "path": "path"}


def discover(app: Any) -> List[Route]:
    """The routes of a Flask app, ordered as Werkzeug tries them (static segments first)."""
    url_map = app.url_map
    found: List[Tuple[Tuple, int, Route]] = []
    for index, rule in enumerate(url_map.iter_rules()):
        route = _route(app, url_map, rule)
        found.append((_match_order(rule), index, route))
    found.sort(key=lambda item: (item[0], item[1]))
    return [route for _, _, route in found]


def _route(app: Any, url_map: Any, rule: Any) -> Route:
    path, needs_regex = _neutral_path(rule.rule)
    endpoint = rule.endpoint
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    view = app.view_functions.get(endpoint)
    module = getattr(getattr(view, "view_class", view), "__module__", "") or ""
    kind = "static" if endpoint == "static" or endpoint.endswith(".static") else "http"
    if getattr(rule, "websocket", False):
        kind = "websocket"
    strict = url_map.strict_slashes if rule.strict_slashes is None else rule.strict_slashes
    notes: List[str] = []
    if rule.subdomain:
        notes.append(f"subdomain {rule.subdomain}")
    if getattr(rule, "host", None):
        notes.append(f"host {rule.host}")
    if rule.redirect_to is not None:
        notes.append(f"redirects to {rule.redirect_to}")
    if rule.defaults:
        notes.append("defaults " + ", ".join(f"{k}={v!r}" for k, v in sorted(rule.defaults.items())))
    slash_redirect = False
    regex: str | None = _full_regex(rule) if needs_regex else None
    if not strict:
        # strict_slashes=False: Werkzeug takes the path with or without its trailing slash.
        notes.append("strict_slashes off")
        body = regex[: -len(r"\Z")] if regex is not None else patterns.path_regex_head(path, "flask")
        regex = (body[:-1] if body.endswith("/") else body) + r"/?\Z"
    elif path.endswith("/") and path != "/":
        slash_redirect = True
        notes.append(f"redirects {path[:-1]} to {path}")
    return Route(
        path=path,
        methods=sorted_methods(rule.methods),
        endpoint=endpoint,
        module=module,
        group_hint=blueprint,
        kind=kind,
        notes=tuple(notes),
        regex=regex,
        slash_redirect=slash_redirect,
        framework="flask",
    )


def _neutral_path(rule_text: str) -> Tuple[str, bool]:
    """The rule in the neutral syntax, and whether a converter there needs the rule's own regex."""
    needs_regex = False

    def replace(match: re.Match[str]) -> str:
        nonlocal needs_regex
        converter = match.group("converter") or "default"
        neutral = _NEUTRAL.get(converter) if match.group("arguments") is None else None
        if neutral is None:
            needs_regex = True
            written = converter + (
                f"({match.group('arguments')})" if match.group("arguments") is not None else ""
            )
            return "{{{}:{}}}".format(match.group("variable"), written.replace(" ", ""))
        if neutral == "str":
            return "{{{}}}".format(match.group("variable"))
        return "{{{}:{}}}".format(match.group("variable"), neutral)

    return _RULE_PART.sub(replace, rule_text), needs_regex


def _full_regex(rule: Any) -> str:
    """The rule as one regex built from its converters' own regexes."""
    converters: Dict[str, Any] = getattr(rule, "_converters", {})
    parts = []
    pos = 0
    text = rule.rule
    for match in _RULE_PART.finditer(text):
        parts.append(re.escape(text[pos : match.start()]))
        converter = converters.get(match.group("variable"))
        parts.append("(?:%s)" % (converter.regex if converter is not None else "[^/]+"))
        pos = match.end()
    parts.append(re.escape(text[pos:]))
    return "^" + "".join(parts) + r"\Z"


def _match_order(rule: Any) -> Tuple:
    """Werkzeug's matcher tries static segments before converters, lighter converters first.

    (werkzeug/routing/matcher.py, StateMachineMatcher: static transitions, then dynamic ones by
    weight; PathConverter.weight is 200, NumberConverter's 50, the default 100.)
    """
    converters: Dict[str, Any] = getattr(rule, "_converters", {})
    key = []
    for segment in rule.rule.lstrip("/").split("/"):
        variables = [m.group("variable") for m in _RULE_PART.finditer(segment)]
        if not variables:
            key.append((0, 0))
            continue
        weight = max(getattr(converters.get(v), "weight", 100) for v in variables)
        key.append((1, weight))
    return tuple(key)
