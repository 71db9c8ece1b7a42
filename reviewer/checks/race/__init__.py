"""Race checks: dcache locking rules read from the C each revision adds."""

from reviewer.checks.race.analysis import CODES, RaceHit, SourceFile, analyze
from reviewer.checks.race.api import FnSpec, KernelApi, LockSpec, default_api, load_api

__all__ = ["CODES", "FnSpec", "KernelApi", "LockSpec", "RaceHit", "SourceFile", "analyze",
           "default_api", "load_api"]
