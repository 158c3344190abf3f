/*
 * keys_help.h - help texts of `mauth keys` (keys_help.c)
 */
#ifndef MAUTH_TOOLS_KEYS_HELP_H
#define MAUTH_TOOLS_KEYS_HELP_H

#include <stdio.h>

struct keys_help {
	const char *name;
	const char *synopsis;	/* "mauth keys NAME ..." lines */
	const char *text;	/* what it does, options */
	const char *example;	/* command lines, each starting "mauth keys NAME " */
};

/* keys_help_find - the help of subcommand name, or NULL */
const struct keys_help *keys_help_find(const char *name);
/* keys_help_one - usage, text and example of one subcommand */
void keys_help_one(FILE *f, const struct keys_help *h);
/* keys_help_all - the overview and every subcommand */
void keys_help_all(FILE *f);
/* keys_help_usage - the short usage for errors */
void keys_help_usage(FILE *f);

#endif
