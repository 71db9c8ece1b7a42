"""A finding that disappears because its patch was dropped is "gone with
the patch", not "fixed" (authored mails, compare at diff level)."""

from __future__ import annotations

from pathlib import Path

from mailfactory import mail, mbox

import reviewer
from reviewer.config import Config

DAY2 = "Tue, 05 Mar 2024 10:00:00 +0000"


def diff(path: str) -> str:
    return (f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n"
            f"+++ b/{path}\n@@ -1,2 +1,3 @@\n int a;\n+int {path.split('.')[0]};\n int b;\n")


def test_dropped_patch_findings_are_gone_not_fixed(tmp_path: Path) -> None:
    bodies = {1: "Why.", 2: "Why.", 3: "Why.\n\nReviewed-by: rev@example"}
    v1 = [mail("[PATCH 0/3] ovl: three steps", msgid="c1@x", diff=None, signoff=None)]
    v1 += [mail(f"[PATCH {k}/3] ovl: step {k}", msgid=f"p{k}@x", in_reply_to="c1@x",
                diff=diff(f"f{k}.c"), body=bodies[k],
                signoff=None if k == 1 else "Lin Author <lin@example.org>") for k in (1, 2, 3)]
    # v2: 1/3's sign-off added (fixed); 3/3 and its bad trailer dropped (gone).
    v2 = [mail("[PATCH v2 0/2] ovl: three steps", msgid="c2@x", diff=None, signoff=None,
               date=DAY2, notes="")]
    v2 += [mail(f"[PATCH v2 {k}/2] ovl: step {k}", msgid=f"q{k}@x", in_reply_to="c2@x",
                diff=diff(f"f{k}.c"), date=DAY2) for k in (1, 2)]
    series = reviewer.open_source(mbox(tmp_path, *v1, *v2)).series[0]
    c = reviewer.compare_revisions(series, series.revision("v1"), series.revision("v2"),
                                   config=Config(select=("POL001", "POL004")))
    assert [(f.rule_id, f.patches) for f in c.fixed] == [("POL001", (1,))]
    assert [(f.rule_id, f.patches) for f in c.gone] == [("POL004", (3,))]
    assert not c.new_findings and not c.persisting
    data = reviewer.comparison_to_json(c, series, "t.mbox")
    assert data["counts"]["findings"] == {"new": 0, "fixed": 1, "gone": 1, "persisting": 0}
