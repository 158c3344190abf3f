/*
 * listen.c - open the milter socket the MTA connects to
 *
 * Why TCP_NODELAY: the milter protocol is a conversation of small
 * request/reply packets.  With Nagle's algorithm on, a small write that
 * follows another unacknowledged small write waits until the peer ACKs,
 * and the peer delays its ACK (~40 ms on Linux) hoping to piggyback it on
 * a reply.  Measured behind Postfix (shared/RECIPES.md): a null libmilter
 * filter took 88 ms per message over TCP, and 4 ms with every callback
 * registered and TCP_NODELAY; a unix socket needs neither (3 ms).
 *
 * libmilter does not expose its listening descriptor, so after
 * smfi_opensocket() we look for it among our own descriptors: the one
 * that is an AF_INET/AF_INET6 socket in the listening state
 * (SO_ACCEPTCONN).  Linux copies TCP_NODELAY from a listening socket to
 * every socket accept() returns, so setting it once covers all
 * connections.
 */
#include "config.h"

#include <dirent.h>
#include <netdb.h>
#include <stdio.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "listen.h"
#include "log.h"
#include "xmalloc.h"

/* listen_nodelay - TCP_NODELAY on every listening inet socket we hold */
static int
listen_nodelay(char **error_r)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int count = 0, one = 1;

	if (dir == NULL) {
		*error_r = xasprintf("cannot list /proc/self/fd: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = atoi(de->d_name), listening = 0;
		socklen_t llen = sizeof(listening);

		if (de->d_name[0] == '.' || fd == dirfd(dir))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) < 0 ||
		    !listening || getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
			*error_r = xasprintf("TCP_NODELAY on the listening socket: %s",
			    strerror(errno));
			closedir(dir);
			return -1;
		}
		log_debug("TCP_NODELAY set on the listening socket (fd %d)", fd);
		count++;
	}
	closedir(dir);
	return count;
}

/*
 * listen_local_busy - does a live process answer on path?  libmilter's
 * rmsocket removes whatever socket is there; a second mauthd must not
 * steal the first one's socket that way.
 */
static bool
listen_local_busy(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rc;

	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0;
}

/* listen_local_perms - SocketMode and, with UserID, the owner */
static int
listen_local_perms(const struct mauth_conf *conf, const char *path, char **error_r)
{
	struct mauth_conf_user user;

	if (chmod(path, (mode_t)conf->socket_mode) < 0) {
		*error_r = xasprintf("chmod %04o %s: %s", conf->socket_mode, path,
		    strerror(errno));
		return -1;
	}
	if (conf->user_id == NULL)
		return 0;
	if (mauth_conf_user_lookup(conf->user_id, &user, error_r) < 0)
		return -1;
	if (chown(path, user.uid, user.gid) < 0) {
		*error_r = xasprintf("chown %s %s: %s", conf->user_id, path, strerror(errno));
		mauth_conf_user_clear(&user);
		return -1;
	}
	mauth_conf_user_clear(&user);
	return 0;
}

int
listen_open(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_conf_socket sock;
	int ret = -1;

	if (mauth_conf_socket_parse(conf->socket, &sock, error_r) < 0)
		return -1;
	if (sock.kind == MAUTH_CONF_SOCKET_LOCAL && listen_local_busy(sock.path)) {
		*error_r = xasprintf("%s: another process is listening there", sock.path);
		goto out;
	}
	errno = 0;
	if (smfi_setconn((char *)conf->socket) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		/* libmilter says why only to syslog; errno is its last failure */
		*error_r = xasprintf("cannot listen on %s: %s", conf->socket,
		    errno ? strerror(errno) : "refused by libmilter");
		goto out;
	}
	if (sock.kind == MAUTH_CONF_SOCKET_LOCAL) {
		if (listen_local_perms(conf, sock.path, error_r) < 0)
			goto out;
	} else {
		int n = listen_nodelay(error_r);

		if (n < 0)
			goto out;
		if (n == 0)
			log_warn("%s: listening socket not found: TCP_NODELAY not set, "
			    "expect ~40 ms stalls per message", conf->socket);
	}
	log_info("listening on %s", conf->socket);
	ret = 0;
out:
	mauth_conf_socket_clear(&sock);
	return ret;
}

void
listen_wake(const char *socket_spec)
{
	struct mauth_conf_socket sock;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char *error = NULL, port[16];
	int fd;

	if (mauth_conf_socket_parse(socket_spec, &sock, &error) < 0) {
		free(error);
		return;
	}
	if (sock.kind == MAUTH_CONF_SOCKET_LOCAL) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		strncpy(sun.sun_path, sock.path, sizeof(sun.sun_path) - 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
			(void)!connect(fd, (struct sockaddr *)&sun, sizeof(sun));
			close(fd);
		}
	} else {
		/* no address: libmilter listens on every one, loopback included */
		const char *host = sock.addr ? sock.addr :
		    sock.kind == MAUTH_CONF_SOCKET_INET6 ? "::1" : "127.0.0.1";

		hints.ai_family = sock.kind == MAUTH_CONF_SOCKET_INET6 ? AF_INET6 : AF_INET;
		snprintf(port, sizeof(port), "%u", sock.port);
		if (getaddrinfo(host, port, &hints, &res) == 0 &&
		    (fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
			(void)!connect(fd, res->ai_addr, res->ai_addrlen);
			close(fd);
		}
		if (res != NULL)
			freeaddrinfo(res);
	}
	mauth_conf_socket_clear(&sock);
}
