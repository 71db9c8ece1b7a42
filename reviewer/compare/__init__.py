"""Comparing two revisions: pairing and range-diff, API surface, review
requests and their outcomes."""
