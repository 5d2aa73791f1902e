"""Code package sizes: each sample app, all-in-one and split, as ``bridge package`` builds them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .coldstart import ROOT, child_env, command_unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

EXAMPLES = ROOT / "examples"
#: (label, ``--split`` strategy): the whole app in one function, and one function per route.
LAYOUTS = (("all-in-one", "all-in-one"), ("split", "per-route"))
PLATFORM = "fc"


def samples() -> List[Path]:
    """Every sample project under ``examples/`` (a folder with a requirements file or a project file)."""
    if not EXAMPLES.is_dir():
        return []
    return sorted(
        path
        for path in EXAMPLES.iterdir()
        if path.is_dir()
        and any((path / name).exists() for name in ("requirements.txt", "pyproject.toml", "bridge.toml"))
    )


def measure(timeout: float = 240.0) -> Dict[str, Any]:
    """``{"rows": [...]}`` with one row per sample and layout, or ``{"error": why}``."""
    why_not = command_unavailable("package")
    if why_not:
        return {"error": why_not}
    rows = []
    for sample in samples():
        for label, strategy in LAYOUTS:
            rows.append(_package(sample, label, strategy, timeout))
    if not rows:
        return {"error": f"no sample projects under {EXAMPLES}"}
    return {"rows": rows, "platform": PLATFORM}


def _package(sample: Path, label: str, strategy: str, timeout: float) -> Dict[str, Any]:
    row: Dict[str, Any] = {"sample": sample.name, "layout": label, "strategy": strategy}
    with tempfile.TemporaryDirectory(prefix="bridge-bench-pkg-") as out:
        command = [
            sys.executable,
            "-m",
            "bridge",
            "package",
            "--platform",
            PLATFORM,
            "--project",
            str(sample),
            "--out",
            out,
            "--split",
            strategy,
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=timeout
            )
        except subprocess.TimeoutExpired:
            row["error"] = f"timed out after {timeout:.0f} s"
            return row
        if done.returncode != 0:
            row["error"] = (done.stderr.strip().splitlines() or ["failed"])[-1]
            return row
        zips = sorted(Path(out).rglob("*.zip"))
        if not zips:
            row["error"] = "no zip written"
            return row
        row["zips"] = len(zips)
        row["zip_bytes"] = sum(path.stat().st_size for path in zips)
    return row
