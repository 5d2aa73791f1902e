"""The neutral path syntax every discovered route is written in, and what can be read from it.

A route's ``path`` is literal text with parameters: ``{name}`` (one path segment), ``{name:conv}``
with a converter (``int``, ``float``, ``uuid``, ``slug``, ``str``) and ``{name:path}`` (any non-empty
text, slashes included). Starlette writes its routes this way; Flask's ``<int:id>`` and
Django's ``<int:pk>`` translate one to one. What the syntax cannot say (a Django ``re_path``, a
custom converter) is kept as a full-path regex beside it, and the neutral path is then a display
form that matches at least as much.

A converter of the same name matches different text in each framework (Werkzeug's ``int`` takes
any Unicode digit, Django's and Starlette's ASCII only; Starlette's ``uuid`` takes upper case and
no hyphens, Django's neither): :func:`path_regex` given the route's framework matches exactly what
that framework's own converter does, which the route guard needs.

Gateways see routes only through :func:`shape`: segment by segment, literal or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Tuple, Union

try:  # Python 3.11 moved the regex parser; the old name warns there.
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

#: One parameter of the neutral syntax: ``{name}`` or ``{name:converter}``.
PARAM_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]+))?\}")

#: What each neutral converter matches. Each is the union of what Flask, Django and Starlette
#: accept for the converter of that name, so a neutral path never matches less than the app does.
CONVERTER_REGEX: Dict[str, str] = {
    "str": r"[^/]+",
    "int": r"\d+",
    "float": r"\d+(?:\.\d+)?",
    "uuid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "slug": r"[-a-zA-Z0-9_]+",
    # Starlette's takes the empty string too; its discovery keeps such a route's own regex.
    "path": r".+",
}

#: What each framework's own converter of a neutral name matches, from its source: Werkzeug's
#: ``werkzeug/routing/converters.py`` (``\d`` is any Unicode decimal digit, and ``int()`` takes
#: them), Django's ``django/urls/converters.py``, Starlette's ``starlette/convertors.py``.
FRAMEWORK_CONVERTER_REGEX: Dict[str, Dict[str, str]] = {
    "flask": {
        "str": r"[^/]+",
        "int": r"\d+",
        "float": r"\d+\.\d+",
        "uuid": r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}",
        "path": r"[^/].*?",
    },
    "django": {
        "str": r"[^/]+",
        "int": r"[0-9]+",
        "slug": r"[-a-zA-Z0-9_]+",
        "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "path": r".+",
    },
    "starlette": {
        "str": r"[^/]+",
        "int": r"[0-9]+",
        "float": r"[0-9]+(?:\.[0-9]+)?",
        "uuid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
        "path": r".*",
    },
}

#: How each framework's route regex ends: Starlette's ``compile_path`` ends it with ``$``, which
#: also matches before a final newline (``/items/1\n`` reaches ``/items/{id:int}``); Werkzeug and
#: Django's ``path()`` end theirs with ``\Z``.
END_ANCHOR: Dict[str, str] = {"starlette": "$"}


@dataclass(frozen=True)
class Param:
    """A parameter of a neutral path: its name and converter (``str`` when none was written)."""

    name: str
    converter: str = "str"

    @property
    def regex(self) -> str:
        # An unknown converter's own regex lives in Route.regex; here it counts as one segment.
        return CONVERTER_REGEX.get(self.converter, CONVERTER_REGEX["str"])

    def regex_in(self, framework: str) -> str:
        """What the framework's own converter of this name matches (the neutral regex elsewhere)."""
        return FRAMEWORK_CONVERTER_REGEX.get(framework, {}).get(self.converter, self.regex)

    @property
    def spans_segments(self) -> bool:
        return self.converter == "path"


Token = Union[str, Param]


def tokens(path: str) -> List[Token]:
    """The neutral path as literal strings and :class:`Param` s, in order."""
    out: List[Token] = []
    pos = 0
    for match in PARAM_RE.finditer(path):
        if match.start() > pos:
            out.append(path[pos : match.start()])
        out.append(Param(match.group(1), (match.group(2) or "str").strip()))
        pos = match.end()
    if pos < len(path):
        out.append(path[pos:])
    return out


def path_regex(path: str, framework: str = "") -> str:
    """An anchored regex (use with ``re.match``) for the request paths a neutral path matches:
    with ``framework`` (``flask``, ``django``, ``starlette``), exactly those that framework's own
    converters and anchors match."""
    return path_regex_head(path, framework) + END_ANCHOR.get(framework, r"\Z")


