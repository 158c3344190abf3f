/*
 * sign.c - mauth sign: DKIM-sign one message (RFC 6376, RFC 8463)
 *
 *   mauth sign --domain D --selector S --key FILE [--algorithm rsa|ed25519]
 *              [--canonicalization H/B] [--identity I] [--ttl SECONDS]
 *              [--time T] [MESSAGE|-]
 *
 * Writes the message to stdout with the DKIM-Signature field on top, using
 * the same code and defaults (header lists, oversigning) as mauthd; the
 * message reaches the signer through lib/message.c, as mauth check's does.  The
 * key file must be private to its owner, as for mauthd.  Line endings of
 * the output follow the input's first line (LF or CRLF).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dkim.h"
#include "mauth.h"
#include "message.h"
#include "xmalloc.h"

static void
sign_usage(FILE *f)
{
	fprintf(f, "usage: mauth sign --domain D --selector S --key FILE"
	    " [--algorithm rsa|ed25519]\n"
	    "                  [--canonicalization relaxed/relaxed] [--identity I]"
	    " [--ttl SECONDS] [--time T]\n"
	    "                  [MESSAGE|-]\n");
}

static char *
read_all(FILE *f, size_t *len_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char chunk[65536];
	size_t n;

	mauth_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mauth_buf_append(&b, chunk, n);
	*len_r = b.len;
	return mauth_buf_steal(&b);
}

/* the sink that hands the message to the signer (lib/message.h) */
static int
sink_header(void *s, const char *name, const char *value)
{
	mauth_dkim_sign_header(s, name, value);
	return 0;
}

static int
sink_eoh(void *s)
{
	mauth_dkim_sign_eoh(s);
	return 0;
}

static int
sink_body(void *s, const unsigned char *data, size_t len)
{
	mauth_dkim_sign_body(s, data, len);
	return 0;
}

struct sign_args {
	struct mauth_dkim_signing sel;
	const char *key, *alg, *canon, *input;
	unsigned ttl;
	long long t;
};

static int
parse_args(int argc, char **argv, struct sign_args *a)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "canonicalization", required_argument, NULL, 'c' },
		{ "identity", required_argument, NULL, 'i' },
		{ "ttl", required_argument, NULL, 'x' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:a:c:i:x:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->sel.domain = optarg; break;
		case 's': a->sel.selector = optarg; break;
		case 'k': a->key = optarg; break;
		case 'a': a->alg = optarg; break;
		case 'c': a->canon = optarg; break;
		case 'i': a->sel.identity = optarg; break;
		case 'x': a->ttl = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': a->t = strtoll(optarg, NULL, 10); break;
		case 'h': sign_usage(stdout); exit(MAUTH_EXIT_OK);
		default: return -1;
		}
	}
	if (a->sel.domain == NULL || a->sel.selector == NULL || a->key == NULL ||
	    argc - optind > 1)
		return -1;
	a->input = optind < argc ? argv[optind] : "-";
	return 0;
}

static int
set_canon(struct mauth_dkim_options *opt, const char *c)
{
	char h[16], b[16] = "simple";

	if (c == NULL)
		return 0;
	if (sscanf(c, "%15[a-z]/%15[a-z]", h, b) < 1)
		return -1;
	for (int i = 0; i < 2; i++) {
		const char *w = i == 0 ? h : b;
		enum mauth_dkim_canon *t = i == 0 ? &opt->header_canon : &opt->body_canon;
		if (strcmp(w, "simple") == 0)
			*t = MAUTH_DKIM_SIMPLE;
		else if (strcmp(w, "relaxed") == 0)
			*t = MAUTH_DKIM_RELAXED;
		else
			return -1;
	}
	return 0;
}

static void
write_signed(const struct mauth_dkim_sign *s, const char *msg, size_t len)
{
	const char *const *fields;
	const char *nl = memchr(msg, '\n', len);
	bool crlf = nl != NULL && nl > msg && nl[-1] == '\r';
	size_t n = mauth_dkim_sign_fields(s, &fields);

	for (size_t i = n; i-- > 0;) {
		fputs("DKIM-Signature:", stdout);
		for (const char *p = fields[i]; *p != '\0'; p++) {
			if (*p == '\n' && crlf)
				putchar('\r');
			putchar(*p);
		}
		fputs(crlf ? "\r\n" : "\n", stdout);
	}
	fwrite(msg, 1, len, stdout);
}

static int
run_sign(struct sign_args *a, struct mauth_dkim_options *opt, const char *msg,
    size_t len)
{
	struct mauth_dkim_key *key = NULL;
	struct mauth_dkim *dkim = NULL;
	struct mauth_dkim_sign *s = NULL;
	char *error = NULL;
	int rc = MAUTH_EXIT_ERROR;

	if (mauth_dkim_key_load(a->key, &key, &error) < 0)
		goto out;
	bool ed = mauth_dkim_key_alg(key) == MAUTH_DKIM_ED25519_SHA256;
	if (a->alg != NULL && strcasecmp(a->alg, ed ? "ed25519" : "rsa") != 0) {
		error = xasprintf("%s is %s key, not usable with --algorithm %s",
		    a->key, ed ? "an Ed25519" : "an RSA", a->alg);
		goto out;
	}
	a->sel.key = key;
	if (mauth_dkim_new(opt, &dkim, &error) < 0 ||
	    (s = mauth_dkim_sign_new(dkim, &a->sel, 1, "mauth-sign", &error)) == NULL)
		goto out;
	struct mauth_message_sink sink = { sink_header, sink_eoh, sink_body, s };
	if (mauth_message_feed(msg, len, &sink, &error) < 0 ||
	    mauth_dkim_sign_eom(s, &error) < 0)
		goto out;
	write_signed(s, msg, len);
	rc = fflush(stdout) == 0 ? MAUTH_EXIT_OK : MAUTH_EXIT_ERROR;
out:
	if (error != NULL)
		fprintf(stderr, "mauth sign: %s\n", error);
	free(error);
	mauth_dkim_sign_free(&s);
	mauth_dkim_free(&dkim);
	mauth_dkim_key_free(&key);
	return rc;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	struct mauth_dkim_options opt;
	FILE *in = stdin;
	size_t len;

	memset(&a, 0, sizeof(a));
	mauth_dkim_options_init(&opt);
	if (parse_args(argc, argv, &a) < 0 || set_canon(&opt, a.canon) < 0) {
		sign_usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	opt.signature_ttl = a.ttl;
	opt.fixed_time = (time_t)a.t;
	if (strcmp(a.input, "-") != 0 && (in = fopen(a.input, "rb")) == NULL) {
		perror(a.input);
		return MAUTH_EXIT_ERROR;
	}
	char *msg = read_all(in, &len);
	if (in != stdin)
		fclose(in);
	int rc = run_sign(&a, &opt, msg, len);
	free(msg);
	return rc;
}
