/*
 * report_writer.c - the bounded queue, the writer thread and its group
 * commits, and the spool fallback (report_writer.h says what is promised)
 *
 * Queue items are a doubly linked list under one mutex.  A submitter's
 * items point to a ticket on the submitter's stack that lists its items
 * not yet durable; the writer updates tickets under the mutex after each
 * batch and wakes the submitters.  A submitter that gives up first takes
 * its items that the writer has not started on out of the queue and
 * detaches the others, so the writer never touches a ticket that is gone;
 * it then spools the rows of both itself.
 *
 * Ownership: the queue owns its items and their row copies; the writer
 * owns the store and the spool.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "report_spool.h"
#include "report_store.h"
#include "report_writer.h"
#include "xmalloc.h"

#define WRITER_QUEUE_MAX	10000
#define WRITER_BATCH_MAX	1000
#define WRITER_RETRY_MS		1000

struct item;

struct ticket {
	size_t pending;			/* items not yet durable */
	bool lost;			/* one of them could not be kept */
	bool spooled;			/* one of them went to the spool */
	struct item **items;		/* ours, NULL once durable */
};

struct item {
	struct item *prev, *next;
	struct mauth_report_row *row;
	struct ticket *ticket;		/* NULL once the submitter gave up */
	size_t slot;			/* in ticket->items */
	bool taken;			/* in the writer's current batch */
};

struct mauth_report_writer {
	struct mauth_report_writer_config cfg;
	char *store_uri;
	struct mauth_report_store *store;	/* NULL while down */
	struct mauth_report_spool *spool;
	struct timespec next_retry;		/* store down: when to try again */
	bool replaying;
	pthread_t thread;

	pthread_mutex_t mu;
	pthread_cond_t work, done;	/* writer's wake-up; submitters' */
	struct item *head, *tail;	/* waiting, oldest first */
	size_t queued;
	bool stop;			/* no more queueing: submitters spool */
	bool stopped;			/* the thread has been joined */
	struct mauth_report_writer_stats st;
};

/* ------------------------------------------------------------ helpers */

static void
wlog(struct mauth_report_writer *w, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
wlog(struct mauth_report_writer *w, int level, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (w->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) >= 0) {
		w->cfg.log(w->cfg.log_arg, level, text);
		free(text);
	}
	va_end(ap);
}

