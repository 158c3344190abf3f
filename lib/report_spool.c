/*
 * report_spool.c - report rows kept on local disk until the store takes
 * them (see report_spool.h for the files and the guarantees)
 *
 * Why fdatasync per append and not per batch: the spool is the fallback
 * path (the store is down or slow), and each caller needs its own rows on
 * disk before it answers the MTA; appends are serialised anyway.
 *
 * Ownership: see report_spool.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "report_spool.h"
#include "xmalloc.h"

#define SPOOL_CURRENT	"current"
#define SPOOL_REPLAY	"replay."

struct mauth_report_spool {
	char *dir;
	int dirfd, lockfd;
	pthread_mutex_t mu;		/* fd, size, next_seq, nreplay */
	int fd;				/* DIR/current, or -1 until needed */
	off_t size;			/* of DIR/current */
	unsigned long next_seq;		/* of the next replay.N file */
	unsigned nreplay;		/* replay files not yet removed */
	/* replay in progress (the writer's thread only) */
	FILE *in;
	char *in_name;
	off_t in_pos;			/* rows before this offset are in the store */
};

/* spool_scan - count replay files and find the highest sequence number */
static int
spool_scan(struct mauth_report_spool *sp, char **oldest_r, char **error_r)
{
	int fd = dup(sp->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	unsigned long min = 0;
	bool any = false;

	if (d == NULL) {
		*error_r = xasprintf("%s: %s", sp->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	sp->nreplay = 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		if (strncmp(de->d_name, SPOOL_REPLAY, strlen(SPOOL_REPLAY)) != 0)
			continue;
		unsigned long seq = strtoul(de->d_name + strlen(SPOOL_REPLAY), &end, 10);
		if (*end != '\0')
			continue;
		sp->nreplay++;
		if (seq >= sp->next_seq)
			sp->next_seq = seq + 1;
		if (!any || seq < min)
			min = seq;
		any = true;
	}
	closedir(d);
	if (oldest_r != NULL)
		*oldest_r = any ? xasprintf(SPOOL_REPLAY "%010lu", min) : NULL;
	return 0;
}

/* spool_rotate - DIR/current becomes the next replay file (mu held) */
static int
spool_rotate(struct mauth_report_spool *sp, char **error_r)
{
	char name[64];

	if (sp->fd >= 0) {
		close(sp->fd);
		sp->fd = -1;
	}
	snprintf(name, sizeof(name), SPOOL_REPLAY "%010lu", sp->next_seq);
	if (renameat(sp->dirfd, SPOOL_CURRENT, sp->dirfd, name) < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = xasprintf("%s/%s: cannot rename: %s", sp->dir,
		    SPOOL_CURRENT, strerror(errno));
		return -1;
	}
	sp->next_seq++;
	sp->nreplay++;
	sp->size = 0;
	fsync(sp->dirfd);
	return 0;
}

static int
spool_lock(struct mauth_report_spool *sp, char **error_r)
{
	sp->lockfd = openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd < 0) {
		*error_r = xasprintf("%s/lock: %s", sp->dir, strerror(errno));
		return -1;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) < 0) {
		*error_r = xasprintf("%s: %s", sp->dir, errno == EWOULDBLOCK ?
		    "in use by another process (each mauthd needs its own "
		    "ReportSpool)" : strerror(errno));
		return -1;
	}
	return 0;
}

int
mauth_report_spool_open(const char *dir, struct mauth_report_spool **spool_r,
    char **error_r)
{
	struct mauth_report_spool *sp = xcalloc(1, sizeof(*sp));

	sp->dir = xstrdup(dir);
	sp->dirfd = sp->lockfd = sp->fd = -1;
	pthread_mutex_init(&sp->mu, NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*error_r = xasprintf("%s: cannot create: %s", dir, strerror(errno));
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		*error_r = xasprintf("%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (spool_lock(sp, error_r) < 0 || spool_scan(sp, NULL, error_r) < 0)
		goto fail;
	/* a previous run's file may end in a torn line: never append to it */
	if (spool_rotate(sp, error_r) < 0)
		goto fail;
	*spool_r = sp;
	return 0;
fail:
	mauth_report_spool_close(&sp);
	return -1;
}

void
mauth_report_spool_close(struct mauth_report_spool **spp)
{
	struct mauth_report_spool *sp = *spp;

	if (sp == NULL)
		return;
	if (sp->in != NULL)
		fclose(sp->in);
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);		/* releases the flock */
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp->in_name);
	free(sp->dir);
	free(sp);
	*spp = NULL;
}

