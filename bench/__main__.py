"""`python -m bench [NAME ...]`: run the named benchmarks (all when none is named)."""

from __future__ import annotations

import importlib
import os
import sys
import time

BENCHMARKS = ["seal", "audit_append", "ingest", "check", "query", "rights_deadlines"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    import django

    django.setup()
    names = argv or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names:
        started = time.perf_counter()
        print(f"==> bench {name}", flush=True)
        importlib.import_module(f"bench.{name}").run()
        print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
