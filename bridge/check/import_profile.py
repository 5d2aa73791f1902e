"""What ``python -X importtime`` says about importing the app: the cold-start budget, by package.

Each line of that output is ``import time: <self us> | <cumulative us> | <indent><module>``
(https://docs.python.org/3/using/cmdline.html#cmdoption-X). Self times add up without counting
anything twice, so a package's share is the sum of its modules' self times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s?(\s*)(\S+)\s*$")


@dataclass
class ImportProfile:
    """Microseconds spent importing, per top-level package, and in all."""

    total_us: int = 0
    by_package: Dict[str, int] = field(default_factory=dict)
    modules: int = 0

    def top(self, count: int = 5) -> List[Tuple[str, int]]:
        """The ``count`` packages that took longest, longest first."""
        return sorted(self.by_package.items(), key=lambda item: (-item[1], item[0]))[:count]

    def as_dict(self) -> Dict[str, object]:
        return {
            "total_ms": round(self.total_us / 1000, 1),
            "modules": self.modules,
            "top": [{"package": name, "ms": round(us / 1000, 1)} for name, us in self.top(10)],
        }


def parse_importtime(lines: Iterable[str]) -> ImportProfile:
    """The profile of the ``-X importtime`` lines among ``lines`` (other lines are skipped)."""
    profile = ImportProfile()
    for line in lines:
        match = _LINE.match(line.rstrip("\n"))
        if not match:
            continue
        self_us = int(match.group(1))
        package = match.group(4).split(".")[0]
        profile.total_us += self_us
        profile.modules += 1
        profile.by_package[package] = profile.by_package.get(package, 0) + self_us
    return profile
