"""Path-sensitive walk of one function body: early returns, goto unwinding,
if/else, switch, loops (two iterations) and `*for_each*` macro loops.

States are kept per path (deduplicated, capped), so a lock taken on one arm
and released under the same condition later stays matched."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from reviewer.checks.race.events import Events, Hit
from reviewer.checks.race.exprs import args_of, callee_name, unwrap
from reviewer.checks.race.state import Held, State
from reviewer.cparse import line_of, node_text

__all__ = ["Walker"]

MAX_STATES = 48  # per program point; beyond it extra paths are dropped
_SKIP = frozenset({"comment", ";", "{", "}", "type_definition", "struct_specifier",
                   "preproc_include", "preproc_def", "preproc_function_def", "preproc_call"})


@dataclass
class _Loop:
    breaks: list[State] = field(default_factory=list)
    continues: list[State] = field(default_factory=list)


def _dedupe(states: Iterable[State]) -> list[State]:
    out: dict[tuple[object, ...], State] = {}
    for s in states:
        out.setdefault(s.signature(), s)
        if len(out) >= MAX_STATES:
            break
    return list(out.values())


def _loop_macro(node: Node) -> bool:
    """`list_for_each_entry(...) {`: a call statement without its `;`."""
    if node.type != "expression_statement" or not node.named_children:
        return False
    call = unwrap(node.named_children[0])
    semi = next((c for c in node.children if c.type == ";"), None)
    name = callee_name(call) if call.type == "call_expression" else None
    return bool(name and "for_each" in name and (semi is None or semi.is_missing))


class Walker:
    def __init__(self, events: Events, body: Node, end_line: int) -> None:
        self.ev, self.body, self.end_line = events, body, end_line
        self.loops: list[_Loop] = []
        self.pending: dict[str, list[State]] = {}  # forward gotos by label
        self.seen_labels: set[str] = set()

    def run(self, init: State) -> dict[tuple[str, int, str], Hit]:
        out = self.exec(self.body, [init])
        self.exit(out, self.end_line)
        # gotos to labels we never saw (cut off by the hunk): no lock verdict
        return self.ev.ctx.hits

    # --- statements ----------------------------------------------------------------
    def exec(self, node: Node, states: list[State]) -> list[State]:
        if not states:
            return []
        t = node.type
        if t in _SKIP:
            return states
        if t in ("compound_statement", "ERROR", "translation_unit"):
            return self.seq(node.named_children, states)
        if t == "expression_statement":
            return self.expr(node.named_children[0], states) if node.named_children else states
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
            states = _dedupe(states + self.pending.pop(name, []))
            inner = [c for c in node.named_children if c is not label]
            return self.seq(inner, states)
        if t == "goto_statement":
            label = node.child_by_field_name("label")
            name = node_text(label) if label is not None else ""
            if name not in self.seen_labels:  # backward gotos retry: walked once already
                self.pending.setdefault(name, []).extend(states)
            return []
        if t == "return_statement":
            if node.named_children:
                states = self.expr(node.named_children[0], states)
            self.exit(states, line_of(node))
            return []
        if t in ("break_statement", "continue_statement"):
            if self.loops:
                loop = self.loops[-1]
                (loop.breaks if t == "break_statement" else loop.continues).extend(states)
            return []
        if t in ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else"):
            return self.preproc(node, states)
        if t in ("case_statement", "attributed_statement"):
            return self.seq(node.named_children[1:] if t == "case_statement" else
                            node.named_children, states)
        if t.endswith("_expression") or t == "identifier":
            return self.expr(node, states)
        return states

    def seq(self, nodes: Sequence[Node], states: list[State]) -> list[State]:
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if _loop_macro(node) and i + 1 < len(nodes):
                states = self.expr(node.named_children[0], states)
                states = self.loop_body(None, nodes[i + 1], None, states)
                i += 2
                continue
            if not states and node.type != "labeled_statement":
                i += 1  # unreachable until a label collects gotos
                continue
            states = self.exec(node, states)
            i += 1
        return states

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
                    self.ev.bind(node_text(name_node), value, s2, line_of(d))
                out.append(s2)
            states = _dedupe(out)
        return states

    def branch(self, cond: Node | None, states: list[State]) -> tuple[list[State], list[State]]:
        if cond is None:
            return states, list(states)
        arms: tuple[list[State], list[State]] = ([], [])
        x = self.ev.x
        for s in states:
            value = x.truth(cond, s)
            for want, arm in ((True, arms[0]), (False, arms[1])):
                if value is not None and value != want:
                    continue
                s2 = s.copy()
                s2.add_facts(x.facts(cond, want, s))
                x.record_truth(cond, want, s2)
                for call, ls in x.cond_acquires(cond, want, s):
                    self.ev.acquire(ls, args_of(call), s2, line_of(call), node_text(call))
                self._pending(cond, want, s2)
                arm.append(s2)
        return _dedupe(arms[0]), _dedupe(arms[1])

    def _pending(self, cond: Node, want: bool, st: State) -> None:
        """`ret = mutex_lock_interruptible(&m); if (ret) ...`: held on one arm."""
        node, value = unwrap(cond), want
        while node.type == "unary_expression" and node_text(node.children[0]) == "!":
            arg = node.child_by_field_name("argument")
            if arg is None:
                return
            node, value = unwrap(arg), not value
        if node.type == "binary_expression":
            left = node.child_by_field_name("left")
            op = node_text(node.child_by_field_name("operator") or node)
            if left is None or op not in ("==", "!=", "<"):
                return
            node, value = unwrap(left), value != (op == "==")
        name = node_text(node)
        if node.type == "identifier" and name in st.pending:
            held, when = st.pending.pop(name)
            if value == when and st.held(held.key) is None:
                st.add_lock(held)

    def if_(self, node: Node, states: list[State]) -> list[State]:
        cond = node.child_by_field_name("condition")
        if cond is not None:
            states = self.expr(cond, states)
        yes, no = self.branch(cond, states)
        body = node.child_by_field_name("consequence")
        yes = self.exec(body, yes) if body is not None else yes
        alt = node.child_by_field_name("alternative")
        if alt is not None:
            inner = [c for c in alt.named_children] if alt.type == "else_clause" else [alt]
            no = self.seq(inner, no)
        return _dedupe(yes + no)

    def loop(self, node: Node, states: list[State]) -> list[State]:
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
            again, out = self.branch(cond, first)
            if again:
                out += self.loop_body(cond, body, None, again)
            return _dedupe(out + loop.breaks)
        return self.loop_body(cond, body, None, states)

    def loop_body(self, cond: Node | None, body: Node | None, update: Node | None,
                  states: list[State], for_loop: bool = False) -> list[State]:
        """Two iterations; `for (;;)` and `while (1)` leave only by break/return."""
        self.loops.append(_Loop())
        out: list[State] = []
        cur = states
        for _ in range(2):
            if not cur:
                break
            if cond is not None:
                cur = self.expr(cond, cur)
            go, leave = self.branch(cond, cur)
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
            stmts = [c for c in case.named_children if c is not value]
            fall = self.seq(stmts, _dedupe(states + fall))
        loop = self.loops.pop()
        out = fall + loop.breaks + ([] if has_default else states)
        return _dedupe(out)

    def preproc(self, node: Node, states: list[State]) -> list[State]:
        alt = node.child_by_field_name("alternative")
        skip = {id(c) for c in (alt, node.child_by_field_name("condition"),
                                node.child_by_field_name("name")) if c is not None}
        yes = self.seq([c for c in node.named_children if id(c) not in skip], states)
        no = self.exec(alt, states) if alt is not None else states
        return _dedupe(yes + no)

    # --- leaving the function ---------------------------------------------------------
    def exit(self, states: list[State], line: int) -> None:
        ctx = self.ev.ctx
        if ctx.returns_locked or not ctx.complete:
            return
        for s in states:
            for h in s.locks:
                if h.line > 0:
                    self._leak(h, line)

    def _leak(self, h: Held, line: int) -> None:
        self.ev.ctx.hit(Hit("RACE006", line, h.key[1],
                            f"{h.how} at line {h.line} is still held when the function "
                            f"returns at line {line}", (h.line,)))
