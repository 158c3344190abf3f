/*
 * dkim.h - DKIM verification and signing (RFC 6376, RFC 8463, RFC 8301)
 *
 * libopendkim does canonicalization, hashing and the RSA / Ed25519
 * operations; mauth wraps it so that
 *   - key lookups go through lib/dns (one resolver and cache for SPF, DKIM
 *     and DMARC), and a DNS timeout or SERVFAIL (temperror) never turns
 *     into an absent key (permerror) or the other way round;
 *   - every DKIM-Signature gets its own verdict, even when another one on
 *     the same message is malformed;
 *   - the DKIM-Signature tag-list and the key record are checked by mauth
 *     (RFC 6376 sections 3.2, 3.5, 3.6.1) before libopendkim sees them, so a
 *     d= such as "legitimate.com(.attacker.com" never reaches a DNS query;
 *   - RFC 8301 is applied: rsa-sha1 and RSA keys below MinimumKeyBits do
 *     not pass (result "policy", the signature is still checked so the
 *     reason can say whether it would have verified).
 *
 * Results (RFC 8601 section 2.7.1), one per DKIM-Signature:
 *   pass       the signature and the body hash verified
 *   fail       the signature or the body hash did not verify
 *   policy     verified, but not acceptable here: rsa-sha1, a short RSA
 *              key, or more signatures than MaximumSignaturesToVerify
 *   neutral    well formed, but uses something this verifier does not
 *              implement (another v=, a=, c= or q=)
 *   permerror  malformed signature, missing/unusable/revoked key
 *              (NXDOMAIN, NODATA, bad key record), From not signed, i=
 *              outside d=, expired, l= past the end of the body
 *   temperror  DNS TIMEOUT, SERVFAIL or other resolver failure; internal
 *              errors
 *   none       (no signature: the result list is empty)
 *
 * Threads: a struct mauth_dkim is built once (per configuration) and then
 * shared read-only by any number of threads; a verifier or signer object
 * belongs to one message and one thread.
 *
 * Ownership: strings passed in are copied.  Everything returned through a
 * const pointer belongs to the object it came from and lives until that
 * object is freed.
 */
#ifndef MAUTH_DKIM_H
#define MAUTH_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dns.h"

enum mauth_dkim_result {
	MAUTH_DKIM_NONE = 0,
	MAUTH_DKIM_PASS,
	MAUTH_DKIM_FAIL,
	MAUTH_DKIM_POLICY,
	MAUTH_DKIM_NEUTRAL,
	MAUTH_DKIM_TEMPERROR,
	MAUTH_DKIM_PERMERROR,
};

enum mauth_dkim_alg {
	MAUTH_DKIM_ALG_UNKNOWN = 0,
	MAUTH_DKIM_RSA_SHA1,
	MAUTH_DKIM_RSA_SHA256,
	MAUTH_DKIM_ED25519_SHA256,
};

enum mauth_dkim_canon {
	MAUTH_DKIM_RELAXED = 0,
	MAUTH_DKIM_SIMPLE,
};

/* The verdict on one DKIM-Signature header field. */
struct mauth_dkim_sig {
	enum mauth_dkim_result result;
	char *domain;		/* d= as written; NULL if absent */
	char *selector;		/* s=; NULL if absent */
	char *identity;		/* i= decoded, or "@" d= when absent (the AUID); NULL if no d= */
	char *algorithm;	/* a= as written; NULL if absent */
	char b[9];		/* first 8 characters of b= (RFC 6008), FWS removed */
	bool has_length;	/* l= present: only part of the body is signed */
	unsigned long long length;	/* l= value */
	unsigned long long body_octets;	/* octets of body the verifier saw */
	unsigned key_bits;	/* size of the public key; 0 if none was loaded */
	bool testing;		/* key record has t=y (RFC 6376 section 3.6.1) */
	bool verified;		/* signature and body hash checked out (pass, or policy) */
	enum mauth_dns_security key_security;	/* DNSSEC state of the key answer */
	char *reason;		/* what happened, for humans and logs */
};

struct mauth_dkim_options {
	struct mauth_dns *dns;		/* key lookups; not owned; must outlive the context */
	unsigned min_key_bits;		/* MinimumKeyBits: RSA keys below give policy (default 1024) */
	unsigned max_signatures;	/* MaximumSignaturesToVerify (default 10) */
	/* signing */
	enum mauth_dkim_canon header_canon;	/* default relaxed */
	enum mauth_dkim_canon body_canon;	/* default relaxed */
	const char *const *sign_headers;	/* SignHeaders, NULL-terminated; NULL: default list */
	const char *const *oversign_headers;	/* OversignHeaders; NULL: default list */
	unsigned signature_ttl;		/* SignatureTTL: x= = t= + ttl; 0: no x= */
	time_t fixed_time;		/* t= to write (tests); 0: the clock */
};

