"""What makes a reviewer's words a request, and how many: short asks under
a quote, explanations and opinion questions that ask nothing, a reason or
conclusion that belongs to the ask before it, a suggested diff written
across several quotes, a reviewer correcting their own mail, and people
behind a list that rewrites every From:.  Small made-up threads
(tests/mailfactory.py)."""

from __future__ import annotations

from pathlib import Path

from mailfactory import CODE, mail, mbox, reply, review, thread

import reviewer
from reviewer import EvidenceKind, Verdict
from reviewer.compare.comments import Comment
from reviewer.compare.replies import requests_in, same_person
from reviewer.mail.trailers import given_trailers
from reviewer.model import Address

SETUP = "+\terr = demo_setup(ctx);"


def _asks(words: str, quoted: tuple[str, ...] = (SETUP,)) -> list[str]:
    return requests_in(Comment(quoted, (1,) * len(quoted), words))


def test_short_asks_under_a_quote_are_requests() -> None:
    assert len(_asks("No needed.")) == 1
    assert len(_asks("The comment is useless, just drop this line.")) == 1
    assert len(_asks("I don't like this approach. Casting const away is not a good idea.")) == 1
    assert len(_asks("Why do we need the extra lookup here?")) == 1
    # code written under a quote, `else` and an elision included
    assert len(_asks("if (!ctx->name)\n\tret = clear_user(arg, 1);\nelse\n"
                     "\tret = copy_to_user(arg, ctx->name, len);\n...")) == 1


def test_explanations_opinion_questions_and_asks_of_the_maintainer_are_none() -> None:
    assert _asks("This is not wrong.  Sorry for the long-standing bug: nothing made such "
                 "images before the fuzzer did.") == []
    assert _asks("Do we feel that this fix should be backported into stable kernels?") == []
    assert _asks("Looks good to me.  Max, could you please apply this instead of the queued "
                 "one?") == []
    assert _asks("Could you please resubmit the patch reflecting the following comments?") == []
    assert _asks("We just call demo_setup() here, like the other openers do.") == []
    assert _asks("Caching the flags is not a bad idea at all.") == []
    # a question asking for information, not for a change
    assert _asks("Why is the check in demo_open() not enough for this?") == []


def test_a_reason_or_a_conclusion_belongs_to_the_ask_before_it() -> None:
    (one,) = _asks("Can we just move these functions into file.c instead?\n\n"
                   "Since there is no need for a new file for a few lines.\n\n"
                   "Otherwise it looks good to me.")
    assert one.endswith("looks good to me.")
    (two,) = _asks("Make the fast case fast; do not penalize everyone for the slow one.\n\n"
                   "So, please call demo_setup() only once.")
    assert "only once" in two


LOCK = "+\tmutex_lock(&ctx->lock);"
UNLOCK = "+\tmutex_unlock(&ctx->lock);"
ASK_LOCK = (f"> +\tctx = kzalloc(sizeof(*ctx), GFP_KERNEL);\n\nPlease protect the setup\n"
            f"with &ctx->lock:\n\n{LOCK}\n\n> {SETUP}\n\n{UNLOCK}\n")


