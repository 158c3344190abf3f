/*
 * milter-load.c - drive a milter directly with N connections and M messages
 *
 * milter-load plays the MTA (Postfix's side of the milter protocol, see
 * milter_proto.h) so a milter can be measured without an MTA in front of
 * it.  Each of N threads opens a connection, negotiates, sends CONNECT
 * (with the client address given) and HELO, then several messages (MAIL,
 * RCPT, DATA, headers, EOH, body chunks, EOM) and QUIT, and starts over
 * until M messages were sent in all.  Latency of a message is the time
 * from its MAIL to the milter's end-of-message verdict.
 *
 * Output: one "key=value ..." summary line on stdout (bench/run reads it),
 * with -H also every header the milter added or changed, as
 *   header <msgno> <op> <name>: <value>
 * Errors (a milter that closes the connection, sends a malformed reply, or
 * times out) are counted, reported on stderr (the first few in full), and
 * the driver carries on with a new connection.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "load_msg.h"
#include "load_stats.h"
#include "milter_proto.h"
#include "xmalloc.h"

#define MAX_ERRORS_SHOWN	5

struct load_opts {
	const char *socket;
	unsigned conns;			/* -c: concurrent connections */
	unsigned total;			/* -n: messages in all */
	unsigned per_conn;		/* -m: messages per connection */
	int timeout_ms;			/* -t */
	bool nodelay;			/* -N */
	bool show_headers;		/* -H */
	bool verbose;			/* -v: negotiated options on stderr */
	const char **addrs;		/* -a: client addresses, round robin */
	size_t naddrs;
	const char *helo;		/* -e */
	const char *mail_from;		/* -F */
	const char *rcpt_to;		/* -R */
	const char *auth_user;		/* -u: {auth_authen} */
	const char *myhostname;		/* -j */
	struct load_msg **msgs;		/* -f files or -s sizes */
	size_t nmsgs;
};

struct load_stats {
	atomic_uint next_msg;		/* message numbers handed out */
	atomic_uint next_conn;
	atomic_uint verdicts[MILTER_V_COUNT];
	atomic_uint quarantined;
	atomic_uint headers_added;
	atomic_uint errors;
	atomic_uint done;
	double *latency_ms;		/* per message number; < 0: no result */
	pthread_mutex_t out_lock;
};

static struct load_opts opts;
static struct load_stats stats;

static void
report_error(const char *error)
{
	unsigned n = atomic_fetch_add(&stats.errors, 1);

	if (n < MAX_ERRORS_SHOWN)
		fprintf(stderr, "milter-load: %s\n", error);
	else if (n == MAX_ERRORS_SHOWN)
		fprintf(stderr, "milter-load: further errors counted only\n");
}

static void
show_mods(unsigned msgno, const struct milter_reply *r)
{
	if (r->nmods == 0)
		return;
	pthread_mutex_lock(&stats.out_lock);
	for (size_t i = 0; i < r->nmods; i++) {
		const struct milter_mod *m = &r->mods[i];
		if (m->op == SMFIR_ADDHEADER || m->op == SMFIR_INSHEADER ||
		    m->op == SMFIR_CHGHEADER)
			printf("header %u %s %s: %s\n", msgno,
			    m->op == SMFIR_ADDHEADER ? "add" :
			    m->op == SMFIR_INSHEADER ? "insert" : "change",
			    m->name, m->value ? m->value : "");
		else
			printf("mod %u %c %s\n", msgno, m->op,
			    m->name ? m->name : "");
	}
	pthread_mutex_unlock(&stats.out_lock);
}

/*
 * Send message msgno.  Returns the verdict that ended it, or -1 after a
 * connection error (*error_r set).
 */
