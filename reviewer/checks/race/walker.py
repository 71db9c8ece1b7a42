"""Path-sensitive walk of one function body: early returns, goto unwinding,
if/else, switch, loops (two iterations) and `*for_each*` macro loops.

States are kept per path (deduplicated, capped), so a lock taken on one arm
and released under the same condition later stays matched."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from reviewer.checks.race.events import Events, Hit
from reviewer.checks.race.exits import Exit, exit_of, report_leaks
from reviewer.checks.race.exprs import args_of, callee_name, unwrap
from reviewer.checks.race.parents import nonnull
from reviewer.checks.race.rcuwalk import rcu_walk_branch
from reviewer.checks.race.signs import narrow_err
from reviewer.checks.race.state import State
from reviewer.cparse import line_of, node_text

__all__ = ["Walker"]

MAX_STATES = 48  # per program point; beyond it extra paths are dropped
_JUMPS = frozenset({"goto_statement", "return_statement", "break_statement",
                    "continue_statement"})
_SKIP = frozenset({"comment", ";", "{", "}", "type_definition", "struct_specifier",
                   "preproc_include", "preproc_def", "preproc_function_def", "preproc_call"})


@dataclass
class _Loop:
    breaks: list[State] = field(default_factory=list)
    continues: list[State] = field(default_factory=list)


def _dedupe(states: Iterable[State]) -> list[State]:
    out: dict[tuple[object, ...], State] = {}
    for s in states:
        kept = out.setdefault(s.signature(), s)
        kept.pos = min(kept.pos, s.pos)  # the earlier position sees more gaps: safer
        if len(out) >= MAX_STATES:
            break
    return list(out.values())


def _end_line(node: Node) -> int:
    return node.end_point.row + 1


def _loop_macro(node: Node) -> bool:
    """`list_for_each_entry(...) {`: a call statement without its `;`."""
    if node.type != "expression_statement" or not node.named_children:
        return False
    call = unwrap(node.named_children[0])
    semi = next((c for c in node.children if c.type == ";"), None)
    name = callee_name(call) if call.type == "call_expression" else None
    return bool(name and "for_each" in name and (semi is None or semi.is_missing))


class Walker:
    """`unseen`: lines of the function the code seen does not show (gaps
    between hunks, synthetic braces); `touched`: lines the change made."""

    def __init__(self, events: Events, body: Node, end_line: int,
                 unseen: Iterable[int] = (), touched: frozenset[int] = frozenset()) -> None:
        self.ev, self.body, self.end_line = events, body, end_line
        self.unseen, self.touched = sorted(unseen), touched
        self._unseen_set = frozenset(self.unseen)
        self.loops: list[_Loop] = []
        self.pending: dict[str, list[State]] = {}  # forward gotos by label
        self.seen_labels: set[str] = set()
        self.exits: list[Exit] = []

    def exit(self, states: list[State], line: int, value: Node | None = None) -> None:
        self.exits.extend(exit_of(self.ev, s, line, value) for s in states)

    def run(self, init: State) -> dict[tuple[str, int, str], Hit]:
        start = line_of(self.body.parent) if self.body.parent is not None else line_of(self.body)
        init.pos = start - 1
        out = self.exec(self.body, self.advance([init], line_of(self.body)))
        self.exit(self.advance(out, self.end_line), self.end_line)
        # gotos to labels we never saw (cut off by the hunk): no lock verdict
        report_leaks(self.ev, self.exits, bool(self.unseen))
        self.ev.unseen_joins(self.pending)
        self.ev.unjudged(self.seen_labels)
        return self.ev.ctx.hits

    def _gap(self, after: int, upto: int) -> bool:
        """Does the path skip lines we cannot see, going from `after` to `upto`?"""
        i = bisect_right(self.unseen, after)
        return i < len(self.unseen) and self.unseen[i] <= upto

    def advance(self, states: list[State], line: int) -> list[State]:
        """The paths reach `line`: crossing unseen lines makes them unknown."""
        out = []
        for s in states:
            s2 = s.copy()
            if line > s.pos and self._gap(s.pos, line):
                s2.fog()
            if line in self.touched:
                s2.trail = line
            s2.pos = line
            out.append(s2)
        return out

    def _landed(self, states: list[State], line: int) -> list[State]:
        """Paths that jumped (goto, break, the end of an arm) to `line`:
        the lines in between did not run on them.  A statement that ends on
        a line we cannot see (a brace added to close a cut-off hunk) really
        ends somewhere unseen, with unseen code after it: unknown."""
        unseen = line in self._unseen_set
        for s in states:
            s.pos = max(s.pos, line)
            if unseen:
                s.fog()
        return states

    # --- statements ----------------------------------------------------------------
    def exec(self, node: Node, states: list[State]) -> list[State]:
        if not states:
            return []
        t = node.type
        if t in _SKIP:
            return states
        if t == "compound_statement":
            states = self.seq(node.named_children, states)
            close = node.children[-1] if node.children else None
            if close is not None and close.type == "}" and not close.is_missing:
                states = self.advance(states, _end_line(node))
            return states
        if t in ("ERROR", "translation_unit"):
            return self.seq(node.named_children, states)
        if t not in ("labeled_statement", "case_statement", "attributed_statement"):
            states = self.advance(states, line_of(node))
        if t == "expression_statement":
            if not node.named_children:
                return states
            expr = node.named_children[0]
            states = self.expr(expr, states)
            if expr.type == "call_expression" and (spec := self.ev.x.spec(expr)) is not None \
                    and spec.noreturn:
                return []  # BUG(), panic(): this path ends here
            return states
        if t == "declaration":
            return self.declaration(node, states)
        if t == "if_statement":
            return self.if_(node, states)
        if t in ("while_statement", "for_statement", "do_statement"):
            return self.loop(node, states)
        if t == "switch_statement":
            return self.switch(node, states)
        if t == "labeled_statement":
            label = node.child_by_field_name("label")
            name = node_text(label) if label is not None else ""
            self.seen_labels.add(name)
            jumped = self._landed(self.pending.pop(name, []), line_of(node))
            states = _dedupe(self.advance(states, line_of(node)) + jumped)
            inner = [c for c in node.named_children if c != label]
            return self.seq(inner, states)
        if t == "goto_statement":
            label = node.child_by_field_name("label")
            name = node_text(label) if label is not None else ""
            self.ev.jump_after_release(line_of(node), name, states)
            if name not in self.seen_labels:  # backward gotos retry: walked once already
                self.pending.setdefault(name, []).extend(states)
            return []
        if t == "return_statement":
            value = node.named_children[0] if node.named_children else None
            if value is not None:
                states = self.expr(value, states)
            self.ev.jump_after_release(line_of(node), None, states)
            self.exit(states, line_of(node), value)
            return []
        if t in ("break_statement", "continue_statement"):
            if self.loops:
                loop = self.loops[-1]
                (loop.breaks if t == "break_statement" else loop.continues).extend(states)
            return []
        if t in ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else"):
            return self.preproc(node, states)
        if t in ("case_statement", "attributed_statement"):
            value = node.child_by_field_name("value")
            return self.seq([c for c in node.named_children if c != value], states)
        if t.endswith("_expression") or t == "identifier":
            return self.expr(node, states)
        return states

    def seq(self, nodes: Sequence[Node], states: list[State]) -> list[State]:
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if _loop_macro(node) and i + 1 < len(nodes):
                call = unwrap(node.named_children[0])
                states = self.expr(call, states)
                cursors = [node_text(a) for a in args_of(call)[:2] if a.type == "identifier"]
                states = self.loop_body(None, nodes[i + 1], None, states, cursors=cursors)
                i += 2
                continue
            if not states and node.type != "labeled_statement":
                i += 1  # unreachable until a label collects gotos
                continue
            before = states
            states = self.exec(node, states)
            if node.type in _JUMPS and line_of(node) - 1 in self._unseen_set:
                # `goto err;` right after lines we cannot see may be the body
                # of an `if` there: the paths may go on past it, unknown.
                states = _dedupe(states + self._fogged(before))
            i += 1
        return states

    @staticmethod
    def _fogged(states: list[State]) -> list[State]:
        out = [s.copy() for s in states]
        for s in out:
            s.fog()
        return out

    def expr(self, node: Node, states: list[State]) -> list[State]:
        out = []
        for s in states:
            s2 = s.copy()
            self.ev.visit(node, s2, states)
            out.append(s2)
        return _dedupe(out)

    def declaration(self, node: Node, states: list[State]) -> list[State]:
        for d in node.children_by_field_name("declarator"):
            value = d.child_by_field_name("value") if d.type == "init_declarator" else None
            name_node = d.child_by_field_name("declarator") if value is not None else d
            while name_node is not None and name_node.type != "identifier":
                name_node = name_node.child_by_field_name("declarator")
            out = []
            for s in states:
                s2 = s.copy()
                if value is not None:
                    self.ev.visit(value, s2, states)
                if name_node is not None:
                    self.ev.bind(node_text(name_node), value, s2, line_of(d), declared=True)
                out.append(s2)
            states = _dedupe(out)
        return states

    def branch(self, cond: Node | None, states: list[State], yes: Node | None = None,
               no: Node | None = None) -> tuple[list[State], list[State]]:
        """Split on `cond`; `yes` / `no` are the statements each outcome governs."""
        if cond is None:
            return states, [s.copy() for s in states]
        arms: tuple[list[State], list[State]] = ([], [])
        x = self.ev.x
        scopes = {want: (n.start_byte, n.end_byte) if n is not None else (0, 0)
                  for want, n in ((True, yes), (False, no))}
        for s in states:
            value = x.truth(cond, s)
            for want, arm in ((True, arms[0]), (False, arms[1])):
                if value is not None and value != want:
                    continue
                s2 = s.copy()
                facts = x.facts(cond, want, s, scopes[want])
                s2.add_facts([replace(f, blind=True) if self.ev.blind(f.subject, s) else f
                              for f in facts])
                x.record_truth(cond, want, s2)
                narrow_err(unwrap(cond), want, s2)
                s2.nonnull = s2.nonnull | nonnull(x, cond, want, s)
                if (walk := rcu_walk_branch(cond, want)) is not None:
                    s2.rcu_walk = walk
                for call, ls in x.cond_acquires(cond, want, s):
                    self.ev.acquire(ls, args_of(call), s2, line_of(call), node_text(call))
                self._pending(cond, want, s2)
                arm.append(s2)
        return _dedupe(arms[0]), _dedupe(arms[1])

    def _pending(self, cond: Node, want: bool, st: State) -> None:
        """`ret = mutex_lock_interruptible(&m); if (ret) ...`: held on one arm
        (`IS_ERR(p)` says p is not a result: false)."""
        node, value = unwrap(cond), want
        while node.type == "unary_expression" and node_text(node.children[0]) == "!":
            arg = node.child_by_field_name("argument")
            if arg is None:
                return
            node, value = unwrap(arg), not value
        if node.type == "call_expression" and callee_name(node) in ("IS_ERR", "IS_ERR_OR_NULL") \
                and len(args_of(node)) == 1:
            node, value = unwrap(args_of(node)[0]), not value
        if node.type == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node_text(node.child_by_field_name("operator") or node)
            if left is None or right is None or op not in ("==", "!=", "<"):
                return
            if op != "<" and node_text(unwrap(right)) in ("0", "NULL", "false"):
                value = value != (op == "==")  # `ret == 0`: ret is false
            elif not value:
                return  # `ret != -EINTR` false says little
            node, value = unwrap(left), True  # `ret < 0`, `ret == -EINTR`: ret is set
        name = node_text(node)
        if node.type == "identifier" and name in st.pending:
            held, when = st.pending.pop(name)
            if value == when and st.held(held.key) is None:
                st.add_lock(held)

    def if_(self, node: Node, states: list[State]) -> list[State]:
        cond = node.child_by_field_name("condition")
        if cond is not None:
            if states and self.ev.ctx.dropped_tests:
                self.ev.recheck(cond, states[0], line_of(cond))
            states = self.expr(cond, states)
        body = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        yes, no = self.branch(cond, states, body, alt)
        yes = self.exec(body, yes) if body is not None else yes
        if alt is not None:
            inner = [c for c in alt.named_children] if alt.type == "else_clause" else [alt]
            no = self.seq(inner, no)
        return _dedupe(self._landed(yes + no, _end_line(node)))

    def loop(self, node: Node, states: list[State]) -> list[State]:
        return _dedupe(self._landed(self._loop(node, states), _end_line(node)))

    def _loop(self, node: Node, states: list[State]) -> list[State]:
        body = node.child_by_field_name("body")
        cond = node.child_by_field_name("condition")
        if node.type == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None:
                states = self.exec(init, states)
            update = node.child_by_field_name("update")
            return self.loop_body(cond, body, update, states, for_loop=True)
        if node.type == "do_statement":
            self.loops.append(_Loop())
            first = self.exec(body, states) if body is not None else states
            loop = self.loops.pop()
            first = _dedupe(first + loop.continues)
            if cond is not None:
                first = self.expr(cond, first)
            again, out = self.branch(cond, first, body)
            if again:
                out += self.loop_body(cond, body, None, again)
            return _dedupe(out + loop.breaks)
        return self.loop_body(cond, body, None, states)

    def loop_body(self, cond: Node | None, body: Node | None, update: Node | None,
                  states: list[State], for_loop: bool = False,
                  cursors: Sequence[str] = ()) -> list[State]:
        """Two iterations; `for (;;)` and `while (1)` leave only by break/return.
        `cursors`: variables a `*for_each*` macro sets on every iteration."""
        self.loops.append(_Loop())
        out: list[State] = []
        cur = states
        for _ in range(2):
            if not cur:
                break
            if cond is not None:
                cur = self.expr(cond, cur)
            go, leave = self.branch(cond, cur, body)
            for s in go:
                for var in cursors:
                    s.assign(var, line_of(body) if body is not None else 0)
            if cond is None and for_loop:
                leave = []
            out += leave
            cur = self.exec(body, go) if body is not None else go
            cur = _dedupe(cur + self.loops[-1].continues)
            self.loops[-1].continues = []
            if update is not None:
                cur = self.expr(update, cur)
        if cur and not (cond is None and for_loop):
            out += self.branch(cond, cur)[1] if cond is not None else cur
        loop = self.loops.pop()
        return _dedupe(out + loop.breaks)

    def switch(self, node: Node, states: list[State]) -> list[State]:
        cond = node.child_by_field_name("condition")
        if cond is not None:
            states = self.expr(cond, states)
        body = node.child_by_field_name("body")
        cases = [c for c in body.named_children if c.type == "case_statement"] if body else []
        self.loops.append(_Loop())  # `break` leaves the switch
        fall: list[State] = []
        has_default = False
        for case in cases:
            has_default |= case.child_by_field_name("value") is None
            value = case.child_by_field_name("value")
            stmts = [c for c in case.named_children if c != value]
            fall = self.seq(stmts, _dedupe(states + fall))
        loop = self.loops.pop()
        out = fall + loop.breaks + ([] if has_default else states)
        return _dedupe(self._landed(out, _end_line(node)))

    def preproc(self, node: Node, states: list[State]) -> list[State]:
        alt = node.child_by_field_name("alternative")
        skip = {c for c in (alt, node.child_by_field_name("condition"),
                            node.child_by_field_name("name")) if c is not None}
        yes = self.seq([c for c in node.named_children if c not in skip], states)
        no = self.exec(alt, states) if alt is not None else states
        return _dedupe(self._landed(yes + no, _end_line(node)))
