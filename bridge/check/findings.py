"""A finding of ``bridge check``: what, where, how bad, why on this platform, what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List

#: Severities, worst first. ``breaks``: fails on the platform (an error, lost writes, jobs that
#: never run). ``risky``: works on one warm instance but goes wrong as instances come, freeze and
#: go. ``cost``: works, but slower or dearer than it needs to be.
SEVERITIES = ("breaks", "risky", "cost")


@dataclass(frozen=True)
class Finding:
    """One hazard. ``file`` is relative to the project root (POSIX), ``line`` 1-based (0: none)."""

    severity: str
    rule: str
    file: str
    line: int
    title: str
    why: str
    fix: str
    docs: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}")

    @property
    def location(self) -> str:
        """``file:line`` (just ``file`` when there is no line)."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def ordered(findings: Iterable[Finding]) -> List[Finding]:
    """Findings worst first, then by place; one per (rule, file, line)."""
    seen = set()
    unique = []
    for finding in findings:
        key = (finding.rule, finding.file, finding.line)
        if key in seen:
            continue
        seen.add(key)
        unique.append(finding)
    return sorted(unique, key=lambda f: (SEVERITIES.index(f.severity), f.file, f.line, f.rule))
