/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H

unsigned long strlen(const char *s);
int memcmp(const void *a, const void *b, unsigned long n);
void *memcpy(void *dest, const void *src, unsigned long n);

#endif /* _LINUX_STRING_H */
