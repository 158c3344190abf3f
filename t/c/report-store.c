/*
 * report-store.c - the SQLite report store: schema created and versioned,
 * a newer schema refused, idempotent inserts, the report queries
 * (domains, last policy, grouped records, summary), Report-IDs per period,
 * the sent-log (overlap, retries) and expiry.  The same SQL runs on
 * PostgreSQL in t/report-pg.t.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report_store.h"
#include "tap.h"
#include "xmalloc.h"

static char *dir;

static char *
uri(const char *name)
{
	return xasprintf("sqlite:%s/%s", dir, name);
}

static struct mauth_report_row *
row(long t, const char *domain, const char *ip, const char *dmarc,
    const char *dis)
{
	struct mauth_report_row *r = mauth_report_row_new();
	char id[33], ts[24];

	mauth_report_row_id(id);
	snprintf(ts, sizeof(ts), "%ld", t);
	mauth_report_row_set(r, MAUTH_REPORT_COL_ID, id);
	mauth_report_row_set(r, MAUTH_REPORT_COL_TIME, ts);
	mauth_report_row_set(r, MAUTH_REPORT_COL_POLICY_DOMAIN, domain);
	mauth_report_row_set(r, MAUTH_REPORT_COL_HEADER_FROM, domain);
	mauth_report_row_set(r, MAUTH_REPORT_COL_SOURCE_IP, ip);
	mauth_report_row_set(r, MAUTH_REPORT_COL_DMARC, dmarc);
	mauth_report_row_set(r, MAUTH_REPORT_COL_DISPOSITION, dis);
	mauth_report_row_set(r, MAUTH_REPORT_COL_P, "reject");
	mauth_report_row_set(r, MAUTH_REPORT_COL_RUA, "mailto:a@x.example");
	return r;
}

static int
count_rows(void *arg, const struct mauth_report_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int
all_rows(struct mauth_report_store *s, const char *domain)
{
	struct mauth_report_period all = { 0, 1L << 40 };
	int n = 0;
	char *error = NULL;

	if (mauth_report_store_rows(s, &all, domain, count_rows, &n, &error) < 0) {
		diag("rows: %s", error);
		free(error);
		return -1;
	}
	return n;
}

static void
test_schema(void)
{
	struct mauth_report_store *s = NULL;
	char *u = uri("schema.db"), *error = NULL, *path;
	sqlite3 *db;

	ok(mauth_report_store_open(u, &s, &error) == 0, "a new SQLite store opens%s%s",
	    error ? ": " : "", error ? error : "");
	if (s != NULL)
		is_str(mauth_report_store_kind(s), "sqlite", "  kind sqlite");
	mauth_report_store_close(&s);
	ok(mauth_report_store_open(u, &s, &error) == 0, "  and opens again (no second migration)");
	mauth_report_store_close(&s);

	path = xasprintf("%s/schema.db", dir);
	sqlite3_open(path, &db);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM mauth_schema", -1, &st, NULL);
	sqlite3_step(st);
	is_int(sqlite3_column_int(st, 0), 1, "  one migration recorded");
	is_int(sqlite3_column_int(st, 1), MAUTH_REPORT_SCHEMA_VERSION, "  at version %d",
	    MAUTH_REPORT_SCHEMA_VERSION);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	sqlite3_step(st);
	is_str((const char *)sqlite3_column_text(st, 0), "wal", "  in WAL mode");
	sqlite3_finalize(st);
	sqlite3_exec(db, "INSERT INTO mauth_schema VALUES (99)", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(mauth_report_store_open(u, &s, &error) < 0, "a store of a newer schema is refused");
	like_str(error, "schema version 99, newer than this mauth", "  saying why");
	free(error);
	error = NULL;

	ok(mauth_report_store_check_uri("sqlite:relative.db", &error) < 0,
	    "a relative SQLite path is refused");
	free(error);
	error = NULL;
	ok(mauth_report_store_check_uri("mysql://x", &error) < 0, "an unknown scheme is refused");
	free(error);
	error = NULL;
	free(path);
	free(u);
}

static void
test_rows(struct mauth_report_store *s)
{
	struct mauth_report_row *r[6];
	char *error = NULL;

	r[0] = row(1000, "a.example", "192.0.2.1", "pass", "none");
	r[1] = row(1001, "a.example", "192.0.2.1", "pass", "none");
	r[2] = row(1002, "a.example", "192.0.2.9", "fail", "reject");
	r[3] = row(1003, "b.example", "192.0.2.9", "fail", "quarantine");
	r[4] = row(2000, "a.example", "192.0.2.1", "pass", "none");
	r[5] = row(1004, "", "192.0.2.7", "none", "none");
	mauth_report_row_set(r[4], MAUTH_REPORT_COL_P, "quarantine");
	ok(mauth_report_store_insert(s, r, 6, &error) == 0, "six rows inserted%s%s",
	    error ? ": " : "", error ? error : "");
	ok(mauth_report_store_insert(s, r, 6, &error) == 0, "  the same again: no error");
	is_int(all_rows(s, NULL), 6, "  still six rows (ids are unique)");
	is_int(all_rows(s, "a.example"), 4, "  four of a.example");
	for (int i = 0; i < 6; i++)
		mauth_report_row_free(&r[i]);

	struct mauth_report_period p = { 1000, 1999 };
	char **domains;
	size_t n;
	ok(mauth_report_store_domains(s, &p, NULL, &domains, &n, &error) == 0,
	    "policy domains of [1000, 1999]");
	is_int((long long)n, 2, "  two (rows without a policy domain left out)");
	if (n == 2) {
		is_str(domains[0], "a.example", "  a.example");
		is_str(domains[1], "b.example", "  b.example");
	}
	for (size_t i = 0; i < n; i++)
		free(domains[i]);
	free(domains);

	struct mauth_report_row *latest;
	ok(mauth_report_store_latest(s, "a.example", &p, &latest, &error) == 0 &&
	    latest != NULL, "the last row of a.example in the period");
	if (latest != NULL)
		is_str(latest->col[MAUTH_REPORT_COL_TIME], "1002", "  is the one at 1002");
	mauth_report_row_free(&latest);

	struct mauth_report_group *g;
	ok(mauth_report_store_groups(s, "a.example", &p, &g, &n, &error) == 0,
	    "records of a.example");
	is_int((long long)n, 2, "  two groups");
	if (n == 2) {
		is_int((long long)g[0].count, 2, "  the largest first: 2 passing from 192.0.2.1");
		is_str(g[0].row->col[MAUTH_REPORT_COL_SOURCE_IP], "192.0.2.1", "  source");
		is_int((long long)g[1].count, 1, "  1 failing");
		is_str(g[1].row->col[MAUTH_REPORT_COL_DISPOSITION], "reject", "  rejected");
	}
	mauth_report_groups_free(&g, n);

	struct mauth_report_summary *sum;
	ok(mauth_report_store_summary(s, &p, NULL, &sum, &n, &error) == 0, "summary");
	is_int((long long)n, 3, "  three domains, with the rows without a record");
	if (n == 3) {
		is_str(sum[1].domain, "a.example", "  a.example");
		is_int((long long)sum[1].total, 3, "  3 messages");
		is_int((long long)sum[1].pass, 2, "  2 pass");
		is_int((long long)sum[1].fail, 1, "  1 fail");
		is_int((long long)sum[1].rejected, 1, "  1 rejected");
		is_int((long long)sum[1].ntop, 1, "  one failing source");
		is_str(sum[1].ntop ? sum[1].top[0].source_ip : "", "192.0.2.9", "  192.0.2.9");
		is_int((long long)sum[2].quarantined, 1, "  b.example: 1 quarantined");
	}
	mauth_report_summary_free(&sum, n);
}

static void
test_sending(struct mauth_report_store *s)
{
	struct mauth_report_period day = { 1000, 1999 }, half = { 1500, 2500 },
	    next = { 2000, 2999 };
	enum mauth_report_sent st;
	unsigned tries;
	char *id1, *id2, *error = NULL;

	ok(mauth_report_store_report_id(s, "a.example", &day, "aaa", &id1, &error) == 0 &&
	    mauth_report_store_report_id(s, "a.example", &day, "bbb", &id2, &error) == 0,
	    "Report-ID for a period");
	is_str(id1, "aaa", "  the fresh one the first time");
	is_str(id2, "aaa", "  the same one after (a resent report keeps its id)");
	free(id1);
	free(id2);

	mauth_report_store_sent_status(s, "a.example", "r@x", &day, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_NEVER, "nothing sent yet");
	mauth_report_store_sent_mark(s, "a.example", "r@x", &day, "aaa", "451 try later",
	    1, &error);
	mauth_report_store_sent_status(s, "a.example", "r@x", &day, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_FAILED, "a failure is recorded: retry");
	is_int(tries, 1, "  after 1 try");
	mauth_report_store_sent_mark(s, "a.example", "r@x", &day, "aaa", NULL, 2, &error);
	mauth_report_store_sent_status(s, "a.example", "r@x", &day, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_DONE, "then a delivery: done");
	mauth_report_store_sent_status(s, "a.example", "r@x", &half, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_DONE, "  an overlapping period counts as sent");
	mauth_report_store_sent_status(s, "a.example", "r@x", &next, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_NEVER, "  the next period does not");
	mauth_report_store_sent_status(s, "a.example", "other@x", &day, &st, &tries, &error);
	is_int(st, MAUTH_REPORT_SENT_NEVER, "  nor another destination");
	free(error);
}

static void
test_expire(struct mauth_report_store *s)
{
	unsigned long n = 0;
	char *error = NULL;

	ok(mauth_report_store_expire(s, 1002, &n, &error) == 0, "expire before 1002");
	is_int((long long)n, 2, "  two rows deleted");
	is_int(all_rows(s, NULL), 4, "  four left");
	free(error);
}

int
main(void)
{
	char tmpl[] = "/tmp/mauth-report-store.XXXXXX";
	struct mauth_report_store *s = NULL;
	char *u, *error = NULL, *cmd;

	dir = mkdtemp(tmpl);
	if (dir == NULL)
		skip_all("mkdtemp failed");
	test_schema();
	u = uri("rows.db");
	if (mauth_report_store_open(u, &s, &error) < 0) {
		printf("Bail out! %s\n", error);
		return 1;
	}
	test_rows(s);
	test_sending(s);
	test_expire(s);
	mauth_report_store_close(&s);
	free(u);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
	return done_testing();
}
