/*
 * dkim-admin.c - key administration in lib/ (dkim_admin.h, file.h): keys
 * generated with the sizes RFC 8301 allows and refused otherwise; the
 * record text and its zone-file form (strings of at most 255 octets, read
 * back by mauth's own zone parser); a generated key signs and verifies
 * through the record made for it; published records judged against the
 * private key (match, other key, other type, revoked, truncated,
 * malformed, t=y; several records as a verifier picks them; DNS failures
 * kept apart); tables edited with every other line kept, refused when the
 * result would not load, mode and owner kept; create-only and atomic file
 * writes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dkim-util.h"
#include "dkim_admin.h"
#include "dns_mem.h"
#include "dns_zone.h"
#include "file.h"
#include "tap.h"
#include "xmalloc.h"

static const char *dir;

static struct mauth_dkim_key *
gen(enum mauth_dkim_alg alg, unsigned bits, char **pem_r)
{
	struct mauth_dkim_key *key = NULL;
	char *pem = NULL, *error = NULL;

	if (mauth_dkim_keygen(alg, bits, &pem, &key, &error) < 0) {
		diag("keygen: %s", error);
		free(error);
		return NULL;
	}
	if (pem_r != NULL)
		*pem_r = pem;
	else
		mauth_dkim_keygen_pem_free(&pem);
	return key;
}

static void
refused(enum mauth_dkim_alg alg, unsigned bits, const char *want, const char *what)
{
	struct mauth_dkim_key *key = NULL;
	char *pem = NULL, *error = NULL;

	ok(mauth_dkim_keygen(alg, bits, &pem, &key, &error) < 0 && key == NULL &&
	    pem == NULL, "keygen %s: refused", what);
	like_str(error, want, "  saying \"%s\"", want);
	free(error);
}

static void
test_keygen(void)
{
	char *pem = NULL, *pem2 = NULL;
	struct mauth_dkim_key *k = gen(MAUTH_DKIM_RSA_SHA256, 0, &pem);
	struct mauth_dkim_key *k2 = gen(MAUTH_DKIM_RSA_SHA256, 0, &pem2);

	ok(k != NULL, "keygen RSA, default size");
	is_int(k ? mauth_dkim_key_bits(k) : 0, 2048, "  2048 bits");
	is_int(k ? mauth_dkim_key_alg(k) : 0, MAUTH_DKIM_RSA_SHA256, "  signs rsa-sha256");
	ok(pem != NULL && strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0,
	    "  PKCS#8 PEM");
	ok(pem != NULL && pem2 != NULL && strcmp(pem, pem2) != 0, "  two keys differ");
	mauth_dkim_keygen_pem_free(&pem);
	ok(pem == NULL, "  pem_free sets NULL");
	mauth_dkim_keygen_pem_free(&pem2);
	mauth_dkim_key_free(&k);
	mauth_dkim_key_free(&k2);

	for (unsigned bits = 1024; bits <= 3072; bits += 2048) {
		k = gen(MAUTH_DKIM_RSA_SHA256, bits, NULL);
		is_int(k ? mauth_dkim_key_bits(k) : 0, bits, "keygen RSA %u bits", bits);
		mauth_dkim_key_free(&k);
	}
	k = gen(MAUTH_DKIM_ED25519_SHA256, 0, &pem);
	ok(k != NULL && mauth_dkim_key_alg(k) == MAUTH_DKIM_ED25519_SHA256,
	    "keygen Ed25519");
	is_int(k ? mauth_dkim_key_bits(k) : 0, 256, "  256 bits");
	mauth_dkim_key_free(&k);
	mauth_dkim_keygen_pem_free(&pem);
	k = gen(MAUTH_DKIM_ED25519_SHA256, 256, NULL);
	ok(k != NULL, "keygen Ed25519 with 256 bits given");
	mauth_dkim_key_free(&k);

	refused(MAUTH_DKIM_RSA_SHA256, 512, "RFC 8301", "RSA 512");
	refused(MAUTH_DKIM_RSA_SHA256, 1023, "too short", "RSA 1023");
	refused(MAUTH_DKIM_RSA_SHA256, 16384, "at most 8192", "RSA 16384");
	refused(MAUTH_DKIM_ED25519_SHA256, 2048, "256 bits", "Ed25519 2048");
	refused(MAUTH_DKIM_RSA_SHA1, 2048, "unknown key algorithm", "rsa-sha1");

	is_int(mauth_dkim_keygen_alg("RSA"), MAUTH_DKIM_RSA_SHA256, "\"RSA\" is rsa");
	is_int(mauth_dkim_keygen_alg("ed25519"), MAUTH_DKIM_ED25519_SHA256, "\"ed25519\"");
	is_int(mauth_dkim_keygen_alg("dsa"), MAUTH_DKIM_ALG_UNKNOWN, "\"dsa\" is unknown");
}

/* the character-strings of a zone entry, each checked against 255 octets */
static char *
strings_of(const char *zone, size_t *longest_r, size_t *n_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	*longest_r = *n_r = 0;
	mauth_buf_puts(&b, "");
	for (const char *p = strchr(zone, '"'); p != NULL; p = strchr(p + 1, '"')) {
		const char *e = strchr(p + 1, '"');
		if (e == NULL)
			break;
		if ((size_t)(e - p - 1) > *longest_r)
			*longest_r = (size_t)(e - p - 1);
		mauth_buf_append(&b, p + 1, (size_t)(e - p - 1));
		(*n_r)++;
		p = e;
	}
	return mauth_buf_steal(&b);
}