/* The defaults when the configuration says nothing (mauth_dkim_options_init). */
#define MAUTH_DKIM_MIN_KEY_BITS 1024
#define MAUTH_DKIM_MAX_SIGNATURES 10

/*
 * Default SignHeaders: RFC 6376 section 5.4.1's list, plus the MIME header
 * fields that decide how the body is shown (RFC 6376 section 5.4 asks
 * signers to cover the fields that convey the content).
 */
extern const char *const mauth_dkim_default_sign_headers[];
/*
 * Default OversignHeaders: the fields RFC 5322 section 3.6 (and RFC 2045)
 * allow once at most; listing each once more than present in h= keeps
 * anyone from adding a second instance (RFC 6376 section 8.15).
 */
extern const char *const mauth_dkim_default_oversign_headers[];

struct mauth_dkim;

/* mauth_dkim_options_init - defaults for everything; dns left NULL */
void mauth_dkim_options_init(struct mauth_dkim_options *opt);

/*
 * mauth_dkim_options_conf - the options mauthd.conf (conf.h) asks for:
 * Canonicalization, SignHeaders, OversignHeaders ("none": no oversigning),
 * SignatureTTL, MinimumKeyBits, MaximumSignaturesToVerify.  opt points
 * into conf, which must outlive the options (and the context made of them).
 */
struct mauth_conf;
void mauth_dkim_options_conf(struct mauth_dkim_options *opt,
    const struct mauth_conf *conf, struct mauth_dns *dns);

/*
 * mauth_dkim_new - set up libopendkim for verifying and signing with opt.
 * Returns 0, or -1 with *error_r (caller frees) when libopendkim cannot be
 * set up or a header list is unusable.
 */
int mauth_dkim_new(const struct mauth_dkim_options *opt,
    struct mauth_dkim **dkim_r, char **error_r);
void mauth_dkim_free(struct mauth_dkim **dkim);

/*
 * mauth_dkim_thread_end - release what OpenSSL keeps for the calling
 * thread (its random generators, made by the first RSA signature).  A
 * thread that signed or verified calls it when its work is done, while
 * OpenSSL is certainly still set up: left to the thread's exit, the clean-
 * up is skipped when the process is already exiting (OpenSSL's atexit
 * handler has gone), and the memory is lost.  Harmless to call again.
 */
void mauth_dkim_thread_end(void);

/* mauth_dkim_result_name - "pass", "fail", ... (RFC 8601 spelling) */
const char *mauth_dkim_result_name(enum mauth_dkim_result result);
/* mauth_dkim_alg_name - "rsa-sha256", ...; NULL for unknown */
const char *mauth_dkim_alg_name(enum mauth_dkim_alg alg);

/* ------------------------------------------------------------ verify */

struct mauth_dkim_verify;

/*
 * mauth_dkim_verify_new - a verifier for one message.  id names the
 * message in libopendkim's own error texts (a queue id; may be NULL).
 */
struct mauth_dkim_verify *mauth_dkim_verify_new(const struct mauth_dkim *dkim,
    const char *id);
void mauth_dkim_verify_free(struct mauth_dkim_verify **v);

/*
 * Feed the message as a milter gets it (message.h): header name without
 * the colon, value with its leading white space and continuation lines
 * joined by "\n"; then end of headers; then body chunks with CRLF line
 * endings, split anywhere; then end of message.  Key lookups happen in
 * mauth_dkim_verify_eoh().  Nothing here fails: problems end up in the
 * per-signature results (an internal error makes them temperror).
 */
void mauth_dkim_verify_header(struct mauth_dkim_verify *v, const char *name,
    const char *value);
void mauth_dkim_verify_eoh(struct mauth_dkim_verify *v);
void mauth_dkim_verify_body(struct mauth_dkim_verify *v,
    const unsigned char *data, size_t len);
void mauth_dkim_verify_eom(struct mauth_dkim_verify *v);

/*
 * mauth_dkim_verify_results - after eom: one result per DKIM-Signature in
 * header order (top first), at most max_signatures of them; 0 when the
 * message is unsigned (dkim=none).
 */
size_t mauth_dkim_verify_results(const struct mauth_dkim_verify *v,
    const struct mauth_dkim_sig **sigs_r);
/* mauth_dkim_verify_skipped - signatures not verified (beyond max_signatures) */
size_t mauth_dkim_verify_skipped(const struct mauth_dkim_verify *v);

/* ------------------------------------------------------------ keys */

/* A private key, parsed once (at start-up) and kept in memory. */
struct mauth_dkim_key;

/*
 * mauth_dkim_key_load - read a private key file: PEM (PKCS#1 or PKCS#8),
 * base64 DER, or a base64 Ed25519 seed (RFC 8463 appendix A form).  The
 * file must be a regular file that neither group nor others may read or
 * write.  RSA keys must have at least 1024 bits (RFC 8301 section 3.2).
 * Returns 0, or -1 with *error_r naming path and the fault.
 */
