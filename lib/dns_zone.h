/*
 * dns_zone.h - RFC 1035 master (zone) files into an in-memory table
 *
 * Understood: $ORIGIN, $TTL, $INCLUDE is refused (not needed, and a test
 * zone should be one file), comments, parentheses spanning lines, owner
 * inheritance (a line starting with white space), "@", relative and
 * absolute names, optional TTL and class IN in either order, and the types
 * A, AAAA, MX, TXT (several character-strings, escapes), PTR, CNAME, NS and
 * SOA (SOA is accepted and kept out of answers).  Any other type is an
 * error naming the file and line.
 */
#ifndef MAUTH_DNS_ZONE_H
#define MAUTH_DNS_ZONE_H

#include "dns_mem.h"

/*
 * mauth_dns_zone_load - parse the file at path into mem.  origin is the
 * initial $ORIGIN (may be NULL: then names before a $ORIGIN must be
 * absolute).  Returns 0, or -1 with *error_r "path:line: what was wrong".
 */
int mauth_dns_zone_load(struct mauth_dns_mem *mem, const char *path,
    const char *origin, char **error_r);

/* mauth_dns_zone_parse - the same from text in memory; name labels errors */
int mauth_dns_zone_parse(struct mauth_dns_mem *mem, const char *text,
    size_t len, const char *name, const char *origin, char **error_r);

#endif
