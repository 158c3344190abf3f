/*
 * dmarc-record.c - DMARC record parsing (lib/dmarc_record)
 *
 * OpenDMARC's policy_parse, policy_fetch and policy_parse_lenient tables
 * (t/vectors/dmarc/opendmarc), every case in both modes, then mauth's own
 * cases for each tag, the fall-back of RFC 9989 4.10.1, URI lists and the
 * version rules.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dmarc_record.h"
#include "dmarc_vectors.h"
#include "tap.h"

#define OK	MAUTH_DMARC_RECORD_OK
#define NOTD	MAUTH_DMARC_RECORD_NOT_DMARC
#define INV	MAUTH_DMARC_RECORD_INVALID
#define R9989	MAUTH_DMARC_MODE_RFC9989
#define R7489	MAUTH_DMARC_MODE_RFC7489

static const char *const mode_name[] = { "rfc9989", "rfc7489" };
static const char *const status_name[] = { "OK", "NOT_DMARC", "INVALID" };

static enum mauth_dmarc_record_status
parse(const char *txt, enum mauth_dmarc_mode mode,
    struct mauth_dmarc_record **rec, char **error)
{
	mauth_dmarc_record_free(rec);
	free(*error);
	*error = NULL;
	return mauth_dmarc_record_parse(txt, strlen(txt), mode, rec, error);
}

/* OpenDMARC status -> what the RFC says it is, per case id */
static const struct {
	int id;
	enum mauth_dmarc_record_status want;
	const char *why;	/* NULL when mauth agrees with OpenDMARC */
} upstream[] = {
	{ 1, OK, NULL }, { 2, OK, NULL }, { 3, OK, NULL }, { 4, OK, NULL },
	{ 5, INV, "OpenDMARC quirk: it takes p=n as a prefix of none; RFC 9989"
	    " 4.8 allows only none/quarantine/reject, and with no rua= 4.10.1"
	    " leaves no DMARC to apply" },
	{ 6, NOTD, NULL }, { 7, NOTD, NULL }, { 8, INV, NULL }, { 9, INV,
	    NULL },
	{ 10, OK, "RFC 9989 4.8 (RFC 7489 6.3): a bad adkim is discarded in"
	    " favour of the default r, not a record error" },
	{ 11, OK, "RFC 9989 4.8: a bad aspf falls back to r" },
	{ 12, OK, "rf is historic in RFC 9989 (9.3) and \"bob\" is a valid"
	    " Keyword in RFC 7489 6.4; unknown formats are not a record error" },
	{ 13, OK, "ri is historic in RFC 9989; RFC 7489 6.3 discards the bad"
	    " value in favour of 86400" },
	{ 14, OK, "pct is historic in RFC 9989; RFC 7489 6.3 discards a bad"
	    " value in favour of 100" },
	{ 15, INV, NULL }, { 16, OK, NULL }, { 17, OK, NULL }, { 18, OK, NULL },
	{ 19, OK, "rf is historic in RFC 9989; RFC 7489 discards a bad value"
	    " in favour of afrf" },
};

static enum mauth_dmarc_record_status
upstream_status(const char *s)
{
	if (strcmp(s, "DMARC_PARSE_OKAY") == 0)
		return OK;
	if (strcmp(s, "DMARC_PARSE_ERROR_EMPTY") == 0 ||
	    strcmp(s, "DMARC_PARSE_ERROR_BAD_VERSION") == 0)
		return NOTD;
	return INV;		/* BAD_VALUE, NO_REQUIRED_P */
}

static void
test_upstream_parse(struct vec *v)
{
	yaml_node_t *cases = vec_cases(v, "policy_parse");
	size_t n = vec_len(cases), nk = sizeof(upstream) / sizeof(upstream[0]);
	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	is_int((long long)n, (long long)nk,
	    "OpenDMARC policy_parse: every case has an answer");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *c = vec_item(v, cases, i);
		int id = atoi(vec_str(v, c, "id"));
		const char *txt = vec_str(v, c, "record");
		const char *exp = vec_str(v, c, "expected");
		size_t k;

		for (k = 0; k < nk && upstream[k].id != id; k++)
			;
		if (!ok(k < nk && txt != NULL && exp != NULL,
		    "policy_parse case %d known", id))
			continue;
		/* the table's claim about agreement is itself checked */
		ok((upstream_status(exp) == upstream[k].want) == (upstream[k].why == NULL),
		    "  case %d: %s (%s)", id, exp,
		    upstream[k].why ? upstream[k].why : "as OpenDMARC");
		for (int m = R9989; m <= R7489; m++) {
			enum mauth_dmarc_record_status st = parse(txt, m, &rec,
			    &error);
			is_int(st, upstream[k].want, "  \"%s\" %s: %s", txt,
			    mode_name[m], status_name[upstream[k].want]);
			if (st != OK)
				ok(error != NULL && *error != '\0',
				    "    says why: %s", error);
		}
	}
	mauth_dmarc_record_free(&rec);
	free(error);
}

