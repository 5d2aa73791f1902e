"""Several Set-Cookie headers in a response form that holds one value per header name.

ALB without multi-value headers and FC 3.0 (by default) return headers as a map of single
strings; each Set-Cookie goes under its own letter-case spelling of the name, which HTTP treats as
the same header. Only a response with Set-Cookie needs it: this loads with the first.
"""

from __future__ import annotations

from .._errors import ResponseHeaderError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List

    from ._base import Cookies


def add_case_variants(headers: Dict[str, str], cookies: Cookies) -> Dict[str, str]:
    """``headers`` plus each Set-Cookie under its own spelling of the name (see :func:`case_variants`)."""
    name, values = cookies
    for variant, value in zip(case_variants(name, len(values)), values):
        headers[variant] = value
    return headers


def case_variants(name: str, count: int) -> List[str]:
    """``count`` distinct spellings of ``name`` that differ only in letter case.

    For maps of single strings that must carry a header several times (ALB without multi-value
    headers; FC 3.0 by default): ``Set-Cookie``, ``set-Cookie``, ``Set-cookie`` ...
    """
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if count > 2 ** len(letters):
        raise ResponseHeaderError(
            f"the app sent {count} Set-Cookie headers; this platform's response form carries at most "
            f"{2 ** len(letters)} (one per letter-case spelling of {name!r})"
        )
    variants = []
    base = name.lower()
    for n in range(count):
        chars = list(base)
        for bit, pos in enumerate(letters):
            # n = 0 gives the canonical spelling; each further n flips a different set of letters.
            canonical_upper = name[pos].isupper()
            flip = (n >> bit) & 1
            chars[pos] = chars[pos].upper() if canonical_upper != bool(flip) else chars[pos]
        variants.append("".join(chars))
    return variants
