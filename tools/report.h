/*
 * report.h - what the `mauth report` subcommands share (tools/report.c,
 * tools/report_send.c)
 */
#ifndef MAUTH_TOOLS_REPORT_H
#define MAUTH_TOOLS_REPORT_H

#include <stdbool.h>

#include "conf.h"
#include "report_store.h"

struct report_opts {
	const char *config;
	struct mauth_report_period period;
	bool have_period;
	const char *domain;		/* --domain; NULL: every domain */
	const char *dry_run;		/* --dry-run DIR */
	const char *older_than;		/* --older-than */
};

/*
 * report_load - the configuration and the store it names; 0, or an exit
 * status with the reason on stderr.
 */
int report_load(const struct report_opts *o, struct mauth_conf **conf_r,
    struct mauth_report_store **store_r);

/* report_send - `mauth report send` once options are parsed */
int report_send(const struct report_opts *o);

#endif
