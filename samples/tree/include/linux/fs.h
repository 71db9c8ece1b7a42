/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/dcache.h>
#include <linux/types.h>

#define S_IFMT		00170000
#define S_IFDIR		0040000
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)

struct rw_semaphore {
	long count;
};

void down_read(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);

struct inode_operations {
	struct dentry *(*lookup)(struct inode *dir, struct dentry *dentry,
				 unsigned int flags);
};

struct super_block {
	struct dentry *s_root;
	void *s_fs_info;
	const char *s_id;
};

struct inode {
	umode_t i_mode;
	unsigned long i_ino;
	struct rw_semaphore i_rwsem;	/* a directory's entries */
	const struct inode_operations *i_op;
	struct super_block *i_sb;
	void *i_private;
};

/*
 * A directory's i_rwsem: creating, removing or renaming an entry takes it
 * exclusive; lookups take it shared, which keeps names in the directory
 * from appearing or going away while they run.
 */
static inline void inode_lock(struct inode *inode)
{
	down_write(&inode->i_rwsem);
}

static inline void inode_unlock(struct inode *inode)
{
	up_write(&inode->i_rwsem);
}

static inline void inode_lock_shared(struct inode *inode)
{
	down_read(&inode->i_rwsem);
}

static inline void inode_unlock_shared(struct inode *inode)
{
	up_read(&inode->i_rwsem);
}

#endif /* _LINUX_FS_H */
