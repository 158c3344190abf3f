/*
 * mauth.c - the operator's CLI: git-style dispatch to subcommands
 *
 *   mauth COMMAND [ARGS...]     run a subcommand (tools/COMMAND.c)
 *   mauth help [COMMAND]        overview, or the subcommand's --help
 *   mauth --version
 *
 * Exit status (mauth.h): 0 done, 1 internal or operational error, 2 usage
 * error.  Usage errors print the usage on stderr; asked-for help goes to
 * stdout.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "xmalloc.h"

#include "mauth.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check", cmd_check,
	  "evaluate a message, print the Authentication-Results mauthd would add" },
	{ "migrate", cmd_migrate,
	  "write a mauthd.conf from an opendkim.conf / opendmarc.conf" },
	{ "sign", cmd_sign,
	  "DKIM-sign a message (RFC 6376, RFC 8463), write it to stdout" },
	{ "keys", cmd_keys,
	  "generate, publish-check, rotate and retire DKIM keys" },
	{ "report", cmd_report,
	  "DMARC aggregate reports: send, show, rows, expire" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

bool
tool_valid_nameserver(const char *text)
{
	const char *at = strrchr(text, '@');
	char *addr = at ? xstrndup(text, (size_t)(at - text)) : xstrdup(text);
	struct mauth_ip ip;
	bool valid = mauth_ip_parse(addr, &ip) == 0;

	free(addr);
	if (valid && at != NULL) {
		char *end;
		long port = strtol(at + 1, &end, 10);

		valid = at[1] != '\0' && *end == '\0' && port > 0 && port <= 65535;
	}
	return valid;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mauth COMMAND [ARGS...]\n"
	    "       mauth help [COMMAND]\n"
	    "       mauth --version\n"
	    "\n"
	    "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'mauth help COMMAND' or 'mauth COMMAND --help' describes one.\n");
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
unknown_command(const char *name)
{
	fprintf(stderr, "mauth: unknown command '%s'\n", name);
	usage(stderr);
	return MAUTH_EXIT_USAGE;
}

/* help - "mauth help [COMMAND]": runs "COMMAND --help" */
static int
help(int argc, char **argv)
{
	const struct command *cmd;
	char *sub_argv[3];

	if (argc < 2) {
		usage(stdout);
		return MAUTH_EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "mauth help: one command at a time\n");
		usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	if ((cmd = find_command(argv[1])) == NULL)
		return unknown_command(argv[1]);
	sub_argv[0] = argv[1];
	sub_argv[1] = (char *)"--help";
	sub_argv[2] = NULL;
	return cmd->run(2, sub_argv);
}

int
main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("mauth %s\n", PACKAGE_VERSION);
		return MAUTH_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return MAUTH_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc - 1, argv + 1);
	if ((cmd = find_command(argv[1])) == NULL)
		return unknown_command(argv[1]);
	return cmd->run(argc - 1, argv + 1);
}
