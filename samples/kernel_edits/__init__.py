"""The authored kernel series as edits of the Linux 6.1 tree (Debian's
linux-source-6.1), one module per revision.

Only our own code lives here.  Each edit finds its place in the kernel file
by an anchor of a line or two that must occur exactly once; `after()` and
`before()` insert our text there, `replace()` rewrites the anchor itself
(e.g. a prototype that gains a parameter).  samples/kernel.py applies them
to an imported tree at test time, commits and runs `git format-patch`.
"""

from __future__ import annotations

from dataclasses import dataclass

from samples.series import Edit

__all__ = ["Recipients", "after", "before", "replace"]


def after(path: str, anchor: str, text: str) -> Edit:
    return Edit(path, anchor, anchor + text)


def before(path: str, anchor: str, text: str) -> Edit:
    return Edit(path, anchor, text + anchor)


def replace(path: str, old: str, new: str) -> Edit:
    return Edit(path, old, new)


@dataclass(frozen=True)
class Recipients:
    """Addresses read from the base tree's MAINTAINERS when the thread is
    built (so no real address is written into this repository)."""

    ovl_people: tuple[str, ...]  # OVERLAY FILESYSTEM M:
    ovl_list: tuple[str, ...]  # its L:
    vfs_people: tuple[str, ...]  # FILESYSTEMS (VFS and infrastructure) M:
    vfs_list: tuple[str, ...]
