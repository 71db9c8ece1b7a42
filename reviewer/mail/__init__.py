"""Mail in, revisions out: reading sources (files, lore), parsing mails and
diffs with b4, the reply tree, and grouping into series and revisions."""
