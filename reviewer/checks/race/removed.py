"""What the lines a patch removes say about the code it replaces: a field
read inside a lock the removed lines took just for it (RACE014), a field
cleared right after its reference was put (RACE015), a value read once for
lockless readers (RACE009), a reference taken before linking an object
into a list (RACE016), a recheck of a dentry's state (RACE017).  The code a patch
changes is usually right; these are its author's own statements of what a
field needs, which the new lines then drop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi
from reviewer.checks.race.exprs import Exprs, args_of, callee_name, compact, unwrap
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.state import LockKey, State
from reviewer.cparse import descendants, node_text, parse

__all__ = ["NEAR", "RemovedChecks", "cleared_fields", "dropped_gets", "dropped_tests",
           "got_objects", "lockless_reads", "protected_fields", "released_locks", "runs",
           "statements", "unlocked_spans"]

NEAR = 3  # lines between removed lines and the code rewritten in their place


def runs(removed: Iterable[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Removed lines grouped by the line after which they stood."""
    return [(anchor, [text for _, text in group])
            for anchor, group in groupby(removed, key=lambda r: r[0])]


def statements(lines: list[str]) -> Iterator[Node]:
    """The top-level statements of removed lines, parsed as a body."""
    tree = parse("void __removed(void)\n{\n" + "\n".join(lines) + "\n}\n")
    fn = next((c for c in tree.root_node.children if c.type == "function_definition"), None)
    body = fn.child_by_field_name("body") if fn is not None else None
    yield from (c for c in body.named_children if c.type != "comment") if body else ()


def protected_fields(lines: list[str], api: KernelApi) -> dict[str, LockKey]:
    """`spin_lock(&s->lk); gen = s->gen; spin_unlock(&s->lk);` removed as a
    whole -> {"s->gen": ("spin", "s->lk")}: the fields read between a lock
    and its release, both in the removed lines (the release may be nested:
    `if (s->gen != gen) { spin_unlock(&s->lk); ...`)."""
    x, st = Exprs(api), State()
    held: list[LockKey] = []
    reads: dict[str, list[LockKey]] = {}
    out: dict[str, LockKey] = {}
    for stmt in statements(lines):
        for node in descendants(stmt, ("call_expression", "field_expression")):
            spec = x.spec(node) if node.type == "call_expression" else None
            if spec is not None and (spec.acquires or spec.releases):
                for ls in spec.acquires:
                    if (k := x.lock_key(ls, args_of(node), st)) is not None:
                        held.append(k)
                for ls in spec.releases:
                    k = x.lock_key(ls, args_of(node), st)
                    if k in held:
                        held.remove(k)
                        out.update({f: k for f, ks in reads.items() if k in ks})
            elif node.type == "field_expression" and not _written(node) \
                    and not (node.parent is not None and node.parent.type == "field_expression") \
                    and not _in_lock_call(node, x):
                reads.setdefault(x.canon(node, st), []).extend(held)
    return out


