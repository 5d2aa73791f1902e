"""Progress of the long build steps, on stderr: one line per step, a bar on a terminal.

Lines go to stderr so that ``--json`` output on stdout stays machine-readable. The bar is tqdm's
(https://tqdm.github.io/), installed with the ``build`` extra; without it, or when stderr is not a
terminal, the lines alone are printed.
"""

from __future__ import annotations

import sys
from typing import IO, Iterable, Iterator, Optional, TypeVar

T = TypeVar("T")


class Progress:
    """Where a build reports what it is doing. ``Progress(quiet=True)`` says nothing."""

    def __init__(self, stream: Optional[IO[str]] = None, *, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet

    def step(self, text: str) -> None:
        """A step starts: ``bridge: installing dependencies for CPython 3.10``."""
        if not self.quiet:
            print(f"bridge: {text}", file=self.stream, flush=True)

    def detail(self, text: str) -> None:
        """Something within the step: the package being resolved."""
        if not self.quiet:
            print(f"  {text}", file=self.stream, flush=True)

    def bar(self, items: Iterable[T], total: int, what: str) -> Iterator[T]:
        """``items``, with a progress bar while they are consumed when the stream is a terminal."""
        isatty = getattr(self.stream, "isatty", None)
        if self.quiet or not (isatty and isatty()):
            yield from items
            return
        try:
            from tqdm import tqdm
        except ImportError:
            yield from items
            return
        yield from tqdm(items, total=total, desc=what, unit="file", file=self.stream, leave=False)
