/*
 * dns_rdata.h - RFC 1035 presentation format: names, TTLs and rdata
 *
 * Shared by the in-memory table (mauth_dns_mem_add_text) and the zone file
 * parser, so that a record reads the same whichever way it arrives.
 * RFC 1035 section 5.1: character-strings are quoted or unquoted, "\X"
 * stands for X and "\DDD" for the octet with decimal value DDD.  Domain
 * names stay dotted text, as struct mauth_dns_rr holds them, in one
 * canonical form: a '.' inside a label, '\' and bytes outside printable
 * ASCII as \DDD ("a\.b" becomes "a\046b"), every other byte as itself.
 *
 * The text handed here is one record's rdata with comments and
 * parentheses already taken out (the zone parser does that).
 *
 * Ownership: everything returned is malloc'd and belongs to the caller;
 * a filled struct mauth_dns_rr is released with mauth_dns_rr_clear().
 */
#ifndef MAUTH_DNS_RDATA_H
#define MAUTH_DNS_RDATA_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/*
 * mauth_dns_rdata_name - the absolute form (no trailing dot, case kept) of
 * the name text[0..len): "@" is origin, a name without a trailing dot is
 * completed with origin ("" is the root: the name is taken as it is), "."
 * is the root ("").  NULL with *error_r for an empty label, an over-long
 * name, or a relative name or "@" when origin is NULL.
 */
char *mauth_dns_rdata_name(const char *text, size_t len, const char *origin,
    char **error_r);

/*
 * mauth_dns_ttl_parse - a TTL as decimal seconds ("3600") or with BIND's
 * unit letters ("1h30m", "2d", "1w"); 0 and *ttl_r set, or -1 when text
 * is not one, or exceeds 2^31-1 (RFC 2181 section 8).
 */
int mauth_dns_ttl_parse(const char *text, uint32_t *ttl_r);

/*
 * mauth_dns_rdata_parse - fill rr (type and ttl set by the caller, the
 * rest zeroed) from the presentation rdata of A, AAAA, MX, TXT, PTR,
 * CNAME or NS.  SOA is checked (two names, five numbers) but leaves rr
 * empty, since answers never carry it.  Returns 0, or -1 with *error_r
 * naming the offending value; rr then owns nothing.
 */
int mauth_dns_rdata_parse(struct mauth_dns_rr *rr, const char *text,
    const char *origin, char **error_r);

#endif
