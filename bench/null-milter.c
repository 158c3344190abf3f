/*
 * null-milter.c - a libmilter filter that accepts everything: the floor
 *
 * The cost of the milter protocol and of libmilter itself, with no work
 * done per message, is what every real filter pays on top of its own
 * work; bench/run measures it beside mauthd and the peers.
 *
 * By default every callback is registered (so the MTA skips no stage and
 * sends no macro packet that goes unanswered) and TCP_NODELAY is set on
 * the listening socket, which Linux copies to each accepted connection, so
 * libmilter's small writes at end of message are not held back by Nagle's
 * algorithm waiting for a delayed ACK.  With -P only some callbacks are
 * registered and NODELAY is left off: the configuration that costs ~40 ms
 * per stall over TCP, kept to show the effect.
 *
 * -A adds one header field per message (X-Null-Milter), so a test can see
 * that header additions reach the MTA side.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* Set once in main() before smfi_main() starts threads; read-only after. */
static bool add_header;

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_helo(SMFICTX *ctx, char *helo)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envrcpt(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_eoh(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	if (add_header &&
	    smfi_addheader(ctx, "X-Null-Milter", "seen") != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_abort(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_close(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_unknown(SMFICTX *ctx, const char *cmd)
{
	return SMFIS_CONTINUE;
}

/*
 * Set TCP_NODELAY on every listening TCP socket we hold.  libmilter does
 * not hand out its socket, so after smfi_opensocket() it is found among the
 * open descriptors.  Returns how many sockets were changed.
 */
static int
nodelay_listeners(void)
{
	struct rlimit rl;
	int changed = 0;
	int maxfd = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		maxfd = (int)rl.rlim_cur;
	for (int fd = 0; fd < maxfd; fd++) {
		int listening = 0, one = 1;
		socklen_t len = sizeof(listening);
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
		    !listening)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
			changed++;
	}
	return changed;
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: null-milter -p SOCKET [-P] [-A]\n"
	    "  SOCKET is inet:PORT@ADDR or local:PATH (libmilter syntax)\n"
	    "  -P  partial: only some callbacks, no TCP_NODELAY (shows the stall)\n"
	    "  -A  add an X-Null-Milter header field to every message\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "null-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS,
		.xxfi_connect = nm_connect,
		.xxfi_helo = nm_helo,
		.xxfi_envfrom = nm_envfrom,
		.xxfi_envrcpt = nm_envrcpt,
		.xxfi_header = nm_header,
		.xxfi_eoh = nm_eoh,
		.xxfi_body = nm_body,
		.xxfi_eom = nm_eom,
		.xxfi_abort = nm_abort,
		.xxfi_close = nm_close,
		.xxfi_unknown = nm_unknown,
		.xxfi_data = nm_data,
	};
	const char *sock = NULL;
	bool partial = false;
	int ch;

	while ((ch = getopt(argc, argv, "AhPp:")) != -1) {
		switch (ch) {
		case 'A': add_header = true; break;
		case 'h': usage(0); break;
		case 'P': partial = true; break;
		case 'p': sock = optarg; break;
		default: usage(2);
		}
	}
	if (sock == NULL || optind != argc)
		usage(2);
	if (partial) {
		/* What many filters register: no HELO, RCPT, DATA, unknown. */
		desc.xxfi_helo = NULL;
		desc.xxfi_envrcpt = NULL;
		desc.xxfi_data = NULL;
		desc.xxfi_unknown = NULL;
	}
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot register on %s\n", sock);
		return 1;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot open %s: %s\n", sock,
		    strerror(errno));
		return 1;
	}
	if (!partial && strncmp(sock, "inet", 4) == 0 && nodelay_listeners() == 0)
		fprintf(stderr, "null-milter: no listening TCP socket for NODELAY\n");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
