"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package).  One call runs the pipeline and yields events:

    for event in review("thread.mbox", Options(tree="~/linux")):
        match event:
            case RevisionChecked(series, report): ...

The stages stay callable on their own:

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])
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
        Level,
        Message,
        OutcomeStatus,
        PairStatus,
        Patch,
        PatchApply,
        PatchStatus,
        Phase,
        Reply,
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
    from reviewer.output.report import SeriesReport, finding_location
    from reviewer.pipeline import Opened, open_source
    from reviewer.run import (
        Event,
        Failed,
        Finished,
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
    from reviewer.tree.apply import apply_revision, apply_series, choose_base, series_slug
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
    "reviewer.compare.comparison": (
        "Comparison", "PatchPair", "compare_revisions", "comparison_to_json", "diff_findings",
    ),
    "reviewer.compare.concerns": ("Concern", "Evidence", "review_concerns"),
    "reviewer.config": ("Config", "load_config"),
    "reviewer.errors": ("ApplyError", "ConfigError", "ReviewerError", "SourceError", "TreeError"),
    "reviewer.mail.revisions": ("group_series",),
    "reviewer.mail.sources": ("Loaded", "load"),
    "reviewer.mail.thread": ("build_thread",),
    "reviewer.model": (
        "Address", "ApplyFailure", "ApplyResult", "BaseChoice", "BaseSource", "FileChange",
        "Finding", "Hunk", "Level", "Message", "OutcomeStatus", "PairStatus", "Patch",
        "PatchApply", "PatchStatus", "Phase", "Reply", "Revision", "RevisionLink", "RunState",
        "Series", "Severity", "SubjectInfo", "Thread", "Trailer", "Verdict",
    ),
    "reviewer.output.b4check": ("b4_results",),
    "reviewer.output.report": ("SeriesReport", "finding_location"),
    "reviewer.pipeline": ("Opened", "open_source"),
    "reviewer.run": (
        "Event", "Failed", "Finished", "Options", "Progress", "RevisionApplied",
        "RevisionChecked", "SourceOpened", "Started", "review",
    ),
    "reviewer.run.compare": ("compare_pair",),
    "reviewer.sample": ("demo_paths", "write_sample"),
    "reviewer.store.cache": ("ResultCache",),
    "reviewer.tree.apply": ("apply_revision", "apply_series", "choose_base", "series_slug"),
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
    "BaseChoice",
    "BaseSource",
    "Comparison",
    "Concern",
    "Config",
    "ConfigError",
    "Event",
    "Evidence",
    "Failed",
    "FileChange",
    "Finding",
    "Finished",
    "GitRepo",
    "Hunk",
    "Level",
    "Loaded",
    "Message",
    "Opened",
    "Options",
    "OutcomeStatus",
    "PairStatus",
    "Patch",
    "PatchApply",
    "PatchPair",
    "PatchStatus",
    "Phase",
    "Progress",
    "Reply",
    "ResultCache",
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
    "SourceError",
    "SourceOpened",
    "Started",
    "SubjectInfo",
    "SurfaceChange",
    "Thread",
    "Trailer",
    "TreeError",
    "Verdict",
    "all_rules",
    "api_surface",
    "apply_revision",
    "apply_series",
    "b4_results",
    "build_thread",
    "check_series",
    "choose_base",
    "compare_pair",
    "compare_revisions",
    "comparison_to_json",
    "demo_paths",
    "diff_findings",
    "diff_surfaces",
    "finding_location",
    "get_rule",
    "group_series",
    "load",
    "load_config",
    "open_source",
    "review",
    "review_concerns",
    "selected_rules",
    "series_slug",
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
