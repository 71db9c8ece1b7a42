"""The Textual TUI of reviewer, built only on `reviewer`'s public API."""

import os

# Textual paints at most MAX_FPS frames a second, and a change made just after
# a frame waits for the next slot: 17-33 ms at the default 60, which was most
# of a key's latency (a key's effects often take two frames: the cursor, then
# the pane that follows it).  Frames are still only drawn when something
# changed.  Read when Textual is first imported; the user's setting wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
