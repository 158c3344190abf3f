/*
 * report_spool.h - the local spool of report rows that could not reach
 * the store in time: appended and fsync'd, replayed into the store later
 *
 * A spool is a directory that one mauthd owns (an flock on DIR/lock; a
 * second instance is refused).  Rows are appended to DIR/current, one
 * spool line each (report_row.h), and fdatasync'd before the append
 * returns, so a row acknowledged from the spool survives a crash.  A
 * failed append cuts the file back to where it was, so a torn line never
 * sits in front of later rows.
 *
 * Replay moves DIR/current aside as DIR/replay.NNNNNNNNNN (the directory
 * fsync'd), then feeds those files to the store a chunk at a time, each
 * chunk one transaction; a file is removed once all its rows are in.
 * Inserts are idempotent (row ids), so replaying a file twice after a
 * crash does no harm.  A line that fails its checksum (torn by a crash
 * before it was acknowledged) is skipped and counted.  A spool left by a
 * previous run is set aside for replay when the spool is opened.
 *
 * Ownership and threads: append may be called from any thread (a mutex
 * serialises appends and the moving aside); replay from one thread at a
 * time (the writer's).
 */
#ifndef MAUTH_REPORT_SPOOL_H
#define MAUTH_REPORT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "report_row.h"
#include "report_store.h"

struct mauth_report_spool;

/*
 * mauth_report_spool_open - use dir (created, mode 0700, when missing; its
 * parent must exist).  0, or -1 with *error_r: not creatable, not
 * writable, or locked by another process.
 */
int mauth_report_spool_open(const char *dir, struct mauth_report_spool **spool_r,
    char **error_r);
void mauth_report_spool_close(struct mauth_report_spool **spool);

/* mauth_report_spool_append - n rows, on disk when it returns 0; -1 + *error_r */
int mauth_report_spool_append(struct mauth_report_spool *spool,
    struct mauth_report_row *const *rows, size_t n, char **error_r);

/* mauth_report_spool_pending - are there rows waiting for replay? */
bool mauth_report_spool_pending(struct mauth_report_spool *spool);

struct mauth_report_spool_replay {
	unsigned long rows;		/* rows handed to the store */
	unsigned long bad;		/* lines refused (torn or corrupt) */
	char *last_bad;			/* why the last one was refused; caller frees */
};

/*
 * mauth_report_spool_replay - up to max rows into store, in one
 * transaction; adds to *stats.  1: more to do, 0: the spool is empty,
 * -1 with *error_r: the store refused (nothing is lost; try again later).
 */
int mauth_report_spool_replay(struct mauth_report_spool *spool,
    struct mauth_report_store *store, size_t max,
    struct mauth_report_spool_replay *stats, char **error_r);

#endif
