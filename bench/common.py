"""Small helpers shared by the benchmarks: timing and peak memory of a call."""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Measured:
    seconds: float
    peak_python_mb: float
    result: Any
    cpu_seconds: float = 0.0  # this process's CPU (all threads) during the call: steadier than wall time under load


def measure(func: Callable[[], Any], trace_memory: bool = True) -> Measured:
    """Wall time, process CPU time and peak Python heap (tracemalloc) of one call."""
    if trace_memory:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = func()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = 0.0
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Measured(seconds, peak, result, cpu)


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
