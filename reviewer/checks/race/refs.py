"""RACE008: an object used after the put that dropped the reference held on
it, directly or through a pointer read from it before the put; RACE011: a
reference taken only after dropping the lock that kept the object alive;
RACE015: a field left pointing at what was put, where the code it replaces
cleared it; RACE016: an object linked into a list without the reference the
replaced code took for it."""

from __future__ import annotations

from tree_sitter import Node

from reviewer.checks.race.api import FnSpec, KernelApi
from reviewer.checks.race.exprs import Exprs, args_of, compact, unwrap
from reviewer.checks.race.hits import FnContext, Hit
from reviewer.checks.race.removed import NEAR
from reviewer.checks.race.state import Inst, State, root_of
from reviewer.cparse import node_text

__all__ = ["RefChecks"]


class RefChecks:
    api: KernelApi
    ctx: FnContext
    x: Exprs
    tearing: bool

    def use_after_put(self, node: Node, st: State, line: int) -> None:
        if self.tearing:  # `put_device(&m->dev); device_unregister(&m->dev);`
            return
        subj = self.x.canon(node, st, ref=True)
        put = st.put.get(subj)
        if put is not None and put[0] != line:
            what = "freed it" if "free" in put[1] else "dropped the reference held on it"
            self.ctx.hit(Hit("RACE008", line, subj, f"{compact(node)} is used after "
                             f"{put[1]}() at line {put[0]} {what}", (put[0],)))
            return
        read = st.derived.get(subj)
        gone = st.put.get(read[0]) if read is not None else None
        if read is not None and gone is not None and gone[0] > read[1] and gone[0] != line:
            self.ctx.hit(Hit("RACE008", line, subj,
                             f"{compact(node)}, which lives only as long as {read[0]} (line "
                             f"{read[1]}), is used after {gone[1]}() at line {gone[0]} "
                             f"dropped the reference held on {read[0]}", (gone[0], read[1])))

    def ref_by_name(self, name: str | None, args: list[Node]) -> str | None:
        """"put" / "get" for a function the table does not list, by its name
        and its one argument's declared type.  Facts derived from a tree do
        not silence the name: a put they do not prove on every path (or one
        through a counter they do not read as a reference) is still a put."""
        if not name or len(args) != 1 or name in self.api.functions:
            return None
        arg = unwrap(args[0])
        typed = self.ctx.var_types.get(node_text(arg)) if arg.type == "identifier" else None
        return self.api.ref_op(name, typed)

    def ref_call(self, call: Node, name: str, spec: FnSpec | None, args: list[Node],
                 st: State, line: int, discarded: bool) -> None:
        """Puts and gets: the table's, or the kernel's naming for the rest."""
        # By name only with one argument: `put_data_header(sctx, len)` writes data
        op = self.ref_by_name(name, args)
        puts = spec.puts if spec is not None and spec.puts is not None else \
            0 if op == "put" else None
        if puts is not None and puts < len(args):
            subj = self.ref_target(args[puts], name, st)
            self.put_field(args[puts], call, name, line)
            if st.extra.get(subj, 0) > 0:  # drops the reference this function took
                st.extra[subj] -= 1
            else:
                st.put[subj] = (line, name)
        gets = spec.alias_arg if spec is not None and spec.returns_ref else \
            0 if op == "get" else None
        if gets is not None or (spec is None and self.api.ref_op(name) == "get"):
            self.ctx.got_lines.add(line)  # by name alone, as the removed lines are read
        if gets is not None and gets < len(args):
            self._late_get(self._counted(args[gets], name), st, line, name)
        if discarded and gets is not None and gets < len(args):  # `dget(d);`: one more
            subj = self.ref_target(args[gets], name, st)
            st.extra[subj] = st.extra.get(subj, 0) + 1

    def ref_target(self, arg: Node, name: str, st: State) -> str:
        """The object whose reference a get or put of `name` moves."""
        return self.x.canon(self._counted(arg, name), st, ref=True)

    def _counted(self, arg: Node, name: str) -> Node:
        """x for a member's address `&x->m` when the member counts x's
        references (KernelApi.counts_owner), else the argument itself."""
        a = unwrap(arg)
        member = a.child_by_field_name("argument") if a.type == "pointer_expression" \
            and a.children and a.children[0].type == "&" else None
        member = unwrap(member) if member is not None else None
        if member is not None and member.type == "field_expression" \
                and node_text(member.child_by_field_name("operator") or member) == "->":
            base, field = member.child_by_field_name("argument"), \
                member.child_by_field_name("field")
            if base is not None and field is not None \
                    and self.api.counts_owner(name, node_text(field)):
                return base
        return arg

    def link_without_ref(self, call: Node, spec: FnSpec, args: list[Node], line: int) -> None:
        """RACE016: an object linked into a list right where the replaced
        code took a reference on it first, with no reference taken now."""
        if spec.links is None or spec.links >= len(args):
            return
        for anchor, gets in self.ctx.dropped_gets.items():
            # the removed get stood just before this call (its `if` may be rewritten)
            if anchor < line <= anchor + NEAR and not any(
                    anchor - NEAR <= n <= line for n in self.ctx.got_lines):
                self.ctx.hit(Hit("RACE016", line, compact(args[spec.links]),
                                 f"{compact(call)} links an object that no longer holds the "
                                 f"reference the code this replaces took first "
                                 f"({', '.join(gets)}): whoever walks the list may use it "
                                 "after its last reference is dropped", (anchor, anchor + 1)))
                return

    def _late_get(self, target: Node, st: State, line: int, name: str) -> None:
        """RACE011: a reference taken on a pointer read under a lock, after
        that lock was dropped: the object may be gone by then.  Found under
        the RCU read lock alone (which keeps the memory, not the object) and
        then locked itself (`spin_lock(&d->d_lock)`), the object was kept
        alive by its own lock: a reference taken after that is late too."""
        target = unwrap(target)
        var = node_text(target) if target.type == "identifier" else ""
        if not var or var in st.owned or st.extra.get(var, 0):
            return
        born = st.born.get(var, frozenset())
        gone = sorted(inst for inst in born if not st.still_held(inst))
        if not gone and all(key[0] == "rcu" for key, _ in born):
            own = self._own_lock_dropped(self.x.canon(target, st), st)
            # found where we cannot see: the replaced code took the reference
            # just before that release, so it was what kept var alive
            gone = own if born else [] if var in self.ctx.params else [
                inst for inst in own if self._got_before(var, st.released[inst[0]])]
        if not gone:
            return
        key, taken = gone[0]
        dropped = st.released.get(key)
        when = f" at line {dropped}" if dropped else ""
        since = f" (taken at line {taken})" if taken else ""
        self.ctx.hit(Hit("RACE011", line, var,
                         f"{name}({var}) takes a reference only after {self.x.describe(key)}"
                         f"{when} was released, the lock that kept {var} alive{since}: it "
                         "may already be freed; take the reference before unlocking "
                         "(dget_dlock() under d_lock)",
                         tuple(n for n in (dropped, taken) if n)))

    def _got_before(self, var: str, released: int) -> bool:
        """Did the removed lines take a reference on var just before the
        release at line `released`?"""
        return any(released - NEAR <= anchor < released and var in objects
                   for anchor, objects in self.ctx.got_objects.items())

    @staticmethod
    def _own_lock_dropped(obj: str, st: State) -> list[Inst]:
        """The object's own lock (`obj` or one field of it), released on this
        path and not held now."""
        return sorted((key, 0) for key in st.released if st.held(key) is None and (
            key[1] == obj or (key[1].startswith(f"{obj}->")
                              and root_of(key[1][len(obj) + 2:]) == key[1][len(obj) + 2:])))

    def bind_derived(self, var: str, value: Node, st: State, line: int,
                     owns: bool) -> None:
        """`dir = d_inode(parent)`: a dentry holds a reference on its inode and
        on its parent, so dir lives only as long as our reference on parent.
        (Other fields may point at objects that outlive the one put.)  And
        `x = container_of(m, T, f)`: m is embedded in x, so lives as long."""
        v = unwrap(value)
        if owns or v.type == "identifier":
            return
        spec = self.x.spec(v) if v.type == "call_expression" else None
        args = args_of(v) if spec is not None and spec.embeds is not None else []
        if spec is not None and spec.embeds is not None and spec.embeds < len(args):
            inner = unwrap(args[spec.embeds])
            if inner.type == "identifier" and node_text(inner) != var:
                st.derived[node_text(inner)] = (var, line)
            return
        via = self.x.canon(v, st, ref=True)
        source = root_of(via)
        pinned = (*self.api.inode_fields, self.api.parent_field)
        if source and source != var and via in {f"{source}->{f}" for f in pinned}:
            st.derived[var] = (source, line)

    def put_field(self, arg: Node, call: Node, name: str, line: int) -> None:
        """RACE015: the patch removes the clearing of a field after its put."""
        end = call.end_point.row + 1
        if compact(arg, 200) in self.ctx.cleared.get(end, ()):
            self.ctx.hit(Hit("RACE015", line, compact(arg, 200),
                             f"{compact(arg)} keeps pointing at the object {name}() dropped: "
                             f"the patch removes `{compact(arg)} = NULL` after the put, so a "
                             "later put or use of the field is a use after free"))