/* look name up in zone text ($TTL put first) parsed by lib/dns_zone: the TXT data, or NULL */
static char *
zone_txt(const char *zone, const char *name)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns;
	struct mauth_dns_answer *ans = NULL;
	char *error = NULL, *txt = NULL;

	char *text = xasprintf("$TTL 300\n%s", zone);

	if (mauth_dns_zone_parse(mem, text, strlen(text), "zone", NULL, &error) < 0) {
		free(text);
		diag("zone: %s", error);
		free(error);
		mauth_dns_mem_free(&mem);
		return NULL;
	}
	free(text);
	dns = mauth_dns_mem_resolver(mem, true);
	if (mauth_dns_lookup(dns, name, MAUTH_DNS_T_TXT, &ans) == MAUTH_DNS_OK)
		txt = xstrdup(ans->rr[0].u.txt.data);
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
	return txt;
}

static void
test_records(void)
{
	struct mauth_dkim_key *rsa = gen(MAUTH_DKIM_RSA_SHA256, 4096, NULL);
	struct mauth_dkim_key *ed = gen(MAUTH_DKIM_ED25519_SHA256, 0, NULL);
	char *p = mauth_dkim_key_public(rsa), *want = xasprintf("v=DKIM1; k=rsa; p=%s", p);
	char *txt = mauth_dkim_pubrec_text(rsa);
	size_t longest, n;

	is_str(txt, want, "record text: v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>");
	char *zone = mauth_dkim_pubrec_zone("example.com", "sel", 0, rsa);
	static const char head[] = "sel._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; \"\n\t\"p=";
	ok(strncmp(zone, head, sizeof(head) - 1) == 0,
	    "zone form starts SEL._domainkey.DOMAIN. IN TXT ( \"v=DKIM1; k=rsa; \"");
	ok(strcmp(zone + strlen(zone) - 3, " )\n") == 0, "  and ends \" )\"");
	char *joined = strings_of(zone, &longest, &n);
	is_str(joined, txt, "  its strings joined are the record (4096-bit key)");
	ok(longest <= 255 && longest >= 250, "  strings of at most 255 octets (longest %zu)", longest);
	ok(n >= 4, "  %zu strings", n);
	char *back = zone_txt(zone, "sel._domainkey.example.com");
	is_str(back, txt, "  mauth's zone parser reads the entry back as the record");
	free(back);
	free(joined);
	free(zone);
	free(txt);
	free(want);
	free(p);

	txt = mauth_dkim_pubrec_text(ed);
	p = mauth_dkim_key_public(ed);
	want = xasprintf("v=DKIM1; k=ed25519; p=%s", p);
	is_str(txt, want, "Ed25519 record text: k=ed25519, raw 32-octet p= (RFC 8463)");
	zone = mauth_dkim_pubrec_zone("example.com", "ed", 0, ed);
	back = zone_txt(zone, "ed._domainkey.example.com");
	is_str(back, txt, "  zone form reads back");
	free(back);
	free(zone);
	free(txt);
	free(want);
	free(p);

	zone = mauth_dkim_pubrec_zone("example.com", "old", MAUTH_DKIM_ED25519_SHA256, NULL);
	is_str(zone, "old._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; \"\n\t\"p=\" )\n",
	    "revocation record: empty p= (RFC 6376 section 3.6.1)");
	back = zone_txt(zone, "old._domainkey.example.com");
	is_str(back, "v=DKIM1; k=ed25519; p=", "  reads back");
	free(back);
	free(zone);
	mauth_dkim_key_free(&rsa);
	mauth_dkim_key_free(&ed);
}

