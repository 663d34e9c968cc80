"""Benchmarks of the platform (issue 7): run them with `mse bench`; see docs/performance.md."""
