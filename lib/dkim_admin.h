/*
 * dkim_admin.h - DKIM key administration: what `mauth keys` needs and
 * mauthd does not
 *
 *   dkim_keygen.c   new private keys (OpenSSL EVP: RSA, Ed25519)
 *   dkim_pubrec.c   the public key record of a key (RFC 6376 section
 *                   3.6.1, RFC 8463 section 4) in zone-file form, and the
 *                   published record judged against the private key
 *   dkim_tables.c   KeyTable and SigningTable as editable files (every
 *                   other line and comment kept), written back atomically
 *                   and only after the result loads as mauthd would load it
 *
 * Nothing here logs or keeps state between calls.  Strings returned
 * through char ** or in the structs are the caller's (or the struct's) to
 * free as each comment says.
 */
#ifndef MAUTH_DKIM_ADMIN_H
#define MAUTH_DKIM_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dkim.h"
#include "dns.h"

/* ------------------------------------------------------------ keygen */

/* RSA sizes mauth generates: RFC 8301 section 3.2 (at least 1024; 2048 advised) */
#define MAUTH_DKIM_KEYGEN_MIN_BITS 1024
#define MAUTH_DKIM_KEYGEN_MAX_BITS 8192
#define MAUTH_DKIM_KEYGEN_DEFAULT_BITS 2048

/*
 * mauth_dkim_keygen_alg - "rsa" -> MAUTH_DKIM_RSA_SHA256, "ed25519" ->
 * MAUTH_DKIM_ED25519_SHA256 (any case); MAUTH_DKIM_ALG_UNKNOWN otherwise
 */
enum mauth_dkim_alg mauth_dkim_keygen_alg(const char *name);
/* mauth_dkim_keygen_type - "rsa" or "ed25519" (the k= value) for alg */
const char *mauth_dkim_keygen_type(enum mauth_dkim_alg alg);

/*
 * mauth_dkim_keygen_check - would mauth_dkim_keygen() take alg and bits?
 * Returns 0, or -1 with *error_r saying why not (e.g. 512-bit RSA).
 */
int mauth_dkim_keygen_check(enum mauth_dkim_alg alg, unsigned bits,
    char **error_r);

/*
 * mauth_dkim_keygen - a new key for alg (RSA_SHA256 or ED25519_SHA256).
 * bits: RSA modulus size (MIN..MAX above), 0 for the default; Ed25519
 * takes 0 or 256.  Returns 0 with *pem_r (PKCS#8 PEM; free it with
 * mauth_dkim_keygen_pem_free) and *key_r, or -1 with *error_r.
 */
int mauth_dkim_keygen(enum mauth_dkim_alg alg, unsigned bits, char **pem_r,
    struct mauth_dkim_key **key_r, char **error_r);
/* mauth_dkim_keygen_pem_free - wipe and free a PEM text; sets *pem to NULL */
void mauth_dkim_keygen_pem_free(char **pem);

/* ------------------------------------------------------------ records */

/* mauth_dkim_pubrec_text - "v=DKIM1; k=rsa; p=..." for key; caller frees */
char *mauth_dkim_pubrec_text(const struct mauth_dkim_key *key);

/*
 * mauth_dkim_pubrec_zone - the record as a zone-file entry (RFC 1035
 * section 5.1), each character-string at most 255 octets (section 3.3):
 *
 *   SEL._domainkey.DOMAIN. IN TXT ( "v=DKIM1; k=rsa; "
 *           "p=MIIBIjANBg..."
 *           "...IDAQAB" )
 *
 * key NULL: the revocation record for a key of type alg ("p=" empty, RFC
 * 6376 section 3.6.1).  Ends with a newline; caller frees.
 */
char *mauth_dkim_pubrec_zone(const char *domain, const char *selector,
    enum mauth_dkim_alg alg, const struct mauth_dkim_key *key);

/* What is published for a key, as `mauth keys test` reports it. */
struct mauth_dkim_published {
	enum mauth_dns_status status;	/* the TXT lookup */
	enum mauth_dns_security security;	/* DNSSEC state of the answer */
	char *dns_why;			/* resolver's detail on failures, or NULL */
	size_t records;			/* TXT records at the name */
	bool parses;			/* the record judged is a valid key record */
	bool revoked;			/* it has an empty p= */
	bool matches;			/* it holds the public half of the key */
	enum mauth_dkim_alg alg;	/* key type of the record (k=) */
	unsigned bits;			/* its key size (256 for Ed25519) */
	bool testing;			/* t=y (RFC 6376 section 3.6.1) */
	char *problem;			/* why not parses / matches; NULL when fine */
};

/*
 * mauth_dkim_pubrec_judge - judge one key record (TXT strings joined)
 * against key (NULL: not compared, matches stays false).  Fills *pub
 * (clear it with mauth_dkim_pubrec_clear) except the DNS fields.
 */
void mauth_dkim_pubrec_judge(const struct mauth_dkim_key *key,
    const char *txt, size_t len, struct mauth_dkim_published *pub);

/*
 * mauth_dkim_pubrec_lookup - ask dns for SEL._domainkey.DOMAIN TXT and
 * judge what is there against key.  With several records the one judged
 * is the one a verifier would use (the first that parses for the key's
 * algorithm, RFC 6376 section 3.6.2.2), else the first.  Returns the
 * lookup status (also in pub->status).
 */
enum mauth_dns_status mauth_dkim_pubrec_lookup(struct mauth_dns *dns,
    const char *domain, const char *selector, const struct mauth_dkim_key *key,
    struct mauth_dkim_published *pub);

/* mauth_dkim_pubrec_ok - found, parses, not revoked, matches the key */
bool mauth_dkim_pubrec_ok(const struct mauth_dkim_published *pub);
void mauth_dkim_pubrec_clear(struct mauth_dkim_published *pub);

