"""Trailers given in replies (b4's parsing and attribution), their A·R·T
counts, whether the next revision carried them, and the rule POL020 on
made-up threads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import CORPUS, PEERS, REFERENCE_THREAD, need
from mailfactory import CODE, mail, mbox, reply, review, run_rule, thread

import reviewer
from reviewer import CarryStatus
from reviewer.checks.engine import check_revision
from reviewer.config import Config

RAE = "Reviewed-by: Rae Viewer <rae@example.org>"


def _given(series: reviewer.Series, version: int = 1) -> list[tuple[str, str, int, str]]:
    return [(t.name, t.who.email, t.patch, t.condition)
            for t in reviewer.given_trailers(series.revision(version))]


def test_trailers_of_replies_with_their_patch_and_condition(tmp_path: Path) -> None:
    series = thread(tmp_path, [
        review(f"Looks good.\n\n{RAE}"),
        review("With the error path fixed, you may add:\n\n"
               "Acked-by: Max Tainer <max@example.org>", msgid="r2@x",
               sender="Max Tainer <max@example.org>"),
        # b4 keeps only trailers that name their sender (by address or name)
        review("Tested-by: Somebody Else <else@example.org>", msgid="r3@x"),
        # the robot asks for its tag on a separate fix, not on this patch
        review("If you fix the issue, kindly add following tag where applicable\n"
               "Reported-by: kernel test robot <lkp@intel.com>\n", msgid="r4@x",
               sender="kernel test robot <lkp@intel.com>"),
        # a quoted trailer is nobody's new trailer
        reply(f"> {RAE}\n\nThanks!", parent="r1@x"),
        # the condition on the trailer's own line; a "# note" is no condition
        review("Tested-by: Tess Ter <tess@example.org> # on arm64\n"
               "Reviewed-by: Tess Ter <tess@example.org>, if you fix the shift", msgid="r5@x",
               sender="Tess Ter <tess@example.org>")], None, "")
    assert _given(series) == [
        ("Reviewed-by", "rae@example.org", 1, ""),
        ("Acked-by", "max@example.org", 1,
         "With the error path fixed, you may add:"),
        ("Tested-by", "tess@example.org", 1, ""),
        ("Reviewed-by", "tess@example.org", 1, "if you fix the shift")]
    assert str(reviewer.trailer_counts(reviewer.given_trailers(series.revision(1)))) == "1·2·1"


def _series_of_two(tmp_path: Path, replies: list[str], v2_trailers: str = "",
                   v2_code: str = CODE) -> reviewer.Series:
    """A 2-patch v1 with a cover letter, and v2 whose 2/2 has `v2_code`."""
    def patch(version: str, k: int, msgid: str, parent: str, diff: str,
              trailers: str = "", day: int = 4) -> str:
        body = f"Explain patch {k}.\n\nSigned-off-by: Lin Author <lin@example.org>"
        body += f"\n{trailers}" if trailers else ""
        return mail(f"[PATCH {version}{k}/2] demo: part {k}", msgid=msgid, in_reply_to=parent,
                    body=body, signoff=None, diff=diff,
                    date=f"Mon, 0{day} Mar 2024 10:00:0{k} +0000")

    first = CODE.replace("file.c", "one.c")
    mails = [mail("[PATCH 0/2] demo: two parts", msgid="c1@x", diff=None, signoff=None,
                  body="Two parts.\n\n demo | 2 +-"),
             patch("", 1, "p1@x", "c1@x", first), patch("", 2, "p2@x", "c1@x", CODE),
             *replies,
             mail("[PATCH v2 0/2] demo: two parts", msgid="c2@x", diff=None, signoff=None,
                  body="v2: nothing but trailers.\n\n demo | 2 +-",
                  date="Wed, 06 Mar 2024 10:00:00 +0000"),
             patch("v2 ", 1, "q1@x", "c2@x", first, v2_trailers, day=6),
             patch("v2 ", 2, "q2@x", "c2@x", v2_code, v2_trailers, day=6)]
    return reviewer.open_source(mbox(tmp_path, *mails)).series[0]


def test_a_cover_trailer_applies_to_every_patch_and_is_carried(tmp_path: Path) -> None:
    series = _series_of_two(tmp_path, [review(f"For the series:\n\n{RAE}", parent="c1@x")],
                            v2_trailers=RAE)
    (given,) = reviewer.given_trailers(series.revision(1))
    assert given.patch == 0
    carried = reviewer.carried_trailers(series.revision(1), series.revision(2))
    assert [(c.old_patch, c.new_patch, c.status) for c in carried] == [
        (1, 1, CarryStatus.CARRIED), (2, 2, CarryStatus.CARRIED)]


def test_missing_on_an_unchanged_patch_fine_on_a_changed_one(tmp_path: Path) -> None:
    changed = CODE.replace("1 << inode", "1U << inode")
    series = _series_of_two(tmp_path, [review(f"For the series:\n\n{RAE}", parent="c1@x")],
                            v2_code=changed)
    carried = reviewer.carried_trailers(series.revision(1), series.revision(2))
    assert [(c.old_patch, c.status) for c in carried] == [
        (1, CarryStatus.MISSING), (2, CarryStatus.PATCH_CHANGED)]
    assert all(c.status is CarryStatus.NO_NEXT
               for c in reviewer.carried_trailers(series.revision(1), None))
    # A·R·T per revision: given on v1, none given on v2
    c = reviewer.compare_revisions(series, series.revision(1), series.revision(2), reports={})
    assert [str(x) for x in c.trailer_totals] == ["0·1·0", "0·0·0"]


def test_pol020_flags_only_the_unchanged_patch(tmp_path: Path) -> None:
    changed = CODE.replace("1 << inode", "1U << inode")
    series = _series_of_two(tmp_path, [review(f"For the series:\n\n{RAE}", parent="c1@x")],
                            v2_code=changed)
    path = tmp_path / "t.mbox"
    assert series.revision(2).patches[0].msgid == "q1@x"
    report = run_rule("POL020", path, version=2)
    (finding,) = report.findings
    assert finding.patch == 1 and "rae@example.org" in finding.message
    assert finding.severity is reviewer.Severity.WARNING
    assert run_rule("POL020", path, version=1).findings == ()


def test_pol020_leaves_a_conditional_trailer_alone(tmp_path: Path) -> None:
    _series_of_two(tmp_path, [review(f"Once the shift is fixed, you may add:\n\n{RAE}",
                                     parent="c1@x")])
    assert run_rule("POL020", tmp_path / "t.mbox", version=2).findings == ()



def test_a_bare_address_trailer_is_carried(tmp_path: Path) -> None:
    """A bot gives its tag as a bare address (`Tested-by: bot+1a2b@...`);
    the next revision that has it carried it."""
    bot = "Tested-by: fuzzbot+1a2b3c@fuzz.example.com"
    series = _series_of_two(tmp_path, [review(f"The reproducer no longer fires.\n\n{bot}",
                                              parent="c1@x", sender="fuzzbot "
                                              "<fuzzbot+1a2b3c@fuzz.example.com>")],
                            v2_trailers=bot)
    carried = reviewer.carried_trailers(series.revision(1), series.revision(2))
    assert [(c.old_patch, c.status) for c in carried] == [
        (1, CarryStatus.CARRIED), (2, CarryStatus.CARRIED)]
    assert run_rule("POL020", tmp_path / "t.mbox", version=2).findings == ()

# --- b4's own follow-up trailer fixtures -----------------------------------------

def _b4_expected(ref: Path) -> dict[str, set[str]]:
    """Patch subject → the `-by:` trailers of b4's expected `b4 am` output."""
    out: dict[str, set[str]] = {}
    text = ref.read_text(encoding="utf-8", errors="replace")
    for chunk in re.split(r"^From \S+ .*\n", text, flags=re.M):
        if m := re.search(r"^Subject: (.*)$", chunk, re.M):
            body = chunk.split("\n---\n")[0]
            out[m.group(1)] = {ln for ln in body.splitlines() if re.match(r"[\w-]+-by: ", ln)}
    return out


