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
 * one resinfo per method result, "; "-separated, all on one line.  Folded
 * when asked: "\n\t" (LF TAB) after the ";" that starts each resinfo, and
 * also before a reason= or property that would take a line past 78
 * octets, e.g.
 *   ID;\n\tspf=pass smtp.mailfrom=user@example.org
 * The folded form is meant for smfi_insheader()/smfi_addheader(): the
 * milter API documents a bare LF followed by white space as the way to
 * fold a header value, Postfix's cleanup(8) splits the value at LF into
 * its header records and Sendmail writes it out with its own line ending,
 * so LF (not CRLF) is the one form both MTAs store as a proper CRLF fold.
 * "ID; none" is never folded.
 *
 * Values: the authserv-id and reason= are written as an RFC 2045 token when
 * they are one, else as a quoted-string; a property value as a token, as
 * [local-part "@"] domain-name (local-part a dot-atom, RFC 8601 pvalue), else
 * as a quoted-string.  In a quoted-string '"' and '\' are escaped and every
 * control character (CR and LF included) is written as '?', so no value can
 * end the header line.  method and result are written as given (they are
 * mauth's own keywords).
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

/*
 * mauth_authres_comment - a comment for the resinfo added last, written
 * right after its result: "dmarc=fail (p=reject dis=reject) header.from=..."
 * (RFC 8601 section 2.2 allows CFWS there).  "(", ")" and "\" in text are
 * escaped and control characters written as '?'.  No-op before the first
 * mauth_authres_add(); a second call replaces the first.
 */
void mauth_authres_comment(struct mauth_authres *ar, const char *text);

/* mauth_authres_format - the field body (after "Authentication-Results:") */
char *mauth_authres_format(const struct mauth_authres *ar, bool fold);

/*
 * mauth_authres_parse_id - the authserv-id of a field body (skipping CFWS,
 * i.e. white space, folding and nested comments; value is token or
 * quoted-string, returned unquoted).  An optional authres-version (digits
 * after CFWS) may follow, then ";" or the end of the body; the rest of the
 * field is not examined.  Returns 0 with a copy in *id_r, or -1 with
 * *error_r when the body has no recognisable authserv-id (empty, unclosed
 * comment or quote, other text after the id).
 */
int mauth_authres_parse_id(const char *body, size_t len, char **id_r, char **error_r);

/*
 * mauth_authres_claims_id - true when body's authserv-id equals id
 * (case-insensitive, as domain names compare).  A body that cannot be
 * parsed claims nothing.
 */
bool mauth_authres_claims_id(const char *body, size_t len, const char *id);

#endif
