/*
 * report_store.c - the report store: schema and migrations, inserts,
 * the queries reports and `mauth report` are made of
 *
 * Every statement is here, once, in the SQL both SQLite and PostgreSQL
 * take (report_db.h); the backends only run them.  The schema of each
 * version is written out literally: a migration is history and must not
 * change when the row columns do (a new column is a new migration).
 *
 * Ownership: see report_store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "report_db.h"
#include "report_store.h"
#include "xmalloc.h"

/* Rows per INSERT statement: 256 x 29 parameters stays under both limits. */
#define STORE_INSERT_CHUNK 256

struct mauth_report_store {
	const struct mauth_report_db_ops *ops;
	void *db;
};

/* ------------------------------------------------------------- schema */

static const char *const schema_v1[] = {
	"CREATE TABLE mauth_rows ("
	" id TEXT PRIMARY KEY, t BIGINT NOT NULL, reporter TEXT NOT NULL,"
	" message_id TEXT NOT NULL, policy_domain TEXT NOT NULL,"
	" header_from TEXT NOT NULL, source_ip TEXT NOT NULL,"
	" envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	" adkim TEXT NOT NULL, aspf TEXT NOT NULL, testing TEXT NOT NULL,"
	" fo TEXT NOT NULL, pct BIGINT NOT NULL, rua TEXT NOT NULL,"
	" discovery TEXT NOT NULL, spf_domain TEXT NOT NULL,"
	" spf_scope TEXT NOT NULL, spf_result TEXT NOT NULL,"
	" dkim TEXT NOT NULL, dmarc TEXT NOT NULL,"
	" spf_aligned BIGINT NOT NULL, dkim_aligned BIGINT NOT NULL,"
	" disposition TEXT NOT NULL, override TEXT NOT NULL,"
	" override_comment TEXT NOT NULL)",
	"CREATE INDEX mauth_rows_domain_t ON mauth_rows (policy_domain, t)",
	"CREATE INDEX mauth_rows_t ON mauth_rows (t)",
	"CREATE TABLE mauth_reports ("
	" policy_domain TEXT NOT NULL, begin_t BIGINT NOT NULL,"
	" end_t BIGINT NOT NULL, report_id TEXT NOT NULL,"
	" PRIMARY KEY (policy_domain, begin_t, end_t))",
	"CREATE TABLE mauth_sent ("
	" policy_domain TEXT NOT NULL, destination TEXT NOT NULL,"
	" begin_t BIGINT NOT NULL, end_t BIGINT NOT NULL,"
	" report_id TEXT NOT NULL, status TEXT NOT NULL,"
	" tries BIGINT NOT NULL, last_error TEXT NOT NULL,"
	" updated BIGINT NOT NULL,"
	" PRIMARY KEY (policy_domain, destination, begin_t, end_t))",
	NULL
};

/* migrations[v - 1] brings a store from version v - 1 to v */
static const char *const *const migrations[MAUTH_REPORT_SCHEMA_VERSION] = {
	schema_v1,
};

static int
store_exec(struct mauth_report_store *s, const char *sql,
    const char *const *params, size_t n, mauth_report_db_row_fn *fn,
    void *arg, char **error_r)
{
	return s->ops->exec(s->db, sql, params, n, fn, arg, error_r);
}

int
mauth_report_store_exec(struct mauth_report_store *s, const char *sql,
    const char *const *params, size_t n, mauth_report_db_row_fn *fn,
    void *arg, char **error_r)
{
	return store_exec(s, sql, params, n, fn, arg, error_r);
}

int
mauth_report_store_begin(struct mauth_report_store *s, char **error_r)
{
	return s->ops->exec(s->db, s->ops->begin_sql, NULL, 0, NULL, NULL, error_r);
}

static void
store_rollback(struct mauth_report_store *s)
{
	char *err = NULL;

	if (store_exec(s, "ROLLBACK", NULL, 0, NULL, NULL, &err) < 0)
		free(err);	/* nothing to roll back, or the connection is gone */
}

void
mauth_report_store_rollback(struct mauth_report_store *s)
{
	store_rollback(s);
}

static int
get_long(void *arg, const char *const *cols, size_t n)
{
	*(long long *)arg = n > 0 && *cols[0] != '\0' ? atoll(cols[0]) : 0;
	return 0;
}

