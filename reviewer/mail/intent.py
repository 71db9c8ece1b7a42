"""The version a posting's own notes give it when no subject does: the
headings authors and b4 write in a cover letter or below `---`.

"Changes since v2", "v2 -> v3" and a "v2: https://…" link to the previous
posting make it v3; a "v3:" or "Changes in v3" section makes it v3.  The
highest such number is taken (changelogs accumulate: "v3: …" above
"v2: …").  A kernel release ("since v6.1") names no posting.
"""

from __future__ import annotations

import re

__all__ = ["SINCE", "SPAN", "stated_version"]

# "v(\d+)" not followed by ".digit": "v6.1" is a release, not a posting.
_V = r"v(\d+)(?![.\d])"
SPAN = re.compile(rf"\bv(\d+)\s*(?:-+>|→|\bto\b|\.\.)\s*{_V}", re.I)
SINCE = re.compile(rf"\b(?:since|from)\s+{_V}", re.I)
_CHANGES_SINCE = re.compile(rf"\bchanges?\s+(?:since|from)\s+{_V}|^\s*(?:since|from)\s+{_V}\s*:",
                            re.I | re.M)
_LINK = re.compile(rf"^\s*(?:[-*]\s*)?(?:link\s+to\s+)?{_V}\s*:\s*<?https?://", re.I | re.M)
_SECTION = re.compile(rf"^\s*(?:[-*]\s*)?(?:changes?\s+(?:in|for)\s+)?{_V}\s*(?::|$)",
                      re.I | re.M)
# Higher numbers are not revisions (a version of some other thing).
_MAX = 50


def stated_version(text: str) -> int | None:
    """The version `text` (a cover letter, the notes below `---`) says its
    posting is, or None when it says none."""
    found = [int(m.group(2)) for m in SPAN.finditer(text)]
    found += [int(m.group(1)) for m in _SECTION.finditer(text)]
    found += [1 + int(m.group(1) or m.group(2)) for m in _CHANGES_SINCE.finditer(text)]
    found += [1 + int(m.group(1)) for m in _LINK.finditer(text)]
    return max((n for n in found if 1 < n <= _MAX), default=None)