static void
test_upstream_fetch(struct vec *v)
{
	yaml_node_t *sec = vec_get(v, NULL, "policy_fetch");
	yaml_node_t *exp = vec_get(v, sec, "expected");
	const char *txt = vec_str(v, sec, "record");
	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	for (int m = R9989; m <= R7489; m++) {
		is_int(parse(txt, m, &rec, &error), upstream_status(vec_str(v,
		    exp, "parse")),
		    "policy_fetch %s parses", mode_name[m]);
		if (rec == NULL)
			continue;
		is_int(rec->pct, atoi(vec_str(v, exp, "pct")), "  pct");
		is_int(rec->adkim == MAUTH_DMARC_ALIGN_STRICT, *vec_str(v, exp,
		    "adkim") == 's', "  adkim");
		is_int(rec->aspf == MAUTH_DMARC_ALIGN_STRICT, *vec_str(v, exp,
		    "aspf") == 's', "  aspf");
		is_int(rec->ri, 300, "  ri=300");
		is_int(rec->sp, MAUTH_DMARC_P_NONE, "  sp=none");
		ok(rec->nrua == 1 && rec->nruf == 1, "  one rua, one ruf");
	}

	sec = vec_get(v, NULL, "policy_parse_lenient");
	txt = vec_str(v, sec, "record");
	for (int m = R9989; m <= R7489; m++) {
		is_int(parse(txt, m, &rec, &error), OK,
		    "policy_parse_lenient %s: still a record (%s)",
		    mode_name[m],
		    vec_str(v, sec, "expected"));
		if (rec == NULL)
			continue;
		/* the missing ";" glues rua= into fo='s value: both are lost */
		is_str(rec->fo, "0",
		    "  fo with the glued rua= is discarded (RFC 9989 4.8)");
		is_int((long long)rec->nrua, 0, "  so there is no rua");
		like_str(rec->warnings, "fo=", "  warnings name fo");
	}
	mauth_dmarc_record_free(&rec);
	free(error);
}

static void
t_status(const char *txt, enum mauth_dmarc_mode m,
    enum mauth_dmarc_record_status want,
    const char *why)
{
	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	is_int(parse(txt, m, &rec, &error), want, "\"%s\" %s: %s (%s)", txt,
	    mode_name[m], status_name[want], why);
	if (want != OK && error != NULL)
		diag("    %s", error);
	mauth_dmarc_record_free(&rec);
	free(error);
}

