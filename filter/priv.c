/*
 * priv.c - drop root privileges to UserID
 *
 * Runs after everything that needs root is done (the socket is open and
 * owned by the user, the resolver has read its files) and before the first
 * connection is accepted.  Order matters: groups first, while we may still
 * change them, then the uid; setresuid/setresgid change the saved ids too,
 * so nothing can switch back.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"
#include "xmalloc.h"

static int
priv_switch(const struct mauth_conf_user *u, char **error_r)
{
	if (initgroups(u->name, u->gid) < 0) {
		*error_r = xasprintf("initgroups %s: %s", u->name, strerror(errno));
		return -1;
	}
	if (setresgid(u->gid, u->gid, u->gid) < 0) {
		*error_r = xasprintf("setresgid %ld: %s", (long)u->gid, strerror(errno));
		return -1;
	}
	if (setresuid(u->uid, u->uid, u->uid) < 0) {
		*error_r = xasprintf("setresuid %ld: %s", (long)u->uid, strerror(errno));
		return -1;
	}
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		*error_r = xasprintf("could regain root after switching to %s", u->name);
		return -1;
	}
	return 0;
}

int
priv_drop(const char *user_id, char **error_r)
{
	struct mauth_conf_user u;
	int rc = 0;

	if (user_id == NULL)
		return 0;
	if (mauth_conf_user_lookup(user_id, &u, error_r) < 0)
		return -1;
	if (geteuid() == u.uid && getegid() == u.gid) {
		log_debug("already running as %s", user_id);
	} else if (geteuid() != 0) {
		*error_r = xasprintf("UserID %s: only root can switch users (running "
		    "as uid %ld)", user_id, (long)geteuid());
		rc = -1;
	} else {
		rc = priv_switch(&u, error_r);
		if (rc == 0)
			log_info("running as %s (uid %ld, gid %ld)", user_id,
			    (long)u.uid, (long)u.gid);
	}
	mauth_conf_user_clear(&u);
	return rc;
}
