"""`Name: value` tag lines of a commit message, wherever they stand.

git and b4 take trailers from the last paragraph only, so a changelog left
above `---` (after a lone `--`, say) hides them from `Patch.trailers`;
checkpatch reads `Signed-off-by:` and `Fixes:` on any line of the commit
message, and so do these rules: a misplaced changelog is its own finding
(POL009), not a missing sign-off.
"""

from __future__ import annotations

import email.utils
import re

from reviewer.model import Address, Patch

__all__ = ["tag_values", "tagged_people"]

_TAG = re.compile(r"^[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*?)\s*$", re.M)


def tag_values(patch: Patch, name: str) -> list[str]:
    """The values of every `name:` line (any case) of the commit message."""
    wanted = name.lower()
    return [m.group(2) for m in _TAG.finditer(patch.commit_message)
            if m.group(1).lower() == wanted]


def tagged_people(patch: Patch, name: str) -> list[Address]:
    """`Signed-off-by:` and the like as addresses (a bare address is one)."""
    out = []
    for value in tag_values(patch, name):
        person, addr = email.utils.parseaddr(value.split("#", 1)[0].strip())
        if "@" in addr:
            out.append(Address(person, addr))
    return out