def test_a_diff_written_across_quotes_is_one_request_with_its_lines_as_evidence(
        tmp_path: Path) -> None:
    both = CODE.replace(f"{SETUP}\n", f"{LOCK}\n{SETUP}\n{UNLOCK}\n")
    series = thread(tmp_path, [review(ASK_LOCK)], both, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert req.verdict is Verdict.ADDRESSED
    suggested = [e for e in req.evidence if e.kind is EvidenceKind.SUGGESTED]
    assert suggested and not suggested[0].against  # "with &ctx->lock:" is prose, not code
    half = CODE.replace(f"{SETUP}\n", f"{LOCK}\n{SETUP}\n")
    series = thread(tmp_path, [review(ASK_LOCK)], half, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert req.verdict is Verdict.OPEN
    assert any(e.against and "mutex_unlock" in e.detail for e in req.evidence)


def test_words_on_the_same_point_under_an_unchanged_line_join_the_request(
        tmp_path: Path) -> None:
    body = ("> +\tctx = kzalloc(sizeof(*ctx), GFP_KERNEL);\n\nPlease take the lock around the "
            "setup.\n\n>  \treturn err;\n\nEvery caller of demo_setup() must hold the lock.\n\n"
            f"> {SETUP}\n\nAlso, please check what demo_setup() returns.\n")
    series = thread(tmp_path, [review(body)], CODE, "")
    found = reviewer.review_requests(series.revision(1), series.revision(2))
    assert [r.words.split()[0] for r in found] == ["Please", "Also,"]
    assert "must hold the lock" in found[0].words


def test_a_reviewer_correcting_their_own_request_makes_no_new_one(tmp_path: Path) -> None:
    series = thread(tmp_path, [
        review(ASK_LOCK),
        review(f"> {LOCK}\n\nSorry, the place of this mutex_lock() was wrong in this mail: "
               "take it before kzalloc().", msgid="r2@x", parent="r1@x")], CODE, "")
    found = reviewer.review_requests(series.revision(1), series.revision(2))
    assert [r.msgid for r in found] == ["r1@x"]


def test_a_list_rewriting_every_from_leaves_people_apart_by_name(tmp_path: Path) -> None:
    list_addr = "demo-devel@lists.example.org"
    rae = Address("Rae Viewer via Demo-devel", list_addr)
    lin = Address("Lin Author via Demo-devel", list_addr)
    assert not same_person(rae, lin)
    assert same_person(rae, Address("Rae Viewer", "rae@example.org"))
    path = mbox(tmp_path,
                mail("[PATCH] demo: set up a context on open", msgid="p1@x", diff=CODE,
                     sender=f"Lin Author via Demo-devel <{list_addr}>"),
                review(f"> {SETUP}\n\nPlease check what demo_setup() returns.\n\n"
                       "Reviewed-by: Rae Viewer <rae@example.org>",
                       sender=f"Rae Viewer via Demo-devel <{list_addr}>"),
                reply("> Please check what demo_setup() returns.\n\nWill do.", parent="r1@x",
                      sender=f"Lin Author via Demo-devel <{list_addr}>"))
    rev = reviewer.open_source(path).series[0].revision(1)
    (req,) = reviewer.review_requests(rev, None)
    assert req.reviewer.name.startswith("Rae")
    assert [str(t.who) for t in given_trailers(rev)] == [str(Address("Rae Viewer",
                                                                     "rae@example.org"))]


def test_a_request_the_requester_withdraws_further_down_is_rejected(tmp_path: Path) -> None:
    ask = "Please put this call under #ifdef CONFIG_DEMO_SETUP."
    objection = ("Since nothing calls it without CONFIG_DEMO_SETUP, I think it is fine to just "
                 "leave it here?")
    series = thread(tmp_path, [
        review(f"> {SETUP}\n\n{ask}"),
        review(f"> {ask}\n\n{objection}", msgid="r2@x", parent="r1@x",
               sender="Max Tainer <max@example.org>"),
        review(f"> {objection}\n\nSure, it changes nothing, we can leave it as it is since "
               "it's trivial.", msgid="r3@x", parent="r2@x")], CODE, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert req.verdict is Verdict.REJECTED
    assert [e.msgid for e in req.evidence if e.kind is EvidenceKind.DECLINED] == ["r2@x",
                                                                                  "r3@x"]


def test_an_agreement_further_down_answers_the_later_request_only(tmp_path: Path) -> None:
    first = "What about checking ctx->flags before kzalloc()?"
    counter = "I'd rather keep the check where it is, since that misses the setup path."
    second = "Then can we check it in demo_setup() only?"
    series = thread(tmp_path, [
        review(f"> {SETUP}\n\n{first}"),
        reply(f"> {first}\n\n{counter}", parent="r1@x"),
        review(f"> {counter}\n\n{second}", msgid="r2@x", parent="a1@x"),
        reply(f"> {second}\n\nFine to me, will do.", parent="r2@x",
              msgid="a2@x")], None, "")
    found = reviewer.review_requests(series.revision(1), None)
    assert [(r.msgid, r.verdict) for r in found] == [("r1@x", Verdict.REJECTED),
                                                     ("r2@x", Verdict.UNKNOWN)]
    assert [e.kind for e in found[1].evidence] == [EvidenceKind.ACCEPTED]


DOC = CODE.replace("@@ -10,3 +10,14 @@", "@@ -10,3 +10,19 @@").replace(
    " \tint err;\n", " \tint err;\n+\t/*\n+\t * demo_open - set up the context\n"
    "+\t * @inode: the inode being opened\n+\t *\n+\t */\n")


def test_an_ask_under_a_short_quoted_line_is_changed_by_lines_added_there(
        tmp_path: Path) -> None:
    # The quote ends with "+ *": the explanation asked for goes right there.
    explained = DOC.replace("+\t *\n", "+\t *\n+\t * The context outlives the open file.\n")
    ask = review("> +\t * @inode: the inode being opened\n> +\t *\n\nLet's have this comment "
                 "explain why the context is needed.")
    r = reviewer.review_requests(*_pair(thread(tmp_path, [ask], explained, "", v1=DOC)))[0]
    assert (r.code, r.verdict) == (reviewer.CodeState.CHANGED, Verdict.ADDRESSED)
    kept = reviewer.review_requests(*_pair(thread(tmp_path, [ask], DOC, "", v1=DOC)))[0]
    assert (kept.code, kept.verdict) == (reviewer.CodeState.UNCHANGED, Verdict.OPEN)


def _pair(series: reviewer.Series) -> tuple[reviewer.Revision, reviewer.Revision]:
    return series.revision(1), series.revision(2)


def test_an_ask_repeated_after_the_author_argued_is_judged_on_the_code_discussed(
        tmp_path: Path) -> None:
    ask = "I'd rather not call demo_setup() before the flags check."
    argued = "On my machine the flags are always clear by then."
    replies = [review(f"> {SETUP}\n\n{ask}"),
               reply(f"> {ask}\n\n{argued}", parent="r1@x"),
               review(f"> {argued}\n\nThat is not so on every machine.\n\nSo, please call "
                      "demo_setup() only once ctx->flags is checked.", msgid="r2@x",
                      parent="a1@x")]
    moved = CODE.replace(SETUP, "+\terr = ctx->flags ? -EINVAL : demo_setup(ctx);")
    found = reviewer.review_requests(*_pair(thread(tmp_path, replies, moved, "")))
    repeated = next(r for r in found if r.msgid == "r2@x")
    assert (repeated.code, repeated.verdict) == (reviewer.CodeState.CHANGED, Verdict.ADDRESSED)
    assert repeated.file == "fs/demo/file.c"
    assert any("the code discussed in r1@x" in e.detail for e in repeated.evidence)
    kept = reviewer.review_requests(*_pair(thread(tmp_path, replies, CODE, "")))
    assert next(r for r in kept if r.msgid == "r2@x").verdict is Verdict.OPEN


def test_arguing_for_ones_own_request_asks_nothing_new_unless_said_so(tmp_path: Path) -> None:
    ask = "I'd rather not retry demo_setup() here."
    argued = "On slow machines the first demo_setup() call fails too often."
    arguing = review(f"> {argued}\n\nI'd rather not tune for slow machines. How long does it "
                     "take on a fast one?", msgid="r2@x", parent="a1@x")
    asking = review(f"> {argued}\n\nThen could we call demo_setup() once with a longer "
                    "timeout?", msgid="r3@x", parent="a1@x")
    series = thread(tmp_path, [review(f"> {SETUP}\n\n{ask}"),
                               reply(f"> {ask}\n\n{argued}", parent="r1@x"), arguing, asking],
                    CODE, "")
    found = reviewer.review_requests(*_pair(series))
    assert sorted(r.msgid for r in found) == ["r1@x", "r3@x"]


def test_the_authors_decline_beside_the_request_answers_it(tmp_path: Path) -> None:
    # Both answer the same mail: the author's reason is the answer to the ask.
    point = "Anyone who can open the device can already read every block of it."
    series = thread(tmp_path, [
        review(f"> {SETUP}\n\n{point}", msgid="m1@x", sender="Max Tainer <max@example.org>"),
        review(f"> {point}\n\nA finer grained access control would be needed for monitoring "
               "tools.", msgid="r2@x", parent="m1@x"),
        reply(f"> {point}\n\nWhat Rae asks would require another approach than this ioctl, "
              "so it belongs in a separate patch series.", parent="m1@x")], CODE, "")
    (req,) = reviewer.review_requests(*_pair(series))
    assert (req.msgid, req.verdict) == ("r2@x", Verdict.REJECTED)
    assert [e.msgid for e in req.evidence if e.kind is EvidenceKind.DECLINED] == ["a1@x"]


ASK_OPTION = (f"> {SETUP}\n\nA context is useless for most users, and it costs memory on every "
              "open.  It should be opt-in behaviour, e.g. a mount option.\n")
OPTION = """\
diff --git a/fs/demo/super.c b/fs/demo/super.c
index 3333333..4444444 100644
--- a/fs/demo/super.c
+++ b/fs/demo/super.c
@@ -20,3 +20,4 @@ static const struct fs_parameter_spec demo_params[] = {
 \tfsparam_flag("ro", Opt_ro),
+\tfsparam_flag("ctx", Opt_ctx),
 \t{}
 };
"""


def test_a_request_to_make_it_optional_is_judged_by_the_option_defined(
        tmp_path: Path) -> None:
    """"It should be opt-in": the later revision defines a mount option (or
    module parameter, sysctl, Kconfig entry), or the request is still open;
    words that only mention opting in ask for no option."""
    series = thread(tmp_path, [review(ASK_OPTION)], CODE + OPTION, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert req.verdict is Verdict.ADDRESSED
    assert any(e.kind is EvidenceKind.OPTION and "Opt_ctx" in e.detail and not e.against
               for e in req.evidence)
    series = thread(tmp_path, [review(ASK_OPTION)], CODE, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert req.verdict is Verdict.OPEN
    assert any(e.kind is EvidenceKind.OPTION and e.against for e in req.evidence)
    mention = (f"> {SETUP}\n\nThe comment above says the opposite: the context is set up "
               "for users who did not opt in.  Please fix the comment.\n")
    series = thread(tmp_path, [review(mention)], CODE, "")
    (req,) = reviewer.review_requests(series.revision(1), series.revision(2))
    assert all(e.kind is not EvidenceKind.OPTION for e in req.evidence)
