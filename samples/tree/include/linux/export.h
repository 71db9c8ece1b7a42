/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H

/*
 * Make a symbol usable from modules.  Exporting widens the interface that
 * the owner of the code has to keep stable, so exports of internal helpers
 * need a good reason.  Nothing is linked here; the macros only declare.
 */
#define EXPORT_SYMBOL(sym)	extern typeof(sym) sym
#define EXPORT_SYMBOL_GPL(sym)	extern typeof(sym) sym

#endif /* _LINUX_EXPORT_H */
