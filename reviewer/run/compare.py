"""Two revisions compared (reviewer.compare) with the options of a run: the
repository and the cache are opened here, so neither the CLI nor the TUI
reaches git for a range-diff."""

from __future__ import annotations

from reviewer.checks.engine import RevisionReport
from reviewer.compare.comparison import Comparison, compare_revisions
from reviewer.model import ApplyResult, Series
from reviewer.run.options import Options
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["compare_pair"]


def compare_pair(series: Series, old: str, new: str, options: Options,
                 applies: dict[str, ApplyResult] | None = None,
                 reports: dict[str, RevisionReport] | None = None) -> Comparison:
    """Revision `old` against `new` (labels) of `series`.  `applies` and
    `reports` (by label) are what review() produced; without `reports`
    both revisions are checked here."""
    repo = GitRepo(options.tree) if options.tree else None
    cache = ResultCache() if options.cache and reports is None else None
    try:
        return compare_revisions(series, series.revision(old), series.revision(new), repo,
                                 applies, reports, options.config(), cache)
    finally:
        if cache is not None:
            cache.close()
