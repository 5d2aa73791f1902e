"""The apps every adapter serves in the benchmarks, and the one JSON workload they share.

Kept free of imports: cold-start children import the app modules from this folder directly.
"""
