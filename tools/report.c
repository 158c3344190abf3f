/*
 * report.c - mauth report: DMARC aggregate reports from the report store
 *
 *   mauth report send    build, check destinations, deliver (report_send.c)
 *   mauth report show    per policy domain: messages, pass/fail, top failing sources
 *   mauth report rows    every stored row, one tab-separated line each
 *   mauth report expire  delete rows older than a given age
 *
 * Everything reads mauthd's configuration (-c): ReportStore, and for send
 * the Report* keys, Nameservers and DMARCDiscovery.  Times are UTC.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "mauth.h"
#include "report.h"
#include "report_store.h"
#include "xmalloc.h"

#define DAY 86400

static void
report_usage(FILE *f)
{
	fprintf(f,
"usage: mauth report send   [-c FILE] [--from T --to T | --period P] [--domain D]\n"
"                           [--dry-run DIR]\n"
"       mauth report show   [-c FILE] [--from T --to T | --period P] [--domain D]\n"
"       mauth report rows   [-c FILE] [--from T --to T | --period P] [--domain D]\n"
"       mauth report expire [-c FILE] --older-than AGE\n"
"\n"
"DMARC aggregate reports (RFC 9990) from the rows mauthd records in\n"
"ReportStore.\n"
"\n"
"  send    one report per policy domain with rows in the period and a\n"
"          rua=mailto: destination; external destinations must be\n"
"          authorised by <domain>._report._dmarc.<host> TXT (RFC 9990 3);\n"
"          delivered through ReportSMTPServer or ReportSendmail; a period\n"
"          already delivered to a destination is not sent again, a failed\n"
"          delivery is retried by the next run.  Default period: yesterday.\n"
"  show    per policy domain: messages, DMARC pass and fail rates, what\n"
"          was quarantined or rejected, the sources failing most.\n"
"          Default: every row.\n"
"  rows    each row: time, reporter, Message-ID, policy domain, From\n"
"          domain, source IP, dmarc, disposition, spf, dkim (tab-separated).\n"
"  expire  delete rows older than AGE (e.g. 30d, 12h, 2w).\n"
"\n"
"options:\n"
"  -c, --config FILE   mauthd's configuration (default %s)\n"
"  --from T, --to T    the period, both ends included: seconds since 1970,\n"
"                      YYYY-MM-DD (--to: the whole day) or\n"
"                      YYYY-MM-DDTHH:MM[:SS], UTC\n"
"  --period P          yesterday or today (UTC days)\n"
"  --domain D          only the policy domain D\n"
"  --dry-run DIR       send: write each report to DIR under its RFC 9990\n"
"                      file name instead of mailing it\n"
"  --older-than AGE    expire: N followed by s, m, h, d or w\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 done, 1 a store, DNS or delivery error, 2 usage error\n",
	    MAUTH_DEFAULT_CONF);
}

/* ------------------------------------------------------------ times */

/* parse_time - see usage; end: a bare date means its last second */
static int
parse_time(const char *s, bool end, int64_t *t_r)
{
	struct tm tm = { 0 };
	char *rest;

	if (*s >= '0' && *s <= '9' && strspn(s, "0123456789") == strlen(s)) {
		*t_r = strtoll(s, NULL, 10);
		return 0;
	}
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest == NULL)
		return -1;
	if (*rest == '\0') {
		*t_r = (int64_t)timegm(&tm) + (end ? DAY - 1 : 0);
		return 0;
	}
	if ((rest = strptime(rest, "T%H:%M", &tm)) == NULL)
		return -1;
	if (*rest == ':' && (rest = strptime(rest, ":%S", &tm)) == NULL)
		return -1;
	if (*rest == 'Z')
		rest++;
	if (*rest != '\0')
		return -1;
	*t_r = (int64_t)timegm(&tm);
	return 0;
}

static int
parse_period(const char *p, struct mauth_report_period *period)
{
	int64_t midnight = (int64_t)time(NULL) / DAY * DAY;

	if (strcmp(p, "yesterday") == 0) {
		period->begin = midnight - DAY;
		period->end = midnight - 1;
	} else if (strcmp(p, "today") == 0) {
		period->begin = midnight;
		period->end = midnight + DAY - 1;
	} else {
		return -1;
	}
	return 0;
}