/* a generated key signs; the verifier, given the record made for it, says pass */
static void
test_sign_verify(enum mauth_dkim_alg alg)
{
	static const char msg[] = "From: a@example.com\r\nTo: b@example.org\r\n"
	    "Subject: generated key\r\n\r\nbody\r\n";
	struct mauth_dkim_key *key = gen(alg, 0, NULL);
	struct mauth_dns *dns = tdns_new();
	struct mauth_dkim_options opt;
	struct mauth_dkim *dkim = NULL;
	char *error = NULL, *txt = mauth_dkim_pubrec_text(key);
	struct mauth_dkim_signing sel = { key, "example.com", "gen", NULL, NULL };
	const struct mauth_dkim_sig *r;
	size_t len;

	tdns_txt(dns, "gen._domainkey.example.com", txt);
	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0)
		diag("%s", error);
	char *signed_msg = sign_message(dkim, &sel, 1, msg, sizeof(msg) - 1, &len);
	struct mauth_dkim_verify *v = signed_msg ? verify_message(dkim, signed_msg, len, 0) : NULL;
	size_t n = v ? mauth_dkim_verify_results(v, &r) : 0;
	like_str(n == 1 ? result_str(&r[0]) : "no result", "pass d=example.com s=gen ",
	    "%s key from keygen signs, its record verifies", mauth_dkim_keygen_type(alg));
	mauth_dkim_verify_free(&v);
	free(signed_msg);
	free(txt);
	mauth_dkim_free(&dkim);
	mauth_dns_free(&dns);
	mauth_dkim_key_free(&key);
}

static void
judge(const struct mauth_dkim_key *key, const char *txt,
    struct mauth_dkim_published *pub)
{
	memset(pub, 0, sizeof(*pub));
	mauth_dkim_pubrec_judge(key, txt, strlen(txt), pub);
}

