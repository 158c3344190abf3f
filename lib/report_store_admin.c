/*
 * report_store_admin.c - the report store's bookkeeping: Report-IDs per
 * period, what was sent where, the operator's summary, expiry
 *
 * A report sent again must keep its file name and Report-ID (RFC 9990
 * "Email": a re-sent report uses the same filename), so the id is made
 * once per policy domain and period and recorded in mauth_reports.  A
 * delivery is recorded per destination in mauth_sent; a failure too, so
 * that the next run retries it with the same id.
 *
 * Ownership: see report_store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_db.h"
#include "report_store.h"
#include "xmalloc.h"

static void
num(char buf[24], long long v)
{
	snprintf(buf, 24, "%lld", v);
}

/* ---------------------------------------------------------- summary */

struct summaries {
	struct mauth_report_summary *v;
	size_t n;
};

static struct mauth_report_summary *
summary_for(struct summaries *l, const char *domain)
{
	if (l->n == 0 || strcmp(l->v[l->n - 1].domain, domain) != 0) {
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
		l->v[l->n++].domain = xstrdup(domain);
	}
	return &l->v[l->n - 1];
}

/* add_counts - one (domain, dmarc, disposition, count) result row */
static int
add_counts(void *arg, const char *const *cols, size_t n)
{
	struct mauth_report_summary *s;
	unsigned long count;

	if (n != 4)
		return -1;
	s = summary_for(arg, cols[0]);
	count = strtoul(cols[3], NULL, 10);
	s->total += count;
	if (strcmp(cols[1], "pass") == 0)
		s->pass += count;
	else if (strcmp(cols[1], "fail") == 0)
		s->fail += count;
	else if (strcmp(cols[1], "temperror") == 0)
		s->temperror += count;
	else if (strcmp(cols[1], "permerror") == 0)
		s->permerror += count;
	else
		s->none += count;
	if (strcmp(cols[1], "fail") == 0 && strcmp(cols[2], "quarantine") == 0)
		s->quarantined += count;
	if (strcmp(cols[1], "fail") == 0 && strcmp(cols[2], "reject") == 0)
		s->rejected += count;
	return 0;
}

static int
add_top(void *arg, const char *const *cols, size_t n)
{
	struct mauth_report_summary *s = arg;

	if (n != 2 || s->ntop == MAUTH_REPORT_TOP_SOURCES)
		return -1;
	s->top[s->ntop].source_ip = xstrdup(cols[0]);
	s->top[s->ntop++].count = strtoul(cols[1], NULL, 10);
	return 0;
}

int
mauth_report_store_summary(struct mauth_report_store *store,
    const struct mauth_report_period *period, const char *domain,
    struct mauth_report_summary **sum_r, size_t *n_r, char **error_r)
{
	struct summaries l = { NULL, 0 };
	char b[24], e[24];
	const char *p[] = { b, e, domain };

	num(b, period->begin);
	num(e, period->end);
	if (mauth_report_store_exec(store, domain != NULL ?
	    "SELECT policy_domain, dmarc, disposition, COUNT(*) FROM mauth_rows "
	    "WHERE t >= ? AND t <= ? AND policy_domain = ? "
	    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" :
	    "SELECT policy_domain, dmarc, disposition, COUNT(*) FROM mauth_rows "
	    "WHERE t >= ? AND t <= ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
	    p, domain != NULL ? 3 : 2, add_counts, &l, error_r) != 0)
		goto fail;
	for (size_t i = 0; i < l.n; i++) {
		const char *q[] = { b, e, l.v[i].domain };
		if (mauth_report_store_exec(store, "SELECT source_ip, COUNT(*) "
		    "FROM mauth_rows WHERE t >= ? AND t <= ? AND policy_domain = ? "
		    "AND dmarc = 'fail' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
		    q, 3, add_top, &l.v[i], error_r) != 0)
			goto fail;
	}
	*sum_r = l.v;
	*n_r = l.n;
	return 0;
fail:
	mauth_report_summary_free(&l.v, l.n);
	return -1;
}

void
mauth_report_summary_free(struct mauth_report_summary **sp, size_t n)
{
	struct mauth_report_summary *s = *sp;

	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(s[i].domain);
		for (size_t k = 0; k < s[i].ntop; k++)
			free(s[i].top[k].source_ip);
	}
	free(s);
	*sp = NULL;
}

/* ---------------------------------------------------------- sending */

static int
take_string(void *arg, const char *const *cols, size_t n)
{
	char **s = arg;

	free(*s);
	*s = xstrdup(n > 0 ? cols[0] : "");
	return 0;
}