def path_regex_head(path: str, framework: str = "") -> str:
    """:func:`path_regex` without its end anchor: the paths that start with one the route matches."""
    parts = []
    for token in tokens(path):
        parts.append(re.escape(token) if isinstance(token, str) else f"(?:{token.regex_in(framework)})")
    return "^" + "".join(parts)


def is_literal(path: str) -> bool:
    """True when the neutral path has no parameter: it matches exactly one request path."""
    return PARAM_RE.search(path) is None


@dataclass(frozen=True)
class Shape:
    """What a gateway can know of a route's request paths, segment by segment.

    ``segments`` are literal segment texts, or ``None`` for a segment a parameter makes variable;
    with ``tail`` the path may go on after them with ``/`` and any text, possibly empty. The paths
    of a shape always include every path of the route it was made from.
    """

    segments: Tuple[str | None, ...]
    tail: bool = False

    @property
    def exact(self) -> bool:
        """True when the shape is a single literal path."""
        return not self.tail and all(s is not None for s in self.segments)

    @property
    def literal_head(self) -> Tuple[str, ...]:
        """The literal segments before the first variable one."""
        head: List[str] = []
        for segment in self.segments:
            if segment is None:
                break
            head.append(segment)
        return tuple(head)

    def literal_path(self) -> str:
        """The one path of an exact shape."""
        return "/" + "/".join(self.segments)  # type: ignore[arg-type]

    def prefix(self) -> str:
        """The longest literal text, ending at a ``/``, that every path of the shape starts with."""
        return "/" + "".join(segment + "/" for segment in self.literal_head)


def shapes(path: str, regex: str | None = None) -> List[Shape]:
    """The :class:`Shape` s that together cover a route's paths.

    One shape, except for a regex that matches only a few strings (``/about/?``, a choice of
    language codes): then one exact shape per string, which gateways can route exactly.
    """
    if regex is not None:
        finite = regex_strings(regex)
        if finite is not None:
            return [Shape(tuple(text[1:].split("/"))) for text in finite if text.startswith("/")]
        return [_shape_of_regex(regex)]
    return [shape(path)]


def shape(path: str, regex: str | None = None) -> Shape:
    """The :class:`Shape` of a neutral path (or, coarsely, of a full-path ``regex``)."""
    if regex is not None:
        return _shape_of_regex(regex)
    if not path.startswith("/"):
        path = "/" + path
    segments: List[str | None] = []
    for text in path[1:].split("/"):
        seg_tokens = tokens(text)
        if any(isinstance(t, Param) and t.spans_segments for t in seg_tokens):
            # A path parameter may swallow any number of segments, and whatever follows it.
            return Shape(tuple(segments), tail=True)
        if all(isinstance(t, str) for t in seg_tokens):
            segments.append("".join(seg_tokens))  # type: ignore[arg-type]
        else:
            segments.append(None)
    return Shape(tuple(segments))


def _shape_of_regex(regex: str) -> Shape:
    """Literal head of an anchored full-path regex; exact only when the whole regex is literal."""
    literal, complete = regex_literal_prefix(regex)
    if complete:
        return Shape(tuple(literal[1:].split("/")))
    head = literal[1 : literal.rfind("/") + 1] if "/" in literal else ""
    segments = tuple(head.split("/")[:-1]) if head else ()
    return Shape(segments, tail=True)


def regex_literal_prefix(regex: str) -> Tuple[str, bool]:
    """The literal text an anchored regex starts with, and whether that is all it matches."""
    try:
        parsed = _sre_parse.parse(regex)
    except re.error:
        return "/", False
    out = []
    items = list(parsed)
    if items and items[0][0] is _sre_constants.AT and items[0][1] is _sre_constants.AT_BEGINNING:
        items = items[1:]
    for i, (op, arg) in enumerate(items):
        if op is _sre_constants.LITERAL:
            out.append(chr(arg))
            continue
        rest = items[i:]
        complete = len(rest) == 1 and op is _sre_constants.AT and arg in _END_ANCHORS
        return "".join(out), complete
    return "".join(out), False  # no end anchor: re.match also accepts longer paths


_END_ANCHORS = (_sre_constants.AT_END, _sre_constants.AT_END_STRING)


def regex_strings(regex: str, limit: int = 16) -> List[str] | None:
    """Every string an anchored, end-anchored regex matches, if they are at most ``limit``; else ``None``."""
    try:
        parsed = _sre_parse.parse(regex)
    except re.error:
        return None
    items = list(parsed)
    c = _sre_constants
    if not items or not (items[-1][0] is c.AT and items[-1][1] in _END_ANCHORS):
        return None  # re.match accepts anything longer
    try:
        found = _expand(items, limit)
    except _CannotGenerate:
        return None
    compiled = re.compile(regex)
    return sorted(s for s in found if compiled.match(s))


