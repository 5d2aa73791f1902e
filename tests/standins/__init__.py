"""Local stand-ins of the FC 3.0 and SCF control-plane APIs, for the deploy tests (never shipped)."""