@pytest.mark.parametrize("name", ["single", "with-cover", "nore", "htmljunk", "name-parens",
                                  "bare-address", "non-git-patch",
                                  "non-git-patch-with-comments", "stripped-lines",
                                  "with-diffstat"])
def test_the_trailers_b4_am_adds(name: str) -> None:
    """Per patch, the trailers b4's tests expect `b4 am` to add are the ones
    given in replies (cover-letter trailers on every patch).  Left out:
    partial-reroll, where b4 also carries v2's trailers onto the v3 it
    assembles, which `given_trailers` keeps with v2."""
    box = need(PEERS / "b4" / "samples" / f"trailers-followup-{name}.mbox")
    expected = _b4_expected(box.with_name(f"trailers-followup-{name}-ref-defaults.txt"))
    rev = reviewer.open_source(box).series[-1].revisions[-1]
    given = reviewer.given_trailers(rev)
    for patch in rev.patches:
        subject = next(s for s in expected if s.endswith(patch.title))
        mine = {f"{t.name}: {t.who}" for t in given if t.patch in (0, patch.index)}
        own = {f"{t.name}: {t.value}" for t in patch.trailers}
        added = {t for t in expected[subject] - own if "Test Override" not in t}  # addmysob
        assert mine == added, patch.title


# --- the real threads ------------------------------------------------------------------

def test_pol020_on_the_real_threads_where_every_unchanged_patch_kept_its_trailers() -> None:
    """threads-dev's labels: every trailer given was carried where the patch
    stayed the same, and dropped only where it changed; the reference
    thread's one Reviewed-by was conditional.  POL020 finds nothing."""
    dev = need(CORPUS / "threads-dev")
    rule = [reviewer.get_rule("POL020")]
    for box in [*sorted(dev.glob("*.mbox")), need(REFERENCE_THREAD)]:
        for series in reviewer.open_source(box).series:
            for rev in series.revisions:
                report = check_revision(series, rev, None, None, Config(), rule)
                assert report.findings == (), (box.name, rev.label)