static int
send_message(struct milter_conn *c, unsigned msgno, char **error_r)
{
	const struct load_msg *msg = opts.msgs[msgno % opts.nmsgs];
	char qid[32], from[512], rcpt[512];
	struct milter_reply r;
	int rc;

	snprintf(qid, sizeof(qid), "4B%05X%05X", msgno >> 20, msgno & 0xfffff);
	snprintf(from, sizeof(from), "<%s>", opts.mail_from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", opts.rcpt_to);
	const struct milter_macro mail_m[] = {
		{ "i", qid }, { "{auth_type}", opts.auth_user ? "PLAIN" : NULL },
		{ "{auth_authen}", opts.auth_user }, { "{mail_addr}", opts.mail_from },
	};
	const struct milter_macro rcpt_m[] = {
		{ "i", qid }, { "{rcpt_addr}", opts.rcpt_to },
		{ "{rcpt_host}", strchr(opts.rcpt_to, '@') ?
		    strchr(opts.rcpt_to, '@') + 1 : "" },
		{ "{rcpt_mailer}", "smtp" },
	};
	const struct milter_macro qid_m[] = { { "i", qid } };
	const char *mail_args[] = { from, NULL };
	const char *rcpt_args[] = { rcpt, NULL };

#define STEP(call) do { \
		if ((call) < 0) \
			return -1; \
		if (milter_verdict_final(r.verdict)) \
			goto decided; \
		milter_reply_clear(&r); \
	} while (0)

	STEP(milter_mail(c, mail_m, 4, mail_args, &r, error_r));
	STEP(milter_rcpt(c, rcpt_m, 4, rcpt_args, &r, error_r));
	STEP(milter_data(c, qid_m, 1, &r, error_r));
	for (size_t i = 0; i < msg->nhdr; i++)
		STEP(milter_header(c, qid_m, 1, msg->hdr[i].name,
		    msg->hdr[i].value, &r, error_r));
	STEP(milter_eoh(c, qid_m, 1, &r, error_r));
	for (size_t off = 0; off < msg->body_len; off += MILTER_CHUNK_SIZE) {
		size_t n = msg->body_len - off;
		STEP(milter_body(c, qid_m, 1, msg->body + off,
		    n > MILTER_CHUNK_SIZE ? MILTER_CHUNK_SIZE : n, &r, error_r));
	}
	if (milter_eom(c, qid_m, 1, &r, error_r) < 0)
		return -1;
	if (r.verdict == MILTER_V_NONE) {
		*error_r = xstrdup("no verdict at end of message");
		milter_reply_clear(&r);
		return -1;
	}
decided:
#undef STEP
	if (r.quarantined)
		atomic_fetch_add(&stats.quarantined, 1);
	for (size_t i = 0; i < r.nmods; i++)
		if (r.mods[i].op == SMFIR_ADDHEADER || r.mods[i].op == SMFIR_INSHEADER)
			atomic_fetch_add(&stats.headers_added, 1);
	if (opts.show_headers)
		show_mods(msgno, &r);
	rc = r.verdict;
	milter_reply_clear(&r);
	/* Postfix ends every transaction with ABORT; no reply comes. */
	if (milter_abort(c, error_r) < 0)
		return -1;
	return rc;
}

/* Open, negotiate, CONNECT and HELO.  NULL after an error (reported). */
static struct milter_conn *
open_session(enum milter_verdict *conn_verdict_r)
{
	unsigned n = atomic_fetch_add(&stats.next_conn, 1);
	const char *addr = opts.addrs[n % opts.naddrs];
	struct milter_conn *c = NULL;
	struct milter_reply r;
	char *error = NULL, under[300];

	snprintf(under, sizeof(under), "unknown [%s]", addr);
	const struct milter_macro conn_m[] = {
		{ "j", opts.myhostname }, { "{daemon_name}", opts.myhostname },
		{ "{daemon_addr}", "127.0.0.1" }, { "v", "Postfix 3.7" },
		{ "_", under }, { "{client_addr}", addr },
		{ "{client_name}", "unknown" },
	};
	const struct milter_macro helo_m[1] = { { NULL, NULL } };

	*conn_verdict_r = MILTER_V_CONTINUE;
	if (milter_conn_open(opts.socket, opts.timeout_ms, opts.nodelay, &c,
	    &error) < 0 || milter_negotiate(c, &error) < 0 ||
	    milter_connect(c, conn_m, 7, "unknown", addr, (uint16_t)(40000 + n % 20000),
	    &r, &error) < 0)
		goto fail;
	if (opts.verbose && n == 0) {
		const struct milter_options *o = milter_conn_options(c);
		fprintf(stderr, "milter-load: version %u actions 0x%x steps 0x%x\n",
		    o->version, o->actions, o->pflags);
		for (int i = 0; i < MILTER_ST_COUNT; i++)
			if (o->symlist[i] != NULL)
				fprintf(stderr, "milter-load: macros for stage %d: %s\n",
				    i, o->symlist[i]);
	}
	if (milter_verdict_final(r.verdict)) {
		*conn_verdict_r = r.verdict;
		milter_reply_clear(&r);
		return c;
	}
	milter_reply_clear(&r);
	if (milter_helo(c, helo_m, 0, opts.helo, &r, &error) < 0)
		goto fail;
	if (milter_verdict_final(r.verdict))
		*conn_verdict_r = r.verdict;
	milter_reply_clear(&r);
	return c;
fail:
	report_error(error);
	free(error);
	milter_conn_free(&c);
	return NULL;
}

