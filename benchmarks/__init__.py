"""``make bench``: faas-bridge against the bare app call and against its peers.

Run ``python -m benchmarks --help``. Nothing here is imported by the library or its tests.
"""
