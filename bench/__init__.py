"""Benchmarks: each module measures Conveyor against a baseline taken in the same run."""
