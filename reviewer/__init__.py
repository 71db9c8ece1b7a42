"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package):

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])
"""

from reviewer.checks.engine import RevisionReport, RuleOutcome, check_series, selected_rules
from reviewer.checks.registry import Rule, Scope, all_rules, get_rule
from reviewer.compare.apidiff import ApiDiff, ApiSurface, SurfaceChange, api_surface, diff_surfaces
from reviewer.compare.bots import BotReport, Flagged, bot_reports
from reviewer.compare.carried import CarriedTrailer, carried_trailers
from reviewer.compare.comparison import Comparison, compare_revisions, diff_findings
from reviewer.compare.interdiff import PatchInterdiff, patch_interdiffs
from reviewer.compare.pairing import PatchPair, pair_patches
from reviewer.compare.requests import Evidence, Request, review_requests
from reviewer.compare.serialize import comparison_to_json
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
from reviewer.mail.trailers import GivenTrailer, TrailerCounts, given_trailers, trailer_counts
from reviewer.model import (
    Address,
    ApplyFailure,
    ApplyResult,
    BaseChoice,
    BaseSource,
    BotStatus,
    CarryStatus,
    CodeState,
    EvidenceKind,
    FileChange,
    Finding,
    Hunk,
    Message,
    PairStatus,
    Patch,
    PatchApply,
    PatchStatus,
    QuoteKind,
    Reply,
    Revision,
    RevisionLink,
    Series,
    Severity,
    SubjectInfo,
    Thread,
    Trailer,
    Verdict,
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
    "Address",
    "ApiDiff",
    "ApiSurface",
    "ApplyError",
    "ApplyFailure",
    "ApplyResult",
    "BaseChoice",
    "BaseSource",
    "BotReport",
    "BotStatus",
    "CarriedTrailer",
    "CarryStatus",
    "CodeState",
    "Comparison",
    "Config",
    "ConfigError",
    "Evidence",
    "EvidenceKind",
    "FileChange",
    "Finding",
    "Flagged",
    "GitRepo",
    "GivenTrailer",
    "Hunk",
    "Loaded",
    "Message",
    "Opened",
    "PairStatus",
    "Patch",
    "PatchApply",
    "PatchInterdiff",
    "PatchPair",
    "PatchStatus",
    "QuoteKind",
    "Reply",
    "Request",
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
    "TrailerCounts",
    "TreeError",
    "Verdict",
    "all_rules",
    "api_surface",
    "apply_revision",
    "apply_series",
    "b4_results",
    "bot_reports",
    "build_thread",
    "carried_trailers",
    "check_series",
    "choose_base",
    "compare_revisions",
    "comparison_to_json",
    "demo_paths",
    "diff_findings",
    "diff_surfaces",
    "finding_location",
    "get_rule",
    "given_trailers",
    "group_series",
    "load",
    "load_config",
    "open_source",
    "pair_patches",
    "patch_interdiffs",
    "review_requests",
    "selected_rules",
    "series_slug",
    "trailer_counts",
    "write_sample",
]
