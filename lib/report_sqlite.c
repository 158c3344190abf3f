/*
 * report_sqlite.c - the SQLite backend of the report store (the default)
 *
 * WAL mode lets `mauth report` read while mauthd writes; synchronous=FULL
 * makes COMMIT return only once the WAL is on disk, so a row the writer
 * acknowledged survives a crash of the machine, not just of mauthd.  Busy
 * waits up to REPORT_SQLITE_BUSY_MS for another process's write
 * transaction (mauth report send recording what it sent).
 *
 * Prepared statements are kept in a small cache keyed by their SQL text:
 * the writer issues the same few INSERT shapes over and over.
 *
 * Ownership: see report_db.h.  One connection per handle; SQLite is used
 * in its multi-thread mode, the handle by one thread at a time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "report_db.h"
#include "xmalloc.h"

#define REPORT_SQLITE_BUSY_MS	5000
#define REPORT_SQLITE_CACHE	8

struct sqlite_cached {
	char *sql;
	sqlite3_stmt *stmt;
	unsigned long used;		/* clock value of the last use */
};

struct report_sqlite {
	sqlite3 *db;
	struct sqlite_cached cache[REPORT_SQLITE_CACHE];
	unsigned long clock;
};

/* sqlite_stmt - a prepared statement for sql, from the cache or made */
static sqlite3_stmt *
sqlite_stmt(struct report_sqlite *s, const char *sql, char **error_r)
{
	struct sqlite_cached *victim = &s->cache[0];
	sqlite3_stmt *stmt;

	s->clock++;
	for (size_t i = 0; i < REPORT_SQLITE_CACHE; i++) {
		struct sqlite_cached *c = &s->cache[i];
		if (c->sql != NULL && strcmp(c->sql, sql) == 0) {
			c->used = s->clock;
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
		if (c->used < victim->used)
			victim = c;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		*error_r = xasprintf("sqlite: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	sqlite3_finalize(victim->stmt);
	free(victim->sql);
	victim->sql = xstrdup(sql);
	victim->stmt = stmt;
	victim->used = s->clock;
	return stmt;
}

static int
sqlite_exec(void *db, const char *sql, const char *const *params,
    size_t nparams, mauth_report_db_row_fn *fn, void *arg, char **error_r)
{
	struct report_sqlite *s = db;
	sqlite3_stmt *stmt = sqlite_stmt(s, sql, error_r);
	const char *cols[64];
	int rc, ret = 0;

	if (stmt == NULL)
		return -1;
	for (size_t i = 0; i < nparams; i++)
		sqlite3_bind_text(stmt, (int)i + 1, params[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int n = sqlite3_column_count(stmt);
		if (fn == NULL)
			continue;
		if (n > 64)
			n = 64;
		for (int i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(stmt, i);
			cols[i] = t != NULL ? (const char *)t : "";
		}
		if ((ret = fn(arg, cols, (size_t)n)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		*error_r = xasprintf("sqlite: %s", sqlite3_errmsg(s->db));
		ret = -1;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return ret;
}

static bool
sqlite_broken(void *db)
{
	(void)db;
	return false;		/* a file does not hang up */
}

static void
sqlite_close(void *db)
{
	struct report_sqlite *s = db;

	for (size_t i = 0; i < REPORT_SQLITE_CACHE; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	free(s);
}

static const struct mauth_report_db_ops sqlite_ops = {
	.name = "sqlite",
	.begin_sql = "BEGIN IMMEDIATE",	/* take the write lock now, not at the first INSERT */
	.migrate_lock_sql = NULL,
	.exec = sqlite_exec,
	.broken = sqlite_broken,
	.close = sqlite_close,
};

int
mauth_report_sqlite_open(const char *path,
    const struct mauth_report_db_ops **ops_r, void **db_r, char **error_r)
{
	struct report_sqlite *s = xcalloc(1, sizeof(*s));
	static const char *const pragmas[] = {
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=FULL",
		/*
		 * mauthd only appends, and the OS caches the file anyway: a
		 * page cache of 512 KiB, not the default 2 MB, so mauthd's
		 * memory is flat after a few thousand rows, not ~10,000
		 */
		"PRAGMA cache_size=-512",
	};

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*error_r = xasprintf("sqlite: %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, REPORT_SQLITE_BUSY_MS);
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		char *err = NULL;
		if (sqlite3_exec(s->db, pragmas[i], NULL, NULL, &err) != SQLITE_OK) {
			*error_r = xasprintf("sqlite: %s: %s: %s", path, pragmas[i],
			    err ? err : sqlite3_errmsg(s->db));
			sqlite3_free(err);
			sqlite_close(s);
			return -1;
		}
	}
	*ops_r = &sqlite_ops;
	*db_r = s;
	return 0;
}
