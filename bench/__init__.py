"""Benchmarks, run by hand (`.venv/bin/python bench/bench.py`); never imported by camaudit itself."""
