/*
 * report_store.h - where aggregate-report rows are kept: SQLite (the
 * default) or PostgreSQL (one store for a fleet of MTAs)
 *
 * ReportStore values:
 *   sqlite:/PATH                      a file (created, WAL mode)
 *   postgresql://...  postgres://...   a libpq URI (libpq's own syntax)
 *
 * Opening a store creates its tables and brings an older schema up to
 * date (a mauth_schema table holds the version; each step runs in one
 * transaction; PostgreSQL serialises instances that start together).  A
 * store written by a newer mauth is refused rather than misread.
 *
 * Tables: mauth_rows (one row per DMARC evaluation, the columns of
 * report_row.h), mauth_reports (the Report-ID given to each policy domain
 * and period, so a report sent again keeps its id and file name, RFC 9990
 * 2.1.x "Email"), mauth_sent (what was sent to which destination, or
 * failed and is to be retried).
 *
 * Inserts are idempotent: a row whose id is already stored is skipped.
 *
 * Ownership: a store is used by one thread at a time.  Everything
 * returned is the caller's, with the _free named beside it.
 */
#ifndef MAUTH_REPORT_STORE_H
#define MAUTH_REPORT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_row.h"

/* The schema version this mauth writes. */
#define MAUTH_REPORT_SCHEMA_VERSION 1

/* A reporting period: seconds since the epoch, both ends included. */
struct mauth_report_period {
	int64_t begin, end;
};

struct mauth_report_store;

/*
 * mauth_report_store_check_uri - is uri a ReportStore value this build
 * can open (scheme known, absolute SQLite path, libpq built in)?  0, or
 * -1 with *why_r (caller frees).  Nothing is opened.
 */
int mauth_report_store_check_uri(const char *uri, char **why_r);

/* mauth_report_store_open - open uri, create or migrate the schema */
int mauth_report_store_open(const char *uri, struct mauth_report_store **store_r,
    char **error_r);
void mauth_report_store_close(struct mauth_report_store **store);

/* "sqlite" or "postgresql" */
const char *mauth_report_store_kind(const struct mauth_report_store *store);
/* mauth_report_store_broken - the connection is lost: close and reopen */
bool mauth_report_store_broken(const struct mauth_report_store *store);

/*
 * mauth_report_store_insert - n rows in one transaction (all or none);
 * rows already stored (same id) are skipped.  0 or -1 with *error_r.
 */
int mauth_report_store_insert(struct mauth_report_store *store,
    struct mauth_report_row *const *rows, size_t n, char **error_r);

/* ---------------------------------------------------------- reading */

/*
 * mauth_report_store_domains - the policy domains with rows in period
 * (only domain, when not NULL), sorted.  *domains_r is a NULL-terminated
 * array the caller frees with each string.
 */
int mauth_report_store_domains(struct mauth_report_store *store,
    const struct mauth_report_period *period, const char *domain,
    char ***domains_r, size_t *n_r, char **error_r);

/*
 * mauth_report_store_latest - the last row of domain in period: its
 * published policy is the one the report states (RFC 9990: "the final
 * configuration observed during the period").  *row_r NULL when none.
 */
int mauth_report_store_latest(struct mauth_report_store *store,
    const char *domain, const struct mauth_report_period *period,
    struct mauth_report_row **row_r, char **error_r);

/*
 * One report record: messages that share source IP, identifiers, SPF and
 * DKIM results, alignment, disposition and override.  Only those columns
 * of row are filled.
 */
struct mauth_report_group {
	struct mauth_report_row *row;
	unsigned long count;
};

/* mauth_report_store_groups - domain's records in period, largest first */
int mauth_report_store_groups(struct mauth_report_store *store,
    const char *domain, const struct mauth_report_period *period,
    struct mauth_report_group **groups_r, size_t *n_r, char **error_r);
void mauth_report_groups_free(struct mauth_report_group **groups, size_t n);

/* row callback: 0 to go on */
typedef int mauth_report_store_row_fn(void *arg, const struct mauth_report_row *row);

/* mauth_report_store_rows - every row in period (of domain if not NULL), by time */
int mauth_report_store_rows(struct mauth_report_store *store,
    const struct mauth_report_period *period, const char *domain,
    mauth_report_store_row_fn *fn, void *arg, char **error_r);

#define MAUTH_REPORT_TOP_SOURCES 5

/* Per policy domain: what `mauth report show` prints. */
struct mauth_report_summary {
	char *domain;			/* "" for evaluations without a record */
	unsigned long total, pass, fail, none, temperror, permerror;
	unsigned long quarantined, rejected;	/* dispositions applied */
	size_t ntop;
	struct {
		char *source_ip;
		unsigned long count;
	} top[MAUTH_REPORT_TOP_SOURCES];	/* most failing sources */
};

int mauth_report_store_summary(struct mauth_report_store *store,
    const struct mauth_report_period *period, const char *domain,
    struct mauth_report_summary **sum_r, size_t *n_r, char **error_r);
void mauth_report_summary_free(struct mauth_report_summary **sum, size_t n);

/* ---------------------------------------------------------- sending */

/*
 * mauth_report_store_report_id - the Report-ID of domain's report for
 * period: fresh the first time (it is recorded), the recorded one after.
 * *id_r is the caller's.
 */
int mauth_report_store_report_id(struct mauth_report_store *store,
    const char *domain, const struct mauth_report_period *period,
    const char *fresh, char **id_r, char **error_r);

enum mauth_report_sent {
	MAUTH_REPORT_SENT_NEVER = 0,	/* not tried */
	MAUTH_REPORT_SENT_FAILED,	/* tried for this period, failed: retry */
	MAUTH_REPORT_SENT_DONE,		/* a report overlapping period was delivered */
};

/*
 * mauth_report_store_sent_status - what happened so far for domain's
 * reports to destination: DONE when one covering any part of period was
 * delivered (sending it again would count messages twice), FAILED with
 * *tries_r when this very period failed before.
 */
int mauth_report_store_sent_status(struct mauth_report_store *store,
    const char *domain, const char *destination,
    const struct mauth_report_period *period, enum mauth_report_sent *status_r,
    unsigned *tries_r, char **error_r);

/* mauth_report_store_sent_mark - record a delivery (error NULL) or failure */
int mauth_report_store_sent_mark(struct mauth_report_store *store,
    const char *domain, const char *destination,
    const struct mauth_report_period *period, const char *report_id,
    const char *error, int64_t now, char **error_r);

/*
 * mauth_report_store_expire - delete rows older than before (and the
 * bookkeeping of periods that ended before it); *rows_r rows deleted.
 */
int mauth_report_store_expire(struct mauth_report_store *store, int64_t before,
    unsigned long *rows_r, char **error_r);

#endif
