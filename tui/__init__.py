"""The Textual TUI of reviewer, built only on `reviewer`'s public API."""
