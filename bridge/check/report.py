"""``bridge check`` output: findings grouped by severity for a terminal, or JSON for CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from .assessment import Assessment
from .findings import SEVERITIES
from .platform_facts import facts_for

_HEADINGS = {
    "breaks": "BREAKS: fails on the platform",
    "risky": "RISKY: works on one instance, goes wrong as instances come, freeze and go",
    "cost": "COST: works, but slower or dearer than it needs to be",
}


def as_text(assessment: Assessment) -> str:
    """The report a person reads."""
    facts = facts_for(assessment.platform)
    lines = [f"bridge check: {assessment.target} in {_shown(assessment.root)} on {facts.title}"]
    probe = assessment.probe
    if probe is None:
        lines.append("import: not probed (--no-import)")
    else:
        state = "imported" if probe.imported else ("did not finish" if probe.timed_out else "failed")
        mode = "code read-only" if probe.read_only else "code NOT read-only (run as a user file modes bind)"
        lines.append(
            f"import: {state} in {probe.seconds:.2f} s, {mode}, TMPDIR and HOME in a stand-in for /tmp"
        )
        if probe.profile.modules:
            top = ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in probe.profile.top(5))
            lines.append(
                f"  {probe.profile.modules} modules in {probe.profile.total_us / 1000:.0f} ms; slowest: {top}"
            )
        if probe.threads:
            lines.append("  threads left running: " + ", ".join(t["name"] for t in probe.threads))
        temp_writes = sorted({w["path"] for w in probe.writes if probe.where(w["path"]) == "tmp"})
        if temp_writes:
            lines.append(f"  wrote {len(temp_writes)} path(s) in the temp dir (allowed)")
    for line in assessment.unparsed:
        lines.append(f"  not checked (cannot parse): {line}")
    for severity in SEVERITIES:
        group = [f for f in assessment.findings if f.severity == severity]
        if not group:
            continue
        lines += ["", f"{_HEADINGS[severity]} ({len(group)})"]
        for finding in group:
            lines.append(f"  {finding.location}  {finding.title}")
            lines.append(f"      why:  {finding.why}")
            lines.append(f"      fix:  {finding.fix}")
            lines.append(f"      docs: {finding.docs}")
    counts = {s: sum(1 for f in assessment.findings if f.severity == s) for s in SEVERITIES}
    lines += [
        "",
        "summary: "
        + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
        + ("" if assessment.findings else " (no hazards found)"),
    ]
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (as the user typed it)."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def as_json(assessment: Assessment) -> Dict[str, Any]:
    """The report for CI (``--json``)."""
    probe = assessment.probe
    out: Dict[str, Any] = {
        "target": assessment.target,
        "root": str(assessment.root),
        "platform": assessment.platform,
        "breaks": assessment.breaks,
        "counts": {s: sum(1 for f in assessment.findings if f.severity == s) for s in SEVERITIES},
        "findings": [f.as_dict() for f in assessment.findings],
        "unparsed": list(assessment.unparsed),
    }
    if probe is not None:
        code_dir = facts_for(assessment.platform).code_dir
        error = probe.error and {
            k: probe.on_platform(v, code_dir) if isinstance(v, str) else v for k, v in probe.error.items()
        }
        out["import"] = {
            "imported": probe.imported,
            "timed_out": probe.timed_out,
            "seconds": probe.seconds,
            "read_only": probe.read_only,
            "error": error,
            "profile": probe.profile.as_dict(),
            "threads": probe.threads,
            "writes": [
                dict(w, path=probe.on_platform(w["path"], code_dir), where=probe.where(w["path"]))
                for w in probe.writes
            ],
        }
    return out


def severities_found(assessment: Assessment) -> List[str]:
    """The severities present, worst first."""
    return [s for s in SEVERITIES if any(f.severity == s for f in assessment.findings)]
