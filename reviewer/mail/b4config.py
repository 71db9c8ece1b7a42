"""b4's settings and lore node: the one place that reaches past b4's public API.

b4 reads its `b4.*` settings (git config, the tree's `.b4-config`) in
`setup_config()`, which also reads `sendemail.*` and can fail for reasons
that have nothing to do with fetching: `_setup_main_config()` reads the
`b4.*` part alone.  b4 builds one lore node per process from `b4.midmask`:
reaching another archive sets midmask and drops that node so that b4 builds
it afresh with the user's git config (mirrors, probes, timeouts).  Both are
private in the b4 versions pyproject allows, which are checked here once.
"""

from __future__ import annotations

from typing import Any

import b4
import liblore

from reviewer.errors import SourceError

__all__ = ["lore_node", "main_config"]

SUPPORTED = ((0, 14), (0, 17))  # [from, to): keep equal to pyproject's b4 range


def _check_version() -> None:
    found = tuple(int(p) for p in b4.__VERSION__.split(".")[:2] if p.isdigit())
    if not SUPPORTED[0] <= found < SUPPORTED[1]:
        raise SourceError(f"b4 {b4.__VERSION__} is not supported for fetching (needs "
                          f">={'.'.join(map(str, SUPPORTED[0]))},"
                          f"<{'.'.join(map(str, SUPPORTED[1]))})")


def main_config() -> dict[str, Any]:
    """b4's `b4.*` settings, read afresh."""
    _check_version()
    b4._setup_main_config()
    return b4.get_main_config()


def lore_node(base: str) -> liblore.LoreNode:
    """b4's lore node for the archive at `base` (e.g. `https://host/all`)."""
    main_config()["midmask"] = base + "/%s"
    b4.LORENODE = None
    try:
        return b4.get_lore_node()
    except liblore.LibloreError as exc:  # e.g. a bad liblore.* fallback in git config
        raise SourceError(f"{base}: {exc}") from None
