/*
 * dkim_int.h - what the dkim_*.c files share and nothing else sees
 *
 * The context struct (two libopendkim library handles: one set up for
 * verifying, one for signing), the tag-list parser (RFC 6376 section 3.2)
 * and the checked forms of a DKIM-Signature (section 3.5) and of a key
 * record (section 3.6.1).
 */
#ifndef MAUTH_DKIM_INT_H
#define MAUTH_DKIM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "dkim.h"

/* libopendkim's default allowance for clocks that disagree (seconds) */
#define DKIM_CLOCK_DRIFT 300

struct mauth_dkim {
	struct mauth_dkim_options opt;	/* header lists point into the arrays below */
	char **sign_headers;
	char **oversign_headers;
	DKIM_LIB *vlib;			/* verifying */
	DKIM_LIB *hlib;			/* hashing for the signer */
};

/* ------------------------------------------------------------ tag-list */

struct dkim_tag {
	char *name;
	char *value;		/* outer FWS removed; inner FWS kept */
};

struct dkim_taglist {
	struct dkim_tag *tags;
	size_t n;
};

/*
 * dkim_taglist_parse - split "a=1; b = 2 ;" into tags.  Tag names follow
 * ALPHA *ALNUMPUNC, values are VALCHARs and FWS (RFC 6376 section 3.2); a
 * repeated tag makes the whole list invalid.  Empty tag-specs (";;") are
 * tolerated, as other verifiers do.  Returns 0, or -1 with *error_r.
 */
int dkim_taglist_parse(const char *s, size_t len, struct dkim_taglist *tl,
    char **error_r);
/* dkim_taglist_get - value of tag name (case-sensitive, section 3.2), or NULL */
const char *dkim_taglist_get(const struct dkim_taglist *tl, const char *name);
void dkim_taglist_clear(struct dkim_taglist *tl);

/* dkim_strip_fws - copy of s without SP, HTAB, CR, LF */
char *dkim_strip_fws(const char *s);

/*
 * dkim_b64_decode - decode base64 (FWS ignored, "=" only as padding);
 * returns a malloc'd buffer and its length, or NULL when s is not base64.
 */
unsigned char *dkim_b64_decode(const char *s, size_t *len_r);
/* dkim_b64_encode - base64 of n octets, NUL-terminated, caller frees */
char *dkim_b64_encode(const unsigned char *p, size_t n);

/*
 * dkim_name_check - s is one or more dot-separated labels of letters,
 * digits, "-" and "_" (1..63 octets each, 253 in all); with two_labels at
 * least two of them (RFC 6376 "domain-name").  NULL when fine, else a
 * static text saying what is wrong.
 */
const char *dkim_name_check(const char *s, bool two_labels);

/* ------------------------------------------------------------ DKIM-Signature */

struct dkim_sigtags {
	struct dkim_taglist tl;
	const char *d, *s, *a;		/* into tl, NULL when absent */
	char *identity;			/* i= decoded, or "@" d */
	char *b;			/* b= without FWS */
	enum mauth_dkim_alg alg;
	bool has_l;
	unsigned long long l;
	/*
	 * Not for libopendkim's parser: the tag-list does not parse, or i= or
	 * z= has an "=" without two hex digits after it (RFC 6376 section
	 * 2.11), which its quoted-printable decoder reads past the end of the
	 * value on (a crash found by t/fuzz/fuzz-dkim-verify).  Always a
	 * permerror.
	 */
	bool unsafe;
};

/*
 * dkim_sig_parse - check one DKIM-Signature field value (RFC 6376 section
 * 3.5 and 6.1.1) at time now.  Returns MAUTH_DKIM_NONE when the signature
 * may be verified, else the verdict (permerror, neutral) with *reason_r
 * (caller frees).  st is filled as far as the value allows either way and
 * is cleared with dkim_sig_clear().
 */
enum mauth_dkim_result dkim_sig_parse(const char *value, size_t len,
    time_t now, struct dkim_sigtags *st, char **reason_r);
void dkim_sig_clear(struct dkim_sigtags *st);

/* ------------------------------------------------------------ key record */

struct dkim_keyrec {
	unsigned bits;			/* RSA modulus size; 256 for Ed25519 */
	bool testing;			/* t=y */
	bool strict;			/* t=s: i= domain must equal d= */
	char *record;			/* the record rewritten for libopendkim */
};

/*
 * dkim_keyrec_parse - check a key record (RFC 6376 section 3.6.1, RFC 8463
 * section 4) for a signature made with alg.  RSA keys given as a bare
 * RSAPublicKey are rewritten as SubjectPublicKeyInfo, the form libopendkim
 * reads.  Returns 0, or -1 with *reason_r (caller frees): every failure is
 * a permerror.
 */
