/*
 * dmarc_record.h - DMARC policy records (RFC 9989 sections 4.7, 4.8;
 * RFC 7489 section 6.3 in the legacy mode)
 *
 * A TXT record at _dmarc.<domain> is one of three things:
 *
 *   NOT_DMARC  it does not start with "v=DMARC1" (RFC 9989 4.7: the
 *              record MUST be ignored; discovery discards it);
 *   INVALID    a DMARC record that cannot be applied: no valid p= (or a
 *              bad sp= / np=) and no usable rua= to fall back on
 *              (RFC 9989 4.10.1, RFC 7489 6.6.3), or a tag given twice
 *              (the DKIM tag-list rule DMARC records follow, RFC 6376
 *              3.2); DMARC evaluation reports it as permerror;
 *   OK         a record; other syntax errors were discarded in favour of
 *              the defaults (RFC 9989 4.8) and are listed in "warnings".
 *
 * Tag names and keyword values are case-insensitive (they are ABNF
 * literals); "DMARC1" is case-sensitive.  Unknown tags are ignored.  The
 * RFC 7489 tags pct, rf and ri are parsed in both modes (aggregate reports
 * in the RFC 7489 format publish them) but only the RFC 7489 mode applies
 * pct; in RFC 9989 mode they are historic (RFC 9989 9.3) and a bad value
 * is not even a warning.
 *
 * Ownership: a record belongs to whoever got it from _parse or _dup and
 * is released with mauth_dmarc_record_free(); all its strings are its own.
 */
#ifndef MAUTH_DMARC_RECORD_H
#define MAUTH_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which specification governs discovery and the record's tags. */
enum mauth_dmarc_mode {
	MAUTH_DMARC_MODE_RFC9989 = 0,	/* DNS tree walk (the default) */
	MAUTH_DMARC_MODE_RFC7489,	/* Public Suffix List; pct honoured */
};

enum mauth_dmarc_policy {
	MAUTH_DMARC_P_NONE = 0,
	MAUTH_DMARC_P_QUARANTINE,
	MAUTH_DMARC_P_REJECT,
};

enum mauth_dmarc_align {
	MAUTH_DMARC_ALIGN_RELAXED = 0,
	MAUTH_DMARC_ALIGN_STRICT,
};

enum mauth_dmarc_psd {
	MAUTH_DMARC_PSD_U = 0,		/* not said (psd=u, the default) */
	MAUTH_DMARC_PSD_Y,
	MAUTH_DMARC_PSD_N,
};

enum mauth_dmarc_record_status {
	MAUTH_DMARC_RECORD_OK = 0,
	MAUTH_DMARC_RECORD_NOT_DMARC,
	MAUTH_DMARC_RECORD_INVALID,
};

/* At most this many URIs are kept from one rua= or ruf= list. */
#define MAUTH_DMARC_MAX_URIS 16

struct mauth_dmarc_uri {
	char *uri;		/* as published, without a "!size" suffix */
	char *scheme;		/* lower case: "mailto", "https", ... */
	char *address;		/* mailto: the %-decoded addr-spec; else NULL */
	uint64_t max_size;	/* "!size" in octets, RFC 7489 mode; 0: none */
};

struct mauth_dmarc_record {
	enum mauth_dmarc_policy p;
	bool has_sp, has_np;		/* published; else sp = p, np = sp */
	enum mauth_dmarc_policy sp, np;	/* effective values */
	enum mauth_dmarc_align adkim, aspf;
	bool testing;			/* t=y */
	enum mauth_dmarc_psd psd;
	unsigned pct;			/* 0..100, default 100 */
	char *fo;			/* default "0" */
	char *rf;			/* default "afrf" */
	uint32_t ri;			/* default 86400 */
	size_t nrua, nruf;
	struct mauth_dmarc_uri *rua, *ruf;	/* syntactically valid URIs */
	bool p_fallback;		/* p=none taken for a bad p/sp/np, 4.10.1 */
	char *warnings;			/* NULL, or "; "-separated discarded values */
	char *text;			/* the record as published */
};

/*
 * mauth_dmarc_record_parse - parse txt (len octets, the TXT strings
 * already joined).  OK: *rec_r is a new record.  NOT_DMARC / INVALID:
 * *rec_r is NULL and *error_r (the caller frees it) says why.
 */
enum mauth_dmarc_record_status mauth_dmarc_record_parse(const char *txt,
    size_t len, enum mauth_dmarc_mode mode, struct mauth_dmarc_record **rec_r,
    char **error_r);

struct mauth_dmarc_record *mauth_dmarc_record_dup(const struct mauth_dmarc_record *rec);
void mauth_dmarc_record_free(struct mauth_dmarc_record **rec);

/* "none", "quarantine", "reject" */
const char *mauth_dmarc_policy_name(enum mauth_dmarc_policy p);

#endif
