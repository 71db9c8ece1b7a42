"""Race rules on references: RACE008."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.checks.context import CheckContext
from reviewer.checks.race.rules import report
from reviewer.checks.registry import Scope, rule
from reviewer.model import Finding, Severity


@rule("RACE008", "use-after-dput", Severity.ERROR, Scope.REVISION)
def use_after_dput(ctx: CheckContext) -> Iterator[Finding]:
    """## What it does
    Flags a dentry dereferenced or passed to a function after the `dput()`
    that dropped the reference the code held on it, on the same path and
    without the variable being reassigned in between.

    ## Why is this bad?
    The `dput()` may have dropped the last reference: the dentry can be
    freed (or reused) at once, so any later access reads freed memory.

    ## Example
    ```c
    dput(dentry);
    if (dentry->d_flags & DCACHE_OP_REVALIDATE)
            return 1;
    ```
    Use instead:
    ```c
    unsigned int flags = dentry->d_flags;

    dput(dentry);
    if (flags & DCACHE_OP_REVALIDATE)
            return 1;
    ```

    ## References
    Locking rules brief, fact 5.
    """
    yield from report(ctx, "RACE008")
