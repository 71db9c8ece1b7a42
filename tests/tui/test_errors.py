"""Errors are shown in place, never as a traceback: a source that cannot be
read, a tree that is not a repository, a revision that does not apply, a
hostile mail, and work cancelled half-way."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mailfactory import mail, mbox

import reviewer
from bench.synth import synthetic_thread
from tests.tui.helpers import screen_text, settle
from tui.app import make_app, run_app
from tui.screens.patch import PatchScreen
from tui.screens.revisions import RevisionsScreen
from tui.screens.thread import ThreadScreen
from tui.session import Problem
from tui.widgets.matrix import RevisionMatrix

SIZE = (120, 40)


def test_the_cli_entry_point_keeps_its_signature() -> None:
    params = list(__import__("inspect").signature(run_app).parameters)
    assert params == ["source", "options"]


async def test_an_unreadable_source_is_reported_in_place(tmp_path: Path) -> None:
    app = make_app(str(tmp_path / "nope.mbox"), None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session.state == "failed" and app.session.problem is not None
        text = screen_text(app)
        assert "source:" in text and "nope.mbox" in text
        assert "Traceback" not in text
        await pilot.press("t")  # nothing to read yet: says so, stays put
        assert isinstance(app.screen, RevisionsScreen)
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_a_tree_that_is_not_a_repository_still_checks_the_mails(
        sample: tuple[Path, Path], tmp_path: Path) -> None:
    _tree, thread = sample
    app = make_app(str(thread), reviewer.Options(tree=str(tmp_path)))  # an empty directory
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session.state == "done" and len(app.session.reports) == 4
        assert app.session.problem is not None and app.session.problem.title == "tree"
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.cells(0)[4].plain == "diff only"
        assert "checked on their diffs alone (no tree given)" in screen_text(app)


def _git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True)


async def test_a_revision_that_does_not_apply_shows_why(tmp_path: Path) -> None:
    tree, thread = reviewer.write_sample(tmp_path / "s")
    # v2 names no base-commit: leave the tree one commit that conflicts with
    # it, and no other (no tag, no history), so no evidence finds its base
    target = tree / "fs/overlayfs/namei.c"
    target.write_text(target.read_text().replace("lookup_positive_unlocked(name, base, namelen)",
                                                 "lookup_conflicting_change(name, base, 0)"))
    _git(tree, "checkout", "-q", "--orphan", "conflict")
    _git(tree, "commit", "-qam", "conflict with v2")
    _git(tree, "branch", "-qD", "main")
    _git(tree, "tag", "-d", "sample-base")
    _git(tree, "reflog", "expire", "--expire=now", "--all")
    _git(tree, "gc", "-q", "--prune=now")
    app = make_app(str(thread), reviewer.Options(tree=str(tree)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        result = app.session.applies[(0, "v2")]
        assert not result.applied and result.failed is not None
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.cells(1)[4].plain == "✗ 1/1 diff"  # diff-level findings only
        await pilot.press("j", *["l"] * 4)
        detail = str(app.screen.query_one("#cell-detail").render())
        assert "patch 1/1 does not apply" in detail
        assert "Findings come from the diffs alone" in detail and "--fuzzy" in detail
        assert "no revision applied" in screen_text(app)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, PatchScreen) and screen.key == (0, "v2")
        text = screen_text(app)
        assert "✗ does not apply" in text and "Traceback" not in text


async def test_hostile_mail_text_stays_inert(tmp_path: Path) -> None:
    evil = ("Hi \x1b[31mred\x1b[0m and [bold]markup[/bold] and \x1b]0;title\x07\n"
            "[link=http://x]click[/link]")
    path = mbox(tmp_path,
                mail("[PATCH] ovl: fix \x1b[2J [b]it[/b]", msgid="p1@x", body=evil),
                mail("Re: [PATCH] ovl: fix", msgid="r1@x", in_reply_to="p1@x",
                     body="> quoted [red]x[/red]\n\x1b[1mreply", diff=None, signoff=None))
    app = make_app(str(path), None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, ThreadScreen)
        text = screen_text(app)
        assert "␛[31mred␛[0m and [bold]markup[/bold]" in text
        assert "[link=http://x]click[/link]" in text
        await pilot.press("j")
        assert "␛[1mreply" in screen_text(app)


async def test_escape_cancels_the_work_and_says_so(tmp_path: Path) -> None:
    # 12 revisions: checking them takes long enough to press Esc in between
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    app = make_app(str(thread), None)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(500):
            await pilot.pause(0.01)
            if app.session.reports:
                break
        await pilot.press("escape")
        await settle(pilot)
        assert app.session.state == "cancelled"
        assert 1 <= len(app.session.reports) < 12
        assert "cancelled:" in screen_text(app)
        await pilot.press("r")  # re-run finishes the job
        await settle(pilot)
        assert app.session.state == "done" and len(app.session.reports) == 12


def test_a_problem_says_what_went_wrong_or_that_it_is_ours(tmp_path: Path) -> None:
    with pytest.raises(reviewer.ReviewerError) as caught:
        reviewer.GitRepo(str(tmp_path))  # not a repository
    problem = Problem.of(caught.value)
    assert (problem.title, problem.message) == (caught.value.title, str(caught.value))
    assert Problem.of(KeyError("x")) == Problem("internal error", "KeyError: 'x'")


def test_the_command_line_options_reach_the_app_intact() -> None:
    from reviewer.cli import _parser
    from reviewer.commands.common import options
    from reviewer.commands.tui import tui_argv
    from tui.__main__ import parse

    args = _parser().parse_args(["--lore", "https://lore.example.org/all", "--offline", "tui",
                                 "t.mbox", "--tree", "/t", "--base", "v1.0", "--fuzzy"])
    given = options(args)
    assert (given.lore, given.offline, given.tree, given.base, given.fuzzy) == \
        ("https://lore.example.org/all", True, "/t", "v1.0", True)
    argv = tui_argv("t.mbox", given)
    assert argv[1:3] == ["-m", "tui"]
    assert parse(argv[3:]) == ("t.mbox", given)
