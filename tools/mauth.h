/*
 * mauth.h - subcommands of the mauth CLI
 *
 * Each subcommand is int cmd_NAME(int argc, char **argv) with argv[0] the
 * subcommand name; it returns the process exit status: 0 done, 1 internal
 * or operational error, 2 usage error.
 */
#ifndef MAUTH_TOOLS_MAUTH_H
#define MAUTH_TOOLS_MAUTH_H

#include <stdbool.h>

#define MAUTH_EXIT_OK 0
#define MAUTH_EXIT_ERROR 1
#define MAUTH_EXIT_USAGE 2

/* default -c FILE for every subcommand that reads mauthd's settings */
#define MAUTH_DEFAULT_CONF SYSCONFDIR "/mauth/mauthd.conf"

int cmd_check(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* tool_valid_nameserver - ADDR or ADDR@PORT, ADDR an IPv4 or IPv6 address */
bool tool_valid_nameserver(const char *text);

#endif