/* store_migrate - from the stored version up to ours, in one transaction */
static int
store_migrate(struct mauth_report_store *s, char **error_r)
{
	long long version = 0;
	char *err = NULL;

	if (store_exec(s, s->ops->begin_sql, NULL, 0, NULL, NULL, error_r) < 0)
		return -1;
	if ((s->ops->migrate_lock_sql != NULL && store_exec(s,
	    s->ops->migrate_lock_sql, NULL, 0, NULL, NULL, &err) < 0) ||
	    store_exec(s, "CREATE TABLE IF NOT EXISTS mauth_schema "
	    "(version BIGINT NOT NULL)", NULL, 0, NULL, NULL, &err) < 0 ||
	    store_exec(s, "SELECT MAX(version) FROM mauth_schema", NULL, 0,
	    get_long, &version, &err) < 0)
		goto fail;
	if (version > MAUTH_REPORT_SCHEMA_VERSION) {
		err = xasprintf("the store has schema version %lld, newer than "
		    "this mauth's %d: upgrade mauth", version,
		    MAUTH_REPORT_SCHEMA_VERSION);
		goto fail;
	}
	for (long long v = version; v < MAUTH_REPORT_SCHEMA_VERSION; v++) {
		char num[24];
		const char *p[] = { num };

		for (const char *const *sql = migrations[v]; *sql != NULL; sql++)
			if (store_exec(s, *sql, NULL, 0, NULL, NULL, &err) < 0)
				goto fail;
		snprintf(num, sizeof(num), "%lld", v + 1);
		if (store_exec(s, "INSERT INTO mauth_schema (version) VALUES (?)",
		    p, 1, NULL, NULL, &err) < 0)
			goto fail;
	}
	if (store_exec(s, "COMMIT", NULL, 0, NULL, NULL, &err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	*error_r = xasprintf("schema: %s", err);
	free(err);
	return -1;
}

/* ------------------------------------------------------------ opening */

int
mauth_report_store_check_uri(const char *uri, char **why_r)
{
	if (strncasecmp(uri, "sqlite:", 7) == 0) {
		if (uri[7] != '/') {
			*why_r = xstrdup("expected sqlite:/ABSOLUTE/PATH");
			return -1;
		}
		return 0;
	}
	if (strncasecmp(uri, "postgresql://", 13) == 0 ||
	    strncasecmp(uri, "postgres://", 11) == 0) {
		if (!mauth_report_pg_built()) {
			*why_r = xstrdup("this mauth was built without libpq "
			    "(install libpq-dev and run configure again)");
			return -1;
		}
		return 0;
	}
	*why_r = xstrdup("expected sqlite:/PATH or postgresql://...");
	return -1;
}

int
mauth_report_store_open(const char *uri, struct mauth_report_store **store_r,
    char **error_r)
{
	struct mauth_report_store *s = xcalloc(1, sizeof(*s));
	char *why = NULL;
	int rc;

	if (mauth_report_store_check_uri(uri, &why) < 0) {
		*error_r = xasprintf("%s: %s", uri, why);
		free(why);
		free(s);
		return -1;
	}
	if (strncasecmp(uri, "sqlite:", 7) == 0)
		rc = mauth_report_sqlite_open(uri + 7, &s->ops, &s->db, error_r);
	else
		rc = mauth_report_pg_open(uri, &s->ops, &s->db, error_r);
	if (rc < 0) {
		free(s);
		return -1;
	}
	if (store_migrate(s, error_r) < 0) {
		mauth_report_store_close(&s);
		return -1;
	}
	*store_r = s;
	return 0;
}

void
mauth_report_store_close(struct mauth_report_store **sp)
{
	struct mauth_report_store *s = *sp;

	if (s == NULL)
		return;
	s->ops->close(s->db);
	free(s);
	*sp = NULL;
}

const char *
mauth_report_store_kind(const struct mauth_report_store *s)
{
	return s->ops->name;
}

bool
mauth_report_store_broken(const struct mauth_report_store *s)
{
	return s->ops->broken(s->db);
}

/* ------------------------------------------------------------ inserts */

/* insert_sql - INSERT of n rows, every column a parameter */
static char *
insert_sql(size_t n)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "INSERT INTO mauth_rows (");
	for (size_t c = 0; c < MAUTH_REPORT_NCOLS; c++)
		mauth_buf_printf(&b, "%s%s", c ? ", " : "", mauth_report_col_name(c));
	mauth_buf_puts(&b, ") VALUES ");
	for (size_t r = 0; r < n; r++) {
		mauth_buf_puts(&b, r ? ", (" : "(");
		for (size_t c = 0; c < MAUTH_REPORT_NCOLS; c++)
			mauth_buf_puts(&b, c ? ", ?" : "?");
		mauth_buf_putc(&b, ')');
	}
	mauth_buf_puts(&b, " ON CONFLICT (id) DO NOTHING");
	return mauth_buf_steal(&b);
}

