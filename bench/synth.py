"""A synthetic, deterministic patch thread for benchmarks: N revisions of one
series (cover letter + patches with real unified diffs, changelogs, sign-offs)
and review replies nested under them, up to a total message count.

    from bench.synth import synthetic_thread
    Path("big.mbox").write_bytes(synthetic_thread(messages=1000, revisions=20))
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

AUTHOR = "Kim Patchwright <kim.patchwright@example.org>"
REVIEWERS = [
    "Anika Rosen <anika.rosen@example.org>",
    "Marek Lindqvist <marek.lindqvist@example.org>",
    "Ivo Kessler <ivo.kessler@example.org>",
    "Dana Cole <dana.cole@example.org>",
    "Alan Vance <alan.vance@example.org>",
    "Hana Morita <hana.morita@example.org>",
]
LIST = "linux-mm@lists.example.org"
COVER_TITLE = "mm/frob: rework the frobnicator's page cache"
PATCH_TITLES = [
    "mm/frob: add frob_lookup_locked() helper",
    "mm/frob: convert frob_insert() to frob_lookup_locked()",
    "mm/frob: drop the global frob_lock",
    "mm/frob: pass gfp flags down to frob_alloc()",
    "mm/frob: document the locking rules",
    "mm/frob: use RCU for the frob hash walk",
    "mm/frob: count evictions in vmstat",
    "mm/frob: remove the unused frob_peek()",
]
START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
COMMENTS = [
    "This needs the lock held; the caller in frob_evict() does not take it.",
    "Could this be split? The rename and the behaviour change are hard to review together.",
    "Looks right to me.",
    "Why GFP_KERNEL here? This is reachable from reclaim.",
    "Nit: the comment still talks about the old global lock.",
    "Please keep the WARN_ON_ONCE(); it caught a real bug last year.",
    "I ran this through the usual fs workloads and saw no difference.",
    "Does frob_peek() have no other users? I see one in drivers/.",
]


def _c_lines(rng: random.Random, name: str, count: int) -> list[str]:
    """Plausible C statements for a function body."""
    stmts = [
        f"\tstruct frob *f = {name}_find(key);",
        "\tif (!f)",
        "\t\treturn -ENOENT;",
        "\tspin_lock(&f->lock);",
        "\tf->count++;",
        "\tspin_unlock(&f->lock);",
        f"\terr = {name}_commit(f, gfp);",
        "\tif (err)",
        "\t\tgoto out_put;",
        "\tlist_add_tail(&f->lru, &frob_lru);",
        "\tatomic_inc(&frob_stats.inserted);",
        "\trcu_read_lock();",
        "\trcu_read_unlock();",
        f"\ttrace_{name}(f, key);",
    ]
    return [rng.choice(stmts) for _ in range(count)]


def _diff(rng: random.Random, patch: int, version: int) -> tuple[str, int, int]:
    """A unified diff touching two files; returns (text, insertions, deletions)."""
    out: list[str] = []
    ins = dels = 0
    for f in range(2):
        path = f"mm/frob_{patch}_{f}.c" if f else f"mm/frob_{patch}.c"
        out += [f"diff --git a/{path} b/{path}",
                f"index {rng.getrandbits(28):07x}..{rng.getrandbits(28):07x} 100644",
                f"--- a/{path}", f"+++ b/{path}"]
        start = 10 + rng.randrange(200)
        for h in range(2 + (version + patch) % 3):
            ctx_a = _c_lines(rng, f"frob{patch}", 3)
            removed = _c_lines(rng, f"frob{patch}", rng.randrange(1, 4))
            added = _c_lines(rng, f"frob{patch}", rng.randrange(2, 7))
            ctx_b = _c_lines(rng, f"frob{patch}", 3)
            old_len = len(ctx_a) + len(removed) + len(ctx_b)
            new_len = len(ctx_a) + len(added) + len(ctx_b)
            out.append(f"@@ -{start},{old_len} +{start + h},{new_len} @@ "
                       f"static int frob{patch}_op{h}(struct frob_key *key, gfp_t gfp)")
            out += [" " + s for s in ctx_a] + ["-" + s for s in removed]
            out += ["+" + s for s in added] + [" " + s for s in ctx_b]
            ins, dels = ins + len(added), dels + len(removed)
            start += 40
    return "\n".join(out) + "\n", ins, dels


def _mail(headers: dict[str, str], body: str) -> bytes:
    head = "".join(f"{k}: {v}\n" for k, v in headers.items())
    text = "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + head + \
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" + \
        "Content-Transfer-Encoding: 8bit\n\n" + body
    lines = [">" + ln if ln.lstrip(">").startswith("From ") else ln
             for ln in text.split("\n")[1:]]
    return (text.split("\n")[0] + "\n" + "\n".join(lines)).rstrip("\n").encode() + b"\n\n"


def synthetic_thread(messages: int = 1000, revisions: int = 20) -> bytes:
    """`messages` mails in all: `revisions` revisions of one series, the rest
    replies.  The same arguments always give the same bytes."""
    rng = random.Random(20240108)
    mails: list[bytes] = []
    clock = START
    posted: list[tuple[str, int, str, str]] = []  # (msgid, version, subject, quoted text)
    sizes = [3 + (v * 3) % 6 for v in range(1, revisions + 1)]
    patch_mails = sum(n + (1 if n > 1 else 0) for n in sizes)
    replies_left = max(0, messages - patch_mails)
    for v, n in enumerate(sizes, 1):
        tag = "PATCH" if v == 1 else f"PATCH v{v}"
        clock += timedelta(days=2, minutes=rng.randrange(600))
        cover_id = f"20240108.v{v}.0.kim@example.org"
        base = {"From": AUTHOR, "To": LIST, "Cc": ", ".join(REVIEWERS[:3])}
        changelog = "".join(f"v{k}: rebased, addressed review of v{k - 1}\n"
                            for k in range(max(2, v - 2), v + 1)) if v > 1 else ""
        rev_posts: list[tuple[str, int, str, str]] = []
        if n > 1:
            subject = f"[{tag} 0/{n}] {COVER_TITLE}"
            body = ("The frobnicator keeps its pages on a global list under one lock.\n"
                    "This series moves to per-object locks and an RCU hash walk.\n\n"
                    + (f"Changes since v{v - 1}:\n{changelog}\n" if changelog else "")
                    + f"Kim Patchwright ({n}):\n"
                    + "".join(f"  {t}\n" for t in PATCH_TITLES[:n])
                    + "\nbase-commit: 1f2e3d4c5b6a79880123456789abcdef01234567\n")
            mails.append(_mail({**base, "Subject": subject, "Date": format_datetime(clock),
                                "Message-ID": f"<{cover_id}>"}, body))
            rev_posts.append((cover_id, v, subject, body))
        for k in range(1, n + 1):
            msgid = f"20240108.v{v}.{k}.kim@example.org"
            title = PATCH_TITLES[(k - 1) % len(PATCH_TITLES)]
            subject = f"[{tag} {k}/{n}] {title}" if n > 1 else f"[{tag}] {title}"
            diff, ins, dels = _diff(rng, k, v)
            body = (f"{title.split(': ', 1)[1].capitalize()} so that callers can rely on "
                    "the per-object lock\ninstead of the global one.\n\n"
                    f"Signed-off-by: {AUTHOR}\n---\n" + changelog
                    + f" mm/frob_{k}.c | {ins + dels} {'+' * min(ins, 30)}{'-' * min(dels, 30)}\n"
                    f" 2 files changed, {ins} insertions(+), {dels} deletions(-)\n\n" + diff
                    + "-- \n2.43.0\n")
            headers = {**base, "Subject": subject, "Date": format_datetime(
                clock + timedelta(seconds=k)), "Message-ID": f"<{msgid}>"}
            if n > 1:
                headers |= {"In-Reply-To": f"<{cover_id}>", "References": f"<{cover_id}>"}
            mails.append(_mail(headers, body))
            rev_posts.append((msgid, v, subject, body))
        posted.extend(rev_posts)
        share = replies_left // (revisions - v + 1)
        replies_left -= share
        chain: dict[str, list[str]] = {}
        for r in range(share):
            # answer a mail of this revision, often a reply (threads nest)
            parent = rng.choice(rev_posts[-12:] if r and rng.random() < 0.6 else rev_posts)
            pid, _, psubj, pbody = parent
            who = REVIEWERS[rng.randrange(len(REVIEWERS))] if rng.random() < 0.8 else AUTHOR
            msgid = f"20240108.v{v}.r{r}.{who.split()[0].lower()}@example.org"
            refs = chain.get(pid, []) + [pid]
            quoted = [ln for ln in pbody.splitlines() if ln.strip()][:rng.randrange(2, 8)]
            comment = rng.choice(COMMENTS)
            trailer = f"\nReviewed-by: {who}\n" if rng.random() < 0.15 else ""
            body = (f"On {format_datetime(clock)}, {psubj[:20]}... wrote:\n"
                    + "".join(f"> {ln}\n" for ln in quoted)
                    + f"\n{comment}\n{trailer}")
            clock += timedelta(minutes=7 + rng.randrange(300))
            subject = psubj if psubj.startswith("Re: ") else f"Re: {psubj}"
            mails.append(_mail({"From": who, "To": AUTHOR, "Cc": LIST, "Subject": subject,
                                "Date": format_datetime(clock), "Message-ID": f"<{msgid}>",
                                "In-Reply-To": f"<{pid}>",
                                "References": " ".join(f"<{m}>" for m in refs[-10:])}, body))
            chain[msgid] = refs
            rev_posts.append((msgid, v, subject, body))
    return b"".join(mails)


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(synthetic_thread())
