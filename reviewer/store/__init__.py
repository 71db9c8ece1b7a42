"""What the tool keeps between runs in the user's directories (SQLite)."""
