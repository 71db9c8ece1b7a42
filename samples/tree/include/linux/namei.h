/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_NAMEI_H
#define _LINUX_NAMEI_H

#include <linux/dcache.h>

/* Lookup flags; they reach ->lookup() and ->d_revalidate() too. */
#define LOOKUP_FOLLOW		0x0001
#define LOOKUP_DIRECTORY	0x0002
#define LOOKUP_AUTOMOUNT	0x0004
#define LOOKUP_PARENT		0x0010
#define LOOKUP_REVAL		0x0020
#define LOOKUP_RCU		0x0040
#define LOOKUP_OPEN		0x0100
#define LOOKUP_CREATE		0x0200
#define LOOKUP_EXCL		0x0400

/* The caller holds base's inode lock. */
extern struct dentry *lookup_one_len(const char *name, struct dentry *base,
				     int len);
/* These take base's inode lock themselves; the caller must not hold it. */
extern struct dentry *lookup_one_len_unlocked(const char *name,
					      struct dentry *base, int len);
extern struct dentry *lookup_positive_unlocked(const char *name,
					       struct dentry *base, int len);

#endif /* _LINUX_NAMEI_H */