/* spool_write - all of buf at the end of DIR/current, synced (mu held) */
static int
spool_write(struct mauth_report_spool *sp, const char *buf, size_t len,
    char **error_r)
{
	size_t done = 0;

	if (sp->fd < 0) {
		sp->fd = openat(sp->dirfd, SPOOL_CURRENT, O_WRONLY | O_CREAT |
		    O_APPEND | O_CLOEXEC, 0600);
		if (sp->fd < 0)
			goto fail;
		fsync(sp->dirfd);	/* the new name must survive a crash too */
	}
	while (done < len) {
		ssize_t w = write(sp->fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail_cut;
		done += (size_t)w;
	}
	if (fdatasync(sp->fd) < 0)
		goto fail_cut;
	sp->size += (off_t)len;
	return 0;
fail_cut:
	*error_r = xasprintf("%s/%s: %s", sp->dir, SPOOL_CURRENT,
	    strerror(errno ? errno : EIO));
	/* no torn line in front of the next append */
	if (ftruncate(sp->fd, sp->size) < 0) {
		char *ignored = NULL;

		/* cannot cut it: set the file aside, replay skips the torn line */
		if (spool_rotate(sp, &ignored) < 0)
			free(ignored);
	}
	return -1;
fail:
	*error_r = xasprintf("%s/%s: %s", sp->dir, SPOOL_CURRENT, strerror(errno));
	return -1;
}

int
mauth_report_spool_append(struct mauth_report_spool *sp,
    struct mauth_report_row *const *rows, size_t n, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *line = mauth_report_row_spool_line(rows[i]);
		mauth_buf_puts(&b, line);
		free(line);
	}
	if (b.len == 0)
		return 0;
	pthread_mutex_lock(&sp->mu);
	rc = spool_write(sp, b.data, b.len, error_r);
	pthread_mutex_unlock(&sp->mu);
	mauth_buf_free(&b);
	return rc;
}

bool
mauth_report_spool_pending(struct mauth_report_spool *sp)
{
	bool pending;

	pthread_mutex_lock(&sp->mu);
	pending = sp->size > 0 || sp->nreplay > 0;
	pthread_mutex_unlock(&sp->mu);
	return pending;
}

/* replay_next - open the oldest replay file, setting current aside first */
static int
replay_next(struct mauth_report_spool *sp, char **error_r)
{
	char *oldest = NULL;
	int fd, rc;

	pthread_mutex_lock(&sp->mu);
	rc = sp->size > 0 ? spool_rotate(sp, error_r) : 0;
	if (rc == 0)
		rc = spool_scan(sp, &oldest, error_r);
	pthread_mutex_unlock(&sp->mu);
	if (rc < 0 || oldest == NULL)
		return rc < 0 ? -1 : 0;
	fd = openat(sp->dirfd, oldest, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (sp->in = fdopen(fd, "r")) == NULL) {
		*error_r = xasprintf("%s/%s: %s", sp->dir, oldest, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(oldest);
		return -1;
	}
	sp->in_name = oldest;
	sp->in_pos = 0;
	return 1;
}

/* replay_done - the file is all in the store: remove it */
static void
replay_done(struct mauth_report_spool *sp)
{
	fclose(sp->in);
	sp->in = NULL;
	unlinkat(sp->dirfd, sp->in_name, 0);
	fsync(sp->dirfd);
	free(sp->in_name);
	sp->in_name = NULL;
	pthread_mutex_lock(&sp->mu);
	if (sp->nreplay > 0)
		sp->nreplay--;
	pthread_mutex_unlock(&sp->mu);
}

/* replay_read - up to max rows from the file; *eof_r at its end */
static size_t
replay_read(struct mauth_report_spool *sp, size_t max,
    struct mauth_report_row **rows, off_t *pos_r, bool *eof_r,
    struct mauth_report_spool_replay *stats)
{
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	*eof_r = false;
	*pos_r = sp->in_pos;
	fseeko(sp->in, sp->in_pos, SEEK_SET);
	while (n < max) {
		char *why = NULL;
		if ((len = getline(&line, &cap, sp->in)) <= 0) {
			*eof_r = true;
			break;
		}
		*pos_r += len;
		if ((rows[n] = mauth_report_row_parse_spool(line, (size_t)len,
		    &why)) != NULL) {
			n++;
			continue;
		}
		stats->bad++;
		free(stats->last_bad);
		stats->last_bad = xasprintf("%s/%s: %s", sp->dir, sp->in_name, why);
		free(why);
	}
	if (!*eof_r) {
		int c = getc(sp->in);
		*eof_r = c == EOF;
	}
	free(line);
	return n;
}

int
mauth_report_spool_replay(struct mauth_report_spool *sp,
    struct mauth_report_store *store, size_t max,
    struct mauth_report_spool_replay *stats, char **error_r)
{
	struct mauth_report_row **rows;
	size_t n;
	off_t pos;
	bool eof;
	int rc;

	if (sp->in == NULL && (rc = replay_next(sp, error_r)) <= 0)
		return rc;
	rows = xcalloc(max > 0 ? max : 1, sizeof(*rows));
	n = replay_read(sp, max, rows, &pos, &eof, stats);
	rc = n > 0 ? mauth_report_store_insert(store, rows, n, error_r) : 0;
	for (size_t i = 0; i < n; i++)
		mauth_report_row_free(&rows[i]);
	free(rows);
	if (rc < 0)
		return -1;
	stats->rows += n;
	sp->in_pos = pos;
	if (eof)
		replay_done(sp);
	return mauth_report_spool_pending(sp) || sp->in != NULL ? 1 : 0;
}
