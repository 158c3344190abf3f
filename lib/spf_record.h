/*
 * spf_record.h - one SPF record parsed into terms (RFC 7208 sections 4.5,
 * 4.6, 5, 6 and the ABNF of section 12)
 *
 * The whole record is checked before anything is evaluated (section 4.6:
 * a syntax error anywhere is a permerror, even after a matching
 * mechanism).  Domain-specs are kept unexpanded; their macro syntax has
 * been checked.
 *
 * Ownership: a record owns its terms and strings; free it with
 * mauth_spf_record_free().
 */
#ifndef MAUTH_SPF_RECORD_H
#define MAUTH_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "ip.h"
#include "spf.h"

enum mauth_spf_mech {
	MAUTH_SPF_MECH_ALL = 0,
	MAUTH_SPF_MECH_INCLUDE,
	MAUTH_SPF_MECH_A,
	MAUTH_SPF_MECH_MX,
	MAUTH_SPF_MECH_PTR,
	MAUTH_SPF_MECH_IP4,
	MAUTH_SPF_MECH_IP6,
	MAUTH_SPF_MECH_EXISTS,
};

struct mauth_spf_term {
	enum mauth_spf_mech mech;
	enum mauth_spf_result qualifier;	/* PASS, FAIL, SOFTFAIL or NEUTRAL */
	char *text;		/* the term as written, e.g. "-ip4:192.0.2.0/24" */
	char *domain_spec;	/* include/a/mx/ptr/exists target; NULL: <domain> */
	struct mauth_ip net;	/* ip4 / ip6 network */
	unsigned cidr4;		/* a, mx, ip4 prefix length (default 32) */
	unsigned cidr6;		/* a, mx, ip6 prefix length (default 128) */
};

struct mauth_spf_record {
	struct mauth_spf_term *terms;	/* the mechanisms, in record order */
	size_t nterms;
	char *redirect;		/* domain-spec of redirect=, or NULL */
	char *exp;		/* domain-spec of exp=, or NULL */
};

/*
 * mauth_spf_record_is_spf - section 4.5: does this TXT record (its
 * character-strings joined) begin with "v=spf1" followed by SP or its end?
 */
bool mauth_spf_record_is_spf(const char *data, size_t len);

/*
 * mauth_spf_record_parse - parse a record that mauth_spf_record_is_spf()
 * accepted; data may hold any octets (len is authoritative).  Returns 0
 * with *rec_r, or -1 with *error_r (caller frees) naming the bad term.
 */
int mauth_spf_record_parse(const char *data, size_t len,
    struct mauth_spf_record **rec_r, char **error_r);

void mauth_spf_record_free(struct mauth_spf_record **rec);

/* mauth_spf_mech_name - "all", "include", ... */
const char *mauth_spf_mech_name(enum mauth_spf_mech mech);

/*
 * mauth_spf_domain_spec_check - section 7.1: domain-spec = macro-string
 * domain-end, domain-end = ( "." toplabel [ "." ] ) / macro-expand.
 * 0, or -1 with *error_r.
 */
int mauth_spf_domain_spec_check(const char *spec, char **error_r);

#endif