/* parse_age - N[s|m|h|d|w] into seconds */
static int
parse_age(const char *s, int64_t *secs_r)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', DAY }, { 'w', 7 * DAY },
	};

	if (end == s || n < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && end[1] == '\0') {
			*secs_r = n * units[i].secs;
			return 0;
		}
	return -1;
}

/* ------------------------------------------------------------ options */

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mauth report: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	report_usage(stderr);
	return MAUTH_EXIT_USAGE;
}

static int
report_options(int argc, char **argv, struct report_opts *o)
{
	enum { O_FROM = 256, O_TO, O_PERIOD, O_DOMAIN, O_DRY, O_OLDER };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "dry-run", required_argument, NULL, O_DRY },
		{ "older-than", required_argument, NULL, O_OLDER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool from = false, to = false, period = false;
	int ch;

	o->config = MAUTH_DEFAULT_CONF;
	o->period.begin = 0;
	o->period.end = INT64_MAX / 2;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'h': report_usage(stdout); return -1;
		case O_FROM:
			if (parse_time(optarg, false, &o->period.begin) < 0)
				return usage_error("--from: bad time \"%s\"", optarg);
			from = true;
			break;
		case O_TO:
			if (parse_time(optarg, true, &o->period.end) < 0)
				return usage_error("--to: bad time \"%s\"", optarg);
			to = true;
			break;
		case O_PERIOD:
			if (parse_period(optarg, &o->period) < 0)
				return usage_error("--period: \"%s\" is not yesterday "
				    "or today", optarg);
			period = true;
			break;
		case O_DOMAIN: o->domain = optarg; break;
		case O_DRY: o->dry_run = optarg; break;
		case O_OLDER: o->older_than = optarg; break;
		default: report_usage(stderr); return MAUTH_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (period && (from || to))
		return usage_error("%s", "--period or --from/--to, not both");
	if (from != to)
		return usage_error("%s", "--from and --to go together");
	if (o->period.end < o->period.begin)
		return usage_error("%s", "--to is before --from");
	o->have_period = period || from;
	return 0;
}

int
report_load(const struct report_opts *o, struct mauth_conf **conf_r,
    struct mauth_report_store **store_r)
{
	char *error = NULL;

	if (mauth_conf_load(o->config, conf_r, &error) < 0) {
		fprintf(stderr, "mauth report: %s\n", error);
		free(error);
		return MAUTH_EXIT_ERROR;
	}
	if (!mauth_conf_report_capture(*conf_r)) {
		fprintf(stderr, "mauth report: %s: ReportStore is none: no rows to "
		    "report\n", o->config);
		mauth_conf_free(conf_r);
		return MAUTH_EXIT_ERROR;
	}
	if (mauth_report_store_open((*conf_r)->report_store, store_r, &error) < 0) {
		fprintf(stderr, "mauth report: %s\n", error);
		free(error);
		mauth_conf_free(conf_r);
		return MAUTH_EXIT_ERROR;
	}
	return 0;
}

/* ------------------------------------------------------------ show */

