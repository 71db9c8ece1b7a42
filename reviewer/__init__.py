"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package):

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])
"""

from reviewer.apply import apply_revision, apply_series, choose_base, series_slug
from reviewer.cache import ResultCache
from reviewer.checks.engine import RevisionReport, RuleOutcome, check_series, selected_rules
from reviewer.checks.registry import Rule, Scope, all_rules, get_rule
from reviewer.compare import Comparison, PatchPair, compare_revisions, diff_findings
from reviewer.config import Config, load_config
from reviewer.errors import (
    ApplyError,
    ConfigError,
    ReviewerError,
    SourceError,
    TreeError,
)
from reviewer.gitrepo import REF_NAMESPACE, GitRepo
from reviewer.model import (
    Address,
    ApplyFailure,
    ApplyResult,
    BaseChoice,
    FileChange,
    Finding,
    Hunk,
    Message,
    Patch,
    PatchApply,
    PatchStatus,
    Reply,
    Revision,
    RevisionLink,
    Series,
    Severity,
    SubjectInfo,
    Thread,
    Trailer,
)
from reviewer.pipeline import Opened, open_source
from reviewer.report import SeriesReport
from reviewer.revisions import group_series
from reviewer.sample import demo_paths, write_sample
from reviewer.sources import Loaded, load
from reviewer.thread import build_thread

__all__ = [
    "REF_NAMESPACE",
    "Address",
    "ApplyError",
    "ApplyFailure",
    "ApplyResult",
    "BaseChoice",
    "Comparison",
    "Config",
    "ConfigError",
    "FileChange",
    "Finding",
    "GitRepo",
    "Hunk",
    "Loaded",
    "Message",
    "Opened",
    "PatchPair",
    "Patch",
    "PatchApply",
    "PatchStatus",
    "Reply",
    "ResultCache",
    "ReviewerError",
    "Revision",
    "RevisionLink",
    "RevisionReport",
    "Rule",
    "RuleOutcome",
    "Scope",
    "Series",
    "SeriesReport",
    "Severity",
    "SourceError",
    "SubjectInfo",
    "Thread",
    "Trailer",
    "TreeError",
    "all_rules",
    "apply_revision",
    "apply_series",
    "build_thread",
    "check_series",
    "compare_revisions",
    "choose_base",
    "demo_paths",
    "diff_findings",
    "get_rule",
    "group_series",
    "load",
    "load_config",
    "open_source",
    "selected_rules",
    "series_slug",
    "write_sample",
]
