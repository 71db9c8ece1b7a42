/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#define NULL ((void *)0)

typedef _Bool bool;
enum {
	false	= 0,
	true	= 1
};

typedef unsigned int u32;
typedef unsigned short umode_t;
typedef unsigned int gfp_t;
typedef long long loff_t;

#endif /* _LINUX_TYPES_H */
