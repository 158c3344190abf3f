/*
 * report_pg.c - the PostgreSQL backend of the report store (libpq)
 *
 * Several mauthd hosts write to one database, so one aggregate report per
 * policy domain covers the fleet.  Statements go out with text parameters
 * (PQexecParams); the '?' placeholders of report_store.c's SQL are
 * renumbered $1, $2, ... here.  Migrations take a transaction-scoped
 * advisory lock so that instances starting together do not race.
 *
 * A lost connection (server restarted, network) is reported by broken():
 * the writer then reopens instead of retrying on a dead handle.
 *
 * Ownership: see report_db.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "report_db.h"
#include "xmalloc.h"

/* pg_sql - sql with each '?' replaced by $1, $2, ... */
static char *
pg_sql(const char *sql)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	unsigned n = 0;

	mauth_buf_reserve(&b, strlen(sql) + 16);
	for (const char *p = sql; *p != '\0'; p++) {
		if (*p == '?')
			mauth_buf_printf(&b, "$%u", ++n);
		else
			mauth_buf_putc(&b, *p);
	}
	return mauth_buf_steal(&b);
}

/* pg_error - "postgresql: message" on one line (libpq's has newlines) */
static char *
pg_error(const char *what)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	bool space = false;

	mauth_buf_puts(&b, "postgresql: ");
	for (const char *p = what; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == ' ') {
			space = true;
			continue;
		}
		if (space && b.data[b.len - 1] != ' ')
			mauth_buf_putc(&b, ' ');
		space = false;
		mauth_buf_putc(&b, *p);
	}
	return mauth_buf_steal(&b);
}

static int
pg_rows(PGresult *res, mauth_report_db_row_fn *fn, void *arg)
{
	int nrows = PQntuples(res), ncols = PQnfields(res);
	const char *cols[64];
	int ret = 0;

	if (ncols > 64)
		ncols = 64;
	for (int r = 0; fn != NULL && r < nrows && ret == 0; r++) {
		for (int c = 0; c < ncols; c++)
			cols[c] = PQgetvalue(res, r, c);
		ret = fn(arg, cols, (size_t)ncols);
	}
	return ret;
}

static int
pg_exec(void *db, const char *sql, const char *const *params, size_t nparams,
    mauth_report_db_row_fn *fn, void *arg, char **error_r)
{
	PGconn *conn = db;
	char *text = pg_sql(sql);
	PGresult *res = PQexecParams(conn, text, (int)nparams, NULL, params,
	    NULL, NULL, 0);
	int ret = 0;

	free(text);
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		ret = pg_rows(res, fn, arg);
		break;
	case PGRES_COMMAND_OK:
		break;
	default:
		*error_r = pg_error(res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(conn));
		ret = -1;
		break;
	}
	PQclear(res);
	return ret;
}

static bool
pg_broken(void *db)
{
	return PQstatus((PGconn *)db) != CONNECTION_OK;
}

static void
pg_close(void *db)
{
	PQfinish((PGconn *)db);
}

static const struct mauth_report_db_ops pg_ops = {
	.name = "postgresql",
	.begin_sql = "BEGIN",
	/* any constant will do; it only has to be the same for every mauth */
	.migrate_lock_sql = "SELECT pg_advisory_xact_lock(7731009)",
	.exec = pg_exec,
	.broken = pg_broken,
	.close = pg_close,
};

int
mauth_report_pg_open(const char *conninfo,
    const struct mauth_report_db_ops **ops_r, void **db_r, char **error_r)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (conn == NULL) {
		*error_r = xstrdup("postgresql: out of memory");
		return -1;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		*error_r = pg_error(PQerrorMessage(conn));
		PQfinish(conn);
		return -1;
	}
	*ops_r = &pg_ops;
	*db_r = conn;
	return 0;
}

bool
mauth_report_pg_built(void)
{
	return true;
}
