"""The data that flows between stages: Message → Thread → Revision → Patch →
ApplyResult → Finding.  Every box is a frozen dataclass; every closed
vocabulary is a `StrEnum`, so it compares equal to its string and JSON
keeps the strings docs/json.md documents.  One module per stage's data
(mail, patch, apply, findings, compare); the rest of the code imports
them from here.
"""

from reviewer.model.apply import (
    ApplyFailure,
    ApplyResult,
    BaseChoice,
    BaseSource,
    PatchApply,
    PatchStatus,
)
from reviewer.model.compare import (
    BotStatus,
    CarryStatus,
    CodeState,
    EvidenceKind,
    PairStatus,
    QuoteKind,
    Verdict,
)
from reviewer.model.findings import (
    AttestMethod,
    AttestStatus,
    Finding,
    Level,
    LineSide,
    OutcomeStatus,
    Phase,
    ReviewState,
    RunState,
    Scope,
    Severity,
)
from reviewer.model.mail import Address, MailShape, Message, SubjectInfo, Thread, Trailer
from reviewer.model.patch import (
    ChangedLines,
    FileChange,
    Hunk,
    Patch,
    Reply,
    Revision,
    RevisionLink,
    Series,
)

__all__ = [
    "Address",
    "ApplyFailure",
    "ApplyResult",
    "AttestMethod",
    "AttestStatus",
    "BaseChoice",
    "BaseSource",
    "BotStatus",
    "CarryStatus",
    "ChangedLines",
    "CodeState",
    "EvidenceKind",
    "FileChange",
    "Finding",
    "Hunk",
    "Level",
    "LineSide",
    "MailShape",
    "Message",
    "OutcomeStatus",
    "PairStatus",
    "Patch",
    "PatchApply",
    "PatchStatus",
    "Phase",
    "QuoteKind",
    "Reply",
    "ReviewState",
    "Revision",
    "RevisionLink",
    "RunState",
    "Scope",
    "Series",
    "Severity",
    "SubjectInfo",
    "Thread",
    "Trailer",
    "Verdict",
]
