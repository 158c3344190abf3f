/*
 * daemon.h - detach from the terminal, and the pid file
 */
#ifndef MAUTHD_DAEMON_H
#define MAUTHD_DAEMON_H

/*
 * daemon_start - fork into the background.  Returns only in the child,
 * which is a session leader in "/".  The parent stays until the child
 * calls daemon_ready() (then it exits 0) or exits first (then the parent
 * exits with the child's status), so whoever started mauthd learns
 * whether it came up.  0, or -1 with *error_r when fork fails.
 */
int daemon_start(char **error_r);

/* daemon_ready - tell the waiting parent, and point stdio at /dev/null */
void daemon_ready(void);

/* pidfile_write - our pid into path (mode 0644); 0, or -1 with *error_r */
int pidfile_write(const char *path, char **error_r);
/* pidfile_remove - remove path if it still holds our pid */
void pidfile_remove(const char *path);

#endif
