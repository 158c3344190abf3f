/*
 * conf_value.h - the value types of mauthd.conf (internal to lib/conf*.c)
 *
 * conf.c holds the table of keys; this layer knows, for each type, how
 * to parse a value into its struct mauth_conf field, how to print it back
 * (for mauth_conf_dump) and how to release it.  Adding a key of an
 * existing type is one table row; adding a type is one case in each of
 * the three functions below.
 *
 * Errors: a parser returns -1 with *why_r, a malloc'd text that names the
 * offending value (or list item) itself, e.g. "bad value \"70s\": more
 * than 60s"; conf.c prefixes "file:line: Key: ".
 */
#ifndef MAUTH_CONF_VALUE_H
#define MAUTH_CONF_VALUE_H

#include <stdbool.h>
#include <stddef.h>

struct mauth_buf;

enum mauth_conf_type {
	MAUTH_CONF_T_STRING,	/* char *: any text; def->check may refuse it */
	MAUTH_CONF_T_PATH,	/* char *: absolute path (the daemon chdirs to /) */
	MAUTH_CONF_T_BOOL,	/* bool: yes/no, true/false, 1/0 */
	MAUTH_CONF_T_TIME,	/* unsigned ms: N, Nms, Ns, Nm; min/max in ms */
	MAUTH_CONF_T_ENUM,	/* int: one of def->names (case-insensitive) */
	MAUTH_CONF_T_CIDRS,	/* struct mauth_cidr_list (ip.h) */
	MAUTH_CONF_T_LIST,	/* char **, NULL-terminated; comma/space separated */
	MAUTH_CONF_T_MODE,	/* unsigned: octal permission bits; min/max */
	MAUTH_CONF_T_SOCKET,	/* char *: mauth_conf_socket_parse() form */
	MAUTH_CONF_T_UINT,	/* unsigned: a whole number; min/max */
};

/* One word of an enum; the first word of a value is its canonical name. */
struct mauth_conf_name {
	const char *name;
	int value;
};

struct mauth_conf_def {
	const char *name;		/* as documented; matched case-insensitively */
	enum mauth_conf_type type;
	size_t offset;			/* of the field in struct mauth_conf */
	const char *def;		/* default, parsed like a file value; NULL: unset */
	char *(*def_fn)(void);		/* computed default (malloc'd text) when def is NULL */
	long long min, max;		/* TIME (ms), MODE, UINT: accepted range */
	const struct mauth_conf_name *names;	/* ENUM: NULL-name-terminated */
	/* STRING, PATH, SOCKET, LIST items: extra check; 0, or -1 with *why_r (the reason only) */
	int (*check)(const char *value, char **why_r);
};

/* mauth_conf_value_parse - text into field; 0, or -1 with *why_r (caller frees) */
int mauth_conf_value_parse(const struct mauth_conf_def *def, const char *text,
    void *field, char **why_r);

/*
 * mauth_conf_value_format - append the field's value as the config file
 * would spell it; returns false (and appends nothing) when it is unset.
 */
bool mauth_conf_value_format(const struct mauth_conf_def *def, const void *field,
    struct mauth_buf *out);

/* mauth_conf_value_clear - release what the field owns and zero it */
void mauth_conf_value_clear(const struct mauth_conf_def *def, void *field);

#endif
