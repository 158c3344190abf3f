/*
 * rfc5322_addr.h - the mailboxes of an RFC 5322 address field (From:)
 *
 * DMARC (RFC 9989 section 5.3.1) starts from the domain of the author
 * address in the From field.  Everything below DMARC depends on that
 * domain being the one a reader of the message sees, so the parser is
 * strict where two readings could give different domains and lenient only
 * where the domain cannot change:
 *
 *   accepted   RFC 5322 section 3.4 address lists: name-addr, addr-spec,
 *              groups (also in From, RFC 6854), quoted strings with
 *              quoted-pairs, nested comments anywhere CFWS may stand,
 *              folding white space; the obsolete forms of section 4.4
 *              (empty list elements, routes "<@a,@b:user@dom>", CFWS
 *              around dots, "." in display names); UTF-8 (RFC 6532),
 *              with U-label domains converted to A-labels (RFC 5890);
 *   lenient    a display name without angle brackets before an addr-spec
 *              ("Joe joe@example.com"), and a group whose ";" is missing
 *              at the end of the field - in both the domain is plain;
 *   refused    anything else: unbalanced or nested angle brackets, "@"
 *              or ">" in a display name, unterminated quotes, comments
 *              or domain literals, address literals ("user@[192.0.2.1]"),
 *              a mailbox without a domain, a domain that is not a valid
 *              DNS name, control characters, a nested group.
 *
 * Encoded words (RFC 2047) are display text only: they are never decoded,
 * so one cannot smuggle an address into the parse.
 *
 * Ownership: a struct mauth_rfc5322_addr_list filled by the parser owns
 * every string in it; mauth_rfc5322_addr_list_clear() releases them.
 * The functions are reentrant.
 */
#ifndef MAUTH_RFC5322_ADDR_H
#define MAUTH_RFC5322_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* More mailboxes than this in one field is treated as an attack. */
#define MAUTH_RFC5322_MAX_MAILBOXES 1000

struct mauth_rfc5322_mailbox {
	char *local_part;	/* as written, quoted-strings unquoted */
	char *domain;		/* lower case; U-labels converted to A-labels */
};

struct mauth_rfc5322_addr_list {
	size_t count;				/* mailboxes, in field order */
	struct mauth_rfc5322_mailbox *mailbox;
	size_t ndomains;			/* distinct domains, first-seen order */
	char **domains;				/* point into mailbox[].domain */
	bool lenient;				/* a lenient form was accepted */
};

/*
 * mauth_rfc5322_addr_parse - parse the value of an address field (the
 * text after "From:"; line folds may be "\r\n" or "\n").  Returns 0 and
 * fills *list (which must be zeroed or cleared), or -1 with *error_r
 * saying what is wrong and where (the caller frees it); *list is then
 * empty.  A field that parses but holds no mailbox (an empty group,
 * "undisclosed-recipients:;") returns 0 with count 0.
 */
int mauth_rfc5322_addr_parse(const char *value, size_t len,
    struct mauth_rfc5322_addr_list *list, char **error_r);

/* mauth_rfc5322_addr_list_clear - free what the list owns and zero it */
void mauth_rfc5322_addr_list_clear(struct mauth_rfc5322_addr_list *list);

#endif