static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		enum milter_verdict cv;
		struct milter_conn *c = open_session(&cv);
		unsigned sent = 0;
		bool broken = (c == NULL);

		while (sent < opts.per_conn) {
			unsigned msgno = atomic_fetch_add(&stats.next_msg, 1);
			if (msgno >= opts.total)
				break;
			sent++;
			if (broken) {
				atomic_fetch_add(&stats.done, 1);
				continue;	/* counted as an error already */
			}
			if (cv != MILTER_V_CONTINUE) {	/* decided at connect */
				atomic_fetch_add(&stats.verdicts[cv], 1);
				atomic_fetch_add(&stats.done, 1);
				continue;
			}
			char *error = NULL;
			double t0 = load_now_ms();
			int v = send_message(c, msgno, &error);
			if (v < 0) {
				report_error(error);
				free(error);
				broken = true;
				atomic_fetch_add(&stats.done, 1);
				break;
			}
			stats.latency_ms[msgno] = load_now_ms() - t0;
			atomic_fetch_add(&stats.verdicts[v], 1);
			atomic_fetch_add(&stats.done, 1);
		}
		if (c != NULL && !broken) {
			char *error = NULL;
			if (milter_quit(c, &error) < 0) {
				report_error(error);
				free(error);
			}
		}
		milter_conn_free(&c);
		if (sent == 0 || atomic_load(&stats.next_msg) >= opts.total)
			break;
	}
	return NULL;
}

static void
print_summary(double secs)
{
	struct load_latency l;

	load_latency_sum(stats.latency_ms, opts.total, &l);
	unsigned accepted = stats.verdicts[MILTER_V_CONTINUE] +
	    stats.verdicts[MILTER_V_ACCEPT];
	printf("msgs=%u done=%zu secs=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f"
	    " max_ms=%.3f accept=%u reject=%u tempfail=%u discard=%u"
	    " replycode=%u other=%u quarantine=%u added_headers=%u errors=%u\n",
	    opts.total, l.count, secs, secs > 0 ? (double)l.count / secs : 0,
	    l.p50_ms, l.p99_ms, l.max_ms,
	    accepted, stats.verdicts[MILTER_V_REJECT],
	    stats.verdicts[MILTER_V_TEMPFAIL], stats.verdicts[MILTER_V_DISCARD],
	    stats.verdicts[MILTER_V_REPLYCODE],
	    stats.verdicts[MILTER_V_SHUTDOWN] + stats.verdicts[MILTER_V_CONN_FAIL],
	    stats.quarantined, stats.headers_added, stats.errors);
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: milter-load -s SOCKET [-c conns] [-n msgs] [-m msgs-per-conn]\n"
	    "         [-f file]... [-S 4k|64k|mix|BYTES] [-a client-addr]...\n"
	    "         [-F mail-from] [-R rcpt-to] [-e helo] [-j myhostname]\n"
	    "         [-u auth-user] [-t timeout-s] [-N] [-H] [-v]\n"
	    "  SOCKET is inet:PORT@ADDR, inet6:PORT@ADDR or local:PATH\n"
	    "  -f may repeat (messages sent round robin); without -f messages\n"
	    "     are generated: -S 4k (default), 64k, mix (4 of 4k, 1 of 64k)\n"
	    "  -u sets {auth_authen} (an authenticated submission)\n"
	    "  -N sets TCP_NODELAY on our side (Postfix does not)\n"
	    "  -H prints the header fields the milter adds or changes\n"
	    "  -v prints the negotiated protocol options on stderr\n");
	exit(status);
}