int
mauth_report_store_report_id(struct mauth_report_store *store,
    const char *domain, const struct mauth_report_period *period,
    const char *fresh, char **id_r, char **error_r)
{
	char b[24], e[24];
	const char *p[] = { domain, b, e, fresh };
	char *id = NULL;

	num(b, period->begin);
	num(e, period->end);
	if (mauth_report_store_exec(store, "INSERT INTO mauth_reports "
	    "(policy_domain, begin_t, end_t, report_id) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (policy_domain, begin_t, end_t) DO NOTHING",
	    p, 4, NULL, NULL, error_r) < 0 ||
	    mauth_report_store_exec(store, "SELECT report_id FROM mauth_reports "
	    "WHERE policy_domain = ? AND begin_t = ? AND end_t = ?",
	    p, 3, take_string, &id, error_r) < 0) {
		free(id);
		return -1;
	}
	if (id == NULL) {
		*error_r = xstrdup("the Report-ID just recorded is not there");
		return -1;
	}
	*id_r = id;
	return 0;
}

struct sent_row {
	enum mauth_report_sent status;
	unsigned tries;
};

/* sent_row - (status, tries, exact) rows: a delivery anywhere wins */
static int
add_sent(void *arg, const char *const *cols, size_t n)
{
	struct sent_row *r = arg;

	if (n != 3)
		return -1;
	if (strcmp(cols[0], "sent") == 0)
		r->status = MAUTH_REPORT_SENT_DONE;
	else if (strcmp(cols[2], "1") == 0 && r->status != MAUTH_REPORT_SENT_DONE) {
		r->status = MAUTH_REPORT_SENT_FAILED;
		r->tries = (unsigned)strtoul(cols[1], NULL, 10);
	}
	return 0;
}

int
mauth_report_store_sent_status(struct mauth_report_store *store,
    const char *domain, const char *destination,
    const struct mauth_report_period *period, enum mauth_report_sent *status_r,
    unsigned *tries_r, char **error_r)
{
	struct sent_row r = { MAUTH_REPORT_SENT_NEVER, 0 };
	char b[24], e[24];
	const char *p[] = { b, e, domain, destination, e, b };

	num(b, period->begin);
	num(e, period->end);
	/* overlapping periods: begin_t <= our end AND end_t >= our begin */
	if (mauth_report_store_exec(store, "SELECT status, tries, "
	    "CASE WHEN begin_t = ? AND end_t = ? THEN 1 ELSE 0 END "
	    "FROM mauth_sent WHERE policy_domain = ? AND destination = ? "
	    "AND begin_t <= ? AND end_t >= ?", p, 6, add_sent, &r, error_r) != 0)
		return -1;
	*status_r = r.status;
	*tries_r = r.tries;
	return 0;
}

int
mauth_report_store_sent_mark(struct mauth_report_store *store,
    const char *domain, const char *destination,
    const struct mauth_report_period *period, const char *report_id,
    const char *error, int64_t now, char **error_r)
{
	char b[24], e[24], t[24];
	const char *p[] = { domain, destination, b, e, report_id,
	    error == NULL ? "sent" : "failed", error != NULL ? error : "", t };

	num(b, period->begin);
	num(e, period->end);
	num(t, now);
	return mauth_report_store_exec(store, "INSERT INTO mauth_sent "
	    "(policy_domain, destination, begin_t, end_t, report_id, status, "
	    "tries, last_error, updated) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) "
	    "ON CONFLICT (policy_domain, destination, begin_t, end_t) DO UPDATE "
	    "SET report_id = excluded.report_id, status = excluded.status, "
	    "tries = mauth_sent.tries + 1, last_error = excluded.last_error, "
	    "updated = excluded.updated", p, 8, NULL, NULL, error_r) < 0 ? -1 : 0;
}

/* ---------------------------------------------------------- expiry */

static int
take_count(void *arg, const char *const *cols, size_t n)
{
	*(long long *)arg = n > 0 ? atoll(cols[0]) : 0;
	return 0;
}

int
mauth_report_store_expire(struct mauth_report_store *store, int64_t before,
    unsigned long *rows_r, char **error_r)
{
	char b[24];
	const char *p[] = { b };
	long long n = 0;
	char *err = NULL;

	num(b, before);
	if (mauth_report_store_begin(store, error_r) < 0)
		return -1;
	if (mauth_report_store_exec(store, "SELECT COUNT(*) FROM mauth_rows "
	    "WHERE t < ?", p, 1, take_count, &n, &err) < 0 ||
	    mauth_report_store_exec(store, "DELETE FROM mauth_rows WHERE t < ?",
	    p, 1, NULL, NULL, &err) < 0 ||
	    mauth_report_store_exec(store, "DELETE FROM mauth_reports "
	    "WHERE end_t < ?", p, 1, NULL, NULL, &err) < 0 ||
	    mauth_report_store_exec(store, "DELETE FROM mauth_sent "
	    "WHERE end_t < ?", p, 1, NULL, NULL, &err) < 0 ||
	    mauth_report_store_exec(store, "COMMIT", NULL, 0, NULL, NULL, &err) < 0) {
		mauth_report_store_rollback(store);
		*error_r = err;
		return -1;
	}
	*rows_r = (unsigned long)n;
	return 0;
}
