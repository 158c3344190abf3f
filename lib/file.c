/*
 * file.c - create-only and atomic-replace file writes (see file.h)
 *
 * The temporary file of a replace is "PATH.XXXXXX" in PATH's directory:
 * rename(2) is atomic only within one file system.  After the rename the
 * directory is fsynced too, so the new name survives a crash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

/* mode, owner, data, fsync: what both writers do with an open file */
static int
fill(int fd, const char *path, const void *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid, char **error_r)
{
	const char *p = data;

	if (fchmod(fd, mode) < 0) {
		*error_r = xasprintf("%s: cannot set mode %04o: %s", path,
		    (unsigned)mode, strerror(errno));
		return -1;
	}
	if ((uid != MAUTH_FILE_SAME_ID || gid != (gid_t)-1) &&
	    fchown(fd, uid, gid) < 0) {
		*error_r = xasprintf("%s: cannot change the owner: %s", path,
		    strerror(errno));
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = xasprintf("%s: write: %s", path,
			    n < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		*error_r = xasprintf("%s: fsync: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* sync_dir - make a new directory entry durable (best effort) */
static void
sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
mauth_file_create(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, int *exists_r, char **error_r)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600 & mode);

	if (exists_r != NULL)
		*exists_r = fd < 0 && errno == EEXIST;
	if (fd < 0) {
		*error_r = errno == EEXIST
		    ? xasprintf("%s: already exists", path)
		    : xasprintf("%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (fill(fd, path, data, len, mode, uid, gid, error_r) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) < 0) {
		*error_r = xasprintf("%s: close: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	sync_dir(path);
	return 0;
}

int
mauth_file_replace(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, char **error_r)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp), rc = -1;

	if (fd < 0) {
		*error_r = xasprintf("%s: cannot create a temporary file next to it: %s",
		    path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fill(fd, tmp, data, len, mode, uid, gid, error_r) < 0) {
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		*error_r = xasprintf("%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		*error_r = xasprintf("%s: cannot replace it: %s", path, strerror(errno));
		goto out;
	}
	sync_dir(path);
	rc = 0;
out:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
