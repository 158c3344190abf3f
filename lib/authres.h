/*
 * authres.h - Authentication-Results header fields (RFC 8601)
 *
 * Building: collect one resinfo per method result, then format the field
 * body.  Parsing: only as far as mauth needs to find the authserv-id of an
 * incoming field (RFC 8601 section 5: fields that claim our authserv-id
 * are removed before delivery).
 *
 * Format produced (the public, scripted interface; see man/mauthd.8):
 *   ID; spf=pass smtp.mailfrom=user@example.org
 *   ID; spf=none smtp.helo=mx.example.org
 *   ID; none                                 (nothing evaluated)
 * one resinfo per method result, "; "-separated; folded (CRLF TAB before
 * each resinfo) when asked, so long fields stay under 78 octets per line
 * where possible.  A property value that is not a valid RFC 2045 token or
 * [local-part "@"] domain is written as a quoted-string.
 */
#ifndef MAUTH_AUTHRES_H
#define MAUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

struct mauth_authres;

struct mauth_authres *mauth_authres_new(const char *authserv_id);
void mauth_authres_free(struct mauth_authres **ar);

/*
 * mauth_authres_add - one resinfo: method ("spf"), result ("pass"), an
 * optional reason (RFC 8601 section 2.2 reason=, NULL for none), then
 * ptype.property/value pairs terminated by NULL, e.g.
 *   mauth_authres_add(ar, "spf", "pass", NULL,
 *       "smtp.mailfrom", "user@example.org", NULL);
 * Values are copied.
 */
void mauth_authres_add(struct mauth_authres *ar, const char *method,
    const char *result, const char *reason, ...) __attribute__((sentinel));

/* mauth_authres_format - the field body (after "Authentication-Results:") */
char *mauth_authres_format(const struct mauth_authres *ar, bool fold);

/*
 * mauth_authres_parse_id - the authserv-id of a field body (skipping CFWS;
 * value is token or quoted-string).  Returns 0 with a copy in *id_r, or -1
 * with *error_r when the body has no recognisable authserv-id.
 */
int mauth_authres_parse_id(const char *body, size_t len, char **id_r, char **error_r);

/*
 * mauth_authres_claims_id - true when body's authserv-id equals id
 * (case-insensitive, as domain names compare).  A body that cannot be
 * parsed claims nothing.
 */
bool mauth_authres_claims_id(const char *body, size_t len, const char *id);

#endif
