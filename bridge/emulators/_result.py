"""Reading the ``{statusCode, headers, isBase64Encoded, body}`` dict handlers return.

All JSON platforms share this shape with small differences (list-valued headers, string booleans,
``multiValueHeaders``, ``cookies``), so the strict field readers live here once; each emulator
composes them with its platform's rules. Every reader raises :class:`InvalidResult` with a message
naming the field, because a real gateway's answer to a bad shape (a 502, an ``errno`` 403) never
says why.
"""

from __future__ import annotations

from typing import Any, Mapping

from ._base import Headers, InvalidResult


def require_dict(result: Any) -> Mapping[str, Any]:
    if not isinstance(result, dict):
        raise InvalidResult(f"the handler returned {type(result).__name__}, not a dict with 'statusCode'")
    return result


def status_code(result: Mapping[str, Any]) -> int:
    if "statusCode" not in result:
        raise InvalidResult("the handler's result has no 'statusCode'")
    status = result["statusCode"]
    # bool is an int subclass; JSON ``true`` is not a status.
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidResult(f"'statusCode' must be an integer 100-599, not {status!r}")
    return status


def base64_flag(result: Mapping[str, Any], *, strings_allowed: bool = False) -> bool:
    """``isBase64Encoded`` as a bool; absent means false.

    With ``strings_allowed`` the strings ``"true"``/``"false"`` are read as such (SCF's docs show
    the string form; plain truthiness would read ``"false"`` as true).
    """
    flag = result.get("isBase64Encoded", False)
    if flag is None:
        return False
    if isinstance(flag, bool):
        return flag
    if strings_allowed and isinstance(flag, str) and flag.lower() in ("true", "false"):
        return flag.lower() == "true"
    raise InvalidResult(f"'isBase64Encoded' must be true or false, not {flag!r}")


def header_map(
    result: Mapping[str, Any],
    key: str = "headers",
    *,
    lists_allowed: bool = False,
    lists_required: bool = False,
) -> Headers:
    """The ``(name, value)`` pairs of a header map; list values become repeated headers.

    Names are kept as given: a map may hold the same name in several casings (ALB's case-mutation
    trick for several ``Set-Cookie``), and each is a header of its own on the wire.
    """
    headers = result.get(key)
    if headers is None:
        return []
    if not isinstance(headers, dict):
        raise InvalidResult(f"'{key}' must be an object, not {type(headers).__name__}")
    pairs: Headers = []
    for name, value in headers.items():
        if isinstance(value, list) and (lists_allowed or lists_required):
            for item in value:
                pairs.append((name, _header_value(key, name, item)))
        elif lists_required:
            raise InvalidResult(f"'{key}[{name!r}]' must be a list of strings, not {value!r}")
        else:
            pairs.append((name, _header_value(key, name, value)))
    return pairs


def _header_value(key: str, name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidResult(f"'{key}[{name!r}]' must be a string, not {value!r}")
    if "\r" in value or "\n" in value:
        raise InvalidResult(f"'{key}[{name!r}]' contains a line break")
    return value


def names(pairs: Headers) -> set[str]:
    return {name.lower() for name, _ in pairs}


def without(pairs: Headers, dropped: set[str]) -> Headers:
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


def content_type_or(pairs: Headers, default: str) -> str | None:
    for name, value in pairs:
        if name.lower() == "content-type":
            return value
    return default
