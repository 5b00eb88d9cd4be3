"""Benchmarks that print numbers (never timed assertions); see docs/benchmarks.md."""
