"""The reply tree: nothing lost (orphans, missing parents), cycles broken,
children in date order, `Thread.walk` depth-first."""

from __future__ import annotations

from pathlib import Path

from core.gitutil import mail, mbox

import reviewer
from reviewer import Thread


def date(hour: int, minute: int = 0) -> str:
    return f"Mon, 01 Jan 2024 {hour:02d}:{minute:02d}:00 +0000"


def thread_of(tmp_path: Path, *mails: bytes) -> Thread:
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*mails))
    return reviewer.build_thread(reviewer.load(path).messages)


def test_missing_parent_is_a_root_and_recorded(tmp_path: Path) -> None:
    thread = thread_of(
        tmp_path,
        mail("root@x", "[PATCH] a", date=date(1)),
        mail("lost-child@x", "Re: [PATCH] b", in_reply_to="gone@x", references=["gone@x"],
             date=date(2)),
        mail("grandchild@x", "Re: Re: [PATCH] b", in_reply_to="lost-child@x",
             references=["gone@x", "lost-child@x"], date=date(3)),
    )
    assert len(thread) == 3
    assert thread.roots == ("root@x", "lost-child@x")
    assert thread.missing == frozenset({"gone@x"})
    assert thread.children == {"lost-child@x": ("grandchild@x",)}


def test_references_name_a_present_ancestor(tmp_path: Path) -> None:
    """In-Reply-To is absent from the source; References still place the mail."""
    thread = thread_of(
        tmp_path,
        mail("root@x", "[PATCH] a", date=date(1)),
        mail("r@x", "Re: [PATCH] a", in_reply_to="gone@x", references=["root@x", "gone@x"],
             date=date(2)),
    )
    assert thread.roots == ("root@x",)
    assert thread.children == {"root@x": ("r@x",)}


def test_orphans_are_kept(tmp_path: Path) -> None:
    thread = thread_of(
        tmp_path,
        mail("one@x", "hello", date=date(3)),
        mail("two@x", "unrelated", date=date(1)),
        mail("", "no message id at all", date=date(2)),
    )
    assert len(thread) == 3 and thread.missing == frozenset()
    assert thread.roots[:1] == ("two@x",) and thread.roots[2:] == ("one@x",)
    assert thread.roots[1].endswith("@reviewer.invalid")
    assert [m.msgid for _, m in thread.walk()] == list(thread.roots)


def test_two_cycle_is_broken(tmp_path: Path) -> None:
    thread = thread_of(
        tmp_path,
        mail("a@x", "Re: x", in_reply_to="b@x", references=["b@x"], date=date(1)),
        mail("b@x", "Re: x", in_reply_to="a@x", references=["a@x"], date=date(2)),
    )
    assert len(thread) == 2 and len(thread.roots) == 1
    walked = thread.walk()
    assert sorted(m.msgid for _, m in walked) == ["a@x", "b@x"]
    assert [d for d, _ in walked] == [0, 1]


def test_longer_cycle_and_self_reply(tmp_path: Path) -> None:
    thread = thread_of(
        tmp_path,
        mail("a@x", "x", in_reply_to="c@x", date=date(1)),
        mail("b@x", "x", in_reply_to="a@x", date=date(2)),
        mail("c@x", "x", in_reply_to="b@x", date=date(3)),
        mail("self@x", "x", in_reply_to="self@x", references=["self@x"], date=date(4)),
    )
    assert len(thread.roots) == 2 and "self@x" in thread.roots
    walked = [m.msgid for _, m in thread.walk()]
    assert sorted(walked) == ["a@x", "b@x", "c@x", "self@x"]  # each once, no loop
    assert thread.missing == frozenset()


def test_children_in_date_order_and_walk(tmp_path: Path) -> None:
    # File order differs from date order on purpose.
    thread = thread_of(
        tmp_path,
        mail("late@x", "Re: [PATCH] a", in_reply_to="p@x", references=["p@x"], date=date(9)),
        mail("p@x", "[PATCH] a", date=date(1)),
        mail("early@x", "Re: [PATCH] a", in_reply_to="p@x", references=["p@x"], date=date(2)),
        mail("mid@x", "Re: [PATCH] a", in_reply_to="p@x", references=["p@x"], date=date(5)),
        mail("deep@x", "Re: Re: [PATCH] a", in_reply_to="early@x",
             references=["p@x", "early@x"], date=date(3)),
        mail("other@x", "[PATCH] b", date=date(0, 30)),
    )
    assert thread.roots == ("other@x", "p@x")
    assert thread.children["p@x"] == ("early@x", "mid@x", "late@x")
    assert [(d, m.msgid) for d, m in thread.walk()] == [
        (0, "other@x"), (0, "p@x"), (1, "early@x"), (2, "deep@x"), (1, "mid@x"),
        (1, "late@x")]
    assert thread.ancestors("deep@x") == ["early@x", "p@x"]
    assert thread.depth("deep@x") == 2


def test_duplicate_ids_keep_first_copy() -> None:
    import datetime as dt

    from reviewer.mail.subject import parse_subject

    def message(msgid: str, subject: str) -> reviewer.Message:
        return reviewer.Message(
            msgid=msgid, sender=reviewer.Address("A", "a@x"),
            date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), subject=parse_subject(subject),
            in_reply_to=None, references=(), to=(), cc=(), body="", trailers=(),
            has_diff=False, raw=b"")

    thread = reviewer.build_thread([message("m@x", "first"), message("m@x", "second")])
    assert len(thread) == 1 and thread.messages["m@x"].subject.summary == "first"
