"""The Footer, drawn as one line of text.

Textual's Footer recomposes one widget per key whenever the focus moves,
which cost most of a Tab press on a big thread.  This one keeps the same
place, looks and data (the current screen's shown bindings) but only
repaints a single line; clicking a key still runs it.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter { layout: horizontal; }
    KeyFooter > #footer-keys { width: 1fr; height: 1; background: $footer-background; }
    KeyFooter > .keyfooter--key { color: $footer-key-foreground; text-style: bold; }
    KeyFooter > .keyfooter--description { color: $footer-description-foreground; }
    """
    COMPONENT_CLASSES = {"keyfooter--key", "keyfooter--description"}
    _draw_pending = False

    def compose(self) -> ComposeResult:
        yield Static(id="footer-keys", markup=False)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if self.is_attached and screen is self.screen and not self._draw_pending:
            self._draw_pending = True  # one redraw for a burst of changes
            self.call_after_refresh(self.draw)

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.draw)

    def keys_text(self) -> Text:
        """`q Back  n Next finding …` from the screen's shown bindings."""
        text = Text(no_wrap=True, overflow="ellipsis")
        key_style = self.get_component_rich_style("keyfooter--key")
        description = self.get_component_rich_style("keyfooter--description")
        seen: set[str] = set()
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            click = Style(meta={"@click": f"app.simulate_key({binding.key!r})"})
            text.append(f" {self.app.get_key_display(binding)} ", key_style + click)
            text.append(f"{binding.description} ",
                        description + Style(dim=not enabled) + click)
        if self.app.ENABLE_COMMAND_PALETTE:
            text.append("   ")
            text.append(" ^p ", key_style)
            text.append("palette", description)
        return text

    def draw(self) -> None:
        self._draw_pending = False
        if self.is_attached:
            self.query_one("#footer-keys", Static).update(self.keys_text(), layout=False)