static void
test_version_and_policy(void)
{
	t_status("v=DMARC1; p=reject", R9989, OK, "plain");
	t_status("v = DMARC1 ;p = reject ;", R9989, OK,
	    "WSP around = and ;, trailing ;");
	t_status("V=DMARC1; P=Reject", R9989, OK,
	    "tag names and keywords are ABNF literals");
	t_status("v=dmarc1; p=reject", R9989, NOTD,
	    "DMARC1 is case-sensitive (4.7)");
	t_status("p=reject; v=DMARC1", R9989, NOTD, "v must be first (4.7)");
	t_status("v=DMARC1x; p=reject", R9989, NOTD, "not DMARC1");
	t_status("v=spf1 -all", R9989, NOTD, "an SPF record");
	t_status("v=DMARC1", R9989, INV, "no p= and no rua= (4.10.1)");
	t_status("v=DMARC1; p=reject; p=none", R9989, INV,
	    "p twice (RFC 6376 3.2 tag-list)");
	t_status("v=DMARC1; p=reject; v=DMARC1", R9989, INV, "v twice");
	t_status("v=DMARC1; p=reject; np=bogus", R9989, INV, "bad np, no rua");
	t_status("v=DMARC1; p=reject; foo=bar; 9x=1; junk", R9989, OK,
	    "unknown tags and junk are ignored");

	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	is_int(mauth_dmarc_record_parse("v=DMARC1\0; p=none", 17, R9989, &rec,
	    &error),
	    NOTD, "NUL byte: not a DMARC record");
	free(error);
	error = NULL;

	parse("v=DMARC1; p=bogus; rua=mailto:d@example.org", R9989, &rec,
	    &error);
	ok(rec != NULL && rec->p == MAUTH_DMARC_P_NONE && rec->p_fallback,
	    "bad p with a usable rua: p=none (RFC 9989 4.10.1)");
	like_str(rec ? rec->warnings : NULL, "p=bogus",
	    "  warning names p=bogus");
	parse("v=DMARC1; rua=mailto:d@example.org", R7489, &rec, &error);
	ok(rec != NULL && rec->p == MAUTH_DMARC_P_NONE && rec->p_fallback,
	    "no p with a usable rua: p=none (RFC 7489 6.6.3)");
	parse("v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.org", R9989,
	    &rec, &error);
	ok(rec != NULL && rec->p == MAUTH_DMARC_P_NONE &&
	    rec->sp == MAUTH_DMARC_P_NONE &&
	    !rec->has_sp, "bad sp with a usable rua: the record is p=none");
	parse("v=DMARC1; p=reject; rua=ftp://x.example", R9989, &rec, &error);
	ok(rec != NULL && rec->nrua == 1 && strcmp(rec->rua[0].scheme,
	    "ftp") == 0,
	    "rua of another scheme is a URI (ignored only when reporting)");

	parse("v=DMARC1; p=reject", R9989, &rec, &error);
	ok(rec->sp == MAUTH_DMARC_P_REJECT && rec->np == MAUTH_DMARC_P_REJECT &&
	    !rec->has_sp && !rec->has_np, "sp and np default to p");
	ok(rec->adkim == MAUTH_DMARC_ALIGN_RELAXED &&
	    rec->aspf == MAUTH_DMARC_ALIGN_RELAXED &&
	    !rec->testing && rec->psd == MAUTH_DMARC_PSD_U && rec->pct == 100 &&
	    strcmp(rec->fo, "0") == 0 && strcmp(rec->rf,
	    "afrf") == 0 && rec->ri == 86400 &&
	    rec->warnings == NULL, "  other defaults");
	parse("v=DMARC1; p=reject; sp=none", R9989, &rec, &error);
	ok(rec->sp == MAUTH_DMARC_P_NONE && rec->np == MAUTH_DMARC_P_NONE &&
	    rec->has_sp,
	    "np defaults to sp (4.7)");
	parse("v=DMARC1; p=reject; sp=quarantine; np=none", R9989, &rec,
	    &error);
	ok(rec->p == MAUTH_DMARC_P_REJECT && rec->sp == MAUTH_DMARC_P_QUARANTINE &&
	    rec->np == MAUTH_DMARC_P_NONE && rec->has_np, "p, sp, np each");
	mauth_dmarc_record_free(&rec);
	free(error);
}

static void
test_tags(void)
{
	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	parse("v=DMARC1; p=none; t=y; psd=y; adkim=s; aspf=S", R9989, &rec,
	    &error);
	ok(rec->testing && rec->psd == MAUTH_DMARC_PSD_Y &&
	    rec->adkim == MAUTH_DMARC_ALIGN_STRICT &&
	    rec->aspf == MAUTH_DMARC_ALIGN_STRICT,
	    "t=y psd=y adkim=s aspf=S");
	parse("v=DMARC1; p=none; t=x; psd=q", R9989, &rec, &error);
	ok(!rec->testing && rec->psd == MAUTH_DMARC_PSD_U,
	    "bad t and psd: defaults");
	like_str(rec->warnings, "t=x", "  warned about t");
	like_str(rec->warnings, "psd=q", "  warned about psd");
	parse("v=DMARC1; p=none; psd=n", R9989, &rec, &error);
	is_int(rec->psd, MAUTH_DMARC_PSD_N, "psd=n");

	static const struct { const char *fo; bool good; } fos[] = {
		{ "0", true }, { "1", true }, { "d", true }, { "s", true },
		{ "0:d", true }, { "1:s:d", true }, { "d : 1", true },
		{ "0:1", false }, { "d:d", false }, { "x", false }, { "1:",
		    false },
	};
	for (size_t i = 0; i < sizeof(fos) / sizeof(fos[0]); i++) {
		char txt[64];
		snprintf(txt, sizeof(txt), "v=DMARC1; p=none; fo=%s",
		    fos[i].fo);
		parse(txt, R9989, &rec, &error);
		is_str(rec->fo, fos[i].good ? fos[i].fo : "0", "fo=%s %s",
		    fos[i].fo,
		    fos[i].good ? "kept" : "discarded");
	}

	parse("v=DMARC1; p=none; pct=50; ri=3600; rf=afrf", R7489, &rec,
	    &error);
	ok(rec->pct == 50 && rec->ri == 3600 && rec->warnings == NULL,
	    "pct, ri, rf in RFC 7489 mode");
	parse("v=DMARC1; p=none; pct=101; ri=-1; rf=0", R7489, &rec, &error);
	ok(rec->pct == 100 && rec->ri == 86400,
	    "bad pct/ri in RFC 7489 mode: defaults");
	like_str(rec->warnings, "pct=101", "  warned");
	parse("v=DMARC1; p=none; pct=101; ri=-1; rf=0", R9989, &rec, &error);
	ok(rec->pct == 100 && rec->warnings == NULL,
	    "the same in RFC 9989 mode: historic tags, not even a warning");
	mauth_dmarc_record_free(&rec);
	free(error);
}