static void
test_judge(void)
{
	struct mauth_dkim_key *a = gen(MAUTH_DKIM_RSA_SHA256, 0, NULL);
	struct mauth_dkim_key *b = gen(MAUTH_DKIM_RSA_SHA256, 0, NULL);
	struct mauth_dkim_key *ed = gen(MAUTH_DKIM_ED25519_SHA256, 0, NULL);
	char *ta = mauth_dkim_pubrec_text(a), *tb = mauth_dkim_pubrec_text(b);
	char *ted = mauth_dkim_pubrec_text(ed);
	struct mauth_dkim_published pub;

	judge(a, ta, &pub);
	ok(pub.parses && pub.matches && !pub.revoked && pub.problem == NULL,
	    "its own record: parses, matches");
	is_int(pub.bits, 2048, "  2048 bits published");
	is_int(pub.alg, MAUTH_DKIM_RSA_SHA256, "  rsa");
	ok(!pub.testing, "  not testing");
	mauth_dkim_pubrec_clear(&pub);

	judge(a, tb, &pub);
	ok(pub.parses && !pub.matches, "another RSA key's record: parses, does not match");
	like_str(pub.problem, "another rsa key", "  problem says so");
	mauth_dkim_pubrec_clear(&pub);

	judge(a, ted, &pub);
	ok(pub.parses && !pub.matches && pub.alg == MAUTH_DKIM_ED25519_SHA256,
	    "an Ed25519 record for an RSA key: parses, does not match");
	like_str(pub.problem, "holds an ed25519 key, the private key is rsa", "  problem says so");
	mauth_dkim_pubrec_clear(&pub);

	judge(ed, ted, &pub);
	ok(pub.parses && pub.matches && pub.bits == 256, "Ed25519 key, its record: matches");
	mauth_dkim_pubrec_clear(&pub);

	judge(a, "v=DKIM1; k=rsa; p=", &pub);
	ok(pub.parses && pub.revoked && !pub.matches, "empty p=: a revoked record");
	ok(!mauth_dkim_pubrec_ok(&pub), "  not ok to sign with");
	mauth_dkim_pubrec_clear(&pub);

	char *trunc = xstrndup(ta, strlen(ta) - 40);
	judge(a, trunc, &pub);
	ok(!pub.parses && !pub.matches, "truncated p=: does not parse");
	ok(pub.problem != NULL, "  problem: %s", pub.problem ? pub.problem : "(none)");
	mauth_dkim_pubrec_clear(&pub);
	free(trunc);

	char *flip = xstrdup(ta);
	flip[strlen(flip) - 30] = flip[strlen(flip) - 30] == 'A' ? 'B' : 'A';
	judge(a, flip, &pub);
	ok(!pub.matches, "one base64 character changed: no match (parses: %s)",
	    pub.parses ? "yes" : "no");
	mauth_dkim_pubrec_clear(&pub);
	free(flip);

	judge(a, "v=DKIM1; k=rsa; p", &pub);
	ok(!pub.parses, "malformed tag-list: does not parse");
	like_str(pub.problem, "malformed key record", "  problem says so");
	mauth_dkim_pubrec_clear(&pub);

	judge(a, "v=DKIM1; k=dsa; p=abcd", &pub);
	ok(!pub.parses, "k=dsa: does not parse");
	like_str(pub.problem, "unknown key type", "  problem names the key type");
	mauth_dkim_pubrec_clear(&pub);

	char *testing = xasprintf("v=DKIM1; t=y; k=rsa; p=%s", ta + 18);
	judge(a, testing, &pub);
	ok(pub.parses && pub.matches && pub.testing, "t=y: matches, testing flag seen");
	mauth_dkim_pubrec_clear(&pub);
	free(testing);

	judge(NULL, ta, &pub);
	ok(pub.parses && !pub.matches && pub.problem == NULL, "no private key: parsed, not compared");
	mauth_dkim_pubrec_clear(&pub);

	/* through a resolver: statuses stay apart; several records */
	struct mauth_dns *dns = tdns_new();
	tdns_txt(dns, "two._domainkey.example.com", "garbage");
	tdns_txt(dns, "two._domainkey.example.com", ta);
	tdns_txt(dns, "other._domainkey.example.com", tb);
	tdns_txt(dns, "other._domainkey.example.com", ta);
	tdns_status(dns, "slow._domainkey.example.com", MAUTH_DNS_TIMEOUT);
	tdns_status(dns, "broken._domainkey.example.com", MAUTH_DNS_SERVFAIL);
	tdns_txt(dns, "nodata.example.com", "x");
	tdns_txt(dns, "sub._domainkey.example.com", "x");

	is_int(mauth_dkim_pubrec_lookup(dns, "example.com", "two", a, &pub), MAUTH_DNS_OK,
	    "garbage and the key's record: found");
	ok(pub.records == 2 && pub.matches, "  2 records, the usable one matches");
	mauth_dkim_pubrec_clear(&pub);
	mauth_dkim_pubrec_lookup(dns, "example.com", "other", a, &pub);
	ok(pub.records == 2 && !pub.matches, "another key first, then ours: judged as a verifier would (the first usable): no match");
	mauth_dkim_pubrec_clear(&pub);
	is_int(mauth_dkim_pubrec_lookup(dns, "example.com", "none", a, &pub),
	    MAUTH_DNS_NXDOMAIN, "no record: NXDOMAIN");
	ok(!pub.parses && !mauth_dkim_pubrec_ok(&pub), "  not ok");
	mauth_dkim_pubrec_clear(&pub);
	is_int(mauth_dkim_pubrec_lookup(dns, "example.com", "slow", a, &pub),
	    MAUTH_DNS_TIMEOUT, "timeout: TIMEOUT, not NXDOMAIN");
	mauth_dkim_pubrec_clear(&pub);
	is_int(mauth_dkim_pubrec_lookup(dns, "example.com", "broken", a, &pub),
	    MAUTH_DNS_SERVFAIL, "server failure: SERVFAIL");
	mauth_dkim_pubrec_clear(&pub);
	mauth_dns_free(&dns);

	free(ta);
	free(tb);
	free(ted);
	mauth_dkim_key_free(&a);
	mauth_dkim_key_free(&b);
	mauth_dkim_key_free(&ed);
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char *p = path_of(name), *error = NULL;

	unlink(p);
	if (mauth_file_create(p, text, strlen(text), mode, MAUTH_FILE_SAME_ID,
	    (gid_t)-1, NULL, &error) < 0) {
		diag("%s", error);
		free(error);
	}
	free(p);
}

static char *
get(const char *name)
{
	char *p = path_of(name);
	size_t len;
	char *text = slurp(p, &len);

	free(p);
	return text ? text : xstrdup("(unreadable)");
}

