/*
 * report-writer.c - the row writer: rows from many threads committed in
 * shared batches; a store held locked by someone else makes submitters
 * spool after ReportWait, and everything reaches the store once the lock
 * is gone, each row once; a store that is down spools, and a later writer
 * replays that spool; a torn line left in the spool is skipped; stop
 * commits what is queued; a spool is one writer's.
 */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report_store.h"
#include "report_writer.h"
#include "tap.h"
#include "xmalloc.h"

static char *dir;

static struct mauth_report_row *
row(int i)
{
	struct mauth_report_row *r = mauth_report_row_new();
	char id[33], mid[32];

	mauth_report_row_id(id);
	snprintf(mid, sizeof(mid), "<%d@test>", i);
	mauth_report_row_set(r, MAUTH_REPORT_COL_ID, id);
	mauth_report_row_set(r, MAUTH_REPORT_COL_TIME, "1700000000");
	mauth_report_row_set(r, MAUTH_REPORT_COL_MESSAGE_ID, mid);
	mauth_report_row_set(r, MAUTH_REPORT_COL_POLICY_DOMAIN, "a.example");
	return r;
}

/* distinct Message-IDs in the store (-1 on error); *total_r all rows */
static int
stored(const char *uri, int *total_r)
{
	char *path = xasprintf("%s", uri + strlen("sqlite:"));
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT message_id), COUNT(*) "
	    "FROM mauth_rows", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			n = sqlite3_column_int(st, 0);
			*total_r = sqlite3_column_int(st, 1);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(path);
	return n;
}

static void
logger(void *arg, int level, const char *text)
{
	(void)arg;
	diag("writer (%d): %s", level, text);
}

static struct mauth_report_writer_config
config(const char *uri, const char *spool, unsigned wait_ms)
{
	struct mauth_report_writer_config c = {
		.store_uri = uri, .spool_dir = spool, .wait_ms = wait_ms,
		.retry_ms = 100, .log = getenv("TEST_VERBOSE") ? logger : NULL,
	};
	return c;
}

struct submitter {
	struct mauth_report_writer *w;
	int first, count;
	int stored, spooled, lost;
};

static void *
submit_thread(void *arg)
{
	struct submitter *s = arg;

	for (int i = s->first; i < s->first + s->count; i++) {
		struct mauth_report_row *r = row(i);
		char *error = NULL;
		switch (mauth_report_writer_submit(s->w, &r, 1, &error)) {
		case MAUTH_REPORT_STORED: s->stored++; break;
		case MAUTH_REPORT_SPOOLED: s->spooled++; break;
		case MAUTH_REPORT_LOST: s->lost++; free(error); break;
		}
		mauth_report_row_free(&r);
	}
	return NULL;
}

