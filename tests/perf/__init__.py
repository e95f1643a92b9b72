"""The benchmark: a corpus generator, load drivers and the `python -m tests.perf.bench` runner."""
