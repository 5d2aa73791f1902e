"""Django: the full URL resolver tree of ``ROOT_URLCONF``, in resolution order.

Nested ``include()`` s, namespaces, ``path()`` converters, ``re_path()`` regexes, ``i18n_patterns``
and the admin all come out as flat routes. Django resolves by path alone (the view answers 405
for a method it does not take), so a route's ``methods`` are what its view declares: a class-based
view's handlers among ``http_method_names``, a ``require_http_methods`` list, or ``None`` (any).
"""

from __future__ import annotations

import re
from typing import Any, List, Sequence, Tuple

from ..routes import Route, sorted_methods

# Django's own converter names that mean the same as the neutral ones
# (django/urls/converters.py DEFAULT_CONVERTERS).
_NEUTRAL = {"str": "str", "int": "int", "slug": "slug", "uuid": "uuid", "path": "path"}
# django/urls/resolvers.py _PATH_PARAMETER_COMPONENT_RE
_PATH_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def discover(handler: Any = None, urlconf: str | None = None) -> List[Route]:
    """The routes of the configured Django project (``handler`` is its WSGI/ASGI handler)."""
    from django.urls import get_resolver

    resolver = get_resolver(urlconf)
    routes: List[Route] = []
    _walk(resolver.url_patterns, _Prefix(), routes)
    return routes


class _Prefix:
    """What the enclosing ``include()`` s contribute: path, regex, namespaces, notes."""

    def __init__(
        self,
        path: str = "/",
        regex: str = "",
        namespaces: Tuple[str, ...] = (),
        notes: Tuple[str, ...] = (),
        exact: bool = True,
    ) -> None:
        self.path = path
        self.regex = regex
        self.namespaces = namespaces
        self.notes = notes
        self.exact = exact  # False once any level needs the regex to be matched right

    def then(
        self, path: str, regex: str, exact: bool, namespace: str | None = None, note: str | None = None
    ) -> _Prefix:
        return _Prefix(
            self.path + path,
            self.regex + regex,
            self.namespaces + ((namespace,) if namespace else ()),
            self.notes + ((note,) if note else ()),
            self.exact and exact,
        )


def _walk(url_patterns: Sequence[Any], prefix: _Prefix, out: List[Route]) -> None:
    from django.urls import URLResolver

    for entry in url_patterns:
        path, regex, exact, note = _level(entry.pattern)
        if isinstance(entry, URLResolver):
            _walk(entry.url_patterns, prefix.then(path, regex, exact, entry.namespace, note), out)
        else:
            out.append(_route(entry, prefix.then(path, regex, exact, None, note)))


def _level(pattern: Any) -> Tuple[str, str, bool, str | None]:
    """One level of a URL: neutral path part, regex part, whether the path part is exact, a note."""
    from django.urls.resolvers import LocalePrefixPattern, RoutePattern

    if isinstance(pattern, LocalePrefixPattern):
        return _locale_level(pattern)
    regex = _strip_anchors(pattern.regex.pattern)
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        exact = True

        def replace(match: re.Match[str]) -> str:
            nonlocal exact
            converter = match.group("converter") or "str"
            name = match.group("parameter")
            neutral = _NEUTRAL.get(converter)
            if neutral is None:
                exact = False
                return f"{{{name}:{converter}}}"
            return f"{{{name}}}" if neutral == "str" else f"{{{name}:{neutral}}}"

        return _PATH_PARAM.sub(replace, route), regex, exact, None
    path = _regex_display(regex)
    return path, regex, False, None


def _locale_level(pattern: Any) -> Tuple[str, str, bool, str | None]:
    # i18n_patterns: the active language's code, taken from the path by LocaleMiddleware
    # (django/urls/resolvers.py LocalePrefixPattern); any configured language may come first.
    from django.conf import settings

    codes = [code for code, _ in settings.LANGUAGES]
    default = settings.LANGUAGE_CODE
    alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True))
    if pattern.prefix_default_language:
        return "{language}/", f"(?:{alternatives})/", False, f"i18n: language prefix ({', '.join(codes)})"
    others = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True) if c != default) or "(?!)"
    note = f"i18n: language prefix ({', '.join(codes)}); none for {default}"
    return "{language}/", f"(?:(?:{others})/)?", False, note


