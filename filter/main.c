/*
 * main.c - mauthd: options, start-up in order, and the main loop
 *
 * Start-up order (each step needs the one before, and everything that
 * needs root happens before the privilege drop):
 *   1. read the configuration (-n stops here);
 *   2. detach (unless -f), so the threads started next are in the process
 *      that keeps running and the pid file names it;
 *   3. the resolver (Nameservers, DNSTimeout, TrustAnchorFile), the Public
 *      Suffix List for DMARCDiscovery psl (read once, shared by every
 *      thread) and the per-transaction context built from the configuration;
 *   4. smfi_register, smfi_setconn + smfi_opensocket, TCP_NODELAY on an
 *      inet socket, SocketMode and owner on a local: socket (listen.c);
 *   5. drop privileges to UserID (priv.c);
 *   6. start the report row writer (report.c: store and spool owned by
 *      UserID); write PidFile; tell the waiting parent we are up;
 *   7. smfi_main in its own thread while this thread waits for signals:
 *      SIGTERM and SIGINT stop cleanly through smfi_stop(), then the
 *      report rows still queued are committed.
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
#include "dmarc_discover.h"
#include "dns_unbound.h"
#include "inbound.h"
#include "listen.h"
#include "log.h"
#include "milter.h"
#include "priv.h"
#include "report.h"

#define MAUTHD_CONF	SYSCONFDIR "/mauth/mauthd.conf"

struct mauthd {
	struct mauth_conf *conf;
	struct mauth_dns *dns;
	struct mauth_dmarc_psl *psl;		/* DMARCDiscovery psl only */
	struct mauth_inbound_ctx ictx;
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

/* mauthd_resolver - the shared resolver and the per-transaction context */
static int
mauthd_resolver(struct mauthd *d, char **error_r)
{
	const struct mauth_conf *conf = d->conf;
	struct mauth_dns_unbound_config cfg = {
		.nameservers = (const char *const *)conf->nameservers,
		.timeout_ms = conf->dns_timeout_ms,
		.trust_anchor_file = conf->trust_anchor_file,
	};

	if ((d->dns = mauth_dns_unbound_new(&cfg, error_r)) == NULL)
		return -1;
	if (conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL &&
	    (d->psl = mauth_dmarc_psl_load(conf->public_suffix_list, error_r)) == NULL)
		return -1;
	d->ictx.dns = d->dns;
	d->ictx.authserv_id = conf->authserv_id;
	d->ictx.spf.receiver = conf->authserv_id;
	d->ictx.on_temperror = conf->on_temperror;
	mauth_inbound_dmarc_conf_init(&d->ictx.dmarc, conf, d->psl);
	return 0;
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
		listen_wake(d->conf);
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

/* mauthd_run - smfi_main in a thread, signals here; the exit status */
static int
mauthd_run(struct mauthd *d)
{
	sigset_t set;
	pthread_t tid;
	int sig, rc;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by every thread */
	signal(SIGPIPE, SIG_IGN);		/* an MTA that hangs up is not fatal */
	d->main_thread = pthread_self();
	if ((rc = pthread_create(&tid, NULL, mauthd_milter_thread, d)) != 0)
		fatal(EX_OSERR, "cannot start the milter thread: %s", strerror(rc));
	daemon_ready();
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_warn("SIGHUP: configuration reload is not supported yet; "
			    "restart mauthd to apply changes");
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
		struct mauthd probe = { .conf = conf };

		if (mauthd_resolver(&probe, &error) < 0) {
			fprintf(stderr, "mauthd: %s: resolver: %s\n", path, error);
			free(error);
			exit(EX_CONFIG);
		}
		mauth_dns_free(&probe.dns);
		mauth_dmarc_psl_free(&probe.psl);
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
	d->conf = mauthd_config(path, check, dump);
	log_setup(foreground, !foreground && d->conf->syslog,
	    d->conf->syslog_facility, (int)d->conf->log_level);
	if (!foreground && daemon_start(&error) < 0)
		fatal(EX_OSERR, "%s", error);
	log_info("mauthd %s starting with %s", PACKAGE_VERSION, path);
	if (mauthd_resolver(d, &error) < 0)
		fatal(EX_CONFIG, "resolver: %s", error);
	if (milter_register(d->conf, &d->ictx) < 0)
		fatal(EX_SOFTWARE, "smfi_register failed");
	if (listen_open(d->conf, &error) < 0)
		fatal(EX_UNAVAILABLE, "%s", error);
	if (priv_drop(d->conf->user_id, &error) < 0)
		fatal(EX_NOPERM, "%s", error);
	if (report_start(d->conf, &error) < 0)
		fatal(EX_CANTCREAT, "report store: %s", error);
	if (d->conf->pid_file != NULL && pidfile_write(d->conf->pid_file, &error) < 0)
		fatal(EX_CANTCREAT, "%s", error);

	status = mauthd_run(d);

	/*
	 * smfi_main does not wait for the sessions it started: a callback may
	 * still be using the resolver and the configuration, so they are left
	 * to the exit.
	 */
	if (d->conf->pid_file != NULL)
		pidfile_remove(d->conf->pid_file);
	log_info("stopped");
	return status;
}