static void
test_files(void)
{
	char *p = path_of("f"), *error = NULL, *text;
	struct stat sb;
	int exists = -1;

	umask(0);
	ok(mauth_file_create(p, "one\n", 4, 0600, MAUTH_FILE_SAME_ID, (gid_t)-1,
	    &exists, &error) == 0 && exists == 0, "file_create: new file");
	ok(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0600, "  mode 0600 whatever the umask");
	ok(mauth_file_create(p, "two\n", 4, 0600, MAUTH_FILE_SAME_ID, (gid_t)-1,
	    &exists, &error) < 0 && exists == 1, "file_create: an existing file is refused");
	like_str(error, "already exists", "  \"already exists\"");
	free(error);
	error = NULL;
	is_str(text = get("f"), "one\n", "  and left as it was");
	free(text);
	ok(mauth_file_replace(p, "three\n", 6, 0640, MAUTH_FILE_SAME_ID, (gid_t)-1,
	    &error) == 0, "file_replace");
	is_str(text = get("f"), "three\n", "  new contents");
	free(text);
	ok(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0640, "  mode as asked");
	free(p);
	p = xasprintf("%s/no/such/dir/f", dir);
	ok(mauth_file_create(p, "x", 1, 0600, MAUTH_FILE_SAME_ID, (gid_t)-1, &exists,
	    &error) < 0 && exists == 0, "file_create in a missing directory: fails");
	like_str(error, "cannot create", "  saying so");
	free(error);
	free(p);
	umask(022);
}

static struct mauth_dkim_tables *
read_tables(const char *kt, const char *st, bool missing_ok)
{
	struct mauth_dkim_tables *t = NULL;
	char *k = path_of(kt), *s = path_of(st), *error = NULL;

	if (mauth_dkim_tables_read(k, s, missing_ok, &t, &error) < 0) {
		diag("tables_read: %s", error);
		free(error);
	}
	free(k);
	free(s);
	return t;
}

