"""A schedule (``cron = "0 8 * * 1-5"`` or ``every = "1h"``) in each vendor's own syntax.

The project writes standard five-field cron (minute hour day-of-month month day-of-week, UTC) or an
interval. The vendors differ:

- FC: six fields with seconds first, or ``@every 1h``
  (https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-timertriggerconfig).
- SCF: seven fields, seconds first and year last (https://cloud.tencent.com/document/product/583/9708);
  no interval form, so ``every`` becomes a cron when it divides a minute, hour or day.
- AWS EventBridge: ``cron(min hour dom month dow year)`` where one of day-of-month / day-of-week
  must be ``?``, day-of-week counts 1-7 from Sunday; or ``rate(1 hour)``
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
- Huawei FunctionGraph: ``Rate`` ``3m`` / ``1h`` / ``1d`` (1-60 minutes, 1-24 hours, 1-30 days) or a
  ``Cron`` of six fields, seconds first, with ``?`` in one day field (``0 15 2 * * ?``)
  (https://support.huaweicloud.com/intl/en-us/usermanual-functiongraph/functiongraph_01_0207.html).
  Day-of-week is written as names (``MON-FRI``), which Quartz-style crons read one way only.

A schedule a vendor cannot express raises :class:`~bridge.ConfigError` naming it.
"""

from __future__ import annotations

import re
from typing import Callable, List, Tuple

from .._errors import ConfigError

