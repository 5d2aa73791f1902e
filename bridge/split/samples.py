"""Sample request paths of a route: the requests the planner checks a gateway table with.

Gateways and apps here only ever compare a path segment with a literal, test it against a
converter's regex, or take the rest of the path. So two paths that agree on which literals and
converters each segment fits are routed alike, and it is enough to try, for each parameter,
one value of each converter and every literal some *other* pattern has (plus that literal with a
suffix, which tells a segment prefix from a string prefix). A ``path`` parameter also gets the
tails of other patterns, so ``/{path:path}`` is tried on ``/api/items/1``.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable, List, Sequence, Set

from . import patterns
from .routes import Route

# One value per converter, and a few plain words and numbers.
_BASE_VALUES = ("x", "1", "1.5", "a-b", "0f8fad5b-d9cb-469f-a165-70867728950e", "x.txt")
_MAX_PER_ROUTE = 400


def vocabulary(routes: Iterable[Route], gateway_paths: Iterable[str] = ()) -> List[str]:
    """Literal segments of all routes and gateway paths, each also with a suffix."""
    words: Set[str] = set()
    for route in routes:
        for shape in route.shapes:
            words.update(segment for segment in shape.segments if segment)
        if route.regex is not None:
            for example in patterns.regex_examples(route.regex):
                words.update(s for s in example.split("/") if s)
    for path in gateway_paths:
        words.update(s for s in re.split(r"[/*=\s]+", path) if s and "{" not in s and not s.startswith("$"))
    return sorted(words | {w + "x" for w in words})


def tails(routes: Iterable[Route]) -> List[str]:
    """Every literal-ish ending of every route path (parameters filled in), for ``path`` values,
    each also one segment deeper: ``/{rest:path}`` must be tried on ``/a/1/x`` as well as on
    ``/a/1``, because a gateway's ``/a/*`` entry for ``/a/{id}`` takes both."""
    found: Set[str] = set()
    for route in routes:
        examples = [route.path] if route.regex is None else patterns.regex_examples(route.regex)
        for example in examples:
            for text in _filled(example):
                segments = text[1:].split("/")
                for start in range(len(segments)):
                    tail = "/".join(segments[start:])
                    found.add(tail)
                    found.add(tail.rstrip("/") + "/x")
    return sorted(found)


def _filled(path: str) -> List[str]:
    """``path`` with every parameter a number, a word, and empty.

    The word and the empty value matter where a converter refuses them: ``/a/x/y`` does not fit
    ``/a/{id:int}/{rest:path}`` and ``/a/`` may not fit ``/a/{rest:path}``, so the app gives them to
    a later route (``/{rest:path}``), while a gateway's ``/a/*`` entry, blind to converters, still
    takes them.
    """
    return [re.sub(r"\{[^{}]*\}", value, path) for value in ("1", "x", "")]


def overlap_paths(routes: Iterable[Route]) -> List[str]:
    """Each route's own concrete paths (see :func:`_filled`), also one and two segments deeper.

    A gateway's ``/a/a/*`` entry for ``/a/a/{id}`` also takes ``/a/a/1/x``, which the app may give to
    a quite different route (``/{p0}/{p1}/{rest:path}``). Sampling each route's parameters alone
    cannot find that request when the other route has several parameters (they are varied one at
    a time past a few hundred combinations), so these paths are tried on every route as they are.
    """
    found: Set[str] = set()
    for route in routes:
        if route.regex is not None:
            continue
        for concrete in _filled(route.path):
            base = concrete.rstrip("/") or ""
            found.update((concrete, base + "/x", base + "/x/y"))
    return sorted(p for p in found if p.startswith("/"))


def sample_paths(route: Route, words: Sequence[str], tail_values: Sequence[str] = ()) -> List[str]:
    """Request paths the route matches, varied where other patterns could tell them apart."""
    if route.regex is not None:
        return _regex_samples(route, words)
    toks = patterns.tokens(route.path)
    params = [t for t in toks if isinstance(t, patterns.Param)]
    if not params:
        paths = [route.path]
    else:
        choices = [_values(p, words, tail_values) for p in params]
        paths = _combine(toks, choices)
    if route.slash_redirect and route.path.endswith("/"):
        paths += [p[:-1] for p in paths if p != "/"]
    return [p for p in dict.fromkeys(paths) if route.matches_path(p)]


def _values(param: patterns.Param, words: Sequence[str], tail_values: Sequence[str]) -> List[str]:
    candidates = list(_BASE_VALUES) + list(words)
    if param.spans_segments:
        candidates += ["", "x/y", "x/"] + list(tail_values)
    regex = re.compile(param.regex)
    return [v for v in dict.fromkeys(candidates) if regex.fullmatch(v)]


def _combine(toks: List[patterns.Token], choices: List[List[str]]) -> List[str]:
    """One path per value of each parameter (the others at their first value), all combinations if few."""

    def render(values: Sequence[str]) -> str:
        it = iter(values)
        return "".join(t if isinstance(t, str) else next(it) for t in toks)

    if not all(choices):
        return []
    total = 1
    for c in choices:
        total *= len(c)
    if total <= _MAX_PER_ROUTE:
        return [render(v) for v in itertools.product(*choices)]
    base = [c[0] for c in choices]
    out = [render(base)]
    for i, options in enumerate(choices):
        for value in options:
            varied = list(base)
            varied[i] = value
            out.append(render(varied))
    return out


def _regex_samples(route: Route, words: Sequence[str]) -> List[str]:
    """Examples of a regex route, and the same with each variable segment replaced by each word."""
    found: List[str] = []
    literal = patterns.regex_literal_prefix(route.regex or "")[0]
    for example in patterns.regex_examples(route.regex or "", variants=6):
        found.append(example)
        head_segments = literal.count("/")
        segments = example.split("/")
        for index in range(head_segments, len(segments)):
            for word in words:
                candidate = "/".join(segments[:index] + [word] + segments[index + 1 :])
                found.append(candidate)
    return [p for p in dict.fromkeys(found) if route.matches_path(p)][:_MAX_PER_ROUTE]