int
mauth_report_store_insert(struct mauth_report_store *s,
    struct mauth_report_row *const *rows, size_t n, char **error_r)
{
	const char **params = xcalloc(STORE_INSERT_CHUNK * MAUTH_REPORT_NCOLS,
	    sizeof(*params));
	char *err = NULL;

	if (store_exec(s, s->ops->begin_sql, NULL, 0, NULL, NULL, &err) < 0)
		goto fail_nobegin;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < STORE_INSERT_CHUNK ? n - done : STORE_INSERT_CHUNK;
		char *sql = insert_sql(k);
		for (size_t r = 0; r < k; r++)
			for (size_t c = 0; c < MAUTH_REPORT_NCOLS; c++)
				params[r * MAUTH_REPORT_NCOLS + c] = rows[done + r]->col[c];
		int rc = store_exec(s, sql, params, k * MAUTH_REPORT_NCOLS, NULL,
		    NULL, &err);
		free(sql);
		if (rc < 0)
			goto fail;
		done += k;
	}
	if (store_exec(s, "COMMIT", NULL, 0, NULL, NULL, &err) < 0)
		goto fail;
	free(params);
	return 0;
fail:
	store_rollback(s);
fail_nobegin:
	free(params);
	*error_r = err;
	return -1;
}

/* ------------------------------------------------------------ reading */

static void
period_params(const struct mauth_report_period *p, char begin[24], char end[24])
{
	snprintf(begin, 24, "%lld", (long long)p->begin);
	snprintf(end, 24, "%lld", (long long)p->end);
}

struct strings {
	char **v;
	size_t n;
};

static int
add_string(void *arg, const char *const *cols, size_t n)
{
	struct strings *l = arg;

	l->v = xreallocarray(l->v, l->n + 2, sizeof(char *));
	l->v[l->n++] = xstrdup(n > 0 ? cols[0] : "");
	l->v[l->n] = NULL;
	return 0;
}

int
mauth_report_store_domains(struct mauth_report_store *s,
    const struct mauth_report_period *period, const char *domain,
    char ***domains_r, size_t *n_r, char **error_r)
{
	struct strings l = { xcalloc(1, sizeof(char *)), 0 };
	char b[24], e[24];
	const char *p[] = { b, e, domain };

	period_params(period, b, e);
	if (store_exec(s, domain != NULL ?
	    "SELECT DISTINCT policy_domain FROM mauth_rows WHERE t >= ? AND "
	    "t <= ? AND policy_domain = ? ORDER BY policy_domain" :
	    "SELECT DISTINCT policy_domain FROM mauth_rows WHERE t >= ? AND "
	    "t <= ? AND policy_domain <> '' ORDER BY policy_domain",
	    p, domain != NULL ? 3 : 2, add_string, &l, error_r) < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return -1;
	}
	*domains_r = l.v;
	*n_r = l.n;
	return 0;
}

/* select_cols - "c1, c2, ..." of every row column */
static char *
select_sql(const char *rest)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "SELECT ");
	for (size_t c = 0; c < MAUTH_REPORT_NCOLS; c++)
		mauth_buf_printf(&b, "%s%s", c ? ", " : "", mauth_report_col_name(c));
	mauth_buf_printf(&b, " FROM mauth_rows %s", rest);
	return mauth_buf_steal(&b);
}

static struct mauth_report_row *
row_from_cols(const char *const *cols, size_t n)
{
	struct mauth_report_row *row = mauth_report_row_new();

	for (size_t c = 0; c < n && c < MAUTH_REPORT_NCOLS; c++)
		mauth_report_row_set(row, c, cols[c]);
	return row;
}

static int
take_row(void *arg, const char *const *cols, size_t n)
{
	struct mauth_report_row **row = arg;

	mauth_report_row_free(row);
	*row = row_from_cols(cols, n);
	return 0;
}

int
mauth_report_store_latest(struct mauth_report_store *s, const char *domain,
    const struct mauth_report_period *period, struct mauth_report_row **row_r,
    char **error_r)
{
	char b[24], e[24];
	const char *p[] = { domain, b, e };
	char *sql = select_sql("WHERE policy_domain = ? AND t >= ? AND t <= ? "
	    "ORDER BY t DESC, id DESC LIMIT 1");
	int rc;

	period_params(period, b, e);
	*row_r = NULL;
	rc = store_exec(s, sql, p, 3, take_row, row_r, error_r);
	free(sql);
	return rc < 0 ? -1 : 0;
}

