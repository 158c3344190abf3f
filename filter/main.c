/*
 * main.c - mauthd: options, start-up in order, and the main loop
 *
 * Start-up order (each step needs the one before, and everything that
 * needs root happens before the privilege drop):
 *   1. read the configuration (-n stops here);
 *   2. detach (unless -f), so the threads started next are in the process
 *      that keeps running and the pid file names it;
 *   3. the first configuration snapshot (snapshot.h): the configuration,
 *      the resolver (Nameservers, DNSTimeout, TrustAnchorFile), DKIM with
 *      every signing key read and checked (while root-only key files can
 *      still be read), the Public Suffix List for DMARCDiscovery psl and
 *      the per-transaction contexts built from them;
 *   4. smfi_register, smfi_setconn + smfi_opensocket, TCP_NODELAY on an
 *      inet socket, SocketMode and owner on a local: socket (listen.c);
 *      the MetricsSocket listener (metrics_http.c);
 *   5. drop privileges to UserID (priv.c);
 *   6. start the report row writer (report.c: store and spool owned by
 *      UserID); write PidFile; start the metrics thread; tell the waiting
 *      parent we are up;
 *   7. smfi_main in its own thread while this thread waits for signals:
 *      SIGTERM and SIGINT stop cleanly through smfi_stop(), then give
 *      closing sessions a second to finish (mauthd_drain), then the
 *      report rows still queued are committed; SIGHUP reloads the
 *      configuration into a new snapshot (a bad file is logged and the
 *      configuration in force stays; ReportStore and ReportSpool take a
 *      restart).
 *
 * Why the main thread takes the signals: libmilter's own signal thread
 * treats SIGHUP as "stop" and SIGINT as "abort" (smfi_main then fails).
 * kill(2) delivers to the main thread first when it is waiting in
 * sigwait(), so it decides what each signal means.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "buf.h"
#include "conf.h"
#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "milter.h"
#include "priv.h"
#include "reply.h"
#include "report.h"
#include "snapshot.h"
#include "xmalloc.h"

#define MAUTHD_CONF	SYSCONFDIR "/mauth/mauthd.conf"

struct mauthd {
	char *path;			/* configuration file, absolute (for reloads) */
	char *socket;			/* Socket and PidFile in force: a reload */
	char *pid_file;			/* cannot change them */
	struct metrics metrics;		/* the counters MetricsSocket serves */
	int metrics_fd;			/* MetricsSocket listener, or -1 */
	pthread_t main_thread;
	int milter_rc;			/* smfi_main's result */
};

/*
 * The daemon's state lives for the whole process: sessions may outlive
 * smfi_main (see the end of main), so it is never freed, only reachable.
 */
static struct mauthd mauthd;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mauthd [-fnDVh] [-c FILE]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground, log to standard error\n"
	    "  -n       check the configuration and exit (0 valid, %d not)\n"
	    "  -D       check the configuration and print every key with its value\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n", MAUTHD_CONF, EX_CONFIG);
}

static void *
mauthd_milter_thread(void *arg)
{
	struct mauthd *d = arg;

	d->milter_rc = smfi_main();
	/* wake the main thread if smfi_main ended on its own */
	pthread_kill(d->main_thread, SIGUSR1);
	return NULL;
}

static void *
mauthd_stop_thread(void *arg)
{
	smfi_stop();		/* may wait for libmilter's listener lock */
	return NULL;
}

/*
 * mauthd_stop - ask smfi_main to return, and make it notice now: a
 * connection to our own socket ends libmilter's 5-second poll round.
 */
static void
mauthd_stop(struct mauthd *d, pthread_t milter)
{
	pthread_t stopper;
	struct timespec until;
	int rc = ETIMEDOUT;

	if (pthread_create(&stopper, NULL, mauthd_stop_thread, NULL) != 0) {
		smfi_stop();
		pthread_join(milter, NULL);
		return;
	}
	for (int i = 0; i < 100 && rc == ETIMEDOUT; i++) {
		listen_wake(d->socket);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		rc = pthread_timedjoin_np(milter, NULL, &until);
	}
	if (rc != 0)
		pthread_join(milter, NULL);
	pthread_join(stopper, NULL);
}

