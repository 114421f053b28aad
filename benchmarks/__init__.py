"""Benchmarks for the answer path and the read paths; run with `make bench`.

Never part of the tests. Everything runs against real database files in a temporary
folder; the figures are printed as a table and written to `bench.json`.
"""
