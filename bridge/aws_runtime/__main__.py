"""``python -m bridge.aws_runtime [--streaming]``: the Runtime API loop (what the wrapper script execs)."""

from __future__ import annotations

import sys

from .loop import main

sys.exit(main())
