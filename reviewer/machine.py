"""What this machine lets a run use."""

from __future__ import annotations

import os

__all__ = ["cores"]


def cores() -> int:
    """The CPUs this process may run on (its affinity, where known)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1
