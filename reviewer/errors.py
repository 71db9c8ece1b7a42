"""Errors the user can act on.

    ReviewerError            one line on stderr, exit code 2
    ├── SourceError          the SOURCE cannot be read or holds no patches
    ├── TreeError            --tree is not a usable git repository / bad --base
    ├── ApplyError           applying could not even start (e.g. locked objects)
    ├── ConfigError          the config file is malformed
    ├── ReplyError           a reply draft cannot be made or written (or a
    │                        Reviewed-by is refused while errors are open)
    └── StateError           the review state cannot be read or written
"""

from __future__ import annotations

__all__ = ["ApplyError", "ConfigError", "ReplyError", "ReviewerError", "SourceError",
           "StateError", "TreeError"]


class ReviewerError(Exception):
    """Base of every error shown to the user as one line."""

    title = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SourceError(ReviewerError):
    title = "source"


class TreeError(ReviewerError):
    title = "tree"


class ApplyError(ReviewerError):
    title = "apply"


class ConfigError(ReviewerError):
    title = "config"


class ReplyError(ReviewerError):
    title = "reply"


class StateError(ReviewerError):
    title = "state"
