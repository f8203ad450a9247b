"""Benchmarks: each compares the platform's path with a baseline run in the same process and prints a last
line `BENCH <name> key=value ... ratio=<x>`. Run with `make bench` or `make bench BENCH=<name>`."""
