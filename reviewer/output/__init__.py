"""Output: the check report (text, JSON, Markdown), the revision and apply
tables, b4's external-check protocol."""
