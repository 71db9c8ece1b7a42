"""Mail in, revisions out: reading sources (files, lore), parsing mails and
diffs with b4, the reply tree, and grouping into series and revisions."""

# Bumped whenever the same mail bytes are read differently (a patch's
# diff, message or -p): results cached under an older reading are not reused.
READER_VERSION = 2
