/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

/*
 * A spinlock is held for short sections that must not sleep: no GFP_KERNEL
 * allocation, mutex, inode lock or dput() between lock and unlock.
 */
typedef struct {
	volatile unsigned int slock;
} spinlock_t;

void spin_lock_init(spinlock_t *lock);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);

#endif /* _LINUX_SPINLOCK_H */
