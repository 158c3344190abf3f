/*
 * report_send.c - mauth report send: one aggregate report per policy
 * domain, to each destination its policy asks for and may have
 *
 * For each policy domain with rows in the period: the published policy of
 * its last row (RFC 9990: the final configuration observed), its records
 * grouped by source, identifiers, results and disposition, the XML in
 * ReportFormat, gzip'd; then per rua=mailto: destination: ReportIgnore-
 * Domains, the external-destination check (lib/report_dest.c), the size
 * limit, the sent-log (a period already delivered is not sent again),
 * delivery, and the outcome recorded.  One line on stdout says what
 * happened to each domain and destination, so an operator (and the
 * tests) can see why a report was or was not sent.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc_discover.h"
#include "dns_unbound.h"
#include "mauth.h"
#include "report.h"
#include "report_dest.h"
#include "report_mail.h"
#include "report_send.h"
#include "report_xml.h"
#include "xmalloc.h"

#define SEND_SMTP_TIMEOUT_MS 30000

struct send_ctx {
	const struct report_opts *o;
	struct mauth_conf *conf;
	struct mauth_report_store *store;
	struct mauth_dns *dns;
	struct mauth_dmarc_psl *psl;
	const char *receiver;		/* the domain of ReportEmail */
	char *password;			/* ReportSMTPPasswordFile's first line */
	int failures;
};

/* one built report */
struct built {
	char *id;
	unsigned char *gz;
	size_t gzlen;
	size_t records;
	unsigned long messages;
};

/* ------------------------------------------------------------ setup */

