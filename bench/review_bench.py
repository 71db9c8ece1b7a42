"""What writing a review costs in the patch screen of a big patch: a mark
(space) and a comment (c, text, Enter) against a cursor move (j, the
baseline) and against drawing the patch anew (what a note cost before it
was spliced in), each the median of --repeat presses in this process.

    python bench/review_bench.py [--lines 10000] [--repeat 9] [--json out.json]

The patch adds --lines lines to one file and has no Signed-off-by (so it
carries a finding to mark).  Keys are timed as bench/tui_bench.py times
them (posted, then until the app has settled and repainted).  Ratios are
against j; figures, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tui  # noqa: E402, F401  # before Textual: it sets Textual's frame rate

# isort: split
from textual import events  # noqa: E402

from bench.tui_bench import _settled, print_figures  # noqa: E402
from tui.app import ReviewerApp, make_app  # noqa: E402
from tui.screens.base import PatchAt  # noqa: E402
from tui.screens.patch import PatchScreen  # noqa: E402
from tui.widgets.lineview import LineView  # noqa: E402

SIZE = (120, 40)


def big_patch(lines: int) -> str:
    body = "".join(f"+\tx{i} = frob(x{i});\n" for i in range(lines))
    return "\n".join([
        "From mboxrd@z Thu Jan  1 00:00:00 1970",
        "From: Kim Patchwright <kim.patchwright@example.org>",
        "To: linux-mm@lists.example.org",
        "Subject: [PATCH] mm/frob: unroll the frobnicator",
        "Date: Mon, 08 Jan 2024 09:00:00 +0000",
        "Message-ID: <big-1@example.org>",
        "",
        "Unroll it.",
        "---",
        "diff --git a/mm/frob.c b/mm/frob.c",
        "--- a/mm/frob.c",
        "+++ b/mm/frob.c",
        f"@@ -1,1 +1,{lines + 1} @@",
        " int frob;",
        body])


async def _median_ms(app: ReviewerApp, repeat: int, keys: list[str],
                     measured: int | None = None) -> float:
    """The median time of the key `keys[measured]` (each key: posted, then
    the app settled, as bench/tui_bench.py measures keys); None: all of
    them together."""
    times = []
    for _ in range(repeat):
        spent = 0.0
        for i, key in enumerate(keys):
            start = time.perf_counter()
            app.post_message(events.Key(key, key if len(key) == 1 else None))
            await _settled(app)
            if measured is None or i == measured:
                spent += time.perf_counter() - start
        times.append(spent)
    return round(statistics.median(times) * 1000, 1)


async def _measure(mbox: Path, repeat: int) -> dict[str, float]:
    app: ReviewerApp = make_app(str(mbox), None)
    async with app.run_test(size=SIZE) as pilot:
        while app.session.state not in ("done", "cancelled", "failed"):
            await asyncio.sleep(0.05)
        app.go(PatchAt((0, 1), 1))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PatchScreen) and screen.anchors, "no finding to mark"
        diff = screen.query_one("#diff", LineView)
        diff.goto_line(screen.anchors[0][1])  # on the finding
        await pilot.pause()
        result = {"lines": len(diff.lines),
                  "j_ms": await _median_ms(app, repeat, ["j", "k"]) / 2,
                  "mark_ms": await _median_ms(app, repeat, ["space", "space"]) / 2}
        diff.goto_line(len(diff.lines) // 2)  # a diff line
        await pilot.pause()
        comment = ["c", "o", "k", "enter"]
        result["prompt_ms"] = await _median_ms(app, repeat, comment, 0)
        result["comment_ms"] = await _median_ms(app, repeat, comment, 3)
        assert "✎ ok" in diff.text(), "the comment was not written"
        times = []
        for _ in range(repeat):  # the old way: the patch built and drawn anew
            start = time.perf_counter()
            screen._built.clear()  # noqa: SLF001
            screen._show()  # noqa: SLF001
            await _settled(app)
            times.append(time.perf_counter() - start)
        result["redraw_ms"] = round(statistics.median(times) * 1000, 1)
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # keep the user's config, cache and review state out of the figures
        for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            os.environ[var] = tmp
        mbox = Path(tmp) / "big.mbox"
        mbox.write_text(big_patch(args.lines))
        result = asyncio.run(_measure(mbox, args.repeat))
    base = result["j_ms"] or 0.1
    rows = [("patch lines shown", f"{result['lines']:.0f}", ""),
            ("j (baseline)", f"{result['j_ms']:.1f} ms", "1.0x"),
            ("space (mark)", f"{result['mark_ms']:.1f} ms", f"{result['mark_ms'] / base:.1f}x"),
            ("c (comment prompt)", f"{result['prompt_ms']:.1f} ms",
             f"{result['prompt_ms'] / base:.1f}x (opens a pop-up)"),
            ("Enter (comment written)", f"{result['comment_ms']:.1f} ms",
             f"{result['comment_ms'] / base:.1f}x (closes it)"),
            ("patch drawn anew", f"{result['redraw_ms']:.1f} ms",
             f"{result['redraw_ms'] / base:.1f}x (what a note cost when rebuilt)")]
    print_figures(rows, dict(result), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
