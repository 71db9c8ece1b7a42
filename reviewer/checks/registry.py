"""The rule registry, modelled on ruff's: every rule has a stable ID that is
never reused, a kebab-case name, a default severity, a scope and a docstring
with the sections **What it does**, **Why is this bad?** and **Example**.

A rule is a function decorated with `@rule(...)`.  It receives a
`CheckContext` bound to that rule and yields findings made with
`ctx.report(...)`; it raises `Skipped` when it cannot run (no perl, no tree).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewer.model import Finding, Scope, Severity

if TYPE_CHECKING:
    from reviewer.checks.context import CheckContext

__all__ = ["REQUIRED_SECTIONS", "Rule", "Scope", "Skipped", "all_rules", "get_rule", "rule"]

REQUIRED_SECTIONS = ("## What it does", "## Why is this bad?", "## Example")


class Skipped(Exception):
    """Raised by a rule that cannot run here; the reason is shown to the user."""


CheckFn = Callable[["CheckContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    scope: Scope
    version: int
    check: CheckFn
    depends: str = ""  # what else decides its findings: a shared engine's version

    @property
    def family(self) -> str:
        """`POL` or `RACE`: the ID's letters."""
        return self.id.rstrip("0123456789")

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        """The first sentence of "What it does"."""
        return self._first_sentence(REQUIRED_SECTIONS[0])

    @property
    def why(self) -> str:
        """The first sentence of "Why is this bad?" (a review reply's one-line why)."""
        return self._first_sentence(REQUIRED_SECTIONS[1])

    def _first_sentence(self, section: str) -> str:
        lines = self.doc.splitlines()
        try:
            start = lines.index(section) + 1
        except ValueError:
            return ""
        text = " ".join(line.strip() for line in lines[start:] if line.strip())
        head = text.split("## ")[0].strip()
        # The first sentence: a full stop before a capital, not an ellipsis.
        return re.split(r"(?<!\.)\.\s+(?=[A-Z`])", head)[0].rstrip(".") + "."


_REGISTRY: dict[str, Rule] = {}
_loaded = False


def rule(
    id: str, name: str, severity: Severity, scope: Scope, version: int = 1, depends: str = ""
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function as a rule.  Bump `version` when the rule's
    logic changes so cached results of the old logic are not reused;
    `depends` names the versions of what several rules share (an analysis,
    derived facts), so that changing it invalidates all of them."""

    def register(fn: CheckFn) -> CheckFn:
        if id in _REGISTRY and _REGISTRY[id].check is not fn:
            raise ValueError(f"rule ID {id} registered twice")
        _REGISTRY[id] = Rule(id, name, severity, scope, version, fn, depends)
        return fn

    return register


def _load_rule_modules() -> None:
    """Import every module under reviewer.checks so their rules register."""
    import reviewer.checks as pkg

    for info in pkgutil.walk_packages(pkg.__path__, prefix="reviewer.checks."):
        importlib.import_module(info.name)


def all_rules() -> list[Rule]:
    global _loaded
    if not _loaded:  # a rule module imported on its own must not hide the others
        _load_rule_modules()
        _loaded = True
    return sorted(_REGISTRY.values(), key=lambda r: (r.family, r.id))


def get_rule(rule_id: str) -> Rule:
    all_rules()
    try:
        return _REGISTRY[rule_id.upper()]
    except KeyError:
        from reviewer.errors import ReviewerError

        raise ReviewerError(f"unknown rule {rule_id!r} (see `reviewer rules`)") from None