static double
pct(unsigned long part, unsigned long total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static void
show_one(const struct mauth_report_summary *s)
{
	printf("%s\n", *s->domain ? s->domain : "(no DMARC record)");
	printf("  messages    %lu\n", s->total);
	printf("  dmarc pass  %lu (%.1f%%)\n", s->pass, pct(s->pass, s->total));
	printf("  dmarc fail  %lu (%.1f%%): %lu quarantined, %lu rejected\n",
	    s->fail, pct(s->fail, s->total), s->quarantined, s->rejected);
	if (s->none + s->temperror + s->permerror > 0)
		printf("  other       none %lu, temperror %lu, permerror %lu\n",
		    s->none, s->temperror, s->permerror);
	for (size_t i = 0; i < s->ntop; i++)
		printf("  %s %-39s %lu failed\n", i ? "           " : "top failing",
		    *s->top[i].source_ip ? s->top[i].source_ip : "(unknown)",
		    s->top[i].count);
}

static int
report_show(const struct report_opts *o)
{
	struct mauth_conf *conf;
	struct mauth_report_store *store;
	struct mauth_report_summary *sum;
	size_t n;
	char *error = NULL;
	int rc = report_load(o, &conf, &store);

	if (rc != 0)
		return rc;
	if (mauth_report_store_summary(store, &o->period, o->domain, &sum, &n,
	    &error) < 0) {
		fprintf(stderr, "mauth report show: %s\n", error);
		free(error);
		rc = MAUTH_EXIT_ERROR;
	} else {
		if (n == 0)
			printf("no rows in the period\n");
		for (size_t i = 0; i < n; i++)
			show_one(&sum[i]);
		mauth_report_summary_free(&sum, n);
	}
	mauth_report_store_close(&store);
	mauth_conf_free(&conf);
	return rc;
}

/* ------------------------------------------------------------ rows */

static int
print_row(void *arg, const struct mauth_report_row *r)
{
	static const enum mauth_report_col cols[] = {
		MAUTH_REPORT_COL_TIME, MAUTH_REPORT_COL_REPORTER,
		MAUTH_REPORT_COL_MESSAGE_ID, MAUTH_REPORT_COL_POLICY_DOMAIN,
		MAUTH_REPORT_COL_HEADER_FROM, MAUTH_REPORT_COL_SOURCE_IP,
		MAUTH_REPORT_COL_DMARC, MAUTH_REPORT_COL_DISPOSITION,
		MAUTH_REPORT_COL_SPF_RESULT, MAUTH_REPORT_COL_DKIM,
	};
	(void)arg;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const char *v = r->col[cols[i]];
		fputs(i ? "\t" : "", stdout);
		/* a tab or newline in a Message-ID must not split the line */
		for (; *v != '\0'; v++)
			putchar(*v == '\t' || *v == '\n' || *v == '\r' ? ' ' : *v);
	}
	putchar('\n');
	return 0;
}

static int
report_rows(const struct report_opts *o)
{
	struct mauth_conf *conf;
	struct mauth_report_store *store;
	char *error = NULL;
	int rc = report_load(o, &conf, &store);

	if (rc != 0)
		return rc;
	if (mauth_report_store_rows(store, &o->period, o->domain, print_row,
	    NULL, &error) < 0) {
		fprintf(stderr, "mauth report rows: %s\n", error);
		free(error);
		rc = MAUTH_EXIT_ERROR;
	}
	mauth_report_store_close(&store);
	mauth_conf_free(&conf);
	return fflush(stdout) == 0 ? rc : MAUTH_EXIT_ERROR;
}

/* ------------------------------------------------------------ expire */

static int
report_expire(const struct report_opts *o)
{
	struct mauth_conf *conf;
	struct mauth_report_store *store;
	unsigned long n = 0;
	int64_t age;
	char *error = NULL;
	int rc;

	if (o->older_than == NULL)
		return usage_error("%s", "expire needs --older-than AGE");
	if (parse_age(o->older_than, &age) < 0)
		return usage_error("--older-than: bad age \"%s\" (e.g. 30d)",
		    o->older_than);
	if ((rc = report_load(o, &conf, &store)) != 0)
		return rc;
	if (mauth_report_store_expire(store, (int64_t)time(NULL) - age, &n,
	    &error) < 0) {
		fprintf(stderr, "mauth report expire: %s\n", error);
		free(error);
		rc = MAUTH_EXIT_ERROR;
	} else {
		printf("%lu rows older than %s deleted\n", n, o->older_than);
	}
	mauth_report_store_close(&store);
	mauth_conf_free(&conf);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const struct report_opts *);
	} subs[] = {
		{ "send", report_send }, { "show", report_show },
		{ "rows", report_rows }, { "expire", report_expire },
	};
	struct report_opts o = { 0 };
	int rc;

	if (argc < 2) {
		report_usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		report_usage(stdout);
		return MAUTH_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if ((rc = report_options(argc - 1, argv + 1, &o)) != 0)
			return rc < 0 ? MAUTH_EXIT_OK : rc;
		if (subs[i].run == report_send && !o.have_period)
			parse_period("yesterday", &o.period);
		return subs[i].run(&o);
	}
	return usage_error("unknown subcommand \"%s\"", argv[1]);
}