/* run threads x count submissions; totals into *t */
static void
load(struct mauth_report_writer *w, int threads, int count, struct submitter *t)
{
	pthread_t tid[16];
	struct submitter s[16];

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < threads; i++) {
		s[i] = (struct submitter){ w, i * count, count, 0, 0, 0 };
		pthread_create(&tid[i], NULL, submit_thread, &s[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		t->stored += s[i].stored;
		t->spooled += s[i].spooled;
		t->lost += s[i].lost;
	}
}

static bool
wait_until_stored(const char *uri, int want)
{
	int total = 0;

	for (int i = 0; i < 100; i++) {
		if (stored(uri, &total) == want)
			return true;
		usleep(100000);
	}
	return false;
}

static void
test_group_commit(void)
{
	char *uri = xasprintf("sqlite:%s/group.db", dir), *spool = xasprintf("%s/s1", dir);
	struct mauth_report_writer_config cfg = config(uri, spool, 5000);
	struct mauth_report_writer *w;
	struct mauth_report_writer_stats st;
	struct submitter t;
	char *error = NULL;
	int total = 0;

	ok(mauth_report_writer_start(&cfg, &w, &error) == 0, "writer starts on SQLite%s%s",
	    error ? ": " : "", error ? error : "");
	if (w == NULL)
		return;
	load(w, 8, 50, &t);
	is_int(t.stored, 400, "8 threads x 50 rows: every submit returns stored");
	is_int(stored(uri, &total), 400, "  400 rows in the store");
	is_int(total, 400, "  each once");
	mauth_report_writer_stats(w, &st);
	ok(st.batches < 400, "  in %lu commits: batches shared between threads",
	    st.batches);
	is_int((long long)st.committed, 400, "  stats: 400 committed");
	mauth_report_writer_free(&w);

	struct mauth_report_writer *w2;
	ok(mauth_report_writer_start(&cfg, &w, &error) == 0, "a writer on the spool again");
	ok(mauth_report_writer_start(&cfg, &w2, &error) < 0,
	    "  a second writer on the same spool is refused");
	like_str(error, "in use by another process", "  saying why");
	free(error);
	mauth_report_writer_free(&w);
	free(uri);
	free(spool);
}

/* hold SQLite's write lock from another connection, like a long report run */
static sqlite3 *
lock_store(const char *uri)
{
	sqlite3 *db;

	sqlite3_open(uri + strlen("sqlite:"), &db);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		diag("could not lock: %s", sqlite3_errmsg(db));
	return db;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
test_slow_store(void)
{
	char *uri = xasprintf("sqlite:%s/slow.db", dir), *spool = xasprintf("%s/s2", dir);
	struct mauth_report_writer_config cfg = config(uri, spool, 200);
	struct mauth_report_writer *w;
	struct submitter t;
	char *error = NULL;
	sqlite3 *lock;
	double t0;

	if (mauth_report_writer_start(&cfg, &w, &error) < 0) {
		ok(0, "writer starts: %s", error);
		return;
	}
	lock = lock_store(uri);
	t0 = now();
	load(w, 4, 10, &t);
	ok(now() - t0 < 4.0, "store locked by another process: 40 submits return in "
	    "%.1f s (ReportWait 200ms each, not SQLite's 5 s busy wait)", now() - t0);
	is_int(t.spooled + t.stored, 40, "  none lost");
	ok(t.spooled > 0, "  %d went to the spool", t.spooled);
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	ok(wait_until_stored(uri, 40), "lock released: all 40 reach the store");
	mauth_report_writer_free(&w);
	int total = 0;
	stored(uri, &total);
	is_int(total, 40, "  each exactly once (committed and spooled copies are one row)");
	free(uri);
	free(spool);
}

static int
spool_files(const char *spool)
{
	DIR *d = opendir(spool);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "replay.", 7) == 0 ||
		    strcmp(de->d_name, "current") == 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_store_down(void)
{
	char *pg = xasprintf("postgresql:///none?host=%s/nosocket&connect_timeout=1", dir);
	char *uri = xasprintf("sqlite:%s/later.db", dir), *spool = xasprintf("%s/s3", dir);
	struct mauth_report_writer_config cfg = config(pg, spool, 2000);
	struct mauth_report_writer *w;
	struct submitter t;
	char *error = NULL, *path;
	FILE *f;

	cfg.store_may_be_down = true;
	if (mauth_report_writer_start(&cfg, &w, &error) < 0) {
		ok(0, "writer starts with its store down: %s", error);
		free(error);
		return;
	}
	ok(1, "a writer starts although its store is down (store_may_be_down)");
	load(w, 2, 10, &t);
	is_int(t.spooled, 20, "  20 submits: all spooled");
	mauth_report_writer_free(&w);
	ok(spool_files(spool) > 0, "  the spool holds them after the writer stopped");

	/* a torn line a crash left at the end of a spool file */
	path = xasprintf("%s/current", spool);
	f = fopen(path, "a");
	fputs("R1\tdeadbeef\t17000", f);
	fclose(f);
	free(path);

	cfg = config(uri, spool, 2000);
	ok(mauth_report_writer_start(&cfg, &w, &error) == 0, "a writer on a SQLite "
	    "store and that spool");
	ok(wait_until_stored(uri, 20), "  replays the 20 rows into the store");
	usleep(200000);
	is_int(spool_files(spool), 0, "  and empties the spool (the torn line skipped)");
	struct mauth_report_writer_stats st;
	mauth_report_writer_stats(w, &st);
	is_int((long long)st.replayed, 20, "  stats: 20 replayed");
	mauth_report_writer_free(&w);
	free(pg);
	free(uri);
	free(spool);
}

struct slow_args {
	struct mauth_report_writer *w;
	struct submitter t;
};

static void *
stop_load(void *arg)
{
	struct slow_args *a = arg;

	load(a->w, 4, 25, &a->t);
	return NULL;
}

static void
test_stop_flushes(void)
{
	char *uri = xasprintf("sqlite:%s/stop.db", dir), *spool = xasprintf("%s/s4", dir);
	struct mauth_report_writer_config cfg = config(uri, spool, 5000);
	struct mauth_report_writer *w;
	struct slow_args a;
	pthread_t tid;
	char *error = NULL;
	int total = 0;

	if (mauth_report_writer_start(&cfg, &w, &error) < 0) {
		ok(0, "writer starts: %s", error);
		return;
	}
	a.w = w;
	pthread_create(&tid, NULL, stop_load, &a);
	usleep(20000);
	mauth_report_writer_stop(w);	/* while submits are still coming */
	pthread_join(tid, NULL);
	is_int(a.t.lost, 0, "stop under load: nothing lost");
	struct mauth_report_row *late = row(1000);
	is_int(mauth_report_writer_submit(w, &late, 1, &error), MAUTH_REPORT_SPOOLED,
	    "  a submit after the stop (a session finishing) is spooled");
	mauth_report_row_free(&late);
	mauth_report_writer_free(&w);
	int in_store = stored(uri, &total);
	ok(in_store + a.t.spooled >= 100 && a.t.stored + a.t.spooled == 100,
	    "  %d stored, %d spooled after the stop: all 100 accounted for",
	    a.t.stored, a.t.spooled);
	is_int(in_store, a.t.stored, "  every row acknowledged as stored is in the store");
	free(uri);
	free(spool);
}

int
main(void)
{
	char tmpl[] = "/tmp/mauth-report-writer.XXXXXX";
	char *cmd;

	if ((dir = mkdtemp(tmpl)) == NULL)
		skip_all("mkdtemp failed");
	test_group_commit();
	test_slow_store();
	test_store_down();
	test_stop_flushes();
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
	return done_testing();
}
