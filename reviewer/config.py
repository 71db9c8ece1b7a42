"""User configuration: `~/.config/reviewer/config.toml` (or $REVIEWER_CONFIG).

    select = ["POL", "RACE"]        # rule IDs or prefixes to run (default: all)
    ignore = ["POL007"]             # rule IDs or prefixes to skip
    fail-on = "error"               # check's exit code 1 threshold

    [checkpatch]
    timeout = 120                   # seconds before checkpatch.pl is stopped

    [race]
    tree-facts = false              # do not derive kernel facts from the tree

    [race.api.my_helper]            # extend the kernel API table (see
    requires = "d_lock:0"           # reviewer/checks/race/kernel_api.toml)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from reviewer.errors import ConfigError
from reviewer.model import Severity

__all__ = ["Config", "config_path", "load_config", "matches"]


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    checkpatch_timeout: float = 120.0
    race_api: dict[str, Any] = field(default_factory=dict)
    all_lines: bool = False  # race checks: also report pre-existing code
    tree_facts: bool = True  # race checks: derive kernel facts from the base tree

    def with_cli(self, select: list[str] | None, ignore: list[str] | None,
                 fail_on: str | None = None, all_lines: bool = False) -> Config:
        return replace(
            self,
            select=tuple(s.upper() for s in select) if select else self.select,
            ignore=self.ignore + tuple(s.upper() for s in ignore or ()),
            fail_on=parse_severity(fail_on) if fail_on else self.fail_on,
            all_lines=all_lines or self.all_lines,
        )

    def enabled(self, rule_id: str) -> bool:
        selected = not self.select or matches(rule_id, self.select)
        return selected and not matches(rule_id, self.ignore)


def matches(rule_id: str, patterns: tuple[str, ...]) -> bool:
    """Ruff-style selection: `POL` or `POL00` select every rule they prefix."""
    return any(rule_id.startswith(p) for p in patterns)


def parse_severity(value: str) -> Severity:
    try:
        return Severity(value.lower())
    except ValueError:
        raise ConfigError(f"unknown severity {value!r} (error, warning, info)") from None


def config_path() -> Path:
    env = os.environ.get("REVIEWER_CONFIG")
    return Path(env) if env else Path(user_config_dir("reviewer")) / "config.toml"


def _strings(data: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of rule IDs or prefixes")
    return tuple(v.upper() for v in value)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    checkpatch = data.get("checkpatch", {})
    race = data.get("race", {})
    if not isinstance(checkpatch, dict) or not isinstance(race, dict):
        raise ConfigError(f"{path}: [checkpatch] and [race] must be tables")
    timeout = checkpatch.get("timeout", 120)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: checkpatch.timeout must be a positive number")
    api = race.get("api", {})
    if not isinstance(api, dict):
        raise ConfigError(f"{path}: [race.api] must be a table")
    tree_facts = race.get("tree-facts", True)
    if not isinstance(tree_facts, bool):
        raise ConfigError(f"{path}: race.tree-facts must be true or false")
    from reviewer.checks.race.api import load_api

    try:
        load_api(api)  # a bad entry is the user's to fix now, not a crash per rule later
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Config(
        select=_strings(data, "select", path),
        ignore=_strings(data, "ignore", path),
        fail_on=parse_severity(str(data.get("fail-on", "error"))),
        checkpatch_timeout=float(timeout),
        race_api=api,
        tree_facts=tree_facts,
    )
