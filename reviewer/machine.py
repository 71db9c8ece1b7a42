"""What this machine lets a run use."""

from __future__ import annotations

import os

__all__ = ["BACKGROUND_NICE", "cores", "lower_priority"]

# The niceness of background work: an interactive process at 0 then gets
# about nine tenths of a core the two compete for (the kernel's weights).
BACKGROUND_NICE = 10


def cores() -> int:
    """The CPUs this process may run on (its affinity, where known)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1


def lower_priority(nice: int = BACKGROUND_NICE) -> None:
    """Run the calling process at niceness `nice` at least, from now on.

    What it forks and the threads it starts afterwards inherit it (on Linux
    niceness is per thread: call it before starting any).  It is never
    raised back, which only a privileged process could do."""
    if hasattr(os, "getpriority"):
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))
