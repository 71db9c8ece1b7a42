"""Who the user is on the list: the From of a review reply, found as b4
0.16 finds it (`b4.get_mailfrom`): `sendemail.<identity>.from` (the
identity named by `b4.sendemail-identity` or `sendemail.identity`), else
`sendemail.from`, else `user.name` and `user.email` with git's own
environment fallbacks."""

from __future__ import annotations

import email.utils
import os
import pwd
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.model import Address
from reviewer.tree.gitrepo import config_values

__all__ = ["reviewer_identity"]


def _last(key: str, cwd: Path | None) -> str:
    values = config_values(key, cwd)  # git's rule: the last value of a key wins
    return values[-1].strip() if values else ""


def _env(*names: str) -> str:
    return next((os.environ[n].strip() for n in names if os.environ.get(n, "").strip()), "")


def reviewer_identity(cwd: Path | None = None) -> Address:
    """The user's name and address, with git config read in `cwd` (a
    repository's own config counts).  Raises ReviewerError when no address
    is configured anywhere."""
    identity = _last("b4.sendemail-identity", cwd) or _last("sendemail.identity", cwd)
    sender = (_last(f"sendemail.{identity}.from", cwd) if identity else "") or _last(
        "sendemail.from", cwd)
    if sender:
        name, addr = email.utils.parseaddr(sender)
        if "@" in addr:
            return Address(name, addr)
    addr = (_last("user.email", cwd) or _env("GIT_COMMITTER_EMAIL", "GIT_AUTHOR_EMAIL", "EMAIL")
            ).strip("<>")
    if "@" not in addr:
        raise ReviewerError("no address to reply from: set `git config user.email` "
                            "(or sendemail.from)")
    name = _last("user.name", cwd) or _env("GIT_COMMITTER_NAME", "GIT_AUTHOR_NAME")
    if not name:
        try:
            name = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
        except KeyError:
            name = ""
    return Address(name, addr)
