/*
 * migrate.h - mauth migrate: the table of OpenDKIM and OpenDMARC options
 *
 * One row per option of opendkim.conf(5) and opendmarc.conf(5) (Debian
 * 12: OpenDKIM 2.11.0, OpenDMARC 1.4.2).  A row names the mauthd.conf key
 * the option becomes and how its value converts, or, for an option mauth
 * has no equivalent for, says why in a note that `mauth migrate` prints
 * and the README's table shows.  When mauth gains a key (DKIM's KeyTable,
 * DMARC's policy keys), mapping the option is a change to its row.
 */
#ifndef MAUTH_TOOLS_MIGRATE_H
#define MAUTH_TOOLS_MIGRATE_H

#include <stddef.h>

struct mauth_buf;

#define MIGRATE_OPENDKIM	1u
#define MIGRATE_OPENDMARC	2u
#define MIGRATE_BOTH		(MIGRATE_OPENDKIM | MIGRATE_OPENDMARC)

/*
 * A converter writes the mauthd.conf value for an option's value into out
 * and returns MIGRATE_MAPPED; or MIGRATE_DEFAULT when the value means
 * mauthd's default (nothing is written); or MIGRATE_UNMAPPED with the
 * reason in why.  A mapped value may still lose something: why then says
 * what (the caller reports it as a warning).
 */
enum migrate_status {
	MIGRATE_MAPPED = 0,
	MIGRATE_DEFAULT,
	MIGRATE_UNMAPPED,
};

typedef enum migrate_status migrate_convert_fn(const char *value,
    struct mauth_buf *out, struct mauth_buf *why);

struct migrate_option {
	const char *name;		/* as the peers' manuals spell it */
	unsigned from;			/* MIGRATE_OPENDKIM, _OPENDMARC or both */
	const char *key;		/* mauthd.conf key; NULL: no equivalent */
	migrate_convert_fn *convert;	/* NULL: the value as it is */
	const char *note;		/* what changes, or why not mapped */
};

/* migrate_options - the table; *n_r rows, sorted by name */
const struct migrate_option *migrate_options(size_t *n_r);

/* migrate_option_find - the row of name (case-insensitive) for from, or NULL */
const struct migrate_option *migrate_option_find(const char *name, unsigned from);

#endif
