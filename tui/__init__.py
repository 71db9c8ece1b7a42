"""The Textual TUI of reviewer, built only on `reviewer`'s public API."""

import os

# Textual paints at most MAX_FPS frames a second, and a change made just after
# a frame waits one to two frame slots (its timer skips a slot when it wakes
# late).  A key's effects often take two or three frames (the cursor, then the
# pane that follows it), so at the default 60 fps that wait was most of a key's
# latency: 17-33 ms a frame, against 4-8 ms at 240.  Frames are still drawn
# only when something changed, so an idle screen costs nothing more; the price
# is more frames a second while something animates (a smooth scroll).
# Read when Textual is first imported; the user's own setting wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
