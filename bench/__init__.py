"""Benchmarks: each prints its figures and a ratio measured in one run."""
