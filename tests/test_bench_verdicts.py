"""``make bench``'s verdict on faas-bridge against a peer: the timing where it can tell them apart,
cachegrind's instruction count where it cannot (``benchmarks/hotpath.md``, seventh pass)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import overhead, report  # noqa: E402


def _case(adapter: str, seconds: list, framework: str = "Django", event: str = "AWS v2") -> overhead.Case:
    case = overhead.Case(framework, "hello", adapter, event, run=lambda n: 0.0, check=lambda: None)
    case.seconds = list(seconds)
    return case


def _rounds(ratio: float, spread: float, n: int = 60) -> tuple:
    """Per-round times of faas-bridge and a peer whose ratios spread evenly over ``ratio`` ± ``spread``."""
    peer = [100e-6 * (1 + 0.01 * (i % 7)) for i in range(n)]
    mine = [p * (ratio + spread * ((i % 11) - 5) / 5) for i, p in enumerate(peer)]
    return mine, peer


def _pair(ratio: float, spread: float, counts: dict) -> report.Pair:
    mine, peer = _rounds(ratio, spread)
    return report.Pair(_case(overhead.BRIDGE, mine), _case("apig-wsgi", peer), counts)


def _counts(mine: float, peer: float) -> dict:
    return {
        ("Django", "hello", f"{overhead.BRIDGE} · AWS v2"): (mine, 10000.0),
        ("Django", "hello", "apig-wsgi · AWS v2"): (peer, 9000.0),
    }


def test_the_median_interval_holds_the_median_and_narrows_with_more_rounds():
    values = sorted(random.Random(3).uniform(0.9, 1.1) for _ in range(60))
    low, high = report.median_interval(values)
    assert low <= values[30] <= high
    wide = report.median_interval(sorted(values[::4]))
    assert wide[1] - wide[0] >= high - low


def test_a_clear_timing_decides_whatever_the_count():
    assert _pair(0.90, 0.01, _counts(2.0, 1.0)).faster  # faster by time, more instructions: faster
    slower = _pair(1.10, 0.01, _counts(1.0, 2.0))
    assert not slower.within_noise and not slower.faster
    assert "1.10× apig-wsgi" in slower.summary()


def test_within_the_noise_the_instruction_count_decides():
    fewer = _pair(1.005, 0.05, _counts(640e3, 644e3))
    assert fewer.within_noise and fewer.faster
    more = _pair(0.995, 0.05, _counts(683e3, 658e3))
    assert more.within_noise and not more.faster
    assert "instructions 1.038×" in more.summary()


def test_within_the_noise_and_not_counted_is_not_faster():
    pair = _pair(1.0, 0.05, {})
    assert pair.within_noise and not pair.faster
    assert "valgrind" in pair.summary()


def test_the_verdict_names_the_pairs_decided_by_count():
    mine, peer = _rounds(1.002, 0.05)
    cases = [_case(overhead.BRIDGE, mine), _case("apig-wsgi", peer)]
    expected = ("Django", "hello", f"{overhead.BRIDGE} · AWS v2", "apig-wsgi · AWS v2")
    assert report.contested(cases) == [expected]
    judged = report.overhead_verdicts(cases, _counts(1, 2))
    verdicts = {title: (verdict, text) for verdict, title, text in judged}
    verdict, text = verdicts["Django (WSGI and ASGI) faster than every peer"]
    assert verdict == "PASS" and "1 within the timing's noise, by instructions" in text
    verdict, text = report.overhead_verdicts(cases, _counts(2, 1))[-1][0::2]
    assert verdict == "FAIL" and "within the timing's noise" in text
    assert "| faster |" in "\n".join(report.contested_table(cases, _counts(1, 2)))
