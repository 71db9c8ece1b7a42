"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package):

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])

Ending a review (reviewer.output.reply, reviewer.store.state):

    lines = reply_lines(revision, k)             # what a comment can go under
    found = in_mail_lines(report.findings, revision, k, report.apply, repo)
    draft = draft_reply(revision, k, reviewer_identity(), chosen_from_found,
                        [Comment.under(k, lines[i], "text")], open_findings=found)
    write_draft(draft, Path(draft.filename))
    ReviewStates().set_state(series, source, ReviewState.WAITING)
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
    ReplyError,
    ReviewerError,
    SourceError,
    StateError,
    TreeError,
)
from reviewer.mail.attest import (
    Attestation,
    Signature,
    TxtLookup,
    attest,
    attest_revision,
    keyring_sources,
    system_dns,
)
from reviewer.mail.identity import reviewer_identity
from reviewer.mail.revisions import group_series
from reviewer.mail.sources import Loaded, load
from reviewer.mail.thread import build_thread
from reviewer.mail.trailers import GivenTrailer, TrailerCounts, given_trailers, trailer_counts
from reviewer.model import (
    Address,
    ApplyFailure,
    ApplyResult,
    AttestMethod,
    AttestStatus,
    BaseChoice,
    BaseSource,
    BotStatus,
    CarryStatus,
    CodeState,
    EvidenceKind,
    FileChange,
    Finding,
    Hunk,
    LineSide,
    Message,
    PairStatus,
    Patch,
    PatchApply,
    PatchStatus,
    QuoteKind,
    Reply,
    ReviewState,
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
from reviewer.output.quote import Comment, QuotedLine, finding_text, reply_lines, to_mail_lines
from reviewer.output.reply import (
    Draft,
    blocking_errors,
    draft_reply,
    in_mail_lines,
    reply_findings,
    reply_target,
    write_draft,
)
from reviewer.output.report import SeriesReport, finding_location
from reviewer.pipeline import Opened, open_source
from reviewer.sample import demo_paths, write_sample
from reviewer.store.cache import ResultCache
from reviewer.store.state import (
    CheckSummary,
    ReviewStates,
    TrackedSeries,
    default_state_path,
    parse_until,
)
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
    "AttestMethod",
    "AttestStatus",
    "Attestation",
    "BaseChoice",
    "BaseSource",
    "BotReport",
    "BotStatus",
    "CarriedTrailer",
    "CarryStatus",
    "CheckSummary",
    "CodeState",
    "Comment",
    "Comparison",
    "Config",
    "ConfigError",
    "Draft",
    "Evidence",
    "EvidenceKind",
    "FileChange",
    "Finding",
    "Flagged",
    "GitRepo",
    "GivenTrailer",
    "Hunk",
    "LineSide",
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
    "QuotedLine",
    "Reply",
    "ReplyError",
    "Request",
    "ResultCache",
    "ReviewState",
    "ReviewStates",
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
    "Signature",
    "SourceError",
    "StateError",
    "SubjectInfo",
    "SurfaceChange",
    "Thread",
    "TrackedSeries",
    "Trailer",
    "TrailerCounts",
    "TreeError",
    "TxtLookup",
    "Verdict",
    "all_rules",
    "api_surface",
    "apply_revision",
    "apply_series",
    "attest",
    "attest_revision",
    "b4_results",
    "blocking_errors",
    "bot_reports",
    "build_thread",
    "carried_trailers",
    "check_series",
    "choose_base",
    "compare_revisions",
    "comparison_to_json",
    "default_state_path",
    "demo_paths",
    "diff_findings",
    "diff_surfaces",
    "draft_reply",
    "finding_location",
    "finding_text",
    "get_rule",
    "given_trailers",
    "group_series",
    "in_mail_lines",
    "keyring_sources",
    "load",
    "load_config",
    "open_source",
    "pair_patches",
    "parse_until",
    "patch_interdiffs",
    "reply_findings",
    "reply_lines",
    "reply_target",
    "review_requests",
    "reviewer_identity",
    "selected_rules",
    "series_slug",
    "system_dns",
    "to_mail_lines",
    "trailer_counts",
    "write_draft",
    "write_sample",
]