int dkim_keyrec_parse(const char *txt, size_t len, enum mauth_dkim_alg alg,
    struct dkim_keyrec *kr, char **reason_r);
void dkim_keyrec_clear(struct dkim_keyrec *kr);

/* dkim_alg_parse - "rsa-sha256" -> MAUTH_DKIM_RSA_SHA256 (case-insensitive) */
enum mauth_dkim_alg dkim_alg_parse(const char *s);

/* dkim_key_pkey - the parsed private key (read-only, shared by threads) */
struct evp_pkey_st;
struct evp_pkey_st *dkim_key_pkey(const struct mauth_dkim_key *key);

/* ------------------------------------------------------------ key tables */

struct kt_entry {			/* one KeyTable line */
	char *name, *domain, *selector;	/* domain may be "%" */
	struct mauth_dkim_key *key;
};

struct st_entry {			/* one SigningTable line */
	char *pattern;
	char **keys;			/* KeyTable names, or "%" */
	size_t nkeys;
	char *signer;			/* i=, may hold "%"; NULL: none */
	unsigned line;
};

struct mauth_dkim_keys {
	struct kt_entry *kt;
	size_t nkt;
	struct st_entry *st;
	size_t nst;
	bool refile, multiple;
};

/*
 * dkim_table_read - the text of a table: spec is "file:PATH", "refile:PATH"
 * (only when refile_ok; *refile_r tells) or PATH.  A missing file reads as
 * empty when missing_ok.  *path_r and *data_r are the caller's to free.
 * Returns 0, or -1 with *error_r naming the file.
 */
int dkim_table_read(const char *spec, bool refile_ok, bool missing_ok,
    char **path_r, bool *refile_r, char **data_r, char **error_r);
/*
 * dkim_table_split - one line of a table (changed in place): "#" starts a
 * comment, outer white space goes; returns 0 for a line with nothing left,
 * 1 with *key_r and *value_r (first word, rest), -1 when there is a key
 * but no value (*key_r set).
 */
int dkim_table_split(char *line, char **key_r, char **value_r);
/*
 * dkim_kt_split - a KeyTable value "DOMAIN:SELECTOR:KEY" (changed in
 * place) with DOMAIN ("%" allowed) and SELECTOR checked.  Returns 0, or -1
 * with *error_r (caller frees, no file:line).
 */
int dkim_kt_split(char *value, char **domain_r, char **selector_r,
    char **key_r, char **error_r);
/*
 * dkim_kt_key - load the KEY of KeyTable line (table_path:line): a file
 * ("/...", "./...", "../..." relative to the table's directory) or the key
 * itself (*inline_r).  Returns 0, or -1 with *error_r "path:line: ...".
 */
int dkim_kt_key(const char *table_path, unsigned line, const char *spec,
    bool *inline_r, struct mauth_dkim_key **key_r, char **error_r);
/* dkim_kt_path - the file a KEY value names (relative: to the table's directory) */
char *dkim_kt_path(const char *table_path, const char *spec);

/* dkim_kt_find - the KeyTable entry called name, or NULL */
struct kt_entry *dkim_kt_find(const struct mauth_dkim_keys *keys, const char *name);

/* ------------------------------------------------------------ signing text */

/* dkim_canon_name - "relaxed" or "simple" */
const char *dkim_canon_name(enum mauth_dkim_canon c);
/*
 * dkim_sign_hlist - h=: the names of the n fields that are in the sign
 * list, in order, then the oversigned names; NULL with *error_r when no
 * From field is among them (RFC 6376 section 5.4)
 */
char *dkim_sign_hlist(const struct mauth_dkim_options *opt,
    const char *const *names, size_t n, char **error_r);
/* dkim_sign_text - the folded field value up to and including "b=" */
char *dkim_sign_text(const struct mauth_dkim_options *opt,
    const struct mauth_dkim_signing *sel, const char *hlist, const char *bh,
    unsigned long long t);
/* dkim_sign_key - base64 signature of a SHA-256 hash (RSA PKCS#1 v1.5, or Ed25519) */
char *dkim_sign_key(const struct mauth_dkim_key *key, const unsigned char hash[32]);
/* dkim_sign_field - " " text b64 with b= folded: the value to insert */
char *dkim_sign_field(const char *text, const char *b64);

/* dkim_verify_hooks - install the verifier's callbacks in a library handle */
void dkim_verify_hooks(DKIM_LIB *lib);

/* dkim_wire_header - "Name:value" with "\n" turned into CRLF; caller frees */
char *dkim_wire_header(const char *name, const char *value, size_t *len_r);

#endif
