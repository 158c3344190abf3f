/*
 * report.h - mauthd's side of DMARC aggregate reporting: the row writer
 * (lib/report_writer.h) started once, fed at end of message, flushed at
 * stop
 *
 * The writer lives for the whole process: a configuration reload does
 * not move the store or the spool (ReportStore and ReportSpool take a
 * restart).
 */
#ifndef MAUTHD_REPORT_H
#define MAUTHD_REPORT_H

#include <stdbool.h>

#include "conf.h"
#include "session.h"

/*
 * report_start - start the writer when conf records rows (ReportStore not
 * none).  After the privilege drop, so the store and spool belong to
 * UserID.  A PostgreSQL store that is down is not fatal (rows spool until
 * it answers); an SQLite store that cannot be opened is.  0, or -1 with
 * *error_r.
 */
int report_start(const struct mauth_conf *conf, char **error_r);

/*
 * report_message - one row per DMARC evaluation of m, committed or
 * spooled before this returns (so before the MTA hears the verdict).
 * 0, or -1 with *error_r when the rows could be kept nowhere: the message
 * must then not be accepted.
 */
int report_message(const struct mauth_conf *conf, const struct msg *m,
    char **error_r);

/*
 * report_stats - the writer's counters into *st (lib/report_writer.h);
 * false when mauthd records no rows (ReportStore none).  Any thread.
 */
struct mauth_report_writer_stats;
bool report_stats(struct mauth_report_writer_stats *st);

/* report_stop - commit or spool what is queued; idempotent */
void report_stop(void);

#endif
