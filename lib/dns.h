/*
 * dns.h - the one resolver interface of mauth (SPF, DKIM and DMARC)
 *
 * Every lookup answers with a status that keeps apart what the protocols
 * must keep apart (RFC 7208 section 2.6.6/2.6.7 temperror vs none, RFC 6376
 * section 6.1.2 TEMPFAIL vs PERMFAIL, RFC 9989 record discovery):
 *
 *   MAUTH_DNS_OK        NOERROR and at least one record of the asked type
 *   MAUTH_DNS_NODATA    NOERROR, the name exists, no record of that type
 *   MAUTH_DNS_NXDOMAIN  RCODE 3, the name does not exist
 *   MAUTH_DNS_SERVFAIL  RCODE 2 (also DNSSEC-bogus answers, CNAME loops)
 *   MAUTH_DNS_TIMEOUT   no usable answer within the configured time
 *   MAUTH_DNS_ERROR     any other failure: REFUSED, FORMERR, network
 *                       error, resolver internal error
 *   MAUTH_DNS_INVALID   the query name itself is not a valid domain name
 *                       (empty label, label over 63 or name over 253
 *                       octets); nothing was sent
 *
 * Backends: libunbound (dns_unbound.h), an in-memory table (dns_mem.h) that
 * an RFC 1035 zone file (dns_zone.h) or a test fills.  A struct mauth_dns is
 * safe to use from many threads at once once it is built.
 *
 * Ownership: a struct mauth_dns_answer returned through answer_r belongs to
 * the caller and is released with mauth_dns_answer_free(); every string in
 * it belongs to the answer.
 */
#ifndef MAUTH_DNS_H
#define MAUTH_DNS_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mauth_dns_status {
	MAUTH_DNS_OK = 0,
	MAUTH_DNS_NODATA,
	MAUTH_DNS_NXDOMAIN,
	MAUTH_DNS_SERVFAIL,
	MAUTH_DNS_TIMEOUT,
	MAUTH_DNS_ERROR,
	MAUTH_DNS_INVALID,
};

/* RR types mauth asks for (RFC 1035, RFC 3596) */
enum mauth_dns_type {
	MAUTH_DNS_T_A = 1,
	MAUTH_DNS_T_NS = 2,
	MAUTH_DNS_T_CNAME = 5,
	MAUTH_DNS_T_SOA = 6,
	MAUTH_DNS_T_PTR = 12,
	MAUTH_DNS_T_MX = 15,
	MAUTH_DNS_T_TXT = 16,
	MAUTH_DNS_T_AAAA = 28,
};

/* DNSSEC state of an answer (RFC 4035 section 4.3) */
enum mauth_dns_security {
	MAUTH_DNS_SEC_UNKNOWN = 0,	/* no trust anchor configured / backend cannot tell */
	MAUTH_DNS_SEC_INSECURE,		/* validated as provably unsigned */
	MAUTH_DNS_SEC_SECURE,		/* validated chain of trust */
	MAUTH_DNS_SEC_BOGUS,		/* validation failed (status is SERVFAIL) */
};

struct mauth_dns_rr {
	uint16_t type;
	uint32_t ttl;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		struct {
			uint16_t preference;
			char *exchange;		/* no trailing dot; "" is the root */
		} mx;
		char *name;			/* PTR, CNAME, NS target; no trailing dot */
		struct {
			char *data;		/* character-strings concatenated, NUL-terminated */
			size_t len;		/* data may hold NUL bytes: len is authoritative */
		} txt;
	} u;
};

struct mauth_dns_answer {
	enum mauth_dns_status status;
	enum mauth_dns_security security;
	char *qname;		/* the name asked, normalised (lower case, no trailing dot) */
	char *canonname;	/* owner after CNAMEs were followed; == qname when none */
	size_t count;		/* records of the asked type (OK means count > 0) */
	struct mauth_dns_rr *rr;
	char *why;		/* backend's text for failures (e.g. why bogus); may be NULL */
	bool cached;		/* answered from the backend's own cache (for the counters) */
};

/*
 * A backend fills ans (zeroed, qname set) and returns ans->status.  The
 * name it gets is valid and normalised.  Backends are called concurrently.
 */
struct mauth_dns_ops {
	const char *name;
	enum mauth_dns_status (*lookup)(void *backend, const char *name,
	    uint16_t type, struct mauth_dns_answer *ans);
	void (*free)(void *backend);
};

/* Counters, read by metrics and benchmarks; updated atomically. */
struct mauth_dns_stats {
	atomic_ulong queries;
	atomic_ulong timeouts;
	atomic_ulong failures;		/* SERVFAIL or ERROR */
	atomic_ulong cache_hits;	/* of queries, answered from the cache */
};

struct mauth_dns {
	const struct mauth_dns_ops *ops;
	void *backend;
	struct mauth_dns_stats stats;
};

/* mauth_dns_new - wrap a backend; the resolver owns backend from now on */
struct mauth_dns *mauth_dns_new(const struct mauth_dns_ops *ops, void *backend);
/* mauth_dns_free - free the resolver and its backend; sets *dns to NULL */
void mauth_dns_free(struct mauth_dns **dns);

/*
 * mauth_dns_lookup - ask for (name, type); always sets *answer_r (even for
 * failures, so the caller has one thing to free) and returns its status.
 * name may carry a trailing dot and any case.
 */
enum mauth_dns_status mauth_dns_lookup(struct mauth_dns *dns, const char *name,
    uint16_t type, struct mauth_dns_answer **answer_r);

void mauth_dns_answer_free(struct mauth_dns_answer **answer);

/*
 * mauth_dns_name_normalise - check name and return its normal form (lower
 * case, no trailing dot), or NULL with *error_r naming the fault.  Labels
 * are 1..63 octets, the name at most 253 (RFC 1035 section 2.3.4).
 */
char *mauth_dns_name_normalise(const char *name, char **error_r);

/* mauth_dns_answer_add - append a zeroed record of type to ans and return it */
struct mauth_dns_rr *mauth_dns_answer_add(struct mauth_dns_answer *ans, uint16_t type);
/* mauth_dns_rr_copy - deep copy of one record */
void mauth_dns_rr_copy(struct mauth_dns_rr *dst, const struct mauth_dns_rr *src);
/* mauth_dns_rr_clear - free what one record owns */
void mauth_dns_rr_clear(struct mauth_dns_rr *rr);

const char *mauth_dns_status_name(enum mauth_dns_status status);	/* "NXDOMAIN", ... */
const char *mauth_dns_type_name(uint16_t type);				/* "TXT", ... or "TYPE99" style never: NULL */
/* mauth_dns_type_parse - "TXT" -> 16; 0 when unknown */
uint16_t mauth_dns_type_parse(const char *text);
const char *mauth_dns_security_name(enum mauth_dns_security sec);	/* "secure", ... */

#endif
