"""Comparing two revisions: pairing with interdiff or range-diff, API
surface, findings, the reviewers' requests with their verdicts, the bots'
reports, and the trailers carried."""
