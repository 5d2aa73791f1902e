"""How gateways cut a raw query string into keys and values.

Every platform except AWS HTTP API v2 (``rawQueryString``) hands the function a *map* built from
the query, and each builds it differently: comma-joined (FC, v2), lists (SCF, v1 multi-value),
last value wins (v1, ALB), decoded or not (ALB passes values as on the wire). The first step is
shared: split into ``(key, value)`` pairs, keeping the difference between ``?flag`` (value None)
and ``?flag=`` (value ``""``), which SCF reports differently (``true`` vs ``""``).
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote_plus

QueryPairs = List[Tuple[str, Optional[str]]]


def query_pairs(raw_query: str) -> QueryPairs:
    """The raw ``key=value`` pairs in order; a key without ``=`` has the value None."""
    pairs: QueryPairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        pairs.append((key, value if sep else None))
    return pairs


def form_decode(text: str) -> str:
    """Decode like a form decoder (Go ``url.QueryUnescape``, Java ``URLDecoder``): ``+`` is a space."""
    return unquote_plus(text, errors="replace")


def as_is(text: str) -> str:
    return text


def grouped(raw_query: str, decode: Callable[[str], str] = form_decode) -> Dict[str, List[str]]:
    """Every value of every key, in order; a flag key counts as the empty value."""
    groups: Dict[str, List[str]] = {}
    for key, value in query_pairs(raw_query):
        groups.setdefault(decode(key), []).append(decode(value or ""))
    return groups