static void
test_uris(void)
{
	struct mauth_dmarc_record *rec = NULL, *dup;
	char *error = NULL;
	const char *txt = "v=DMARC1; p=none; rua=mailto:a@example.org, "
	    "MAILTO:a%2Bb@Example.NET!10m ,https://r.example/x; "
	    "ruf=mailto:, mailto:nobody, mailto:x@example.org!q, mailto:x@exa mple.org";

	parse(txt, R7489, &rec, &error);
	is_int((long long)rec->nrua, 3, "three rua URIs");
	is_str(rec->rua[0].address, "a@example.org", "  mailto address");
	is_str(rec->rua[1].scheme, "mailto", "  scheme in lower case");
	is_str(rec->rua[1].address, "a+b@Example.NET", "  %%2B decoded");
	is_str(rec->rua[1].uri, "MAILTO:a%2Bb@Example.NET",
	    "  URI without its size");
	ok(rec->rua[1].max_size == 10ull * 1024 * 1024,
	    "  !10m is 10 MiB in RFC 7489 mode");
	ok(rec->rua[2].address == NULL && strcmp(rec->rua[2].scheme,
	    "https") == 0,
	    "  https URI kept, no address");
	is_int((long long)rec->nruf, 0, "no usable ruf URI");
	like_str(rec->warnings, "mailto:nobody",
	    "  the bad ones are warned about");

	dup = mauth_dmarc_record_dup(rec);
	parse(txt, R9989, &rec, &error);
	ok(rec->rua[1].max_size == 0,
	    "size suffix ignored in RFC 9989 mode (4.8 obs)");
	ok(dup->nrua == 3 && strcmp(dup->rua[1].address,
	    "a+b@Example.NET") == 0 &&
	    dup->rua[1].max_size == 10ull * 1024 * 1024 && strcmp(dup->text,
	    txt) == 0,
	    "a copy outlives the original");
	mauth_dmarc_record_free(&dup);
	ok(dup == NULL, "free sets the pointer to NULL");

	/* RFC 9989 B.2.5 */
	parse("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
	    "mailto:tld-test@thirdparty.example.net; t=y", R9989, &rec, &error);
	ok(rec->p == MAUTH_DMARC_P_QUARANTINE && rec->nrua == 2 && rec->testing,
	    "RFC 9989 B.2.5 record");

	char big[2048] = "v=DMARC1; p=none; rua=";
	for (int i = 0; i < MAUTH_DMARC_MAX_URIS + 2; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big),
		    "%smailto:r%d@example.org",
		    i ? "," : "", i);
	parse(big, R9989, &rec, &error);
	is_int((long long)rec->nrua, MAUTH_DMARC_MAX_URIS,
	    "at most %d URIs kept", MAUTH_DMARC_MAX_URIS);
	mauth_dmarc_record_free(&rec);
	free(error);

	is_str(mauth_dmarc_policy_name(MAUTH_DMARC_P_QUARANTINE), "quarantine",
	    "policy names");
}

int
main(void)
{
	struct vec *v = vec_load("t/vectors/dmarc/opendmarc/cases.yml");

	test_upstream_parse(v);
	test_upstream_fetch(v);
	vec_free(&v);
	test_version_and_policy();
	test_tags();
	test_uris();
	return done_testing();
}
