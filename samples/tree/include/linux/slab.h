/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>

#define GFP_KERNEL	0x0cc0u	/* may sleep */
#define GFP_ATOMIC	0x0820u	/* never sleeps, for use under spinlocks */

void *kzalloc(unsigned long size, gfp_t flags);
void kfree(const void *ptr);

#endif /* _LINUX_SLAB_H */