/* How long a stopping mauthd waits for sessions to finish closing (ms). */
#define MAUTHD_DRAIN_MS	1000

/*
 * mauthd_drain - once the listener is closed, give sessions that are
 * closing (the MTA said QUIT a moment ago) up to a second to finish, so
 * each session's thread frees its OpenSSL state in mlfi_close while
 * OpenSSL is still set up: exit() tears it down, and LeakSanitizer saw the
 * random generators of a session that closed during the exit get lost.
 * Sessions in the middle of a message are not waited for: libmilter stops
 * serving them after smfi_stop(), and the MTA applies its default action
 * (Postfix: milter_default_action) when the connection goes.
 */
static void
mauthd_drain(struct mauthd *d)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long open = 0;

	for (int ms = 0; ms < MAUTHD_DRAIN_MS; ms += 20) {
		if ((open = atomic_load(&d->metrics.connections_open)) <= 0)
			return;
		nanosleep(&tick, NULL);
	}
	log_info("stopping with %ld MTA connection%s open", open,
	    open == 1 ? "" : "s");
}

/*
 * mauthd_reload - SIGHUP: a new snapshot from the same file.  Sessions
 * already connected finish with the snapshot they started with; a file
 * that does not load leaves everything as it was.
 */
static void
mauthd_reload(struct mauthd *d)
{
	struct snapshot *s;
	char *error = NULL, *restart = NULL;

	if (snapshot_reload(d->path, &restart, &error) < 0) {
		s = snapshot_get();
		log_err("reload failed, configuration %lu stays in force: %s",
		    s->generation, error);
		snapshot_put(&s);
		free(error);
		metrics_reload(&d->metrics, 0, 0);
		return;
	}
	s = snapshot_get();
	log_reconfigure(s->conf->syslog_facility, (int)s->conf->log_level);
	reply_setup(s->conf->on_internal_error);
	metrics_reload(&d->metrics, 1, s->generation);
	log_info("reloaded %s: configuration %lu in force for new connections "
	    "(AuthservID %s)", d->path, s->generation, s->conf->authserv_id);
	if (restart != NULL)
		log_warn("reload: %s changed: only a restart applies %s", restart,
		    strchr(restart, ',') ? "them" : "it");
	free(restart);
	snapshot_put(&s);
}

/*
 * mauthd_sigset - the signals this thread alone takes, with sigwait().
 * main() blocks them before it starts any thread (libunbound's, the
 * report writer, metrics, libmilter's), so every thread inherits the
 * mask; one that comes during start-up waits, pending, for the loop
 * (a SIGINT that a non-interactive shell's background job ignores would
 * otherwise be lost while unblocked, and the daemon never stop).
 */
static void
mauthd_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

/* mauthd_run - smfi_main in a thread, signals here; the exit status */
static int
mauthd_run(struct mauthd *d)
{
	sigset_t set;
	pthread_t tid;
	int sig, rc;

	mauthd_sigset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* (blocked since start-up already) */
	signal(SIGPIPE, SIG_IGN);		/* an MTA that hangs up is not fatal */
	d->main_thread = pthread_self();
	if ((rc = pthread_create(&tid, NULL, mauthd_milter_thread, d)) != 0)
		fatal(EX_OSERR, "cannot start the milter thread: %s", strerror(rc));
	daemon_ready();
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			mauthd_reload(d);
			continue;
		}
		break;
	}
	if (sig == SIGUSR1) {
		pthread_join(tid, NULL);
		report_stop();
		log_err("the milter loop ended %s", d->milter_rc == MI_SUCCESS ?
		    "without being asked to" : "with an error");
		return EX_SOFTWARE;
	}
	log_info("stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	mauthd_stop(d, tid);
	mauthd_drain(d);
	report_stop();		/* rows of messages already answered: flushed */
	return 0;
}

