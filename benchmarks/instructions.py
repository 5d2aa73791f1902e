"""Instructions and L1 data-cache misses per invocation, counted by cachegrind.

Wall time on a shared machine resolves about ±2 %; cachegrind's counts are the same to a few hundred
instructions from run to run, so two versions of the hot path can be told apart exactly
(``hotpath.md`` has the numbers this found). Each case runs twice in a fresh interpreter under
``valgrind --tool=cachegrind``, with 500 and 1,500 invocations after a warm-up; the difference,
per invocation, leaves out start-up and imports. ``make bench`` counts only the pairs its timing
cannot tell apart (:func:`count_pairs`, for the verdicts); this command counts any case. valgrind is a
Debian package the machine may lack, and runs Python about fifty times slower (a case takes about
a minute).

    python -m benchmarks.instructions [--framework Flask|FastAPI] [--workload hello|json]
                                      [--case LABEL ...] [--seeds 0,1]
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from . import overhead

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
CALLS = (500, 1500)
WARM_UP = 200
DEFAULT_CASES = {
    "Flask": ("raw app call · AWS v2", "faas-bridge · AWS v2", "faas-bridge · FC 3.0", "apig-wsgi · AWS v2"),
    "Django": ("raw app call · AWS v2", "faas-bridge · AWS v2", "apig-wsgi · AWS v2"),
    "FastAPI": (
        "raw app call · AWS v2",
        "faas-bridge · AWS v2",
        "faas-bridge · FC 3.0",
        "Mangum (lifespan off) · AWS v2",
    ),
}
_COUNTS = re.compile(r"^==\d+== (I\s+refs|D1\s+misses):\s+([\d,]+)", re.MULTILINE)


def run_case(framework: str, workload: str, label: str, calls: int) -> None:
    """The child: ``calls`` invocations of one case after a warm-up, the collector off (as timed)."""
    case = next((c for c in overhead.build_cases(framework, workload) if c.label == label), None)
    if case is None:
        raise SystemExit(f"no case {label!r} for {framework} {workload}")
    gc.disable()
    case.run(WARM_UP)
    case.run(calls)


def _child(framework: str, workload: str, label: str, calls: int) -> List[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--child",
        "--framework",
        framework,
        "--workload",
        workload,
        "--case",
        label,
        "--calls",
        str(calls),
    ]


def _env(seed: str) -> Dict[str, str]:
    # Hash randomisation moves dict layouts, and with them a few thousand instructions: fixed seeds.
    # Byte code is written (as in a deployment package), so no run pays for compiling.
    env = dict(os.environ, PYTHONHASHSEED=seed)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def count(framework: str, workload: str, label: str, calls: int, seed: str) -> Tuple[int, int]:
    """(instructions, L1 data misses) of one child run under cachegrind."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null"]
    command += _child(framework, workload, label, calls)
    done = subprocess.run(command, cwd=ROOT, env=_env(seed), capture_output=True, text=True)
    found = {name.split()[0]: int(value.replace(",", "")) for name, value in _COUNTS.findall(done.stderr)}
    if done.returncode != 0 or "I" not in found or "D1" not in found:
        raise RuntimeError(f"cachegrind run of {label!r} failed:\n{done.stderr[-2000:]}")
    return found["I"], found["D1"]


def per_invocation(
    framework: str, workload: str, label: str, seeds: List[str], calls: Tuple[int, int] = CALLS
) -> Tuple[float, float]:
    """Mean over ``seeds`` of (instructions, L1 data misses) per invocation, from runs of ``calls``."""
    # One run outside valgrind first: it writes the __pycache__ the counted runs then read, or the
    # first counted run would also count compiling every module.
    subprocess.run(_child(framework, workload, label, 1), cwd=ROOT, env=_env(seeds[0]), check=True)
    totals = [0.0, 0.0]
    for seed in seeds:
        few = count(framework, workload, label, calls[0], seed)
        many = count(framework, workload, label, calls[1], seed)
        for i in (0, 1):
            totals[i] += (many[i] - few[i]) / (calls[1] - calls[0])
    return totals[0] / len(seeds), totals[1] / len(seeds)


#: The verdicts' counts: fewer calls than the default (the difference per call is as exact over 200
#: calls, each hundreds of thousands of instructions), the two seeds of the default.
VERDICT_CALLS = (50, 250)


def count_pairs(
    pairs: List[Tuple[str, str, str, str]], progress: Optional[Callable[[str], None]] = None
) -> Dict[Tuple[str, str, str], Tuple[float, float]]:
    """(instructions, L1d misses) per invocation for each case the ``pairs`` name, each counted once:
    ``{(framework, workload, label): counts}`` from ``(framework, workload, label, peer label)``;
    empty when valgrind is not installed."""
    if shutil.which("valgrind") is None:
        return {}
    wanted = list(dict.fromkeys((f, w, label) for f, w, mine, peer in pairs for label in (mine, peer)))
    counts: Dict[Tuple[str, str, str], Tuple[float, float]] = {}
    for number, (framework, workload, label) in enumerate(wanted, 1):
        if progress is not None:
            progress(f"instructions: {framework} {workload} · {label} ({number}/{len(wanted)})")
        key = (framework, workload, label)
        counts[key] = per_invocation(framework, workload, label, ["0", "1"], VERDICT_CALLS)
    return counts


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.instructions", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--framework", default="Flask", choices=sorted(overhead.FRAMEWORKS))
    parser.add_argument("--workload", default="hello", choices=sorted(overhead.WORKLOADS))
    parser.add_argument("--case", action="append", metavar="LABEL", help="a case label (repeatable)")
    parser.add_argument("--seeds", default="0,1", help="PYTHONHASHSEED values to average over")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=CALLS[0], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    default = (f"{overhead.RAW} · AWS v2", f"{overhead.BRIDGE} · AWS v2")  # Django ASGI
    labels = args.case or list(DEFAULT_CASES.get(args.framework, default))
    if args.child:
        run_case(args.framework, args.workload, labels[0], args.calls)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    seeds = [s.strip() for s in args.seeds.split(",") if s.strip()]
    results: Dict[str, Tuple[float, float]] = {}
    for label in labels:
        print(f"counting {label} ...", file=sys.stderr, flush=True)
        results[label] = per_invocation(args.framework, args.workload, label, seeds)
    raw = results.get(f"{overhead.RAW} · AWS v2")
    print(f"\n{args.framework} {args.workload}, per invocation (PYTHONHASHSEED {args.seeds}):\n")
    print("| case | instructions | over raw | L1d misses | over raw |")
    print("|---|--:|--:|--:|--:|")
    for label, (instructions, misses) in results.items():
        over_i = (
            f"+{(instructions - raw[0]) / 1000:.1f} K" if raw and not label.startswith(overhead.RAW) else "–"
        )
        over_d = f"+{misses - raw[1]:.0f}" if raw and not label.startswith(overhead.RAW) else "–"
        print(f"| {label} | {instructions / 1000:.1f} K | {over_i} | {misses:.0f} | {over_d} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
