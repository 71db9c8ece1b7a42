"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package):

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])
"""

from reviewer.checks.engine import RevisionReport, RuleOutcome, check_series, selected_rules
from reviewer.checks.registry import Rule, Scope, all_rules, get_rule
from reviewer.compare.apidiff import ApiDiff, ApiSurface, SurfaceChange, api_surface, diff_surfaces
from reviewer.compare.comparison import (
    Comparison,
    PatchPair,
    compare_revisions,
    comparison_to_json,
    diff_findings,
)
from reviewer.compare.concerns import Concern, Evidence, review_concerns
from reviewer.config import Config, load_config
from reviewer.errors import (
    ApplyError,
    ConfigError,
    ReviewerError,
    SourceError,
    TreeError,
)
from reviewer.mail.revisions import group_series
from reviewer.mail.sources import Loaded, load
from reviewer.mail.thread import build_thread
from reviewer.model import (
    Address,
    ApplyFailure,
    ApplyResult,
    BaseChoice,
    BaseSource,
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
from reviewer.output.b4check import b4_results
from reviewer.output.report import SeriesReport, finding_location
from reviewer.pipeline import Opened, open_source
from reviewer.sample import demo_paths, write_sample
from reviewer.store.cache import ResultCache
from reviewer.tree.apply import apply_revision, apply_series, series_slug
from reviewer.tree.base import choose_base
from reviewer.tree.gitrepo import REF_NAMESPACE, GitRepo

__all__ = [
    "REF_NAMESPACE",
    "ApiDiff",
    "ApiSurface",
    "Address",
    "ApplyError",
    "ApplyFailure",
    "ApplyResult",
    "BaseChoice",
    "BaseSource",
    "Comparison",
    "Concern",
    "Config",
    "ConfigError",
    "Evidence",
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
    "SurfaceChange",
    "Thread",
    "Trailer",
    "TreeError",
    "all_rules",
    "api_surface",
    "apply_revision",
    "apply_series",
    "b4_results",
    "build_thread",
    "check_series",
    "compare_revisions",
    "comparison_to_json",
    "choose_base",
    "demo_paths",
    "diff_findings",
    "finding_location",
    "diff_surfaces",
    "get_rule",
    "group_series",
    "load",
    "load_config",
    "open_source",
    "review_concerns",
    "selected_rules",
    "series_slug",
    "write_sample",
]
