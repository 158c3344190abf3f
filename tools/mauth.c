/*
 * mauth.c - the mauth CLI: dispatch to one subcommand per file
 *
 * "mauth SUBCOMMAND [args]"; each subcommand returns the exit status
 * (mauth.h).  (Minimal dispatcher for the DKIM work; the full one with
 * "check" and the global options comes with the inbound work.)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mauth.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "sign", cmd_sign, "DKIM-sign a message (RFC 6376, RFC 8463)" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: mauth COMMAND [ARGS]\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return MAUTH_EXIT_OK;
	}
	fprintf(stderr, "mauth: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return MAUTH_EXIT_USAGE;
}