def _written(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "assignment_expression" \
        and parent.child_by_field_name("left") == node


def _in_lock_call(node: Node, x: Exprs) -> bool:
    """`&s->lk` (or `&s->locks[i]`, one lock of an array) given to a lock or
    unlock call: the lock, not a read."""
    cur = node.parent
    while cur is not None and cur.type in ("pointer_expression", "argument_list",
                                           "parenthesized_expression", "subscript_expression"):
        if cur.type == "argument_list" and cur.parent is not None:
            spec = x.spec(cur.parent)
            return spec is not None and bool(spec.acquires or spec.releases)
        cur = cur.parent
    return False


def lockless_reads(lines: list[str], api: KernelApi) -> set[str]:
    """`d_inode_rcu(d->d_parent)`, `READ_ONCE(p->f)` among removed lines ->
    {"d->d_parent->d_inode", "p->f"}: values the replaced code read once,
    as lockless readers must, because they can change under it."""
    x, st = Exprs(api), State()
    return {x.canon(call, st) for stmt in statements(lines)
            for call in descendants(stmt, ("call_expression",))
            if (spec := x.spec(call)) is not None and spec.once}


def _gets(lines: list[str], api: KernelApi) -> Iterator[tuple[Node, Node, bool]]:
    """Each reference the removed lines took: (call, the argument it is
    taken on, whether the call's result was discarded)."""
    x = Exprs(api)
    calls = (c for stmt in statements(lines) for c in descendants(stmt, ("call_expression",)))
    for call in calls:
        if not (name := callee_name(call)):
            continue
        spec, args = x.spec(call), args_of(call)
        if spec is not None and spec.returns_ref and spec.alias_arg is not None:
            at = spec.alias_arg
        elif spec is None and len(args) == 1 and api.ref_op(name) == "get":
            at = 0
        else:
            continue
        if at < len(args):
            parent = call.parent
            yield call, args[at], parent is not None and parent.type == "expression_statement"


def dropped_gets(lines: list[str], api: KernelApi) -> list[str]:
    """`ihold(inode);` among removed lines -> ["ihold(inode)"]: references
    the replaced code took (a get whose result is not kept: one more)."""
    return [compact(call) for call, _, discarded in _gets(lines, api) if discarded]


def got_objects(lines: list[str], api: KernelApi) -> set[str]:
    """`found = dget_dlock(d);` among removed lines -> {"d"}: the objects
    the replaced code took a reference on, kept or not."""
    return {compact(arg, 200) for _, arg, _ in _gets(lines, api)}


def dropped_tests(lines: list[str], api: KernelApi) -> set[tuple[str, str]]:
    """`d_unhashed(work)` tested in removed lines -> {("d_unhashed", "work")}."""
    x, st = Exprs(api), State()
    return {t for stmt in statements(lines) for t in x.state_tests(stmt, st)}


def released_locks(lines: list[str], api: KernelApi) -> dict[LockKey, str]:
    """Locks the removed lines released (the function manages them itself),
    with the call that did."""
    return _lock_calls(lines, api, acquired=False)


def acquired_locks(lines: list[str], api: KernelApi) -> dict[LockKey, str]:
    """Locks the removed lines took, with the call that did."""
    return _lock_calls(lines, api, acquired=True)


def _lock_calls(lines: list[str], api: KernelApi, acquired: bool) -> dict[LockKey, str]:
    x, st = Exprs(api), State()
    out: dict[LockKey, str] = {}
    for stmt in statements(lines):
        for call in descendants(stmt, ("call_expression",)):
            spec = x.spec(call)
            specs = (spec.acquires if acquired else spec.releases) if spec is not None else ()
            for ls in specs:
                if (k := x.lock_key(ls, args_of(call), st)) is not None:
                    out[k] = compact(call)
    return out


def unlocked_spans(removed: list[tuple[int, list[str]]],
                   api: KernelApi) -> list[tuple[int, int, LockKey]]:
    """(after, upto, lock): kept lines after..upto that the removed lines
    bracketed with a lock and its release (`spin_lock(&d->d_lock);` removed
    above them, `spin_unlock(&d->d_lock);` below): the replaced code ran
    them under that lock, the new code does not."""
    taken = [(anchor, k) for anchor, lines in removed for k in acquired_locks(lines, api)]
    freed = [(anchor, k) for anchor, lines in removed for k in released_locks(lines, api)]
    return [(a, min(b for b, j in freed if j == k and b > a), k) for a, k in taken
            if any(j == k and b > a for b, j in freed)]


def cleared_fields(lines: list[str]) -> set[str]:
    """`d->field = NULL;` among removed lines -> {"d->field"}."""
    out: set[str] = set()
    for stmt in statements(lines):
        expr = unwrap(stmt.named_children[0]) if stmt.type == "expression_statement" \
            and stmt.named_children else None
        if expr is None or expr.type != "assignment_expression":
            continue
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is not None and right is not None and left.type == "field_expression" \
                and node_text(unwrap(right)) in ("NULL", "0"):
            out.add(compact(left, 200))
    return out


class RemovedChecks:
    """RACE014 and RACE017, against what the function's removed lines said."""

    api: KernelApi
    ctx: FnContext
    x: Exprs

    def read_field(self, node: Node, st: State, line: int) -> None:
        """RACE014: a field the replaced code read under a lock, read without it."""
        key = self.ctx.protected.get(self.x.canon(node, st)) if self.ctx.protected else None
        if key is None or st.held(key) is not None or key in st.murky \
                or _racy_on_purpose(node, self.x):
            return
        # Past lines we cannot see, the lock may be held there, unless the
        # function's code (as changed) never takes it: the patch removed it,
        # or this path takes it later (confirmed then: unsure_read_locked()).
        if not st.surely_unheld(key) and key in self.ctx.acquired_keys:
            st.unsure = st.unsure | {(key, line, compact(node))}
            return
        self._lock_dropped_from_read(key, line, compact(node), "")

    def _lock_dropped_from_read(self, key: LockKey, line: int, text: str, later: str) -> None:
        self.ctx.hit(Hit("RACE014", line, key[1],
                         f"{text} is read without {self.x.describe(key)}{later}, which the "
                         "code this replaces took to read it; the value can change before "
                         "it is used (read it once under the lock)"))

    def unsure_read_locked(self, key: LockKey, st: State, line: int) -> None:
        """The path takes `key`, not held: a read made earlier on it with
        the lock's state unknown was made without it."""
        if key[0] in self.api.nestable_kinds:
            return
        for k, at, text in sorted(u for u in st.unsure if u[0] == key):
            self._lock_dropped_from_read(k, at, text, f" (taken only later, at line {line})")
        st.settle_unsure(key)


    def jump_after_release(self, line: int, label: str | None, states: list[State]) -> None:
        """A goto or return right where removed lines released a lock that
        no path here still holds or released: note it for unjudged()."""
        for anchor, rel in self.ctx.removed_releases.items():
            if anchor < line <= anchor + NEAR:
                for key, text in rel.items():
                    if key not in self.ctx.entry_keys and key[1] not in self.ctx.asserted \
                            and any(
                            key not in s.released and not _holds_on(s, key[1])
                            for s in states):
                        self.ctx.jumps.append((line, label, key, text, anchor))

    def unjudged(self, seen_labels: set[str]) -> None:
        """RACE000 (info) on those jumps whose balance nothing here decides:
        the lock was taken where the patch does not show, or the label is
        not in it.  The unlock may have moved there, or be missing."""
        for line, label, key, text, anchor in self.ctx.jumps:
            if label is not None and label in seen_labels:
                continue  # the walk judged that path
            where = f"label `{label}`" if label is not None else "where the lock was taken"
            self.ctx.hit(Hit("RACE000", line, key[1],
                             f"balance of {self.x.describe(key)} not checked here: the patch "
                             f"removes {text} before this {'goto' if label else 'return'}, "
                             f"and {where} is not in the patch (check that it is released "
                             "on this path, once)", (anchor + 1,)))

    def recheck(self, cond: Node, st: State, line: int) -> None:
        """RACE017: a decision rewritten right where removed lines stood,
        still about an object, without the state test they made on it (nor
        any other test of its state: a new design, such as a count read
        under its lock, is not a dropped recheck)."""
        kept = self.x.state_tests(cond, st)
        for t in kept:
            self.ctx.state_tested[t] = line
        changing = {s for _, s in kept} | {r[0] for r in self.x.reads(cond, st)}
        for anchor, tests in self.ctx.dropped_tests.items():
            if not anchor < line <= anchor + NEAR:
                continue
            named = {self.x.canon(n, st) for n in descendants(cond, ("identifier",
                                                                     "field_expression"))}
            for test, subj in sorted(tests):
                tested = self.ctx.state_tested.get((test, subj), 0)
                if subj in named and subj not in changing and not tested >= anchor - NEAR:
                    self.ctx.hit(Hit("RACE017", line, subj,
                                     f"{test}({subj}) is no longer tested here: the code "
                                     f"this replaces rechecked it in this decision, and "
                                     f"{subj} can change (be unhashed, turn negative or "
                                     "positive) after any earlier test", (anchor + 1,)))


def _holds_on(st: State, obj: str) -> bool:
    """Is a lock of `obj` held, of whatever kind (asserted: "any")?"""
    return any(h.key[1] == obj for h in st.locks)


def _racy_on_purpose(node: Node, x: Exprs) -> bool:
    """READ_ONCE(), data_race(), atomic_read(): a read meant to be unlocked."""
    cur = node.parent
    while cur is not None and cur.type not in ("expression_statement", "declaration"):
        if cur.type == "call_expression":
            spec = x.spec(cur)
            name = node_text(cur.child_by_field_name("function") or cur)
            if (spec is not None and spec.transparent is not None) or name.startswith("atomic"):
                return True
        cur = cur.parent
    return False
