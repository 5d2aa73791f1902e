"""One ``bridge check`` run: the project's files, the static checks, the probe, the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from .._errors import AppLoadError
from .code_checks import check_files
from .findings import Finding, ordered
from .platform_facts import facts_for
from .probe import ProbeResult, run_probe
from .settings_checks import SettingsChecks


@dataclass
class Assessment:
    """Everything ``bridge check`` found about one app on one platform."""

    name: str
    root: Path
    target: str
    platform: str
    findings: List[Finding] = field(default_factory=list)
    probe: Optional[ProbeResult] = None
    unparsed: List[str] = field(default_factory=list)

    @property
    def breaks(self) -> bool:
        """True when something fails on the platform (the command exits 1)."""
        return any(f.severity == "breaks" for f in self.findings)


def assess(
    root: Path,
    target: str,
    *,
    platform: str,
    project: object = None,
    name: str = "",
    environment: Optional[dict] = None,
    dynamic: bool = True,
    timeout: float = 60.0,
    budget: float = 1.0,
) -> Assessment:
    """Check the app ``target`` in ``root`` (the files its code package would take) for ``platform``."""
    from ..deploy.package import app_files

    facts = facts_for(platform)
    root = Path(root).resolve()
    target_file = _target_file(root, target)
    files = [relative for _, relative in app_files(root, project)]
    findings, unparsed = check_files(root, files, facts)
    result = None
    if dynamic:
        result = run_probe(root, files, target, environment or {}, timeout)
        findings += SettingsChecks(result, facts, root, files, target_file, budget).run()
    return Assessment(
        name=name or root.name,
        root=root,
        target=target,
        platform=platform,
        findings=ordered(findings),
        probe=result,
        unparsed=unparsed,
    )


def _target_file(root: Path, target: str) -> str:
    """The project file of the target's module (for findings about the app as a whole)."""
    module_name = target.partition(":")[0]
    module = module_name.replace(".", "/")
    for candidate in (f"{module}.py", f"{module}/__init__.py"):
        if (root / candidate).is_file():
            return candidate
    raise AppLoadError(
        f"no module {module_name!r} in {root}: the target names a module of the app's own code "
        "(use --chdir, or --project, to point at the directory that holds it)"
    )
