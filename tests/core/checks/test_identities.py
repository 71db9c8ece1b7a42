"""One person under several addresses: the base's `.mailmap` (a real git
repository), full names, and the names the thread shows."""

from __future__ import annotations

from pathlib import Path

from core.gitutil import init_repo
from mailfactory import mail, mbox

from reviewer import open_source
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.registry import get_rule
from reviewer.config import Config
from reviewer.mail.people import Identities, full_name, parse_mailmap
from reviewer.model import Address, ApplyResult, BaseChoice
from reviewer.tree.gitrepo import GitRepo

MAILMAP = ("# people who moved\n"
           "Lin Author <lin@example.org> <l.author@old-employer.example>\n"
           "<ops@example.org> Build Bot <bot@ci.example>\n")


def test_mailmap_lines_and_names() -> None:
    groups = parse_mailmap(MAILMAP)
    assert [[a.email for a in g] for g in groups] == [
        ["lin@example.org", "l.author@old-employer.example"], ["ops@example.org", "bot@ci.example"]]
    assert full_name("Yurkov, Vyacheslav") == full_name('"Vyacheslav Yurkov"') == \
        "vyacheslav yurkov"
    assert full_name("Andrew") is None  # one word joins nobody on its own
    ids = Identities.of([Address("Andrew", "a@home.example")], MAILMAP)
    assert ids.same(Address("", "L.Author@old-employer.example"), Address("", "lin@example.org"))
    assert ids.addresses(Address("", "lin@example.org")) == {
        "lin@example.org", "l.author@old-employer.example"}
    assert not ids.same(Address("", "a@home.example"), Address("Andrew Other", "ao@x.example"))
    assert ids.related(Address("", "a@home.example"), Address("Andrew Other", "ao@x.example"))


def run(rule_id: str, path: Path, tree: Path | None) -> RevisionReport:
    series = open_source(path).series[0]
    rev = series.revisions[0]
    repo = apply = None
    if tree is not None:
        base = init_repo(tree, {".mailmap": MAILMAP, "README": "tree\n"})
        repo = GitRepo(tree)
        apply = ApplyResult(rev.version, BaseChoice(base, "--base", "test"), (), None)
    return check_revision(series, rev, apply, repo, Config(), [get_rule(rule_id)])


def test_the_base_mailmap_joins_an_old_address(tmp_path: Path) -> None:
    """Sent from the old employer's address under another spelling of the
    name, written and signed off at the new one: one person by the tree's
    .mailmap; without the tree, a submitter who did not sign off."""
    sent = mail("[PATCH] ovl: x", msgid="a@x", sender="L. Author <l.author@old-employer.example>",
                body="From: Lin Author <lin@example.org>\n\nExplain why.")
    path = mbox(tmp_path, sent)
    without = run("POL003", path, None)
    assert [f.message for f in without.findings] == [
        "submitter L. Author <l.author@old-employer.example> has no Signed-off-by"]
    assert not run("POL003", path, tmp_path / "tree").findings
    assert not run("POL002", path, tmp_path / "tree2").findings
