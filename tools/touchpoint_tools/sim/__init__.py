"""Synthetic shoppers: realistic platform payloads for the demo, the tests and the benchmarks."""
