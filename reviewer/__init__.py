"""reviewer: a patch review assistant for Linux-kernel-style mail threads.

The public API, used by the CLI and the TUI alike (the TUI imports nothing
else from this package):

    opened = open_source("thread.mbox")          # load → thread → series
    results = apply_series(GitRepo(tree), opened.series[0])
"""

from reviewer.apply import apply_revision, apply_series, choose_base, series_slug
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
from reviewer.revisions import group_series
from reviewer.sources import Loaded, load
from reviewer.thread import build_thread

__all__ = [
    "REF_NAMESPACE",
    "Address",
    "ApplyError",
    "ApplyFailure",
    "ApplyResult",
    "BaseChoice",
    "ConfigError",
    "FileChange",
    "Finding",
    "GitRepo",
    "Hunk",
    "Loaded",
    "Message",
    "Opened",
    "Patch",
    "PatchApply",
    "PatchStatus",
    "Reply",
    "ReviewerError",
    "Revision",
    "RevisionLink",
    "Series",
    "Severity",
    "SourceError",
    "SubjectInfo",
    "Thread",
    "Trailer",
    "TreeError",
    "apply_revision",
    "apply_series",
    "build_thread",
    "choose_base",
    "group_series",
    "load",
    "open_source",
    "series_slug",
]
