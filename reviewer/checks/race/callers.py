"""Caller context: a static function whose every caller in the file holds a
lock when calling it runs with that lock (a `d_flags` write in a helper only
called under `d_lock` is correct; a sleep in a helper only called under
`rcu_read_lock()` is not).  A caller that is itself such a helper is walked
with its own callers' locks, up to MAX_DEPTH calls up: `find()` takes the
RCU read lock and calls `match()`, which calls `read_xattr()`.

Only for a file read whole (tree level): a hunk never shows every caller.
A function whose address is taken (an operations table, a callback) can be
called from anywhere, so it gets no caller context."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from reviewer.checks.race.api import KernelApi
from reviewer.checks.race.events import Events
from reviewer.checks.race.state import Held, LockKey, State, root_of
from reviewer.checks.race.summary import Summaries, function_context
from reviewer.checks.race.walker import Walker
from reviewer.cparse import descendants, function_name, node_text, param_names

__all__ = ["MAX_DEPTH", "CallerContext"]

# How many static callers up the locks are followed.  A chain of helpers
# longer than this mostly has a caller with its address taken on the way.
MAX_DEPTH = 3


def _is_static(node: Node) -> bool:
    return any(c.type == "storage_class_specifier" and node_text(c) == "static"
               for c in node.children)


def _enclosing(node: Node) -> Node | None:
    cur = node.parent
    while cur is not None and cur.type != "function_definition":
        cur = cur.parent
    return cur


class CallerContext:
    """`skip`: lines whose calls do not count (the calls a revision adds:
    what the helpers ran with before it).  `like`: the same file's context
    counting every call; a caller entered with the same locks in both walks
    the same way, so its walk there is reused instead of repeated."""

    def __init__(self, root: Node, fns: dict[str, Node], api: KernelApi,
                 summaries: Summaries, skip: frozenset[int] = frozenset(),
                 like: CallerContext | None = None) -> None:
        self.root, self.fns, self.api, self.summaries = root, fns, api, summaries
        self.skip, self.like = skip, like
        self.done: dict[str, dict[LockKey, str]] = {}
        self._names: dict[str, list[Node]] | None = None  # identifier -> its uses
        self._walked: dict[str, dict[str, list[frozenset[LockKey]]]] = {}  # per caller

    def held(self, name: str, depth: int = 0) -> dict[LockKey, str]:
        """Locks every caller of `name` holds at every call (in its own
        parameter names), with the callers' names for messages."""
        if name not in self.done:
            self.done[name] = {}  # a recursive call chain ends here, holding nothing
            self.done[name] = self._held(name, depth)
        return self.done[name]

    def _held(self, name: str, depth: int) -> dict[LockKey, str]:
        node = self.fns.get(name)
        if node is None or not _is_static(node):
            return {}
        if self._names is None:  # one pass over the file for every function asked
            self._names = {}
            for ident in descendants(self.root, ("identifier",)):
                self._names.setdefault(node_text(ident), []).append(ident)
        callers: dict[str, Node] = {}
        for ident in self._names.get(name, []):
            parent = ident.parent
            if parent is not None and parent.type == "function_declarator":
                continue  # the definition or a prototype
            if ident.start_point.row + 1 in self.skip:
                continue  # a use that does not count
            if parent is None or parent.type != "call_expression" \
                    or parent.child_by_field_name("function") != ident:
                return {}  # its address is taken: anyone may call it
            caller = _enclosing(parent)
            caller_name = function_name(caller) if caller is not None else None
            if caller is None or caller_name is None or caller_name == name:
                return {}
            callers[caller_name] = caller
        if not callers:
            return {}
        common: set[LockKey] | None = None
        for caller_name, caller in callers.items():
            for held in self._at_calls(caller_name, caller, depth).get(name, [frozenset()]):
                common = set(held) if common is None else common & held
        return {k: ", ".join(sorted(callers)) for k in common or ()}

    def _at_calls(self, caller_name: str, caller: Node,
                  depth: int) -> dict[str, list[frozenset[LockKey]]]:
        """What `caller` holds at each call of each static function of the
        file, in the callee's names (one walk of the caller for them all),
        starting from what its own callers hold."""
        if caller_name in self._walked:
            return self._walked[caller_name]
        if self.like is not None and (depth >= MAX_DEPTH or set(self.held(caller_name, depth + 1))
                                      == set(self.like.held(caller_name, depth + 1))):
            self._walked[caller_name] = self.like._at_calls(caller_name, caller, depth)
            return self._walked[caller_name]
        seen: dict[str, list[frozenset[LockKey]]] = {}
        self._walked[caller_name] = seen
        body = caller.child_by_field_name("body")
        if body is None:
            return seen
        ctx, init = function_context(caller_name, caller, body, self.api, self.summaries.get)
        ctx.callee_releases = self.summaries.get
        if depth < MAX_DEPTH:
            self.enter(caller_name, ctx.entry_keys, init, depth + 1)
        events = Events(self.api, ctx)

        def record(name: str, args: list[Node], st: State) -> None:
            callee = self.fns.get(name)
            if callee is None or not _is_static(callee):
                return
            canon = [events.x.canon(a, st).lstrip("&") for a in args]
            sure = [h for h in st.locks if not (h.line == 0 and h.key in ctx.inferred_keys)]
            seen.setdefault(name, []).append(frozenset(_translate(
                sure, canon, param_names(callee), ctx.dentry_params, self.api.parent_field)))

        ctx.call_hook = record
        Walker(events, body, caller.end_point.row + 1).run(init)
        return seen

    def enter(self, name: str, entry_keys: set[LockKey], init: State, depth: int = 0) -> None:
        """Start `name`'s walk holding what every caller holds."""
        for key, who in self.held(name, depth).items():
            if init.held(key) is None:
                entry_keys.add(key)
                init.add_lock(Held(key, 0, False, self.api.atomic(key[0]),
                                   f"every caller ({who})"))


def _translate(held: list[Held], args: list[str], params: list[str | None],
               op_dentries: set[str], parent_field: str) -> Iterator[LockKey]:
    """The caller's locks (not those it only guesses it holds), named as the
    callee sees them: a lock on an argument's object, one with no object
    (RCU, preemption), and the directory lock the VFS holds around an inode
    operation, as the parent's lock of the operation's dentry passed on."""
    for h in held:
        kind, subj = h.key
        if not subj:
            yield h.key
            continue
        if subj.startswith("?"):
            for arg, param in zip(args, params, strict=False):
                if param is not None and arg in op_dentries:
                    yield ("inode", f"{param}->{parent_field}->d_inode")
            continue
        for arg, param in zip(args, params, strict=False):
            if param is None or not arg or root_of(arg) != root_of(subj):
                continue
            rest = subj[len(arg):]
            if subj.startswith(arg) and (not rest or rest.startswith(("->", "."))):
                yield (kind, param + rest)