static int
read_password(const char *path, char **pw_r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		fprintf(stderr, "mauth report send: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		fprintf(stderr, "mauth report send: %s: empty\n", path);
		free(line);
		return -1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	*pw_r = line;
	return 0;
}

static int
send_setup(struct send_ctx *c)
{
	const struct mauth_conf *conf = c->conf;
	struct mauth_dns_unbound_config cfg = {
		.nameservers = (const char *const *)conf->nameservers,
		.timeout_ms = conf->dns_timeout_ms,
		.trust_anchor_file = conf->trust_anchor_file,
	};
	char *error = NULL;

	if (conf->report_email == NULL) {
		fprintf(stderr, "mauth report send: %s: ReportEmail is not set "
		    "(reports need a sender and contact address)\n", c->o->config);
		return -1;
	}
	c->receiver = strrchr(conf->report_email, '@') + 1;
	if (conf->report_smtp_user != NULL &&
	    (conf->report_smtp_password_file == NULL ||
	    read_password(conf->report_smtp_password_file, &c->password) < 0)) {
		if (conf->report_smtp_password_file == NULL)
			fprintf(stderr, "mauth report send: ReportSMTPUser needs "
			    "ReportSMTPPasswordFile\n");
		return -1;
	}
	if ((c->dns = mauth_dns_unbound_new(&cfg, &error)) == NULL ||
	    (conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL &&
	    (c->psl = mauth_dmarc_psl_load(conf->public_suffix_list, &error)) == NULL)) {
		fprintf(stderr, "mauth report send: %s\n", error);
		free(error);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ building */

static void
built_free(struct built *b)
{
	free(b->id);
	free(b->gz);
	memset(b, 0, sizeof(*b));
}

/*
 * build - the report of domain: XML, gzip; the Report-ID recorded in the
 * store (a dry run takes a fresh one and records nothing).
 */
static int
build(struct send_ctx *c, const char *domain,
    const struct mauth_report_row *policy, struct built *b)
{
	const struct mauth_conf *conf = c->conf;
	struct mauth_report_group *groups = NULL;
	char *fresh = mauth_report_new_id(), *xml = NULL, *error = NULL;
	size_t n = 0;
	int rc = -1;

	if (mauth_report_store_groups(c->store, domain, &c->o->period, &groups,
	    &n, &error) < 0)
		goto out;
	if (c->o->dry_run != NULL)
		b->id = xstrdup(fresh);
	else if (mauth_report_store_report_id(c->store, domain, &c->o->period,
	    fresh, &b->id, &error) < 0)
		goto out;
	struct mauth_report_meta meta = {
		.format = conf->report_format,
		.org_name = conf->report_org_name ? conf->report_org_name : c->receiver,
		.email = conf->report_email,
		.extra_contact_info = conf->report_contact_info,
		.report_id = b->id,
		.generator = "mauth " PACKAGE_VERSION,
		.period = c->o->period,
	};
	if ((xml = mauth_report_xml(&meta, policy, groups, n, &error)) == NULL ||
	    mauth_report_gzip(xml, strlen(xml), &b->gz, &b->gzlen, &error) < 0)
		goto out;
	b->records = n;
	for (size_t i = 0; i < n; i++)
		b->messages += groups[i].count;
	rc = 0;
out:
	if (rc < 0) {
		printf("%s: report not built: %s\n", domain, error);
		built_free(b);
	}
	free(error);
	free(xml);
	free(fresh);
	mauth_report_groups_free(&groups, n);
	return rc;
}

/* ------------------------------------------------------------ delivery */

static int
deliver(struct send_ctx *c, const char *domain, const char *to,
    const struct built *b, char **error_r)
{
	const struct mauth_conf *conf = c->conf;
	struct mauth_report_mail m = {
		.from = conf->report_email,
		.to = to,
		.receiver = c->receiver,
		.policy_domain = domain,
		.report_id = b->id,
		.period = &c->o->period,
		.gz = b->gz,
		.gzlen = b->gzlen,
		.date = time(NULL),
	};
	char *msg = mauth_report_mail_compose(&m);
	int rc;

	if (conf->report_smtp_server != NULL) {
		struct mauth_report_smtp smtp = {
			.server = conf->report_smtp_server,
			.tls = conf->report_smtp_tls,
			.ca_file = conf->report_smtp_ca_file,
			.user = conf->report_smtp_user,
			.password = c->password,
			.helo = conf->authserv_id,
			.timeout_ms = SEND_SMTP_TIMEOUT_MS,
		};
		rc = mauth_report_smtp_send(&smtp, conf->report_email, to, msg, error_r);
	} else {
		rc = mauth_report_sendmail(conf->report_sendmail, conf->report_email,
		    msg, error_r);
	}
	free(msg);
	return rc;
}

static int
write_dry_run(struct send_ctx *c, const char *domain, const struct built *b)
{
	char *name = mauth_report_filename(c->receiver, domain, &c->o->period, b->id);
	char *path = xasprintf("%s/%s", c->o->dry_run, name);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL || fwrite(b->gz, 1, b->gzlen, f) != b->gzlen ||
	    fclose(f) != 0) {
		printf("%s: cannot write %s: %s\n", domain, path, strerror(errno));
		c->failures++;
		rc = -1;
	} else {
		printf("%s: written %s\n", domain, path);
	}
	free(path);
	free(name);
	return rc;
}

/* to_dest - one destination: checks, sent-log, delivery, record */
static void
to_dest(struct send_ctx *c, const char *domain, const struct mauth_report_dest *d,
    const struct built *b)
{
	enum mauth_report_sent sent;
	unsigned tries = 0;
	char *error = NULL;
	int64_t now = (int64_t)time(NULL);

	if (d->status != MAUTH_REPORT_DEST_OK) {
		printf("%s -> %s: not sent: %s\n", domain, d->address, d->why);
		c->failures += d->status == MAUTH_REPORT_DEST_TEMPERROR;
		return;
	}
	if (d->max_size > 0 && b->gzlen > d->max_size) {
		printf("%s -> %s: not sent: the report (%zu bytes) exceeds the "
		    "destination's limit of %llu bytes\n", domain, d->address,
		    b->gzlen, (unsigned long long)d->max_size);
		return;
	}
	if (mauth_report_store_sent_status(c->store, domain, d->address,
	    &c->o->period, &sent, &tries, &error) < 0) {
		printf("%s -> %s: not sent: %s\n", domain, d->address, error);
		c->failures++;
		free(error);
		return;
	}
	if (sent == MAUTH_REPORT_SENT_DONE) {
		printf("%s -> %s: already sent for this period\n", domain, d->address);
		return;
	}
	if (c->o->dry_run != NULL) {
		printf("%s -> %s: would be sent%s\n", domain, d->address,
		    d->external ? " (external, authorised)" : "");
		return;
	}
	char *derr = NULL;
	if (deliver(c, domain, d->address, b, &derr) == 0) {
		printf("%s -> %s: sent report %s%s\n", domain, d->address, b->id,
		    tries ? " (retry)" : "");
	} else {
		printf("%s -> %s: failed, retried by the next run: %s\n", domain,
		    d->address, derr);
		c->failures++;
	}
	if (mauth_report_store_sent_mark(c->store, domain, d->address,
	    &c->o->period, b->id, derr, now, &error) < 0) {
		printf("%s -> %s: cannot record the outcome: %s\n", domain,
		    d->address, error);
		c->failures++;
		free(error);
	}
	free(derr);
}

/* one_domain - build domain's report and hand it to each destination */
static void
one_domain(struct send_ctx *c, const char *domain)
{
	const struct mauth_conf *conf = c->conf;
	struct mauth_report_row *policy = NULL;
	struct mauth_report_dest *dests = NULL;
	struct built b = { 0 };
	size_t n = 0;
	char *error = NULL;

	if (mauth_report_domain_listed((const char *const *)conf->report_ignore_domains,
	    domain)) {
		printf("%s: no report: ReportIgnoreDomains\n", domain);
		return;
	}
	if (mauth_report_store_latest(c->store, domain, &c->o->period, &policy,
	    &error) < 0 || policy == NULL) {
		printf("%s: no report: %s\n", domain, error ? error : "no rows");
		c->failures += error != NULL;
		free(error);
		return;
	}
	if (*policy->col[MAUTH_REPORT_COL_RUA] == '\0') {
		printf("%s: no report: the policy has no rua=mailto: destination\n",
		    domain);
		goto out;
	}
	if (build(c, domain, policy, &b) < 0) {
		c->failures++;
		goto out;
	}
	printf("%s: report %s: %zu records, %lu messages, %zu bytes gzip'd\n",
	    domain, b.id, b.records, b.messages, b.gzlen);
	if (c->o->dry_run != NULL && write_dry_run(c, domain, &b) < 0)
		goto out;
	mauth_report_dests(c->dns, conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL ?
	    MAUTH_DMARC_MODE_RFC7489 : MAUTH_DMARC_MODE_RFC9989, c->psl, domain,
	    policy->col[MAUTH_REPORT_COL_RUA],
	    (const char *const *)conf->report_ignore_domains, &dests, &n);
	for (size_t i = 0; i < n; i++)
		to_dest(c, domain, &dests[i], &b);
out:
	mauth_report_dests_free(&dests, n);
	built_free(&b);
	mauth_report_row_free(&policy);
}

int
report_send(const struct report_opts *o)
{
	struct send_ctx c = { .o = o };
	char **domains = NULL, *error = NULL;
	size_t n = 0;
	int rc;

	if ((rc = report_load(o, &c.conf, &c.store)) != 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);	/* a relay that hangs up is an error, not a death */
	if (send_setup(&c) < 0) {
		rc = MAUTH_EXIT_ERROR;
		goto out;
	}
	if (mauth_report_store_domains(c.store, &o->period, o->domain, &domains,
	    &n, &error) < 0) {
		fprintf(stderr, "mauth report send: %s\n", error);
		free(error);
		rc = MAUTH_EXIT_ERROR;
		goto out;
	}
	printf("period %lld to %lld: %zu policy domain%s\n",
	    (long long)o->period.begin, (long long)o->period.end, n,
	    n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		one_domain(&c, domains[i]);
	rc = c.failures > 0 ? MAUTH_EXIT_ERROR : MAUTH_EXIT_OK;
out:
	for (size_t i = 0; i < n; i++)
		free(domains[i]);
	free(domains);
	if (c.password != NULL)
		memset(c.password, 0, strlen(c.password));
	free(c.password);
	mauth_dmarc_psl_free(&c.psl);
	mauth_dns_free(&c.dns);
	mauth_report_store_close(&c.store);
	mauth_conf_free(&c.conf);
	return fflush(stdout) == 0 ? rc : MAUTH_EXIT_ERROR;
}