def _expand(items: list, limit: int) -> List[str]:
    c = _sre_constants
    results = [""]
    for op, arg in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            options = [chr(arg)]
        elif op is c.IN and not any(o is c.NEGATE or o is c.CATEGORY for o, _ in arg):
            options = []
            for o, value in arg:
                if o is c.LITERAL:
                    options.append(chr(value))
                elif o is c.RANGE and value[1] - value[0] < limit:
                    options.extend(chr(x) for x in range(value[0], value[1] + 1))
                else:
                    raise _CannotGenerate(o)
        elif op is c.BRANCH:
            options = [s for branch in arg[1] for s in _expand(list(branch), limit)]
        elif op is c.SUBPATTERN:
            options = _expand(list(arg[-1]), limit)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[1] is not c.MAXREPEAT and arg[1] <= 3:
            low, high, sub = arg
            one = _expand(list(sub), limit)
            options = []
            for count in range(low, high + 1):
                combos = [""]
                for _ in range(count):
                    combos = [a + b for a in combos for b in one]
                    if len(combos) > limit:
                        raise _CannotGenerate("too many")
                options.extend(combos)
        else:
            raise _CannotGenerate(op)
        results = [a + b for a in results for b in options]
        if len(results) > limit:
            raise _CannotGenerate("too many")
    return list(dict.fromkeys(results))


def regex_examples(regex: str, variants: int = 3) -> List[str]:
    """A few strings the regex matches (from its start), made by walking its syntax tree.

    Variant ``k`` takes the ``k``-th branch of alternations and a different repeat count, so the
    examples differ where the regex allows it. Strings that fail to match are dropped.
    """
    try:
        parsed = _sre_parse.parse(regex)
    except re.error:
        return []
    compiled = re.compile(regex)
    found: List[str] = []
    for k in range(variants):
        try:
            text = _generate(list(parsed), k)
        except _CannotGenerate:
            continue
        if compiled.match(text) and text not in found:
            found.append(text)
    return found


class _CannotGenerate(Exception):
    pass


_CANDIDATE_CHARS = "a1-_.A0z9/"


def _generate(items: list, k: int) -> str:
    c = _sre_constants
    out: List[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append(next(ch for ch in _CANDIDATE_CHARS if ord(ch) != arg))
        elif op is c.ANY:
            out.append("a1"[k % 2])
        elif op is c.IN:
            out.append(_pick_in(arg, k))
        elif op is c.BRANCH:
            branches = arg[1]
            out.append(_generate(list(branches[k % len(branches)]), k))
        elif op is c.SUBPATTERN:
            out.append(_generate(list(arg[-1]), k))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            count = (max(low, 1), low, low + 2)[k % 3]
            if high is not c.MAXREPEAT:
                count = min(count, high)
            out.append("".join(_generate(list(sub), k) for _ in range(count)))
        elif op is c.AT:
            continue
        else:
            raise _CannotGenerate(op)
    return "".join(out)


def _pick_in(arg: list, k: int) -> str:
    c = _sre_constants
    negate = any(op is c.NEGATE for op, _ in arg)
    candidates = _CANDIDATE_CHARS[k % len(_CANDIDATE_CHARS) :] + _CANDIDATE_CHARS
    for ch in candidates:
        if _in_class(ch, arg) != negate:
            return ch
    for op, value in arg:  # a class of characters outside our candidates
        if op is c.LITERAL and not negate:
            return chr(value)
        if op is c.RANGE and not negate:
            return chr(value[0])
    raise _CannotGenerate("empty class")


def _in_class(ch: str, arg: list) -> bool:
    c = _sre_constants
    code = ord(ch)
    for op, value in arg:
        if op is c.LITERAL and value == code:
            return True
        if op is c.RANGE and value[0] <= code <= value[1]:
            return True
        if op is c.CATEGORY:
            if value is c.CATEGORY_DIGIT and ch.isdigit():
                return True
            if value is c.CATEGORY_WORD and (ch.isalnum() or ch == "_"):
                return True
            if value is c.CATEGORY_SPACE and ch.isspace():
                return True
            if value is c.CATEGORY_NOT_DIGIT and not ch.isdigit():
                return True
            if value is c.CATEGORY_NOT_WORD and not (ch.isalnum() or ch == "_"):
                return True
    return False