/* The columns a report record is made of, in the GROUP BY. */
static const enum mauth_report_col group_cols[] = {
	MAUTH_REPORT_COL_SOURCE_IP, MAUTH_REPORT_COL_HEADER_FROM,
	MAUTH_REPORT_COL_ENVELOPE_FROM, MAUTH_REPORT_COL_ENVELOPE_TO,
	MAUTH_REPORT_COL_SPF_DOMAIN, MAUTH_REPORT_COL_SPF_SCOPE,
	MAUTH_REPORT_COL_SPF_RESULT, MAUTH_REPORT_COL_DKIM,
	MAUTH_REPORT_COL_DMARC, MAUTH_REPORT_COL_SPF_ALIGNED,
	MAUTH_REPORT_COL_DKIM_ALIGNED, MAUTH_REPORT_COL_DISPOSITION,
	MAUTH_REPORT_COL_OVERRIDE, MAUTH_REPORT_COL_OVERRIDE_COMMENT,
};
#define NGROUP_COLS (sizeof(group_cols) / sizeof(group_cols[0]))

struct groups {
	struct mauth_report_group *v;
	size_t n;
};

static int
add_group(void *arg, const char *const *cols, size_t n)
{
	struct groups *g = arg;
	struct mauth_report_group *x;

	if (n != NGROUP_COLS + 1)
		return -1;
	g->v = xreallocarray(g->v, g->n + 1, sizeof(*g->v));
	x = &g->v[g->n++];
	x->row = mauth_report_row_new();
	for (size_t i = 0; i < NGROUP_COLS; i++)
		mauth_report_row_set(x->row, group_cols[i], cols[i]);
	x->count = strtoul(cols[NGROUP_COLS], NULL, 10);
	return 0;
}

int
mauth_report_store_groups(struct mauth_report_store *s, const char *domain,
    const struct mauth_report_period *period,
    struct mauth_report_group **groups_r, size_t *n_r, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	struct groups g = { NULL, 0 };
	char tb[24], te[24];
	const char *p[] = { domain, tb, te };
	int rc;

	mauth_buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < NGROUP_COLS; i++)
		mauth_buf_printf(&b, "%s, ", mauth_report_col_name(group_cols[i]));
	mauth_buf_puts(&b, "COUNT(*) FROM mauth_rows WHERE policy_domain = ? "
	    "AND t >= ? AND t <= ? GROUP BY ");
	for (size_t i = 0; i < NGROUP_COLS; i++)
		mauth_buf_printf(&b, "%s%zu", i ? ", " : "", i + 1);
	mauth_buf_printf(&b, " ORDER BY %zu DESC", NGROUP_COLS + 1);
	for (size_t i = 0; i < NGROUP_COLS; i++)
		mauth_buf_printf(&b, ", %zu", i + 1);
	period_params(period, tb, te);
	rc = store_exec(s, mauth_buf_cstr(&b), p, 3, add_group, &g, error_r);
	mauth_buf_free(&b);
	if (rc != 0) {
		if (rc > 0)
			*error_r = xstrdup("unexpected result shape");
		mauth_report_groups_free(&g.v, g.n);
		return -1;
	}
	*groups_r = g.v;
	*n_r = g.n;
	return 0;
}

void
mauth_report_groups_free(struct mauth_report_group **gp, size_t n)
{
	struct mauth_report_group *g = *gp;

	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		mauth_report_row_free(&g[i].row);
	free(g);
	*gp = NULL;
}

struct row_walk {
	mauth_report_store_row_fn *fn;
	void *arg;
};

static int
walk_row(void *arg, const char *const *cols, size_t n)
{
	struct row_walk *w = arg;
	struct mauth_report_row *row = row_from_cols(cols, n);
	int rc = w->fn(w->arg, row);

	mauth_report_row_free(&row);
	return rc;
}

int
mauth_report_store_rows(struct mauth_report_store *s,
    const struct mauth_report_period *period, const char *domain,
    mauth_report_store_row_fn *fn, void *arg, char **error_r)
{
	struct row_walk w = { fn, arg };
	char b[24], e[24];
	const char *p[] = { b, e, domain };
	char *sql = select_sql(domain != NULL ?
	    "WHERE t >= ? AND t <= ? AND policy_domain = ? ORDER BY t, id" :
	    "WHERE t >= ? AND t <= ? ORDER BY t, id");
	int rc;

	period_params(period, b, e);
	rc = store_exec(s, sql, p, domain != NULL ? 3 : 2, walk_row, &w, error_r);
	free(sql);
	if (rc > 0)
		*error_r = xstrdup("stopped by the caller");
	return rc == 0 ? 0 : -1;
}
