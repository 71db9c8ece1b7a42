# ruff: noqa: E101  (quoted C lines keep kernel indentation: tabs, then spaces)
"""Review replies of the sample thread, in the order they were sent.

`parent` is "v<N>/<k>" (mail k of revision N, 0 being a cover letter) or
the key of another reply.  Lines starting with "> " quote the parent
word for word (tests/core/test_sample.py checks it); the reviewer's
comment follows the quoted lines.  The points raised follow the review of
the 2020 thread the sample is modelled on, in our own words.
"""

from datetime import datetime

from samples.series import ALAN, ANIKA, AUTHOR, DANA, IVO, MAREK, Person, Reply


def _reply(
    key: str, parent: str, who: Person, when: str, body: str, extra_cc: tuple[str, ...] = ()
) -> Reply:
    date = datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=who.tz)
    return Reply(key, parent, who, date, body, extra_cc)


REPLIES: tuple[Reply, ...] = (
    # ---- v1: no locking at all ------------------------------------------
    _reply(
        "v1-anika",
        "v1/1",
        ANIKA,
        "2024-03-04 14:03:27",
        """\
>
> When a name exists only in a lower layer, a lookup through the overlay
> also asks the upper layer for it.  That lookup fails and leaves a
> negative dentry in the upper filesystem, and the same happens in every
> lower layer above the one that has the name.

The same goes for a name that is in no layer at all, which is probably
the more common case: think of every $PATH search in a container.

I like the idea, but not where it lives:

> -	this = lookup_positive_unlocked(name, base, namelen);
> +	this = lookup_one_len_unlocked(name, base, namelen);
> +	if (!IS_ERR(this) && d_is_negative(this)) {
> +		/* The overlay caches the miss; this entry would only linger. */
> +		d_drop(this);
> +		dput(this);
> +		this = ERR_PTR(-ENOENT);
> +	}

Overlayfs should not fiddle with the hash state of dentries that belong
to another filesystem.  If dropping a negative dentry after a lookup is
a sane thing to do, it belongs in a VFS helper next to
lookup_positive_unlocked(), with a comment that says when it is safe and
who would want it.  Then the rules get reviewed once, in one place.

Thanks,
Anika
""",
    ),
    _reply(
        "v1-marek",
        "v1/1",
        MAREK,
        "2024-03-04 16:48:02",
        """\
> +	this = lookup_one_len_unlocked(name, base, namelen);
> +	if (!IS_ERR(this) && d_is_negative(this)) {
> +		/* The overlay caches the miss; this entry would only linger. */
> +		d_drop(this);

Agree with Anika that this wants a VFS helper.

The locking is a problem as well.  Nothing is held here: neither the
parent directory's inode lock nor this->d_lock.  Between the
d_is_negative() test and the d_drop(), another task can create the name
in that directory, and a create turns this very dentry positive.  We
would then unhash a live positive dentry that someone else is using.
Nor is the reference count checked, so the negative dentry may well be
in use by someone else when we drop it.

This also drops negative dentries that were cached before the lookup
and that others may still want.  I'd leave those alone and only get rid
of what this lookup created: a helper like lookup_positive_unlocked()
that does the drop right after __lookup_slow(), while the parent is
still locked, would handle both points.

Thanks,
Marek
""",
    ),
    _reply(
        "v1-author",
        "v1-marek",
        AUTHOR,
        "2024-03-05 10:21:40",
        """\
> This also drops negative dentries that were cached before the lookup
> and that others may still want.  I'd leave those alone and only get rid
> of what this lookup created: a helper like lookup_positive_unlocked()
> that does the drop right after __lookup_slow(), while the parent is
> still locked, would handle both points.

Thanks to you both.  I'll do the drop right after the slow lookup, with
the parent still locked, and only for dentries it created.  v2 will
follow.

Lin
""",
    ),
    # ---- v2: exported internals, copied logic, the flag and its name ------
    _reply(
        "v2-anika",
        "v2/1",
        ANIKA,
        "2024-03-07 19:26:11",
        """\
> +EXPORT_SYMBOL(lookup_dcache);

> +EXPORT_SYMBOL(__lookup_slow);

> +EXPORT_SYMBOL(lookup_one_len_common);

That is not what I meant, sorry if I was unclear.  Exporting three
internals of fs/namei.c lets any module assemble its own lookup from
pieces whose locking rules live in comments, and namei.c can no longer
change them freely.  And this:

> +static struct dentry *ovl_lookup_positive_unlocked(const char *name,
> +						   struct dentry *base,
> +						   int len)

is lookup_one_len_unlocked() copied with one branch added.  The next fix
to the original will not reach the copy.  Nothing should be duplicated,
inside the VFS or outside it.

What I had in mind is a lookup flag, say LOOKUP_POSITIVE_ONLY, handled
in lookup_slow() where the parent is locked anyway, and documented with
the cases where a caller that keeps its own cache wants it.  Other
stacking filesystems could use it too.

Also: this changes fs/namei.c and include/linux/namei.h, so Alan has to
review it, and he is not on Cc.  And please say what changed since v1,
below the "---" or in a cover letter.

Thanks,
Anika
""",
    ),
    _reply(
        "v2-marek-sketch",
        "v2-anika",
        MAREK,
        "2024-03-07 21:02:45",
        """\
> What I had in mind is a lookup flag, say LOOKUP_POSITIVE_ONLY, handled
> in lookup_slow() where the parent is locked anyway, and documented with
> the cases where a caller that keeps its own cache wants it.  Other
> stacking filesystems could use it too.

Agreed.  Adding Alan.  Roughly, and untested:

 - a LOOKUP_DROP_NEG flag in include/linux/namei.h;
 - in __lookup_slow(), if ->lookup() returned no other dentry, the new
   one is negative and the flag is set, d_drop() it; the parent is
   locked there;
 - an "unsigned int flags" argument for lookup_one_len_unlocked() and
   lookup_positive_unlocked(), passed on to lookup_slow();
 - all callers converted to pass 0, and overlayfs passes the flag.

It will need splitting up and proper changelogs, of course.

Marek
""",
        extra_cc=(ALAN.addr,),
    ),
    _reply(
        "v2-anika-name",
        "v2-marek-sketch",
        ANIKA,
        "2024-03-08 08:15:09",
        """\
>  - a LOOKUP_DROP_NEG flag in include/linux/namei.h;

"Drop" reads as if any negative dentry the lookup finds gets dropped,
cached ones included, which is exactly what this does not do.  I'd
rather the name said what happens to the cache.  My placeholder was no
better, though.
""",
    ),
    _reply(
        "v2-marek-name",
        "v2-anika-name",
        MAREK,
        "2024-03-08 10:37:52",
        """\
> "Drop" reads as if any negative dentry the lookup finds gets dropped,
> cached ones included, which is exactly what this does not do.  I'd

LOOKUP_NOCACHE_NEG, then.  The dcache keeps everything by default, so
a flag that names the positive case says nothing; the one that names
the exception does.
""",
    ),
    _reply(
        "v2-dana",
        "v2-marek-name",
        DANA,
        "2024-03-09 07:55:30",
        """\
> LOOKUP_NOCACHE_NEG, then.  The dcache keeps everything by default, so
> a flag that names the positive case says nothing; the one that names
> the exception does.

Fine with me.  "Don't cache" is how the inode cache spells the same
request already, so using the same word here keeps the two consistent.

-Dana
""",
    ),
    # ---- v3: bisectability, the flag vs. filesystems, the race -----------
    _reply(
        "v3-anika-bisect",
        "v3/1",
        ANIKA,
        "2024-03-12 13:34:56",
        """\
> lookup_one_len_unlocked() and lookup_positive_unlocked() get a flags
> argument to pass the flag on.  The callers are converted in the
> following patches.

[...]

>  extern struct dentry *lookup_one_len_unlocked(const char *name,
> -					      struct dentry *base, int len);
> +					      struct dentry *base, int len,
> +					      unsigned int flags);

This breaks the build right here: overlayfs and the seven other callers
pass three arguments until patches 2-9 fix them, so anyone bisecting
through this range gets a tree that does not compile.  A prototype
change has to convert every caller in the same patch.

Please make it two patches: a VFS one that adds the flags argument and
converts every caller to pass 0, then the overlayfs one that passes the
flag.  With that, the VFS part looks good to me.

The patch touches cifs, debugfs, ecryptfs, exportfs, kernfs, nfsd and
quota too, so their maintainers and lists from MAINTAINERS belong on Cc.

Thanks,
Anika
""",
    ),
    _reply(
        "v3-author-ack",
        "v3-anika-bisect",
        AUTHOR,
        "2024-03-12 21:12:03",
        """\
> Please make it two patches: a VFS one that adds the flags argument and
> converts every caller to pass 0, then the overlayfs one that passes the
> flag.  With that, the VFS part looks good to me.

Will do.  I'll wait a few days for comments on the approach itself
before I resend.

Which tree should the next version be based on?

Lin
""",
    ),
    _reply(
        "v3-marek-tree",
        "v3-author-ack",
        MAREK,
        "2024-03-13 09:05:44",
        """\
> Which tree should the next version be based on?

Mainline.  VFS changes preferably go through Alan's tree, but a small
one like this can go through overlayfs with his ack.
""",
    ),
    _reply(
        "v3-ivo",
        "v3/0",
        IVO,
        "2024-03-13 11:40:18",
        """\
> Following the review of v2, this adds a lookup flag,
> LOOKUP_NOCACHE_NEG, which tells the slow lookup path not to keep a
> negative dentry it has just created.

I'm uneasy about a VFS flag that overrides what the filesystem chose to
do with its own dentry: ->lookup() hashed that negative dentry on
purpose.

Why can't overlayfs do it by itself?  It holds the reference to the
negative dentry it got back.  If it unhashes it, the last dput() frees
it instead of keeping it, and the VFS does not need to know.

Ivo
""",
    ),
    _reply(
        "v3-anika-race",
        "v3-ivo",
        ANIKA,
        "2024-03-13 08:22:07",
        """\
> Why can't overlayfs do it by itself?  It holds the reference to the
> negative dentry it got back.  If it unhashes it, the last dput() frees
> it instead of keeping it, and the VFS does not need to know.

That is what v1 did.  The trouble is that outside the lookup nothing
stops the name from being created between the "is it negative" test and
the unhash; closing that window from overlayfs needed VFS internals,
which is how v2 came to export them.

As for the filesystem's choice: it is not really one.  The VFS keeps
negative dentries so that a later create can reuse them, and ->lookup()
follows that convention.  A caller above the VFS that keeps its own
record of the miss knows better that the entry is useless.
""",
    ),
    _reply(
        "v3-marek-harm",
        "v3-anika-race",
        MAREK,
        "2024-03-13 14:51:36",
        """\
> That is what v1 did.  The trouble is that outside the lookup nothing
> stops the name from being created between the "is it negative" test and
> the unhash; closing that window from overlayfs needed VFS internals,

The harm is worth spelling out.  If the dentry has become positive and
someone holds it for a long time, an open file say, unhashing it makes
that file look deleted to every later lookup while it is still there.
That must not happen.

A negative dentry can be unhashed safely without the parent lock,
though.  Take its d_lock, check that it is still negative and that
d_lockref.count is 1, so the only reference is ours, and __d_drop() it
before unlocking.  Nobody else holds it, so nobody can be turning it
positive.  That fits in a small overlayfs helper, with no VFS flag.  The
price: it also drops negative dentries that were cached before this
lookup.  For overlayfs I could live with either approach.
""",
    ),
    _reply(
        "v3-anika-shared",
        "v3-marek-harm",
        ANIKA,
        "2024-03-14 10:03:19",
        """\
> price: it also drops negative dentries that were cached before this
> lookup.  For overlayfs I could live with either approach.

For the upper layer, sure.  Lower layers are different: one lower layer
may back thousands of containers that all look for the same missing
files when they start, and a cached negative dentry there saves each of
them a trip to the disk.  Dropping those should be opt-in, not the
default.
""",
    ),
    _reply(
        "v3-author-upper",
        "v3-anika-shared",
        AUTHOR,
        "2024-03-18 16:30:55",
        """\
> For the upper layer, sure.  Lower layers are different: one lower layer
> may back thousands of containers that all look for the same missing
> files when they start, and a cached negative dentry there saves each of
> them a trip to the disk.  Dropping those should be opt-in, not the
> default.

Fair enough.  I tried to time container start-up with and without the
change on shared lower layers, but the numbers moved too much from run
to run to tell anything yet.

How about a first step that only drops negative dentries in the upper
layer, with the d_lock and refcount check Marek described and no VFS
change at all?  Lower layers can come later, with numbers.

Lin
""",
    ),
    _reply(
        "v3-marek-ok",
        "v3-author-upper",
        MAREK,
        "2024-03-18 11:14:08",
        """\
> How about a first step that only drops negative dentries in the upper
> layer, with the d_lock and refcount check Marek described and no VFS
> change at all?  Lower layers can come later, with numbers.

Sounds good.  Upper layer dentries are never shared between overlays,
so dropping them is safe whatever we decide for the lower layers.
""",
    ),
    # ---- v4: the clean one ------------------------------------------------
    _reply(
        "v4-anika",
        "v4/1",
        ANIKA,
        "2024-03-25 10:12:40",
        """\
> +	if (d_count(this) == 1) {
> +		spin_lock(&this->d_lock);
> +		if (d_is_negative(this) && this->d_lockref.count == 1)
> +			__d_drop(this);
> +		spin_unlock(&this->d_lock);
> +	}
> +	dput(this);

Rechecked under d_lock, __d_drop() with the lock held, dput() after the
unlock: that is the pattern.  Looks good.

Reviewed-by: Anika Rosen <anika.rosen@example.org>
""",
    ),
)