static void
test_tables(void)
{
	char *pem = NULL, *error = NULL, *text;
	struct mauth_dkim_key *k = gen(MAUTH_DKIM_RSA_SHA256, 1024, &pem);
	struct stat sb;

	mauth_dkim_key_free(&k);
	put("a.pem", pem, 0600);
	put("b.pem", pem, 0600);
	mauth_dkim_keygen_pem_free(&pem);
	put("kt", "# keys of example.com\n\nold  example.com:old:./a.pem   # the first one\n", 0640);
	put("st", "# who signs\nexample.com old\n", 0644);

	struct mauth_dkim_tables *t = read_tables("kt", "st", false);
	ok(t != NULL && t->nkt == 1 && t->nst == 1, "tables read: 1 key, 1 signing entry");
	if (t == NULL)
		return;
	is_int(t->kt[0].line, 3, "  the key on line 3");
	ok(t->kt[0].path != NULL && strstr(t->kt[0].path, "/a.pem") != NULL,
	    "  relative key path resolved from the table's directory");
	is_int(mauth_dkim_tables_in_use(t, 0), 0, "  in use by SigningTable entry 0");
	char *pat = mauth_dkim_tables_pattern(t, "example.org");
	is_str(pat, "example.org", "  plain SigningTable: pattern is the domain");
	free(pat);

	mauth_dkim_tables_kt_add(t, "new", "example.com", "new", "./b.pem", 1700000000);
	const char *keys[] = { "new" };
	mauth_dkim_tables_st_set(t, 0, keys, 1);
	ok(mauth_dkim_tables_commit(t, false, &error) == 0, "commit: a key added, signing switched");
	is_str(text = get("kt"),
	    "# keys of example.com\n\nold  example.com:old:./a.pem   # the first one\n"
	    "new\texample.com:new:./b.pem\t# mauth: created=2023-11-14T22:13:20Z\n",
	    "  KeyTable: old lines exactly kept, the entry appended with its note");
	free(text);
	is_str(text = get("st"), "# who signs\nexample.com\tnew\n",
	    "  SigningTable: the comment kept, the entry rewritten");
	free(text);
	char *kt = path_of("kt");
	ok(stat(kt, &sb) == 0 && (sb.st_mode & 07777) == 0640, "  KeyTable mode 0640 kept");
	free(kt);

	mauth_dkim_tables_kt_retire(t, 0, 1700000000, 1700604800);
	ok(mauth_dkim_tables_commit(t, false, &error) == 0, "commit: retire note");
	mauth_dkim_tables_free(&t);
	t = read_tables("kt", "st", false);
	ok(t != NULL && t->kt[0].retired == 1700000000 && t->kt[0].remove_after == 1700604800,
	    "  read back: retired= and remove-after=");
	ok(t != NULL && t->kt[0].created == 0, "  no created= on a hand-made line");
	is_str(text = get("kt"), "# keys of example.com\n\n"
	    "old\texample.com:old:./a.pem\t# the first one; mauth: retired=2023-11-14T22:13:20Z remove-after=2023-11-21T22:13:20Z\n"
	    "new\texample.com:new:./b.pem\t# mauth: created=2023-11-14T22:13:20Z\n",
	    "  the operator's comment stays before mauth's note");
	free(text);

	/* a SigningTable naming a key the KeyTable lacks is never written */
	mauth_dkim_tables_st_add(t, "example.net", "missing");
	ok(mauth_dkim_tables_commit(t, false, &error) < 0, "commit refused: SigningTable names no KeyTable key");
	like_str(error, "st:3: key \"missing\" is not in the KeyTable", "  error names the real file and line");
	ok(error != NULL && strstr(error, ".check.") == NULL, "  not the scratch copy");
	free(error);
	error = NULL;
	is_str(text = get("st"), "# who signs\nexample.com\tnew\n", "  SigningTable unchanged");
	free(text);
	mauth_dkim_tables_free(&t);

	t = read_tables("kt", "st", false);
	mauth_dkim_tables_kt_remove(t, 0);
	ok(t->nkt == 1 && strcmp(t->kt[0].name, "new") == 0, "kt_remove: one key left");
	ok(mauth_dkim_tables_commit(t, false, &error) == 0, "  committed");
	is_str(text = get("kt"), "# keys of example.com\n\n"
	    "new\texample.com:new:./b.pem\t# mauth: created=2023-11-14T22:13:20Z\n",
	    "  its line gone, the rest kept");
	free(text);
	mauth_dkim_tables_free(&t);

	/* new tables, refile: */
	struct mauth_dkim_tables *n = NULL;
	char *nk = path_of("kt-new"), *ns = xasprintf("refile:%s/st-new", dir);
	ok(mauth_dkim_tables_read(nk, ns, true, &n, &error) == 0 && n->nkt == 0,
	    "missing tables read as empty");
	ok(n != NULL && n->refile, "  refile: noted");
	char *p2 = n ? mauth_dkim_tables_pattern(n, "example.com") : NULL;
	is_str(p2, "*@example.com", "  refile: pattern is *@DOMAIN");
	if (n != NULL) {
		mauth_dkim_tables_kt_add(n, "k", "example.com", "k", "./a.pem", 0);
		mauth_dkim_tables_st_add(n, p2, "k");
		ok(mauth_dkim_tables_commit(n, false, &error) == 0, "  written");
	}
	ok(stat(nk, &sb) == 0 && (sb.st_mode & 07777) == 0644, "  new file mode 0644");
	is_str(text = get("st-new"), "*@example.com\tk\n", "  SigningTable content");
	free(text);
	free(p2);
	free(nk);
	free(ns);
	mauth_dkim_tables_free(&n);

	put("kt-bad", "x example.com:sel\n", 0644);
	char *bad = path_of("kt-bad");
	ok(mauth_dkim_tables_read(bad, NULL, false, &n, &error) < 0, "a line mauthd would refuse: not read");
	like_str(error, "kt-bad:1: \"example.com:sel\" is not DOMAIN:SELECTOR:KEY", "  error with file:line");
	free(error);
	free(bad);
	ok(mauth_dkim_tables_names_check("example.com", "s-1_x", &error) == 0, "names_check: good names");
	ok(mauth_dkim_tables_names_check("example.com", "a b", &error) < 0, "names_check: selector with a space refused");
	like_str(error, "selector \"a b\"", "  naming it");
	free(error);
	ok(mauth_dkim_tables_names_check("localhost", "s", &error) < 0, "names_check: one-label domain refused");
	free(error);
	char *when = mauth_dkim_tables_time(0);
	is_str(when, "1970-01-01T00:00:00Z", "tables_time: UTC, ISO 8601");
	free(when);
}

int
main(void)
{
	dir = tmpdir_new();
	test_keygen();
	test_records();
	test_sign_verify(MAUTH_DKIM_RSA_SHA256);
	test_sign_verify(MAUTH_DKIM_ED25519_SHA256);
	test_judge();
	test_files();
	test_tables();
	return done_testing();
}
