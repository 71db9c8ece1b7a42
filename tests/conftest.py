"""Every test runs isolated from the user's home: its own HOME, XDG dirs,
git config (no signing, fixed identity) and reviewer cache/config, and
without DNS (DKIM keys are looked up there: a test passes its own lookup)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                     ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@example.org")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2024-01-01T00:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2024-01-01T00:00:00+00:00")
    monkeypatch.delenv("REVIEWER_CONFIG", raising=False)
    monkeypatch.delenv("REVIEWER_CACHE", raising=False)
    monkeypatch.delenv("REVIEWER_STATE", raising=False)  # the review state: in XDG_DATA_HOME
    monkeypatch.delenv("EDITOR", raising=False)  # the TUI opens reply drafts in it
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.org\n"
        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n")
    os.environ.pop("REVIEWER_DEBUG", None)
    return home


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every DNS query fails, and the test with it (b4 and dkimpy would look
    up DKIM keys through dnspython's resolver)."""
    import dns.resolver

    asked: list[str] = []

    def refuse(self: object, qname: object, *args: object, **kwargs: object) -> object:
        asked.append(str(qname))
        raise dns.resolver.NoNameservers

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    yield asked
    assert not asked, f"the test looked up DNS: {asked}"
