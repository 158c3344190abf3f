/*
 * conf-dkim.c - the DKIM keys of mauthd.conf: values, refusals naming the
 * key and line, and the options they give lib/dkim
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "dkim.h"
#include "tap.h"

static struct mauth_conf *
parse(const char *text, char **error_r)
{
	struct mauth_conf *conf = NULL;

	*error_r = NULL;
	if (mauth_conf_parse("test.conf", text, strlen(text), &conf, error_r) < 0)
		return NULL;
	return conf;
}

static void
refused(const char *text, const char *want)
{
	char *error, shown[256];
	struct mauth_conf *conf = parse(text, &error);

	snprintf(shown, sizeof(shown), "%s", text);
	for (char *p = shown; *p != '\0'; p++)
		if (*p == '\n')
			*p = p[1] != '\0' ? '|' : '\0';
	ok(conf == NULL, "refused: %s", shown);
	like_str(error, want, "  %s", want);
	mauth_conf_free(&conf);
	free(error);
}

int
main(void)
{
	char *error;
	struct mauth_conf *conf = parse("", &error);
	struct mauth_dkim_options opt;

	ok(conf != NULL, "empty file");
	is_int(conf->min_key_bits, 1024, "MinimumKeyBits defaults to 1024");
	is_int(conf->max_signatures, 10, "MaximumSignaturesToVerify defaults to 10");
	is_int(conf->signature_ttl, 0, "SignatureTTL defaults to 0 (no x=)");
	ok(conf->key_table == NULL && conf->signing_table == NULL, "no tables: no signing");
	ok(!conf->multiple_signatures, "MultipleSignatures defaults to no");
	mauth_dkim_options_conf(&opt, conf, NULL);
	ok(opt.header_canon == MAUTH_DKIM_RELAXED && opt.body_canon == MAUTH_DKIM_RELAXED,
	    "Canonicalization defaults to relaxed/relaxed");
	ok(opt.sign_headers == NULL && opt.oversign_headers == NULL, "built-in header lists");
	struct mauth_buf out = MAUTH_BUF_INIT;
	mauth_conf_dump(conf, &out);
	like_str(mauth_buf_cstr(&out), "MinimumKeyBits    1024", "dump shows MinimumKeyBits");
	like_str(mauth_buf_cstr(&out), "Canonicalization  relaxed/relaxed", "dump shows Canonicalization");
	mauth_buf_free(&out);
	mauth_conf_free(&conf);

	conf = parse("Canonicalization simple/relaxed\nSignHeaders From, To, X-Custom\n"
	    "OversignHeaders none\nSignatureTTL 86400\nMinimumKeyBits 2048\n"
	    "MaximumSignaturesToVerify 3\nMultipleSignatures yes\n", &error);
	ok(conf != NULL, "DKIM keys parse (%s)", error ? error : "");
	if (conf != NULL) {
		mauth_dkim_options_conf(&opt, conf, NULL);
		ok(opt.header_canon == MAUTH_DKIM_SIMPLE && opt.body_canon == MAUTH_DKIM_RELAXED,
		    "  simple/relaxed");
		is_str(opt.sign_headers[2], "X-Custom", "  SignHeaders list");
		ok(opt.oversign_headers != NULL && opt.oversign_headers[0] == NULL,
		    "  OversignHeaders none: empty list");
		is_int(opt.signature_ttl, 86400, "  SignatureTTL");
		is_int(opt.min_key_bits, 2048, "  MinimumKeyBits");
		is_int(opt.max_signatures, 3, "  MaximumSignaturesToVerify");
		ok(conf->multiple_signatures, "  MultipleSignatures yes");
		struct mauth_dkim *dkim;
		ok(mauth_dkim_new(&opt, &dkim, &error) == 0, "  a DKIM context from them");
		mauth_dkim_free(&dkim);
	}
	mauth_conf_free(&conf);

	refused("KeyTable /etc/passwd\n", "KeyTable is set but SigningTable is not");
	refused("SigningTable /etc/passwd\n", "SigningTable is set but KeyTable is not");
	refused("KeyTable relative/path\nSigningTable /etc/passwd\n",
	    "test.conf:1: KeyTable: bad value \"relative/path\"");
	refused("KeyTable /nonexistent/keytable\nSigningTable /etc/passwd\n",
	    "test.conf:1: KeyTable: bad value \"/nonexistent/keytable\": cannot read it");
	refused("SignHeaders From, DKIM-Signature\n", "DKIM-Signature fields are added, never signed");
	refused("OversignHeaders From, X:Y\n", "not a header field name");
	refused("MinimumKeyBits lots\n", "test.conf:1: MinimumKeyBits: bad value \"lots\": expected a whole number");
	refused("MaximumSignaturesToVerify 0\n", "must be from 1 to 100");
	refused("Canonicalization nofws\n", "test.conf:1: Canonicalization");
	return done_testing();
}
