"""Benchmarks: each bench_*.py module has a main() that prints throughput, memory and a ratio
against a baseline measured in the same run. `python -m bench` runs them all."""
