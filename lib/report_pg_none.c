/*
 * report_pg_none.c - the PostgreSQL report store when mauth was built
 * without libpq (configure --without-libpq, or libpq-dev missing):
 * Makefile.am builds this file instead of report_pg.c, so no function
 * body needs an #ifdef.
 */
#include "config.h"

#include "report_db.h"
#include "xmalloc.h"

int
mauth_report_pg_open(const char *conninfo,
    const struct mauth_report_db_ops **ops_r, void **db_r, char **error_r)
{
	(void)conninfo;
	(void)ops_r;
	(void)db_r;
	*error_r = xstrdup("postgresql: this mauth was built without libpq "
	    "(install libpq-dev and run configure again)");
	return -1;
}

bool
mauth_report_pg_built(void)
{
	return false;
}