static struct timespec
deadline_in(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool
passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	    (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void
unlink_item(struct mauth_report_writer *w, struct item *it)
{
	if (it->prev != NULL)
		it->prev->next = it->next;
	else
		w->head = it->next;
	if (it->next != NULL)
		it->next->prev = it->prev;
	else
		w->tail = it->prev;
	it->prev = it->next = NULL;
	w->queued--;
}

static void
item_free(struct item *it)
{
	mauth_report_row_free(&it->row);
	free(it);
}

/* ------------------------------------------------------------- store */

/* store_ready - the store, (re)opened when down and the retry is due */
static struct mauth_report_store *
store_ready(struct mauth_report_writer *w)
{
	char *err = NULL;

	if (w->store != NULL || !passed(&w->next_retry))
		return w->store;
	if (mauth_report_store_open(w->store_uri, &w->store, &err) < 0) {
		w->next_retry = deadline_in(w->cfg.retry_ms);
		free(err);
		return NULL;
	}
	wlog(w, LOG_INFO, "report store %s is back", mauth_report_store_kind(w->store));
	pthread_mutex_lock(&w->mu);
	w->st.store_up = true;
	pthread_mutex_unlock(&w->mu);
	return w->store;
}

/* store_down - an insert failed: close, and spool until the retry */
static void
store_down(struct mauth_report_writer *w, const char *why)
{
	wlog(w, LOG_ERR, "report store: %s; rows go to the spool %s until it "
	    "is back", why, w->cfg.spool_dir);
	mauth_report_store_close(&w->store);
	w->next_retry = deadline_in(w->cfg.retry_ms);
	pthread_mutex_lock(&w->mu);
	w->st.store_up = false;
	pthread_mutex_unlock(&w->mu);
}

/* ------------------------------------------------------------ batches */

/* take_batch - up to batch_max waiting items, marked taken (mu held) */
static struct item *
take_batch(struct mauth_report_writer *w, size_t *n_r)
{
	struct item *first = w->head, *it = first;
	size_t n = 0;

	for (; it != NULL && n < w->cfg.batch_max; it = it->next, n++)
		it->taken = true;
	if (it != NULL) {
		it->prev->next = NULL;
		it->prev = NULL;
	}
	w->head = it;
	if (it == NULL)
		w->tail = NULL;
	w->queued -= n;
	*n_r = n;
	return first;
}

/* commit_batch - into the store, else the spool; the durability reached */
static enum mauth_report_durable
commit_batch(struct mauth_report_writer *w, struct item *batch, size_t n)
{
	struct mauth_report_row **rows = xcalloc(n, sizeof(*rows));
	enum mauth_report_durable d = MAUTH_REPORT_LOST;
	char *err = NULL;
	size_t i = 0;

	for (struct item *it = batch; it != NULL; it = it->next)
		rows[i++] = it->row;
	if (store_ready(w) != NULL) {
		if (mauth_report_store_insert(w->store, rows, n, &err) == 0)
			d = MAUTH_REPORT_STORED;
		else
			store_down(w, err);
		free(err);
		err = NULL;
	}
	if (d != MAUTH_REPORT_STORED) {
		if (mauth_report_spool_append(w->spool, rows, n, &err) == 0)
			d = MAUTH_REPORT_SPOOLED;
		else
			wlog(w, LOG_ERR, "report spool: %s: %zu rows lost", err, n);
		free(err);
	}
	free(rows);
	return d;
}

/* finish_batch - tell the submitters, free the items (mu held) */
static void
finish_batch(struct mauth_report_writer *w, struct item *batch, size_t n,
    enum mauth_report_durable d)
{
	while (batch != NULL) {
		struct item *next = batch->next;
		struct ticket *t = batch->ticket;

		if (t != NULL) {
			t->items[batch->slot] = NULL;
			t->pending--;
			t->lost |= d == MAUTH_REPORT_LOST;
			t->spooled |= d == MAUTH_REPORT_SPOOLED;
		}
		item_free(batch);
		batch = next;
	}
	w->st.batches += d == MAUTH_REPORT_STORED;
	w->st.committed += d == MAUTH_REPORT_STORED ? n : 0;
	w->st.spooled += d == MAUTH_REPORT_SPOOLED ? n : 0;
	w->st.lost += d == MAUTH_REPORT_LOST ? n : 0;
	pthread_cond_broadcast(&w->done);
}

/* replay_step - one chunk of the spool into the store, when it is up */
static void
replay_step(struct mauth_report_writer *w)
{
	struct mauth_report_spool_replay rs = { 0, 0, NULL };
	char *err = NULL;
	int rc;

	if (store_ready(w) == NULL)
		return;
	if (!w->replaying)
		wlog(w, LOG_INFO, "report spool: replaying into the store");
	w->replaying = true;
	rc = mauth_report_spool_replay(w->spool, w->store, w->cfg.batch_max,
	    &rs, &err);
	if (rs.bad > 0)
		wlog(w, LOG_WARNING, "report spool: %lu lines skipped, last: %s",
		    rs.bad, rs.last_bad);
	free(rs.last_bad);
	pthread_mutex_lock(&w->mu);
	w->st.replayed += rs.rows;
	pthread_mutex_unlock(&w->mu);
	if (rc < 0) {
		store_down(w, err);
		free(err);
	} else if (rc == 0) {
		w->replaying = false;
		wlog(w, LOG_INFO, "report spool: replayed, the store is up to date");
	}
}

/* writer_wait - sleep until work (mu held); false when it is time to stop */
static bool
writer_wait(struct mauth_report_writer *w)
{
	for (;;) {
		if (w->head != NULL)
			return true;
		if (w->stop)
			return false;
		if (mauth_report_spool_pending(w->spool) &&
		    (w->store != NULL || passed(&w->next_retry)))
			return true;	/* replay */
		struct timespec until = deadline_in(w->cfg.retry_ms);
		pthread_cond_timedwait(&w->work, &w->mu, &until);
	}
}

static void *
writer_main(void *arg)
{
	struct mauth_report_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	while (writer_wait(w)) {
		if (w->head == NULL) {
			pthread_mutex_unlock(&w->mu);
			replay_step(w);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		size_t n;
		struct item *batch = take_batch(w, &n);
		pthread_cond_broadcast(&w->done);	/* queue space */
		pthread_mutex_unlock(&w->mu);
		enum mauth_report_durable d = commit_batch(w, batch, n);
		pthread_mutex_lock(&w->mu);
		finish_batch(w, batch, n, d);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ------------------------------------------------------------ public */

int
mauth_report_writer_start(const struct mauth_report_writer_config *cfg,
    struct mauth_report_writer **writer_r, char **error_r)
{
	struct mauth_report_writer *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;
	char *err = NULL;
	int rc;

	w->cfg = *cfg;
	w->store_uri = xstrdup(cfg->store_uri);
	w->cfg.store_uri = w->store_uri;
	w->cfg.spool_dir = NULL;
	if (w->cfg.queue_max == 0)
		w->cfg.queue_max = WRITER_QUEUE_MAX;
	if (w->cfg.batch_max == 0)
		w->cfg.batch_max = WRITER_BATCH_MAX;
	if (w->cfg.retry_ms == 0)
		w->cfg.retry_ms = WRITER_RETRY_MS;
	if (mauth_report_spool_open(cfg->spool_dir, &w->spool, error_r) < 0)
		goto fail;
	w->cfg.spool_dir = xstrdup(cfg->spool_dir);
	if (mauth_report_store_open(w->store_uri, &w->store, &err) < 0) {
		if (!cfg->store_may_be_down) {
			*error_r = err;
			goto fail;
		}
		wlog(w, LOG_WARNING, "report store: %s; rows go to the spool %s "
		    "until it can be opened", err, cfg->spool_dir);
		free(err);
		w->next_retry = deadline_in(w->cfg.retry_ms);
	}
	w->st.store_up = w->store != NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &ca);
	pthread_cond_init(&w->done, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * The thread takes no process signals: the daemon decides what
	 * SIGHUP and SIGTERM mean, in the thread it chose for them.
	 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		*error_r = xasprintf("report writer thread: %s", strerror(rc));
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	*writer_r = w;
	return 0;
fail:
	mauth_report_store_close(&w->store);
	mauth_report_spool_close(&w->spool);
	free((char *)w->cfg.spool_dir);
	free(w->store_uri);
	free(w);
	return -1;
}

/* enqueue - copies of rows at the tail, pointing to t (mu held) */
static void
enqueue(struct mauth_report_writer *w, struct mauth_report_row *const *rows,
    size_t n, struct ticket *t)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = xcalloc(1, sizeof(*it));
		it->row = mauth_report_row_dup(rows[i]);
		it->ticket = t;
		it->slot = i;
		it->prev = w->tail;
		if (w->tail != NULL)
			w->tail->next = it;
		else
			w->head = it;
		w->tail = it;
		w->queued++;
		t->items[i] = it;
	}
	t->pending = n;
	w->st.submitted += n;
	pthread_cond_signal(&w->work);
}

/*
 * give_up - the wait is over: items still queued leave the queue, those
 * in the writer's batch are detached from t; their rows are listed in
 * left[] for the caller to spool (mu held).  Returns how many.
 */
static size_t
give_up(struct mauth_report_writer *w, struct ticket *t, size_t n,
    struct mauth_report_row *const *rows, struct mauth_report_row **left)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct item *it = t->items[i];
		if (it == NULL)
			continue;	/* already durable */
		left[k++] = rows[i];
		if (it->taken) {
			it->ticket = NULL;
		} else {
			unlink_item(w, it);
			item_free(it);
		}
		t->items[i] = NULL;
	}
	return k;
}

/* spool_self - the submitter writes its own rows to the spool */
static enum mauth_report_durable
spool_self(struct mauth_report_writer *w, struct mauth_report_row *const *rows,
    size_t n, char **error_r)
{
	char *err = NULL;

	if (mauth_report_spool_append(w->spool, rows, n, &err) < 0) {
		*error_r = xasprintf("report row neither stored nor spooled: %s", err);
		free(err);
		pthread_mutex_lock(&w->mu);
		w->st.lost += n;
		pthread_mutex_unlock(&w->mu);
		return MAUTH_REPORT_LOST;
	}
	pthread_mutex_lock(&w->mu);
	w->st.spooled_waiting += n;
	pthread_mutex_unlock(&w->mu);
	return MAUTH_REPORT_SPOOLED;
}

enum mauth_report_durable
mauth_report_writer_submit(struct mauth_report_writer *w,
    struct mauth_report_row *const *rows, size_t n, char **error_r)
{
	struct ticket t = { 0, false, false, NULL };
	struct timespec until = deadline_in(w->cfg.wait_ms);
	struct mauth_report_row **left;
	enum mauth_report_durable d;
	size_t k;

	if (n == 0)
		return MAUTH_REPORT_STORED;
	t.items = xcalloc(n, sizeof(*t.items));
	left = xcalloc(n, sizeof(*left));
	pthread_mutex_lock(&w->mu);
	while (!w->stop && w->queued + n > w->cfg.queue_max && !passed(&until))
		pthread_cond_timedwait(&w->done, &w->mu, &until);
	if (w->stop || w->queued + n > w->cfg.queue_max) {
		/* shutting down, or the queue stayed full: straight to the spool */
		pthread_mutex_unlock(&w->mu);
		d = spool_self(w, rows, n, error_r);
		goto out;
	}
	enqueue(w, rows, n, &t);
	while (t.pending > 0 && !passed(&until))
		pthread_cond_timedwait(&w->done, &w->mu, &until);
	k = give_up(w, &t, n, rows, left);
	pthread_mutex_unlock(&w->mu);
	if (k == 0 && !t.lost) {
		d = t.spooled ? MAUTH_REPORT_SPOOLED : MAUTH_REPORT_STORED;
		goto out;
	}
	/* the writer did not finish in time, or could keep nothing: do it here */
	d = t.lost ? spool_self(w, rows, n, error_r) : spool_self(w, left, k, error_r);
out:
	free(left);
	free(t.items);
	return d;
}

void
mauth_report_writer_stats(struct mauth_report_writer *w,
    struct mauth_report_writer_stats *stats_r)
{
	pthread_mutex_lock(&w->mu);
	*stats_r = w->st;
	stats_r->queued = w->queued;
	pthread_mutex_unlock(&w->mu);
}

void
mauth_report_writer_stop(struct mauth_report_writer *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->stopped) {
		pthread_mutex_unlock(&w->mu);
		return;
	}
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);	/* it drains the queue first */
	mauth_report_store_close(&w->store);
	pthread_mutex_lock(&w->mu);
	w->stopped = true;
	w->st.store_up = false;
	pthread_mutex_unlock(&w->mu);
}

void
mauth_report_writer_free(struct mauth_report_writer **wp)
{
	struct mauth_report_writer *w = *wp;

	if (w == NULL)
		return;
	mauth_report_writer_stop(w);
	mauth_report_spool_close(&w->spool);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	free((char *)w->cfg.spool_dir);
	free(w->store_uri);
	free(w);
	*wp = NULL;
}