int mauth_dkim_key_load(const char *path, struct mauth_dkim_key **key_r,
    char **error_r);
/* mauth_dkim_key_parse - the same from memory; what names it in errors */
int mauth_dkim_key_parse(const char *data, size_t len, const char *what,
    struct mauth_dkim_key **key_r, char **error_r);
void mauth_dkim_key_free(struct mauth_dkim_key **key);
enum mauth_dkim_alg mauth_dkim_key_alg(const struct mauth_dkim_key *key);
unsigned mauth_dkim_key_bits(const struct mauth_dkim_key *key);
/*
 * mauth_dkim_key_public - the p= value of the matching key record (base64
 * SubjectPublicKeyInfo for RSA, the raw 32 octets for Ed25519, RFC 8463);
 * the caller frees it.
 */
char *mauth_dkim_key_public(const struct mauth_dkim_key *key);

/* One signature to make: key, d=, s=, optional i=. */
struct mauth_dkim_signing {
	const struct mauth_dkim_key *key;	/* borrowed from the key table */
	char *domain;
	char *selector;
	char *identity;		/* NULL: no i= */
	char *key_name;		/* KeyTable name, for logs; NULL outside tables */
};

void mauth_dkim_signings_free(struct mauth_dkim_signing **sel, size_t n);

/* KeyTable + SigningTable (OpenDKIM semantics, opendkim.conf(5)). */
struct mauth_dkim_keys;

/*
 * mauth_dkim_keys_load - read KeyTable and SigningTable ("file:PATH",
 * "refile:PATH" for SigningTable only, or a PATH), load every key they
 * name and check the tables against each other.  multiple is
 * MultipleSignatures.  Returns 0, or -1 with *error_r "file:line: ...".
 */
int mauth_dkim_keys_load(const char *keytable, const char *signingtable,
    bool multiple, struct mauth_dkim_keys **keys_r, char **error_r);
void mauth_dkim_keys_free(struct mauth_dkim_keys **keys);
/* mauth_dkim_keys_count - keys loaded (for the start-up log line) */
size_t mauth_dkim_keys_count(const struct mauth_dkim_keys *keys);

/*
 * mauth_dkim_keys_select - the signatures to make for a message whose From
 * header field has the value from (as a milter gets it).  Returns how many
 * were put in *sel_r (free with mauth_dkim_signings_free); 0 when the From
 * address matches no SigningTable entry.  When an entry matched but could
 * not be used (a "%" key name missing from the KeyTable, an unparsable
 * From), *problem_r says why (caller frees; NULL otherwise).
 */
size_t mauth_dkim_keys_select(const struct mauth_dkim_keys *keys,
    const char *from, struct mauth_dkim_signing **sel_r, char **problem_r);

/*
 * mauth_dkim_from_address - the addr-spec of the first mailbox of a From
 * field value, lower-cased domain; NULL (and *error_r) when there is none.
 */
char *mauth_dkim_from_address(const char *from, char **error_r);

/* ------------------------------------------------------------ sign */

struct mauth_dkim_sign;

/*
 * mauth_dkim_sign_new - a signer for one message making n signatures
 * (e.g. RSA and Ed25519 for one domain, RFC 8463).  sel is copied; the keys
 * it points to must outlive the signer.  Returns NULL with *error_r when a
 * signature cannot be set up (bad d=/s=, key/algorithm mismatch).
 */
struct mauth_dkim_sign *mauth_dkim_sign_new(const struct mauth_dkim *dkim,
    const struct mauth_dkim_signing *sel, size_t n, const char *id,
    char **error_r);
void mauth_dkim_sign_free(struct mauth_dkim_sign **s);

/* Fed like the verifier (header values as message.h describes them). */
void mauth_dkim_sign_header(struct mauth_dkim_sign *s, const char *name,
    const char *value);
void mauth_dkim_sign_eoh(struct mauth_dkim_sign *s);
void mauth_dkim_sign_body(struct mauth_dkim_sign *s,
    const unsigned char *data, size_t len);

/*
 * mauth_dkim_sign_eom - compute the signatures.  Returns 0, or -1 with
 * *error_r (caller frees) when any of them could not be made (no From
 * header field, libopendkim failure); then no signature should be added.
 */
int mauth_dkim_sign_eom(struct mauth_dkim_sign *s, char **error_r);

/*
 * mauth_dkim_sign_fields - after a successful eom: the DKIM-Signature field
 * values, one per signing in the order given to mauth_dkim_sign_new().
 * Each value starts with a space and its continuation lines are joined by
 * "\n" (message.h form); it is exactly what was signed (simple header
 * canonicalization depends on it), so it must be added unchanged.
 */
size_t mauth_dkim_sign_fields(const struct mauth_dkim_sign *s,
    const char *const **values_r);

#endif
