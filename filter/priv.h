/*
 * priv.h - drop root privileges to UserID
 */
#ifndef MAUTHD_PRIV_H
#define MAUTHD_PRIV_H

/*
 * priv_drop - become user_id ("user[:group]"): supplementary groups of the
 * user (initgroups), then group, then user, real, effective and saved
 * alike, and check that root cannot be regained.  NULL user_id: stay as
 * started.  0, or -1 with *error_r (caller frees).
 */
int priv_drop(const char *user_id, char **error_r);

#endif
