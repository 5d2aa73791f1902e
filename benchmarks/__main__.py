"""``python -m benchmarks``: run the benchmarks, print the verdicts, write RESULTS.md and the chart.

A full run writes ``benchmarks/RESULTS.md`` and ``benchmarks/overhead.png``; ``--quick`` and
``--only`` runs print to the terminal and write files only when ``--out`` names a folder, so a smoke
run never replaces the committed results.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import report

SECTIONS = (
    "overhead", "coldstart", "share", "deployed", "steady", "packages", "gateway", "webrun", "aws-stream",
)

#: (full, quick) settings.
SETTINGS = {
    "overhead_rounds": (60, 5),
    "overhead_batch_ms": (20, 4),
    "coldstart_runs": (15, 2),
    "share_runs": (11, 2),
    "deployed_runs": (7, 2),
    "steady_checkpoints": ((100, 1000, 5000, 10000, 20000), (100, 2000)),
    "gateway_seconds": (10, 2),
    "webrun_runs": (5, 1),
    "aws_stream_runs": (5, 1),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a fast smoke run (under a minute); writes nothing"
    )
    parser.add_argument("--only", metavar="LIST", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write RESULTS.md and overhead.png here")
    parser.add_argument("--rounds", type=int, help="overhead rounds (default 60, quick 5)")
    return parser


def main(argv: list | None = None) -> int:
    args = _parser().parse_args(argv)
    sections = SECTIONS if not args.only else tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    pick = 1 if args.quick else 0
    settings = {name: values[pick] for name, values in SETTINGS.items()}
    if args.rounds:
        settings["overhead_rounds"] = args.rounds
    out_dir = args.out
    if out_dir is None and not args.quick and not args.only:
        out_dir = report.HERE
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    results: dict = {}
    if "overhead" in sections:
        from . import overhead

        say("overhead: building and checking every case")
        results["overhead"] = overhead.measure(
            settings["overhead_rounds"], settings["overhead_batch_ms"] / 1000.0, progress=say
        )
        print("\n".join(report.ratio_summary(results["overhead"])) + "\n")
        contested = report.contested(results["overhead"])
        if contested and not args.quick:
            from . import instructions

            say(f"overhead: {len(contested)} pair(s) within the timing's noise, counted by cachegrind")
            results["instructions"] = instructions.count_pairs(contested, progress=say)
            if not results["instructions"]:
                say("overhead: valgrind is not installed, so those pairs stay undecided (not faster)")
    if "coldstart" in sections:
        from . import coldstart

        say("cold start: one untimed run per scenario, then the timed runs")
        results["coldstart"] = coldstart.measure(settings["coldstart_runs"], progress=say)
        print("\n".join(report.coldstart_table(results["coldstart"])) + "\n")
    if "share" in sections:
        from . import coldstart_share

        say("the bridge's own share of a cold start: paired fresh interpreters per app and event")
        results["share"] = coldstart_share.measure(settings["share_runs"], progress=say)
        if not args.quick:
            coldstart_share.count(results["share"], progress=say)
        print("\n".join(coldstart_share.lines(results["share"])) + "\n")
    if "deployed" in sections:
        from . import coldstart_deployed

        say("cold start as deployed: each sample packaged, unpacked read-only, first response")
        results["deployed"] = coldstart_deployed.measure(settings["deployed_runs"], progress=say)
        print("\n".join(coldstart_deployed.lines(results["deployed"])) + "\n")
    if "steady" in sections:
        from . import steady

        say("steady state: RSS over many invocations")
        results["steady"] = steady.measure(settings["steady_checkpoints"])
        print("\n".join(report.steady_table(results["steady"])) + "\n")
    if "packages" in sections:
        from . import packages

        if args.quick:
            results["packages"] = {"error": "skipped in --quick (installs the requirements)"}
        else:
            say("packages: bridge package per sample and layout")
            results["packages"] = packages.measure()
        print("\n".join(report.packages_lines(results["packages"])) + "\n")
    if "gateway" in sections:
        from . import gateway

        say("local gateway: bridge serve under load")
        results["gateway"] = gateway.measure(settings["gateway_seconds"])
        print("\n".join(report.gateway_lines(results["gateway"])) + "\n")

    if "webrun" in sections:
        from . import web_stream

        say("web mode: bridge run against the bare server, a streamed 50 MiB response")
        results["webrun"] = web_stream.measure(settings["webrun_runs"], progress=say)
        print("\n".join(web_stream.lines(results["webrun"])) + "\n")
    if "aws-stream" in sections:
        from . import streaming_aws

        say("AWS response streaming: 50 MB through bridge.aws_runtime against the Runtime API stand-in")
        results["aws-stream"] = streaming_aws.measure(settings["aws_stream_runs"])
        print("\n".join(streaming_aws.lines(results["aws-stream"])) + "\n")

    report.print_verdicts(results)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        if results.get("overhead"):
            report.chart(results["overhead"], out_dir / "overhead.png")
        settings_text = ", ".join(f"{k}={v}" for k, v in settings.items())
        (out_dir / "RESULTS.md").write_text(report.markdown(results, settings_text), encoding="utf-8")
        say(f"wrote {out_dir / 'RESULTS.md'}")
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
