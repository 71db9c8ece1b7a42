/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_LOCKREF_H
#define _LINUX_LOCKREF_H

#include <linux/spinlock.h>

/*
 * A reference count protected by a spinlock that sits next to it, so both
 * can be read and changed together.
 */
struct lockref {
	spinlock_t lock;
	int count;
};

static inline void lockref_get(struct lockref *lockref)
{
	spin_lock(&lockref->lock);
	lockref->count++;
	spin_unlock(&lockref->lock);
}

#endif /* _LINUX_LOCKREF_H */