static unsigned
parse_count(const char *s, char opt, unsigned min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > 100000000) {
		fprintf(stderr, "milter-load: -%c %s: expected a number >= %u\n",
		    opt, s, min);
		exit(2);
	}
	return (unsigned)v;
}

static void
add_msg(struct load_msg *m)
{
	opts.msgs = xreallocarray(opts.msgs, opts.nmsgs + 1, sizeof(*opts.msgs));
	opts.msgs[opts.nmsgs++] = m;
}

static void
generate(const char *spec)
{
	size_t sizes[5];
	size_t n = 1;

	if (strcmp(spec, "4k") == 0) {
		sizes[0] = 4096;
	} else if (strcmp(spec, "64k") == 0) {
		sizes[0] = 65536;
	} else if (strcmp(spec, "mix") == 0) {
		sizes[0] = sizes[1] = sizes[2] = sizes[3] = 4096;
		sizes[4] = 65536;
		n = 5;
	} else {
		sizes[0] = parse_count(spec, 'S', 512);
	}
	for (size_t i = 0; i < n; i++)
		add_msg(load_msg_generate(sizes[i], opts.mail_from, opts.rcpt_to,
		    (unsigned)i));
}

int
main(int argc, char **argv)
{
	const char *size = "4k";
	int ch;

	opts = (struct load_opts){ .conns = 1, .total = 100, .per_conn = 10,
		.timeout_ms = 30000, .helo = "mail.sender.example",
		.mail_from = "sender@sender.example", .rcpt_to = "rcpt@bench.test",
		.myhostname = "mx.bench.test" };
	while ((ch = getopt(argc, argv, "a:c:e:f:F:hHj:m:n:NR:s:S:t:u:v")) != -1) {
		switch (ch) {
		case 'a':
			opts.addrs = xreallocarray(opts.addrs, opts.naddrs + 1,
			    sizeof(*opts.addrs));
			opts.addrs[opts.naddrs++] = optarg;
			break;
		case 'c': opts.conns = parse_count(optarg, 'c', 1); break;
		case 'e': opts.helo = optarg; break;
		case 'f': {
			struct load_msg *m;
			char *error;
			if (load_msg_read(optarg, &m, &error) < 0) {
				fprintf(stderr, "milter-load: %s\n", error);
				exit(2);
			}
			add_msg(m);
			break;
		}
		case 'F': opts.mail_from = optarg; break;
		case 'h': usage(0); break;
		case 'H': opts.show_headers = true; break;
		case 'j': opts.myhostname = optarg; break;
		case 'm': opts.per_conn = parse_count(optarg, 'm', 1); break;
		case 'n': opts.total = parse_count(optarg, 'n', 1); break;
		case 'N': opts.nodelay = true; break;
		case 'R': opts.rcpt_to = optarg; break;
		case 's': opts.socket = optarg; break;
		case 'S': size = optarg; break;
		case 't': opts.timeout_ms = (int)parse_count(optarg, 't', 1) * 1000; break;
		case 'u': opts.auth_user = optarg; break;
		case 'v': opts.verbose = true; break;
		default: usage(2);
		}
	}
	if (opts.socket == NULL || optind != argc)
		usage(2);
	if (opts.naddrs == 0) {
		static const char *def_addr[] = { "192.0.2.10" };
		opts.addrs = def_addr;
		opts.naddrs = 1;
	}
	if (opts.nmsgs == 0)
		generate(size);

	stats.latency_ms = xcalloc(opts.total, sizeof(*stats.latency_ms));
	for (unsigned i = 0; i < opts.total; i++)
		stats.latency_ms[i] = -1;
	pthread_mutex_init(&stats.out_lock, NULL);
	pthread_t *tids = xcalloc(opts.conns, sizeof(*tids));
	double t0 = load_now_ms();
	for (unsigned i = 0; i < opts.conns; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "milter-load: cannot start thread %u\n", i);
			exit(1);
		}
	for (unsigned i = 0; i < opts.conns; i++)
		pthread_join(tids[i], NULL);
	print_summary((load_now_ms() - t0) / 1e3);
	free(tids);
	return stats.errors > 0 ? 1 : 0;
}
