"""The authored sample: a small kernel-like tree and a patch thread for it.

samples/tree/     the files of the tree (history in samples/history.py)
samples/series.py the four revisions and the replies, as data
samples/build.py  builds the git tree and samples/thread.mbox from them

Regenerate the mbox with `python -m samples.build`; check it with --check.
"""
