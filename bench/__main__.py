"""Run every benchmark module (bench/bench_*.py), or the ones named: python -m bench [NAME ...]."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [f"bench_{n.removeprefix('bench_')}" for n in argv] or names
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"bench: no benchmark named {', '.join(unknown)} (have: {', '.join(names)})", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        sys.argv = [f"bench.{name}"]  # each benchmark parses its own options; run with its defaults
        importlib.import_module(f"bench.{name}").main()
        print(f"({name}: {time.perf_counter() - started:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
