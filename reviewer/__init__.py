"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package).  One call runs the pipeline and yields events:

    for event in review("thread.mbox", Options(tree="~/linux")):
        match event:
            case RevisionChecked(series, report): ...

The stages stay callable on their own:

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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time each loads on first use
    from reviewer.checks.engine import RevisionReport, RuleOutcome, check_series, selected_rules
    from reviewer.checks.registry import Rule, Scope, all_rules, get_rule
    from reviewer.compare.apidiff import (
        ApiDiff,
        ApiSurface,
        SurfaceChange,
        api_surface,
        diff_surfaces,
    )
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
        Level,
        LineSide,
        Message,
        OutcomeStatus,
        PairStatus,
        Patch,
        PatchApply,
        PatchStatus,
        Phase,
        QuoteKind,
        Reply,
        ReviewState,
        Revision,
        RevisionLink,
        RunState,
        Series,
        Severity,
        SubjectInfo,
        Thread,
        Trailer,
        Verdict,
    )
    from reviewer.output.b4check import b4_results
    from reviewer.output.comparison import CompareSection, compare_sections
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
    from reviewer.run import (
        Event,
        Failed,
        Finished,
        Notice,
        Options,
        Progress,
        RevisionApplied,
        RevisionChecked,
        SourceOpened,
        Started,
        review,
    )
    from reviewer.run.compare import compare_pair
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

# Each public name by the module that defines it.  `import reviewer` loads
# none of them: `reviewer --help` does not wait for b4, GitPython or
# tree-sitter, and a name's module is imported when the name is first used.
_WHERE: dict[str, tuple[str, ...]] = {
    "reviewer.checks.engine": ("RevisionReport", "RuleOutcome", "check_series", "selected_rules"),
    "reviewer.checks.registry": ("Rule", "Scope", "all_rules", "get_rule"),
    "reviewer.compare.apidiff": (
        "ApiDiff", "ApiSurface", "SurfaceChange", "api_surface", "diff_surfaces",
    ),
    "reviewer.compare.bots": ("BotReport", "Flagged", "bot_reports"),
    "reviewer.compare.carried": ("CarriedTrailer", "carried_trailers"),
    "reviewer.compare.comparison": ("Comparison", "compare_revisions", "diff_findings"),
    "reviewer.compare.interdiff": ("PatchInterdiff", "patch_interdiffs"),
    "reviewer.compare.pairing": ("PatchPair", "pair_patches"),
    "reviewer.compare.requests": ("Evidence", "Request", "review_requests"),
    "reviewer.compare.serialize": ("comparison_to_json",),
    "reviewer.config": ("Config", "load_config"),
    "reviewer.errors": (
        "ApplyError", "ConfigError", "ReplyError", "ReviewerError", "SourceError", "StateError",
        "TreeError",
    ),
    "reviewer.mail.attest": (
        "Attestation", "Signature", "TxtLookup", "attest", "attest_revision", "keyring_sources",
        "system_dns",
    ),
    "reviewer.mail.identity": ("reviewer_identity",),
    "reviewer.mail.revisions": ("group_series",),
    "reviewer.mail.sources": ("Loaded", "load"),
    "reviewer.mail.thread": ("build_thread",),
    "reviewer.mail.trailers": (
        "GivenTrailer", "TrailerCounts", "given_trailers", "trailer_counts",
    ),
    "reviewer.model": (
        "Address", "ApplyFailure", "ApplyResult", "AttestMethod", "AttestStatus", "BaseChoice",
        "BaseSource", "BotStatus", "CarryStatus", "CodeState", "EvidenceKind", "FileChange",
        "Finding", "Hunk", "Level", "LineSide", "Message", "OutcomeStatus", "PairStatus", "Patch",
        "PatchApply", "PatchStatus", "Phase", "QuoteKind", "Reply", "ReviewState", "Revision",
        "RevisionLink", "RunState", "Series", "Severity", "SubjectInfo", "Thread", "Trailer",
        "Verdict",
    ),
    "reviewer.output.b4check": ("b4_results",),
    "reviewer.output.comparison": ("CompareSection", "compare_sections"),
    "reviewer.output.quote": (
        "Comment", "QuotedLine", "finding_text", "reply_lines", "to_mail_lines",
    ),
    "reviewer.output.reply": (
        "Draft", "blocking_errors", "draft_reply", "in_mail_lines", "reply_findings",
        "reply_target", "write_draft",
    ),
    "reviewer.output.report": ("SeriesReport", "finding_location"),
    "reviewer.pipeline": ("Opened", "open_source"),
    "reviewer.run": (
        "Event", "Failed", "Finished", "Notice", "Options", "Progress", "RevisionApplied",
        "RevisionChecked", "SourceOpened", "Started", "review",
    ),
    "reviewer.run.compare": ("compare_pair",),
    "reviewer.sample": ("demo_paths", "write_sample"),
    "reviewer.store.cache": ("ResultCache",),
    "reviewer.store.state": (
        "CheckSummary", "ReviewStates", "TrackedSeries", "default_state_path", "parse_until",
    ),
    "reviewer.tree.apply": ("apply_revision", "apply_series", "series_slug"),
    "reviewer.tree.base": ("choose_base",),
    "reviewer.tree.gitrepo": ("REF_NAMESPACE", "GitRepo"),
}

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
    "CompareSection",
    "Comparison",
    "Config",
    "ConfigError",
    "Draft",
    "Event",
    "Evidence",
    "EvidenceKind",
    "Failed",
    "FileChange",
    "Finding",
    "Finished",
    "Flagged",
    "GitRepo",
    "GivenTrailer",
    "Hunk",
    "Level",
    "LineSide",
    "Loaded",
    "Message",
    "Notice",
    "Opened",
    "Options",
    "OutcomeStatus",
    "PairStatus",
    "Patch",
    "PatchApply",
    "PatchInterdiff",
    "PatchPair",
    "PatchStatus",
    "Phase",
    "Progress",
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
    "RevisionApplied",
    "RevisionChecked",
    "RevisionLink",
    "RevisionReport",
    "Rule",
    "RuleOutcome",
    "RunState",
    "Scope",
    "Series",
    "SeriesReport",
    "Severity",
    "Signature",
    "SourceError",
    "SourceOpened",
    "Started",
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
    "compare_pair",
    "compare_sections",
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
    "review",
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


def __getattr__(name: str) -> Any:
    for module, names in _WHERE.items():
        if name in names:
            value = getattr(importlib.import_module(module), name)
            globals()[name] = value  # found once, then an ordinary attribute
            return value
    raise AttributeError(f"module 'reviewer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
