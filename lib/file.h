/*
 * file.h - writing files that other processes read: never half-written,
 * never replaced by accident
 *
 * mauth_file_create() only ever makes a new file (O_EXCL: an existing one
 * is an error, never overwritten); mauth_file_replace() writes a temporary
 * file in the same directory and renames it over the old one, so a reader
 * (mauthd reloading its tables, say) sees the old or the new contents and
 * nothing in between.  Both fsync the data before they return.  Mode and
 * owner are set on the open file, before any data is in it, so a private
 * key is never readable by anyone else even for a moment.
 *
 * Errors are "PATH: what went wrong" strings the caller frees.
 */
#ifndef MAUTH_FILE_H
#define MAUTH_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* uid or gid that leaves the owner as the creating process makes it */
#define MAUTH_FILE_SAME_ID ((uid_t)-1)

/*
 * mauth_file_create - create path (which must not exist) with mode (umask
 * not applied), owner uid:gid (MAUTH_FILE_SAME_ID: unchanged), holding
 * len octets of data.  Returns 0, or -1 with *error_r; *exists_r (may be
 * NULL) tells whether the failure was an existing file.
 */
int mauth_file_create(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, int *exists_r, char **error_r);

/*
 * mauth_file_replace - make path hold data, atomically: a new file with
 * mode and owner as for mauth_file_create, renamed over path (which need
 * not exist).  Returns 0, or -1 with *error_r (path is then unchanged).
 */
int mauth_file_replace(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, char **error_r);

#endif
