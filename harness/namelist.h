/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Comma-separated name lists of the command line (--driver, --viommu) and
 * how they select among a scenario's own names.
 */
#ifndef UPCILAB_NAMELIST_H
#define UPCILAB_NAMELIST_H

#include <stdbool.h>
#include <stddef.h>

/* Is @name one of @list's words? */
bool namelist_has(const char *list, const char *name);
/* The first word of @list that known() refuses, copied into @buf, or NULL */
const char *namelist_unknown(const char *list, bool (*known)(const char *),
			     char *buf, size_t size);
/*
 * What a scenario naming @n @names runs with under @list (NULL: no
 * option): its own that the list names, in its order; if it names none of
 * them, the list's first (an override, malloc()ed into @owned). Fills @out
 * (room for @n, at least 1) and returns how many.
 */
size_t namelist_select(char *const *names, size_t n, const char *list,
		       const char **out, char **owned);

#endif
