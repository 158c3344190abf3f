/*
 * report_db.h - the database backends of the report store (internal to
 * report_store.c, report_sqlite.c, report_pg.c)
 *
 * A backend runs one SQL statement at a time with text parameters and
 * hands back result rows as text; report_store.c holds every statement,
 * written once for both databases: '?' placeholders (the PostgreSQL
 * backend renumbers them $1, $2, ...; no statement has a '?' elsewhere),
 * TEXT and BIGINT columns, INSERT ... ON CONFLICT (SQLite 3.24 and
 * PostgreSQL 9.5 both have it).
 *
 * Ownership: a backend handle belongs to the store that opened it and is
 * used by one thread at a time; close releases it.  Strings handed to a
 * row callback live until the callback returns.
 */
#ifndef MAUTH_REPORT_DB_H
#define MAUTH_REPORT_DB_H

#include <stdbool.h>
#include <stddef.h>

/* row callback: 0 to go on, non-zero to stop (exec then returns it) */
typedef int mauth_report_db_row_fn(void *arg, const char *const *cols,
    size_t ncols);

struct mauth_report_db_ops {
	const char *name;		/* "sqlite", "postgresql" */
	const char *begin_sql;		/* a write transaction */
	const char *migrate_lock_sql;	/* in that transaction: one migrator at a time; NULL */
	/*
	 * exec - run sql with nparams text parameters; fn (may be NULL)
	 * gets every result row.  0, the callback's non-zero value, or -1
	 * with *error_r (caller frees).
	 */
	int (*exec)(void *db, const char *sql, const char *const *params,
	    size_t nparams, mauth_report_db_row_fn *fn, void *arg, char **error_r);
	/* broken - the connection is gone: reopen rather than retry */
	bool (*broken)(void *db);
	void (*close)(void *db);
};

/* mauth_report_pg_built - was libpq built in? */
bool mauth_report_pg_built(void);

/*
 * For the store's own files (report_store.c, report_store_admin.c): a
 * statement on the store's backend, and a write transaction begun or
 * rolled back (a failed rollback is ignored: the transaction is gone).
 */
struct mauth_report_store;
int mauth_report_store_exec(struct mauth_report_store *store, const char *sql,
    const char *const *params, size_t nparams, mauth_report_db_row_fn *fn,
    void *arg, char **error_r);
int mauth_report_store_begin(struct mauth_report_store *store, char **error_r);
void mauth_report_store_rollback(struct mauth_report_store *store);

/*
 * mauth_report_sqlite_open - open (create) the SQLite file path in WAL
 * mode with synchronous=FULL: a committed transaction is on disk.
 * 0 with *ops_r, *db_r; -1 with *error_r.
 */
int mauth_report_sqlite_open(const char *path,
    const struct mauth_report_db_ops **ops_r, void **db_r, char **error_r);

/*
 * mauth_report_pg_open - connect with a libpq connection string or
 * postgresql:// URI.  Built without libpq it always fails, saying so.
 */
int mauth_report_pg_open(const char *conninfo,
    const struct mauth_report_db_ops **ops_r, void **db_r, char **error_r);

#endif