_EVERY_RE = re.compile(r"^([1-9][0-9]*)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_AWS_UNITS = {"m": "minute", "h": "hour", "d": "day"}
_FIELD_RE = re.compile(r"^[0-9A-Za-z*/,\-]+$")


def parse_every(text: str, where: str) -> Tuple[int, str]:
    """``"1h"`` -> ``(1, "h")``; a clear error for anything else."""
    match = _EVERY_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ConfigError(f'{where}: every = {text!r} must be a number and a unit s, m, h or d, e.g. "1h"')
    return int(match.group(1)), match.group(2)


def split_cron(text: str, where: str) -> List[str]:
    """The five fields of a standard cron expression, checked for shape."""
    fields = text.split() if isinstance(text, str) else []
    if len(fields) != 5 or not all(_FIELD_RE.match(f) for f in fields):
        raise ConfigError(
            f"{where}: cron = {text!r} must have five fields: minute hour day-of-month month day-of-week "
            '(e.g. "0 8 * * 1-5"; times are UTC)'
        )
    return fields


def fc_expression(cron: str | None, every: str | None, where: str) -> str:
    if every is not None:
        count, unit = parse_every(every, where)
        seconds = count * UNIT_SECONDS[unit]
        if seconds < 60:
            raise ConfigError(f"{where}: every = {every!r}: FC timers fire at most once a minute")
        return f"@every {count}{unit}"
    minute, hour, dom, month, dow = split_cron(cron or "", where)
    # FC's six-field form takes "?" for an unused day field, like Quartz; "*" is accepted as well.
    return f"0 {minute} {hour} {dom} {month} {dow}"


def scf_expression(cron: str | None, every: str | None, where: str) -> str:
    if every is not None:
        minute, hour, dom = _every_as_cron(every, where, "SCF")
        return f"0 {minute} {hour} {dom} * * *"
    minute, hour, dom, month, dow = split_cron(cron or "", where)
    return f"0 {minute} {hour} {dom} {month} {dow} *"


def aws_expression(cron: str | None, every: str | None, where: str) -> str:
    if every is not None:
        count, unit = parse_every(every, where)
        if unit == "s":
            if count % 60:
                raise ConfigError(f"{where}: every = {every!r}: EventBridge rates are whole minutes")
            count, unit = count // 60, "m"
        name = _AWS_UNITS[unit]
        return f"rate({count} {name}{'' if count == 1 else 's'})"
    minute, hour, dom, month, dow = split_cron(cron or "", where)
    dom, dow = _one_day_field(dom, dow, cron or "", where, "EventBridge", _aws_weekdays)
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _one_day_field(
    dom: str, dow: str, cron: str, where: str, vendor: str, weekdays: Callable[[str, str, str], str]
) -> Tuple[str, str]:
    """Day-of-month and day-of-week for a Quartz-style cron, which takes one of them and ``?`` for
    the other; ``weekdays`` writes a day-of-week field in the vendor's numbering."""
    if dom != "*" and dow != "*":
        raise ConfigError(
            f"{where}: cron = {cron!r} sets both day-of-month and day-of-week; {vendor} takes one of "
            "them (the other is '?')"
        )
    if dow == "*":
        return dom, "?"
    return "?", weekdays(dow, cron, where)


_HUAWEI_RATE_LIMITS = {"m": 60, "h": 24, "d": 30}
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def huawei_schedule(cron: str | None, every: str | None, where: str) -> Tuple[str, str]:
    """``(schedule_type, schedule)`` of a FunctionGraph TIMER trigger."""
    if every is not None:
        count, unit = parse_every(every, where)
        if unit == "s" and count % 60 == 0:
            count, unit = count // 60, "m"
        if unit == "s" or count > _HUAWEI_RATE_LIMITS[unit]:
            raise ConfigError(
                f"{where}: every = {every!r}: FunctionGraph rates are 1-60 minutes, 1-24 hours or 1-30 days; "
                'use one of those, or a cron = "..." schedule'
            )
        return "Rate", f"{count}{unit}"
    minute, hour, dom, month, dow = split_cron(cron or "", where)
    dom, dow = _one_day_field(dom, dow, cron or "", where, "FunctionGraph", _named_weekdays)
    return "Cron", f"0 {minute} {hour} {dom} {month} {dow}"


def _named_weekdays(field: str, cron: str, where: str) -> str:
    """Standard day-of-week numbers (0-7, Sunday 0 and 7) as names; ``1-7`` wraps to ``MON-SAT,SUN``."""

    def name(token: str) -> str:
        if not token.isdigit():
            return token.upper()
        if int(token) > 7:
            raise ConfigError(f"{where}: cron = {cron!r}: day-of-week {token} is out of range 0-7")
        return _WEEKDAYS[int(token) % 7]

    out = []
    for part in field.split(","):
        base, slash, step = part.partition("/")
        low, dash, high = base.partition("-")
        if slash and base not in ("*", ""):
            raise ConfigError(f"{where}: cron = {cron!r}: write day-of-week steps as a list of days")
        if dash and high == "7" and low.isdigit():
            out.append(f"{name(low)}-SAT,SUN" if low != "0" else "*")
            continue
        out.append(name(low) + (dash + name(high) if dash else "") + slash + step)
    return ",".join(out)


def _aws_weekdays(field: str, cron: str, where: str) -> str:
    """Standard cron counts 0-6 from Sunday (7 is Sunday too); EventBridge counts 1-7 from Sunday."""

    def shift(token: str) -> str:
        if not token.isdigit():
            return token  # names (MON-FRI) and "*" mean the same in both
        number = int(token)
        if number > 7:
            raise ConfigError(f"{where}: cron = {cron!r}: day-of-week {number} is out of range 0-7")
        return str(number % 7 + 1)

    out = []
    for part in field.split(","):
        base, slash, step = part.partition("/")
        low, dash, high = base.partition("-")
        if dash and high == "7" and low.isdigit():
            # "1-7" (Monday to Sunday) wraps in EventBridge numbering: 2-7 and 1
            out.append(f"{shift(low)}-7,1" if not slash else part)
            continue
        shifted = shift(low) + (dash + shift(high) if dash else "")
        out.append(shifted + slash + step)
    return ",".join(out)


def _every_as_cron(every: str, where: str, vendor: str) -> Tuple[str, str, str]:
    """An interval as (minute, hour, day-of-month) fields, when it divides the next unit evenly."""
    count, unit = parse_every(every, where)
    if unit == "m" and 60 % count == 0:
        return (f"*/{count}" if count > 1 else "*"), "*", "*"
    if unit == "h" and 24 % count == 0:
        return "0", (f"*/{count}" if count > 1 else "*"), "*"
    if unit == "d" and count == 1:
        return "0", "0", "*"
    raise ConfigError(
        f"{where}: every = {every!r} cannot be written as a {vendor} cron expression (it has no interval "
        'form): use minutes dividing 60, hours dividing 24, "1d", or a cron = "..." schedule'
    )
