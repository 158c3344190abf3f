/*
 * dns_mem.h - in-memory DNS backend (zone files, tests, offline checks)
 *
 * A table of owner names, each with records and optionally an injected
 * status (timeout, SERVFAIL, ...) so that tests can exercise every branch
 * of lib/dns users without a network.  Lookups behave like an authoritative
 * server would answer a recursive resolver:
 *   - injected status for (name, type) wins;
 *   - a CNAME at the name is followed (chains up to 16 links; a loop or a
 *     longer chain answers SERVFAIL) unless CNAME itself is asked;
 *   - records of the type: OK; none, but an injected status for (name, any
 *     type): that status; the name or a name below it exists: NODATA
 *     (an empty non-terminal, RFC 8020); a wildcard "*.<closest encloser>"
 *     answers as RFC 4592 says; otherwise NXDOMAIN.
 *
 * The table is filled by one thread and then only read: after
 * mauth_dns_mem_resolver() the table must not change while the resolver
 * is in use.  Owner names are case-insensitive.
 */
#ifndef MAUTH_DNS_MEM_H
#define MAUTH_DNS_MEM_H

#include "dns.h"

struct mauth_dns_mem;

struct mauth_dns_mem *mauth_dns_mem_new(void);
void mauth_dns_mem_free(struct mauth_dns_mem **mem);

/*
 * mauth_dns_mem_add - copy rr in under owner; 0, or -1 with *error_r for a
 * bad owner, a type lib/dns cannot answer, or a CNAME beside other data
 * at one owner (RFC 2181 section 10.1)
 */
int mauth_dns_mem_add(struct mauth_dns_mem *mem, const char *owner,
    const struct mauth_dns_rr *rr, char **error_r);

/*
 * mauth_dns_mem_add_name - make owner exist without records (as an SOA
 * owner does): lookups of it answer NODATA instead of NXDOMAIN
 */
int mauth_dns_mem_add_name(struct mauth_dns_mem *mem, const char *owner,
    char **error_r);

/*
 * mauth_dns_mem_add_text - add one record from its presentation form
 * (RFC 1035 section 5.1): "192.0.2.1" for A, "10 mx.example.org." for MX,
 * "\"v=spf1 \" \"-all\"" for TXT (quoted character-strings, \DDD and \X
 * escapes), a domain name for PTR/CNAME/NS.  Relative names in rdata are
 * completed with origin (may be NULL: names are then taken as absolute).
 * SOA rdata is checked and makes the owner exist, but is never answered.
 * The syntax is that of lib/dns_rdata.h; rdata holds no comments or
 * parentheses.
 */
int mauth_dns_mem_add_text(struct mauth_dns_mem *mem, const char *owner,
    uint16_t type, uint32_t ttl, const char *rdata, const char *origin,
    char **error_r);

/*
 * mauth_dns_mem_add_txt - one TXT record (TTL 300) from n character-strings
 * of at most 255 octets each, stored concatenated
 */
int mauth_dns_mem_add_txt(struct mauth_dns_mem *mem, const char *owner,
    const char *const *strings, size_t n, char **error_r);

/*
 * mauth_dns_mem_set_status - make lookups of (owner, type) answer status
 * (type 0: every type the owner has no record of).  MAUTH_DNS_OK clears an
 * injected status.  The owner need not have records.
 */
int mauth_dns_mem_set_status(struct mauth_dns_mem *mem, const char *owner,
    uint16_t type, enum mauth_dns_status status, char **error_r);

/*
 * mauth_dns_mem_resolver - a resolver answering from mem.  With owns, the
 * resolver frees mem when it is freed; otherwise mem must outlive it.
 */
struct mauth_dns *mauth_dns_mem_resolver(struct mauth_dns_mem *mem, bool owns);

#endif
