/*
 * dkim-util.h - what the DKIM tests share: a table-driven DNS backend,
 * files, and feeding a whole message to a verifier or signer the way a
 * milter gets it (message.h form).
 */
#ifndef MAUTH_T_DKIM_UTIL_H
#define MAUTH_T_DKIM_UTIL_H

#include <stddef.h>

#include "dkim.h"
#include "dns.h"

/* tdns_new - a resolver answering only what tdns_txt/tdns_status put in */
struct mauth_dns *tdns_new(void);
/* tdns_txt - one TXT record (already concatenated) at name */
void tdns_txt(struct mauth_dns *dns, const char *name, const char *txt);
/* tdns_status - lookups of name answer status (TIMEOUT, SERVFAIL, ...) */
void tdns_status(struct mauth_dns *dns, const char *name, enum mauth_dns_status st);
/*
 * tdns_load - "name value" lines ("#" comments), as the vector sets write
 * them; with profile, only "[profile] name value" lines of that profile,
 * where "@file:NAME" reads NAME from dir.  Returns records added.
 */
int tdns_load(struct mauth_dns *dns, const char *path, const char *profile,
    const char *dir);
/* tdns_queries - lookups answered so far */
unsigned long tdns_queries(const struct mauth_dns *dns);

/* slurp - a whole file, NUL-terminated; NULL (and a diag) when unreadable */
char *slurp(const char *path, size_t *len_r);
/* tmpdir_new - a fresh private directory under $TMPDIR; rm -r at exit */
const char *tmpdir_new(void);

struct feed_ops {
	void (*header)(void *ctx, const char *name, const char *value);
	void (*eoh)(void *ctx);
	void (*body)(void *ctx, const unsigned char *data, size_t len);
	void *ctx;
};

/*
 * feed_message - split msg (LF or CRLF) like an MTA: fields with
 * continuation lines joined by "\n", then the body with CRLF line endings
 * in chunks of at most chunk octets (0: one chunk).
 */
void feed_message(const char *msg, size_t len, size_t chunk,
    const struct feed_ops *ops);

/* verify_message - a verifier that has been fed msg; free it */
struct mauth_dkim_verify *verify_message(const struct mauth_dkim *dkim,
    const char *msg, size_t len, size_t chunk);

/*
 * sign_message - msg with the signatures of sel on top (CRLF); NULL and a
 * diag when signing fails.  Caller frees.
 */
char *sign_message(const struct mauth_dkim *dkim,
    const struct mauth_dkim_signing *sel, size_t n, const char *msg,
    size_t len, size_t *len_r);

/* result_str - "pass d=example.com s=sel" style summary of one result */
const char *result_str(const struct mauth_dkim_sig *r);

#endif
