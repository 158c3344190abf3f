/*
 * report_writer.h - lossless capture of report rows: a bounded queue, a
 * writer thread that commits in batches (group commit), and the spool
 *
 * mauthd's milter threads call mauth_report_writer_submit() at end of
 * message; it queues the rows and waits until the writer has committed
 * them, for at most wait_ms.  Whatever arrives while the writer commits
 * one batch goes into the next, so a busy server pays one commit (one
 * fsync) per batch, not per message.  When the wait runs out (the store
 * is slow or locked) or the queue is full, the submitter writes its rows
 * to the spool itself (report_spool.h) and returns; when the store is
 * down, the writer spools each batch.  Either way the rows are on disk
 * before submit returns, so the MTA is answered only after that.  The
 * writer reconnects every retry_ms and then replays the spool, a batch
 * at a time, between batches of new rows.  A row may thus reach the
 * store twice (committed and spooled); row ids make the second insert a
 * no-op.  mauth_report_writer_stop() commits (or spools) everything
 * queued before it returns: SIGTERM loses nothing; a submit that comes
 * later (a session still finishing) goes to the spool.
 *
 * Why this lives in lib/ and not in filter/: it holds no milter state and
 * no globals, it logs only through the callback it is given, and so the
 * C tests and the bench drive it directly (stalled stores, kills, replay)
 * without a milter in the way.
 *
 * Ownership and threads: one writer object per process (it owns the
 * spool lock); submit is safe from any number of threads; start and stop
 * from one.
 */
#ifndef MAUTH_REPORT_WRITER_H
#define MAUTH_REPORT_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "report_row.h"

struct mauth_report_writer_config {
	const char *store_uri;		/* ReportStore */
	const char *spool_dir;		/* ReportSpool */
	unsigned queue_max;		/* rows waiting at most; 0: 10000 */
	unsigned batch_max;		/* rows per transaction at most; 0: 1000 */
	unsigned wait_ms;		/* submit waits this long for a commit */
	unsigned retry_ms;		/* store down: reconnect this often; 0: 1000 */
	bool store_may_be_down;		/* start even when the store cannot be opened */
	/* where the writer's own messages go (syslog levels); may be NULL */
	void (*log)(void *arg, int level, const char *text);
	void *log_arg;
};

/* Where submitted rows ended up. */
enum mauth_report_durable {
	MAUTH_REPORT_STORED = 0,	/* committed to the store */
	MAUTH_REPORT_SPOOLED,		/* on disk in the spool, replayed later */
	MAUTH_REPORT_LOST,		/* neither: store and spool both failed */
};

struct mauth_report_writer_stats {
	unsigned long submitted;	/* rows */
	unsigned long committed;	/* rows committed from the queue */
	unsigned long batches;		/* commits */
	unsigned long spooled;		/* rows spooled by the writer (store down) */
	unsigned long spooled_waiting;	/* rows spooled by submitters that gave up */
	unsigned long replayed;		/* rows moved from the spool into the store */
	unsigned long lost;		/* rows neither stored nor spooled */
	unsigned long queued;		/* rows in the queue now */
	bool store_up;
};

struct mauth_report_writer;

/*
 * mauth_report_writer_start - open the spool (locked for this process)
 * and the store, start the writer thread (which first replays any spool
 * a previous run left).  A store that cannot be opened is an error unless
 * store_may_be_down.  0, or -1 with *error_r.
 */
int mauth_report_writer_start(const struct mauth_report_writer_config *cfg,
    struct mauth_report_writer **writer_r, char **error_r);

/*
 * mauth_report_writer_submit - make n rows durable (the caller keeps
 * them; the queue holds copies).  LOST comes with *error_r (caller frees).
 */
enum mauth_report_durable mauth_report_writer_submit(
    struct mauth_report_writer *w, struct mauth_report_row *const *rows,
    size_t n, char **error_r);

/* mauth_report_writer_stats - counters so far */
void mauth_report_writer_stats(struct mauth_report_writer *w,
    struct mauth_report_writer_stats *stats_r);

/*
 * mauth_report_writer_stop - commit or spool everything queued, stop the
 * thread and close the store.  The spool stays open: later submits go
 * there.  Idempotent.
 */
void mauth_report_writer_stop(struct mauth_report_writer *w);

/* mauth_report_writer_free - stop, close the spool, free; sets *w to NULL */
void mauth_report_writer_free(struct mauth_report_writer **w);

#endif
