"""Everything a review run needs to know, in one frozen value: the CLI
builds it from its arguments, the TUI receives it intact (and sends it to
its child process), tests write it by hand."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.config import Config, load_config
from reviewer.machine import cores

__all__ = ["Key", "Options"]

Key = tuple[int, str]  # (series index, revision label)


@dataclass(frozen=True)
class Options:
    tree: str | None = None  # apply to this git tree (tree-level checks)
    base: str | None = None  # base for revisions without a usable base-commit
    fuzzy: bool = False  # retry a failed patch with reduced context (approximate)
    select: tuple[str, ...] = ()  # rule IDs or prefixes to run (default: the config's)
    ignore: tuple[str, ...] = ()  # rule IDs or prefixes to skip, on top of the config's
    fail_on: str | None = None  # severity of `check`'s exit code 1 (default: the config's)
    all_lines: bool = False  # race checks: also report pre-existing code
    cache: bool = True  # read and write the result cache
    lore: str | None = None  # archive for Message-ID sources (default: b4.midmask)
    offline: bool = False  # Message-ID sources come from the cache only
    jobs: int = 0  # worker processes for the checks; 0: one per core
    checks: bool = True  # False: apply only
    only: tuple[Key, ...] = ()  # the revisions to work on (by label); empty: every one
    # The run is an interactive program's background work (the TUI's analysis
    # process): review() lowers the priority of the process it runs in, and so
    # of its check workers and their git and perl, to BACKGROUND_NICE for good.
    # The CLI leaves it off: there the run is what the user waits for.
    background: bool = False

    def config(self) -> Config:
        """The user's configuration with these options on top."""
        return load_config().with_cli(list(self.select), list(self.ignore), self.fail_on,
                                      self.all_lines)

    def workers(self, tasks: int) -> int:
        """Worker processes for `tasks` independent checks."""
        return max(1, min(tasks, self.jobs or cores()))

    def wants(self, key: Key) -> bool:
        return not self.only or key in self.only
