"""The kernel API table (kernel_api.toml) loaded into typed specs, merged
with user extensions from the config file, over facts derived from a tree
(treefacts.py) when there is one: derived < shipped table < user config,
key by key."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from reviewer.errors import ConfigError

__all__ = ["FactSource", "FnSpec", "KernelApi", "LockSpec", "default_api", "load_api",
           "table_digest"]

_NO_ARG_KINDS = frozenset({"rcu", "preempt"})
_FLAGS = frozenset({"shared", "dentry", "if-true", "if-false", "if-ok"})
_SECTIONS = ("kinds", "gfp", "fields", "names", "functions")


@dataclass(frozen=True)
class LockSpec:
    """A lock named relative to a call: `spin_lock(&x->d_lock)` -> kind spin, arg 0."""

    kind: str
    arg: int | None
    shared: bool = False
    of_dentry: bool = False  # the argument is a dentry; its inode is locked
    when: bool | None = None  # acquired only when the call returns this truth value
    path: str = ""  # the lock is this field path of the argument: "->i_lock"

    @classmethod
    def parse(cls, text: str, where: str) -> LockSpec:
        parts = [p.strip() for p in text.split(":") if p.strip()]
        if not parts:
            raise ConfigError(f"{where}: empty lock spec")
        kind, arg, flags = parts[0], None, set()
        path = ""
        for p in parts[1:]:
            digits = len(p) - len(p.lstrip("0123456789"))
            if digits and (p[digits:] == "" or p[digits:].startswith(("->", "."))):
                arg, path = int(p[:digits]), p[digits:]
            elif p in _FLAGS:
                flags.add(p)
            else:
                raise ConfigError(f"{where}: unknown lock flag {p!r} in {text!r}")
        if arg is None and kind not in _NO_ARG_KINDS:
            raise ConfigError(f"{where}: lock spec {text!r} needs an argument index")
        # if-ok: held when the returned pointer is not an ERR_PTR (the
        # walker reads `IS_ERR(p)` as p being false)
        when = True if flags & {"if-true", "if-ok"} else False if "if-false" in flags else None
        return cls(kind, arg, "shared" in flags, "dentry" in flags, when, path)


@dataclass(frozen=True)
class FnSpec:
    name: str
    acquires: tuple[LockSpec, ...] = ()
    releases: tuple[LockSpec, ...] = ()
    requires: tuple[LockSpec, ...] = ()
    forbids: tuple[LockSpec, ...] = ()
    takes: tuple[LockSpec, ...] = ()
    asserts: tuple[LockSpec, ...] = ()
    sleeps: bool = False
    gfp_arg: int | None = None
    unhashes: int | None = None
    acts_on: int | None = None
    puts: int | None = None
    returns_ref: bool = False
    parent_arg: int | None = None
    alias_arg: int | None = None
    parent_of_arg: int | None = None
    fresh: bool = False
    publishes: int | None = None
    tests_negative: int | None = None
    tests_positive: int | None = None
    tests_flags_negative: int | None = None
    tests_state: int | None = None
    refcount_of: int | None = None
    inode_of: int | None = None
    transparent: int | None = None
    value_only: bool = False
    noreturn: bool = False
    once: bool = False
    links: int | None = None
    embeds: int | None = None


_LOCK_KEYS = ("acquires", "releases", "requires", "forbids", "takes", "asserts")
_INT_KEYS = ("gfp_arg", "unhashes", "acts_on", "puts", "parent_arg", "alias_arg",
             "parent_of_arg", "publishes", "tests_negative", "tests_positive",
             "tests_flags_negative", "tests_state", "refcount_of", "inode_of", "transparent",
             "links", "embeds")
_BOOL_KEYS = ("sleeps", "returns_ref", "fresh", "value_only", "noreturn", "once")


def _fn_spec(name: str, raw: Mapping[str, Any]) -> FnSpec:
    where = f"race api `{name}`"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table")
    kw: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _LOCK_KEYS:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise ConfigError(f"{where}: `{key}` must be a lock spec or a list of them")
            kw[key] = tuple(LockSpec.parse(v, where) for v in items)
        elif key in _INT_KEYS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where}: `{key}` must be an argument index")
            kw[key] = value
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: `{key}` must be true or false")
            kw[key] = value
        else:
            raise ConfigError(f"{where}: unknown key `{key}`")
    return FnSpec(name=name, **kw)


class FactSource(Protocol):
    def raw(self, name: str) -> Mapping[str, Any] | None:
        """A function's derived entry, in the table's shape, or None."""


@dataclass(frozen=True)
class KernelApi:
    functions: Mapping[str, FnSpec]
    atomic_kinds: frozenset[str]
    nestable_kinds: frozenset[str]
    sleeping_gfp: frozenset[str]
    inode_fields: tuple[str, ...] = ("d_inode",)
    parent_field: str = "d_parent"
    refcount_fields: tuple[str, ...] = ("d_lockref.count",)
    flags_fields: tuple[str, ...] = ("d_flags",)
    d_lock_fields: tuple[str, ...] = ("d_lock",)
    inode_lock_fields: tuple[str, ...] = ("i_rwsem",)
    put_words: frozenset[str] = frozenset()
    get_words: frozenset[str] = frozenset()
    not_refs: tuple[str, ...] = ()
    counter_words: frozenset[str] = frozenset()
    teardown_words: frozenset[str] = frozenset()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    facts: FactSource | None = field(default=None, repr=False, compare=False)
    _seen: dict[str, FnSpec | None] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> FnSpec | None:
        if self.facts is None:
            return self.functions.get(name)
        if name not in self._seen:
            self._seen[name] = self._layered(name, self.facts.raw(name))
        return self._seen[name]

    def _layered(self, name: str, derived: Mapping[str, Any] | None) -> FnSpec | None:
        """The table's (and user's) keys over the derived ones."""
        if not derived:
            return self.functions.get(name)
        try:
            return _fn_spec(name, {**derived, **self.raw.get("functions", {}).get(name, {})})
        except ConfigError:  # a damaged derived entry: the table alone
            return self.functions.get(name)

    def with_facts(self, facts: FactSource) -> KernelApi:
        """This API over `facts` (functions the table does not describe,
        and keys its entries leave out)."""
        return replace(self, facts=facts, _seen={})

    def ref_op(self, name: str, arg_type: str | None = None) -> str | None:
        """"put" or "get" when the kernel's naming says a function the table
        does not list drops or takes a reference on its one argument
        (`btrfs_add_delayed_iput`, `ceph_mdsc_put_request`, `kref_get`).
        Words after the verb name what is put: with the argument's type
        known, they must be in it or its initials (`put_bh(bh)` for a
        `struct buffer_head *`; `ecryptfs_put_lower_file(inode)` puts the
        inode's lower file, not the inode)."""
        if name in self.functions or name.lstrip("_").startswith(self.not_refs) \
                or name.isupper():  # TLV_PUT(): a macro, not a reference
            return None
        words = name.lower().strip("_").split("_")
        if "and" in words:  # `..._unlock_and_put_cached()`: puts something else
            return None
        for op, verbs in (("put", self.put_words), ("get", self.get_words)):
            at = [i for i, w in enumerate(words) if w in verbs]
            if not at:
                continue
            what = words[at[-1] + 1:]
            return op if arg_type is None or set(what) <= _type_words(arg_type) else None
        return None

    def counts_owner(self, name: str, member: str) -> bool:
        """Does a get or put of `name` given a member's address (`&x->member`)
        move x's own reference?  Yes when the name carries a counter word
        (`kref_put`, `put_device`: the member is x's count, its release frees
        x) or names the member after its verb (`nfs4_put_stid(&dp->dl_stid)`:
        the member is the counted object, embedded in x).  Otherwise the member
        only holds references to other objects (`path_put(&x->path)`)."""
        words = name.lower().strip("_").split("_")
        if self.counter_words & set(words):
            return True
        verbs = self.put_words | self.get_words
        at = [i for i, w in enumerate(words) if w in verbs]
        what = words[at[-1] + 1:] if at else []
        return bool(what) and set(what) <= set(member.lower().split("_"))

    def tears_down(self, name: str | None) -> bool:
        """Does the name say the call tears an object down further
        (`device_unregister`, `free_netdev`)?"""
        return bool(self.teardown_words & set((name or "").lower().split("_")))

    def atomic(self, kind: str) -> bool:
        return kind in self.atomic_kinds


def _type_words(arg_type: str) -> set[str]:
    """The words of a type, and their initials as the kernel abbreviates it
    (`struct buffer_head *` -> buffer, head, bh)."""
    words = [w for w in arg_type.replace("*", " ").replace("_", " ").lower().split()
             if w not in ("struct", "const", "union")]
    return {*words, "".join(w[0] for w in words)} if words else set()


def _merge(base: dict[str, Any], ext: Mapping[str, Any]) -> dict[str, Any]:
    """Extensions come either in the file's shape ({"functions": {...}, ...})
    or flat ({"my_helper": {...}}, as `[race.api.my_helper]` gives)."""
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in ext.items():
        if key in _SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(f"race api: `{key}` must be a table")
            section = out.setdefault(key, {})
            for k, v in value.items():
                if key == "functions" and isinstance(v, Mapping) and k in section:
                    section[k] = {**section[k], **v}
                else:
                    section[k] = v
        else:
            fns = out.setdefault("functions", {})
            if not isinstance(value, Mapping):
                raise ConfigError(f"race api: `{key}` must be a table")
            fns[key] = {**fns.get(key, {}), **value}
    return out


def _strs(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _build(data: Mapping[str, Any]) -> KernelApi:
    kinds = data.get("kinds", {})
    fields = data.get("fields", {})
    names = data.get("names", {})
    fns = {name: _fn_spec(name, raw) for name, raw in data.get("functions", {}).items()}
    return KernelApi(
        functions=fns,
        atomic_kinds=frozenset(k for k, v in kinds.items() if v.get("atomic")),
        nestable_kinds=frozenset(k for k, v in kinds.items() if v.get("nestable")),
        sleeping_gfp=frozenset(_strs(data.get("gfp", {}).get("sleeping"), ())),
        inode_fields=_strs(fields.get("inode"), ("d_inode",)),
        parent_field=str(fields.get("parent", "d_parent")),
        refcount_fields=_strs(fields.get("refcount"), ("d_lockref.count",)),
        flags_fields=_strs(fields.get("flags"), ("d_flags",)),
        d_lock_fields=_strs(fields.get("d_lock"), ("d_lock",)),
        inode_lock_fields=_strs(fields.get("inode_lock"), ("i_rwsem",)),
        put_words=frozenset(_strs(names.get("put"), ())),
        get_words=frozenset(_strs(names.get("get"), ())),
        not_refs=_strs(names.get("not_refs"), ()),
        counter_words=frozenset(_strs(names.get("counters"), ())),
        teardown_words=frozenset(_strs(names.get("teardown"), ())),
        raw=data,
    )


def _table_text() -> str:
    return resources.files("reviewer.checks.race").joinpath("kernel_api.toml").read_text()


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return tomllib.loads(_table_text())


@lru_cache(maxsize=1)
def table_digest() -> str:
    """Names the shipped table's content: results derived from it are stale
    once it changes."""
    return hashlib.sha256(_table_text().encode()).hexdigest()[:16]


def load_api(extensions: Mapping[str, Any] | None = None) -> KernelApi:
    """The shipped table, with `extensions` (same shape, or flat per function)
    merged over it: a user's entry for a known function overrides its keys."""
    return _build(_merge(_table(), extensions or {}))


@lru_cache(maxsize=1)
def default_api() -> KernelApi:
    return load_api()
