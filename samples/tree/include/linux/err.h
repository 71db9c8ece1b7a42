/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_ERR_H
#define _LINUX_ERR_H

#include <linux/types.h>

/* The few errno values this tree uses; the kernel keeps them in errno.h. */
#define ENOENT		2
#define ENOMEM		12
#define EACCES		13
#define ENOTDIR		20
#define EINVAL		22
#define ENAMETOOLONG	36
#define ESTALE		116

/* Pointers in the last page of the address space carry an error code. */
#define MAX_ERRNO	4095

#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE((unsigned long)ptr);
}

/* Pass an error pointer on as a pointer of another type. */
static inline void *ERR_CAST(const void *ptr)
{
	return (void *)ptr;
}

#endif /* _LINUX_ERR_H */