/* ------------------------------------------------------------ tables */

/*
 * mauth keeps what it knows about a key in a comment on its KeyTable line
 * (every reader of the table, mauthd and OpenDKIM included, ignores it):
 *
 *   NAME	DOMAIN:SELECTOR:KEY	# mauth: created=2026-11-23T10:00:00Z
 *
 * with retired= and remove-after= added by `mauth keys retire`.  Times
 * are UTC; 0 stands for "not set".
 */
struct mauth_dkim_ktent {
	unsigned line;			/* in the file as read; 0 for an added entry */
	char *name, *domain, *selector;
	char *key;			/* KEY as written */
	char *path;			/* the key file; NULL for an inline key */
	time_t created, retired, remove_after;
};

struct mauth_dkim_stent {
	unsigned line;
	char *pattern;
	char **keys;			/* KeyTable names, in order */
	size_t nkeys;
	char *signer;			/* ":SIGNER" part, or NULL */
};

struct mauth_dkim_tables {
	char *kt_path, *st_path;	/* st_path NULL: no SigningTable read */
	bool refile;			/* the SigningTable is "refile:" */
	struct mauth_dkim_ktent *kt;
	size_t nkt;
	struct mauth_dkim_stent *st;
	size_t nst;
	struct dkim_tables_lines *lines;	/* the text behind them (private) */
};

/*
 * mauth_dkim_tables_read - read a KeyTable and (st_spec not NULL) a
 * SigningTable, given as in mauthd.conf ("file:", "refile:" or a path).
 * Missing files read as empty when missing_ok.  Lines that mauthd would
 * refuse (no value, bad DOMAIN:SELECTOR:KEY) are an error "path:line: ...";
 * keys are not loaded here (mauth_dkim_tables_key does that).
 */
int mauth_dkim_tables_read(const char *kt_spec, const char *st_spec,
    bool missing_ok, struct mauth_dkim_tables **t_r, char **error_r);
void mauth_dkim_tables_free(struct mauth_dkim_tables **t);

/*
 * mauth_dkim_tables_names_check - domain and selector are what a KeyTable
 * line takes (RFC 6376 section 3.1 selectors, domain of two or more
 * labels).  Returns 0, or -1 with *error_r naming the bad one.
 */
int mauth_dkim_tables_names_check(const char *domain, const char *selector,
    char **error_r);

/* mauth_dkim_tables_key - load the key of KeyTable entry i */
int mauth_dkim_tables_key(const struct mauth_dkim_tables *t, size_t i,
    struct mauth_dkim_key **key_r, char **error_r);

/* mauth_dkim_tables_find - index of the KeyTable entry for domain and selector, or -1 */
long mauth_dkim_tables_find(const struct mauth_dkim_tables *t,
    const char *domain, const char *selector);
/* mauth_dkim_tables_find_name - index of the KeyTable entry called name, or -1 */
long mauth_dkim_tables_find_name(const struct mauth_dkim_tables *t,
    const char *name);
/*
 * mauth_dkim_tables_in_use - the first SigningTable entry that names
 * KeyTable entry i (directly, not through "%"), or -1
 */
long mauth_dkim_tables_in_use(const struct mauth_dkim_tables *t, size_t i);

/*
 * mauth_dkim_tables_pattern - the SigningTable pattern that covers every
 * address of domain: "*@DOMAIN" for a refile: table, "DOMAIN" otherwise
 * (opendkim.conf(5) lookup order).  Caller frees.
 */
char *mauth_dkim_tables_pattern(const struct mauth_dkim_tables *t,
    const char *domain);

/* Edits: each changes the entries above and the line they stand on. */

/* mauth_dkim_tables_kt_add - append "NAME DOMAIN:SELECTOR:KEY # mauth: created=" */
void mauth_dkim_tables_kt_add(struct mauth_dkim_tables *t, const char *name,
    const char *domain, const char *selector, const char *key, time_t created);
/* mauth_dkim_tables_kt_set - replace entry i's DOMAIN:SELECTOR:KEY (and created) */
void mauth_dkim_tables_kt_set(struct mauth_dkim_tables *t, size_t i,
    const char *domain, const char *selector, const char *key, time_t created);
/* mauth_dkim_tables_kt_retire - record retired= and remove-after= on entry i */
void mauth_dkim_tables_kt_retire(struct mauth_dkim_tables *t, size_t i,
    time_t retired, time_t remove_after);
/* mauth_dkim_tables_kt_remove - drop entry i and its line */
void mauth_dkim_tables_kt_remove(struct mauth_dkim_tables *t, size_t i);
/* mauth_dkim_tables_st_set - replace the key list of SigningTable entry i */
void mauth_dkim_tables_st_set(struct mauth_dkim_tables *t, size_t i,
    const char *const *keys, size_t nkeys);
/* mauth_dkim_tables_st_add - append "PATTERN KEYNAME" */
void mauth_dkim_tables_st_add(struct mauth_dkim_tables *t, const char *pattern,
    const char *key);

/*
 * mauth_dkim_tables_commit - write the changed tables back: the new text is
 * first loaded as mauthd loads it (every key read, every SigningTable name
 * found, with multiple as MultipleSignatures), then each changed file is
 * replaced atomically, keeping its mode and owner (new files: 0644).
 * Nothing is written when the check fails.  Returns 0, or -1 with *error_r.
 */
int mauth_dkim_tables_commit(struct mauth_dkim_tables *t, bool multiple,
    char **error_r);

/* mauth_dkim_tables_time - "2026-11-23T10:00:00Z" for t (UTC); caller frees */
char *mauth_dkim_tables_time(time_t t);

#endif
