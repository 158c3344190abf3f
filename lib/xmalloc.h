/*
 * xmalloc.h - allocation that either succeeds or does not return
 *
 * Out of memory in a mail filter is not a per-message condition that can be
 * handled usefully at every call site; like Postfix's mymalloc() these
 * functions abort the process, and the MTA's milter_default_action (tempfail)
 * keeps the mail safe.  Callers never check for NULL.
 */
#ifndef MAUTH_XMALLOC_H
#define MAUTH_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* xreallocarray - like reallocarray(3); overflow of n * size aborts too */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* xstrndup - copy at most n bytes and NUL-terminate */
char *xstrndup(const char *s, size_t n);
/* xmemdup - copy n bytes and add a NUL after them (data may hold NULs) */
char *xmemdup(const void *p, size_t n);
/* xasprintf - allocate a formatted string */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