def _fullmatch_end(regex: str) -> str:
    # Django matches an endpoint regex ending in "$" with fullmatch (django/urls/resolvers.py,
    # RegexPattern.match), so its "$" does not take a final newline as re.match would: "\Z" says so.
    if regex.endswith("$") and not regex.endswith("\\$"):
        return regex[:-1] + r"\Z"
    return regex


def _strip_anchors(regex: str) -> str:
    if regex.startswith("^"):
        regex = regex[1:]
    return regex


def _regex_display(regex: str) -> str:
    """A ``re_path`` regex in the neutral syntax, where it reads as one (display only)."""
    body = re.sub(r"(\\Z|\$)$", "", regex)
    out: List[str] = []
    i = 0
    while i < len(body):
        if body.startswith("(?P<", i):
            end = _group_end(body, i)
            if end < 0:
                break
            name = body[i + 4 : body.index(">", i)]
            inner = body[body.index(">", i) + 1 : end]
            spans = _can_match_slash(inner)
            out.append(f"{{{name}:path}}" if spans else f"{{{name}}}")
            i = end + 1
        elif body[i] == "\\" and i + 1 < len(body) and not body[i + 1].isalnum():
            out.append(body[i + 1])
            i += 2
        elif body[i] in ".^$*+?{}[]|()\\":
            out.append("{rest:path}")  # the rest is regex; Route.regex is what matches
            break
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _group_end(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _can_match_slash(regex: str) -> bool:
    try:
        return any(re.fullmatch(regex, sample) for sample in ("a/b", "1/2", "a/"))
    except re.error:
        return True


def _route(entry: Any, prefix: _Prefix) -> Route:
    callback = entry.callback
    view_class = getattr(callback, "view_class", None)
    module = getattr(view_class or callback, "__module__", "") or ""
    name = entry.name
    endpoint = ":".join(prefix.namespaces + (name,)) if name else entry.lookup_str
    # The levels' own regexes, joined, are what Django matches (an endpoint's ends in \Z or $).
    regex = None if prefix.exact else "^/" + _fullmatch_end(prefix.regex)
    return Route(
        path=prefix.path,
        methods=_methods(callback),
        endpoint=endpoint,
        module=module,
        # The outermost namespace (admin:, shop:) says whose URL it is better than the view's
        # module does (the admin's views live in contenttypes, auth, ...).
        group_hint=prefix.namespaces[0] if prefix.namespaces else _app_label(module),
        kind="http",
        notes=prefix.notes,
        regex=regex,
        framework="django",
    )


def _methods(callback: Any) -> Tuple[str, ...] | None:
    actions = getattr(callback, "actions", None)  # Django REST framework viewsets
    if isinstance(actions, dict) and actions:
        names = {m.upper() for m in actions}
        names.add("OPTIONS")
        if "GET" in names:
            names.add("HEAD")
        return sorted_methods(names)
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        # django/views/generic/base.py View._allowed_methods, and setup() adding head for get.
        names = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
        if "GET" in names:
            names.add("HEAD")
        return sorted_methods(names)
    declared = _require_http_methods(callback)
    return sorted_methods(declared) if declared is not None else None


def _require_http_methods(func: Any) -> List[str] | None:
    """The list given to ``django.views.decorators.http.require_http_methods``, if it wraps ``func``."""
    seen = set()
    while func is not None and id(func) not in seen:
        seen.add(id(func))
        code = getattr(func, "__code__", None)
        closure = getattr(func, "__closure__", None)
        if code is not None and closure:
            cells = dict(zip(code.co_freevars, closure))
            cell = cells.get("request_method_list")
            if cell is not None:
                try:
                    return list(cell.cell_contents)
                except ValueError:  # empty cell
                    pass
        func = getattr(func, "__wrapped__", None)
    return None


def _app_label(module: str) -> str | None:
    from django.apps import apps

    config = apps.get_containing_app_config(module) if module else None
    return config.label if config is not None else None