/* mauthd_config - load path; -n and -D end here */
static struct mauth_conf *
mauthd_config(const char *path, bool check, bool dump)
{
	struct mauth_conf *conf = NULL;
	char *error = NULL;

	if (mauth_conf_load(path, &conf, &error) < 0) {
		fprintf(stderr, "mauthd: %s\n", error);
		free(error);
		exit(EX_CONFIG);
	}
	if (dump) {
		struct mauth_buf out = MAUTH_BUF_INIT;

		mauth_conf_dump(conf, &out);
		fputs(mauth_buf_cstr(&out), stdout);
		mauth_buf_free(&out);
	}
	if (check) {
		/* what only libunbound can judge: forwarders, trust anchor content */
		if (snapshot_resolver_check(conf, &error) < 0) {
			fprintf(stderr, "mauthd: %s: resolver: %s\n", path, error);
			free(error);
			exit(EX_CONFIG);
		}
		/* the keys, read and checked exactly as start-up does */
		if (snapshot_dkim_check(conf, &error) < 0) {
			fprintf(stderr, "mauthd: %s: DKIM: %s\n", path, error);
			free(error);
			exit(EX_CONFIG);
		}
		if (snapshot_psl_check(conf, &error) < 0) {
			fprintf(stderr, "mauthd: %s: PublicSuffixList: %s\n", path, error);
			free(error);
			exit(EX_CONFIG);
		}
		printf("mauthd: %s: configuration valid\n", path);
	}
	if (check || dump) {
		mauth_conf_free(&conf);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	}
	return conf;
}

int
main(int argc, char **argv)
{
	const char *path = MAUTHD_CONF;
	bool foreground = false, check = false, dump = false;
	struct mauthd *d = &mauthd;
	struct mauth_conf *conf;
	struct snapshot *s;
	sigset_t sigs;
	char *error = NULL;
	int ch, status;

	while ((ch = getopt(argc, argv, "c:fnDVh")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check = true; break;
		case 'D': dump = true; break;
		case 'V': printf("mauthd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	conf = mauthd_config(path, check, dump);
	/* the daemon leaves its directory: reloads need the absolute name */
	d->path = realpath(path, NULL);
	if (d->path == NULL)
		d->path = xstrdup(path);
	d->socket = xstrdup(conf->socket);
	d->pid_file = conf->pid_file ? xstrdup(conf->pid_file) : NULL;
	d->metrics_fd = -1;
	metrics_init(&d->metrics);
	log_setup(foreground, !foreground && conf->syslog, conf->syslog_facility,
	    (int)conf->log_level);
	if (!foreground && daemon_start(&error) < 0)
		fatal(EX_OSERR, "%s", error);
	mauthd_sigset(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);	/* before any thread starts */
	log_info("mauthd %s starting with %s", PACKAGE_VERSION, d->path);
	if (snapshot_start(conf, &error) < 0)
		fatal(EX_CONFIG, "%s", error);
	s = snapshot_get();
	if (s->keys != NULL)
		log_info("DKIM: %zu signing keys loaded", mauth_dkim_keys_count(s->keys));
	if (milter_register(&d->metrics, s->conf->on_internal_error) < 0)
		fatal(EX_SOFTWARE, "smfi_register failed");
	if (listen_open(s->conf, &error) < 0)
		fatal(EX_UNAVAILABLE, "%s", error);
	if (s->conf->metrics_socket != NULL &&
	    (d->metrics_fd = metrics_http_open(s->conf->metrics_socket, &error)) < 0)
		fatal(EX_UNAVAILABLE, "%s", error);
	if (priv_drop(s->conf->user_id, &error) < 0)
		fatal(EX_NOPERM, "%s", error);
	if (report_start(s->conf, &error) < 0)
		fatal(EX_CANTCREAT, "report store: %s", error);
	if (d->pid_file != NULL && pidfile_write(d->pid_file, &error) < 0)
		fatal(EX_CANTCREAT, "%s", error);
	if (d->metrics_fd >= 0 && metrics_http_start(d->metrics_fd, &d->metrics, &error) < 0)
		fatal(EX_OSERR, "%s", error);
	snapshot_put(&s);

	status = mauthd_run(d);

	/*
	 * smfi_main does not wait for the sessions it started: a callback may
	 * still be using a snapshot, so snapshots are left to the exit.
	 */
	if (d->pid_file != NULL)
		pidfile_remove(d->pid_file);
	log_info("stopped");
	return status;
}
