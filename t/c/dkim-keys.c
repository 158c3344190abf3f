/*
 * dkim-keys.c - private keys, KeyTable and SigningTable: what loads, what
 * is refused at start-up (with the file and line named), and which keys a
 * From address selects (opendkim.conf(5) semantics)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dkim-util.h"
#include "tap.h"
#include "xmalloc.h"

static const char *dir;

static char *paths[64];
static size_t npaths;

static void
free_paths(void)
{
	while (npaths > 0)
		free(paths[--npaths]);
}

/* write name in the test directory with mode; returns its path (freed at exit) */
static const char *
put(const char *name, const char *data, size_t len, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f;

	if (npaths < sizeof(paths) / sizeof(paths[0]))
		paths[npaths++] = p;

	if ((f = fopen(p, "wb")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		diag("cannot write %s", p);
		exit(1);
	}
	chmod(p, mode);
	return p;
}

static const char *
put_copy(const char *name, const char *rel, mode_t mode)
{
	size_t len;
	char *data = slurp(tap_path(rel), &len);
	const char *p = put(name, data, len, mode);

	free(data);
	return p;
}

static const char *
put_str(const char *name, const char *text)
{
	return put(name, text, strlen(text), 0600);
}

static void
test_key_files(void)
{
	struct mauth_dkim_key *key = NULL;
	char *error = NULL;
	const char *p;

	p = put_copy("rsa.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0600);
	ok(mauth_dkim_key_load(p, &key, &error) == 0, "RSA PKCS#1 PEM, mode 0600: loads");
	if (key != NULL) {
		is_int(mauth_dkim_key_bits(key), 2048, "  2048 bits");
		is_int(mauth_dkim_key_alg(key), MAUTH_DKIM_RSA_SHA256, "  signs rsa-sha256");
	}
	mauth_dkim_key_free(&key);

	p = put_copy("rsa-world.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0644);
	ok(mauth_dkim_key_load(p, &key, &error) < 0 && key == NULL, "mode 0644: refused");
	like_str(error, p, "  message names the file");
	like_str(error, "group or others (mode 0644)", "  and the mode");
	free(error);
	error = NULL;

	p = put_copy("rsa-group.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0640);
	ok(mauth_dkim_key_load(p, &key, &error) < 0, "mode 0640: refused");
	free(error);
	error = NULL;

	ok(mauth_dkim_key_load("/nonexistent/dkim.key", &key, &error) < 0, "missing file: refused");
	like_str(error, "/nonexistent/dkim.key: No such file", "  message names the file");
	free(error);
	error = NULL;

	p = put_str("garbage.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
	ok(mauth_dkim_key_load(p, &key, &error) < 0, "malformed PEM: refused");
	like_str(error, "not a private key", "  says so");
	free(error);
	error = NULL;

	p = put_copy("small.key", "t/vectors/dkim/opendkim/test-small-private-key.pem", 0600);
	ok(mauth_dkim_key_load(p, &key, &error) < 0, "512-bit RSA key: refused");
	like_str(error, "512-bit RSA key", "  RFC 8301 reason");
	free(error);
	error = NULL;

	p = put_copy("pkcs8.key", "t/vectors/dkim/dkimpy/data/2048_testkey_PKCS8.key", 0600);
	ok(mauth_dkim_key_load(p, &key, &error) == 0, "RSA PKCS#8 PEM: loads");
	mauth_dkim_key_free(&key);

	p = put_copy("ed.key", "t/vectors/dkim/rfc8463/ed25519-secret.b64", 0600);
	ok(mauth_dkim_key_load(p, &key, &error) == 0, "Ed25519 seed (RFC 8463 A.1): loads");
	if (key != NULL) {
		char *pub = mauth_dkim_key_public(key);
		is_str(pub, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		    "  its public key is RFC 8463's brisbane p=");
		free(pub);
	}
	mauth_dkim_key_free(&key);
	p = put_copy("ed.pem", "t/vectors/dkim/rfc8463/ed25519-secret.derived.pem", 0600);
	ok(mauth_dkim_key_load(p, &key, &error) == 0 &&
	    mauth_dkim_key_alg(key) == MAUTH_DKIM_ED25519_SHA256, "Ed25519 PKCS#8 PEM: loads");
	mauth_dkim_key_free(&key);
}

static struct mauth_dkim_keys *
load(const char *kt, const char *st, bool multiple, char **error_r)
{
	struct mauth_dkim_keys *keys = NULL;

	*error_r = NULL;
	if (mauth_dkim_keys_load(kt, st, multiple, &keys, error_r) < 0)
		return NULL;
	return keys;
}

static void
test_table_errors(void)
{
	char *error;
	const char *kt, *st;

	put_copy("k/rsa.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0600);
	kt = put_str("k/kt", "# keys\nrsa example.com:sel:./rsa.key\n");
	st = put_str("k/st", "*@example.com rsa\n");

	ok(load(kt, "/nonexistent/st", false, &error) == NULL, "missing SigningTable: refused");
	like_str(error, "/nonexistent/st", "  names the file");
	free(error);

	st = put_str("k/st-nokey", "*@example.com rsa\n*@example.org nosuchkey\n");
	ok(load(kt, st, false, &error) == NULL, "SigningTable naming a key not in the KeyTable: refused");
	like_str(error, "st-nokey:2: key \"nosuchkey\" is not in the KeyTable", "  file:line and key named");
	free(error);

	put_copy("k/world.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0644);
	kt = put_str("k/kt-world", "rsa example.com:sel:./rsa.key\nw example.com:w:./world.key\n");
	ok(load(kt, st, false, &error) == NULL, "KeyTable naming a world-readable key: refused");
	like_str(error, "kt-world:2:", "  KeyTable file:line named");
	like_str(error, "world.key: private key is accessible by group or others", "  key file named");
	free(error);

	kt = put_str("k/kt-bad", "rsa example.com-sel-rsa.key\n");
	ok(load(kt, st, false, &error) == NULL, "malformed KeyTable line: refused");
	like_str(error, "kt-bad:1: \"example.com-sel-rsa.key\" is not DOMAIN:SELECTOR:KEY", "  says why");
	free(error);

	kt = put_str("k/kt-pct", "rsa %:sel:/keys/%.key\n");
	ok(load(kt, st, false, &error) == NULL, "key path with %%: refused");
	like_str(error, "depends on the From domain", "  says why");
	free(error);

	kt = put_str("k/kt-dup", "rsa example.com:sel:./rsa.key\nrsa example.com:sel2:./rsa.key\n");
	ok(load(kt, st, false, &error) == NULL, "KeyTable name used twice: refused");
	free(error);

	kt = put_str("k/kt-missing", "rsa example.com:sel:./absent.key\n");
	ok(load(kt, st, false, &error) == NULL, "KeyTable naming a missing key file: refused");
	like_str(error, "absent.key: No such file", "  names it");
	free(error);

	ok(load("refile:/dev/null", st, false, &error) == NULL, "refile: KeyTable: refused");
	free(error);
}

/* the key names selected for from, joined by "," */
static char *
picked(const struct mauth_dkim_keys *keys, const char *from, char **problem_r)
{
	struct mauth_dkim_signing *sel;
	size_t n = mauth_dkim_keys_select(keys, from, &sel, problem_r);
	char *out = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s d=%s s=%s%s%s", out, i ? "," : "",
		    sel[i].key_name, sel[i].domain, sel[i].selector,
		    sel[i].identity ? " i=" : "", sel[i].identity ? sel[i].identity : "");
		free(out);
		out = next;
	}
	mauth_dkim_signings_free(&sel, n);
	return out;
}

static void
expect(const struct mauth_dkim_keys *keys, const char *from, const char *want)
{
	char *problem = NULL, *got = picked(keys, from, &problem);

	if (!is_str(got, want, "From %s -> %s", from, *want ? want : "(no signature)") &&
	    problem != NULL)
		diag("problem: %s", problem);
	free(got);
	free(problem);
}

static void
test_selection(void)
{
	char *error;
	struct mauth_dkim_keys *keys;
	const char *kt = put_str("s/kt",
	    "rsa     example.com:rsa2026:./rsa.key\n"
	    "ed      example.com:ed2026:./ed.key\n"
	    "sub     sub.example.com:s1:./rsa.key\n"
	    "any     %:catchall:./rsa.key\n"
	    "example.net example.net:pct:./ed.key\n");

	put_copy("s/rsa.key", "t/vectors/dkim/dkimpy/data/2048_testkey.key", 0600);
	put_copy("s/ed.key", "t/vectors/dkim/dkimpy/data/ed25519test.key", 0600);

	/* plain table: OpenDKIM's lookup order, first match only */
	const char *st = put_str("s/st",
	    "*                      any\n"
	    ".example.com           sub\n"
	    "example.com            rsa,ed\n"
	    "boss@example.com       rsa:boss@example.com\n"
	    "example.net            %:%\n"
	    "user@.example.org      rsa\n");
	keys = load(kt, st, false, &error);
	ok(keys != NULL, "tables load (%s)", error ? error : "");
	if (keys == NULL)
		return;
	is_int(mauth_dkim_keys_count(keys), 5, "  5 keys loaded");
	expect(keys, "Boss <boss@example.com>", "rsa d=example.com s=rsa2026 i=boss@example.com");
	expect(keys, "alice@EXAMPLE.COM", "rsa d=example.com s=rsa2026,ed d=example.com s=ed2026");
	expect(keys, "\"Doe, J\" <j@mail.example.com> (comment)", "sub d=sub.example.com s=s1");
	expect(keys, "x@example.net", "example.net d=example.net s=pct");
	expect(keys, "user@a.example.org", "rsa d=example.com s=rsa2026");
	expect(keys, "other@elsewhere.test", "any d=elsewhere.test s=catchall");
	char *problem = NULL, *got = picked(keys, "undisclosed-recipients:;", &problem);
	is_str(got, "", "group without address: no signature");
	like_str(problem, "no address", "  and a problem to log");
	free(got);
	free(problem);
	mauth_dkim_keys_free(&keys);

	/* MultipleSignatures: every matching entry */
	keys = load(kt, st, true, &error);
	expect(keys, "alice@example.com",
	    "rsa d=example.com s=rsa2026,ed d=example.com s=ed2026,any d=example.com s=catchall");
	expect(keys, "j@mail.example.com",
	    "sub d=sub.example.com s=s1,any d=mail.example.com s=catchall");
	mauth_dkim_keys_free(&keys);

	/* refile: wildcards in file order; i= outside d= is dropped */
	st = put_str("s/re",
	    "*@sub.example.com   sub:@%\n"
	    "boss@example.com    ed:boss@other.test\n"
	    "*@example.com       rsa\n"
	    "*@*.example.com     any\n");
	char *spec = xasprintf("refile:%s", st);
	keys = load(kt, spec, false, &error);
	ok(keys != NULL, "refile: SigningTable loads (%s)", error ? error : "");
	expect(keys, "x@sub.example.com", "sub d=sub.example.com s=s1 i=@sub.example.com");
	expect(keys, "boss@example.com", "ed d=example.com s=ed2026");
	expect(keys, "carol@Example.Com", "rsa d=example.com s=rsa2026");
	expect(keys, "dave@deep.a.example.com", "any d=deep.a.example.com s=catchall");
	expect(keys, "eve@example.org", "");
	mauth_dkim_keys_free(&keys);
	free(spec);

	/* a "%" key name with no KeyTable entry: no signature, a problem */
	st = put_str("s/pct", "* %\n");
	keys = load(kt, st, false, &error);
	problem = NULL;
	got = picked(keys, "a@unknown.test", &problem);
	is_str(got, "", "%% key name without a KeyTable entry: no signature");
	like_str(problem, "no KeyTable entry \"unknown.test\"", "  problem names it");
	free(got);
	free(problem);
	mauth_dkim_keys_free(&keys);
}

static void
test_from_address(void)
{
	static const struct {
		const char *from, *want;
	} cases[] = {
		{ "alice@example.com", "alice@example.com" },
		{ " Alice <alice@EXAMPLE.com>", "alice@example.com" },
		{ "\"Doe, John\" <john@example.com>, other@example.org", "john@example.com" },
		{ "john@example.com (John <not@this.one>)", "john@example.com" },
		{ "\"a@b\"@example.com", "\"a@b\"@example.com" },
		{ "<@route.example:user@example.com>", "user@example.com" },
		{ "x@example.com.", "x@example.com" },
		{ "undisclosed-recipients:;", NULL },
		{ "Alice", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *error = NULL, *got = mauth_dkim_from_address(cases[i].from, &error);
		if (cases[i].want == NULL)
			ok(got == NULL && error != NULL, "From %s: no address", cases[i].from);
		else
			is_str(got, cases[i].want, "From %s", cases[i].from);
		free(got);
		free(error);
	}
}

/*
 * mauth_dkim_key_parse takes a length: found by t/fuzz/fuzz-dkim, it read
 * past it when the text was all white space (strspn on a buffer with no
 * NUL); the sanitizer pass (scripts/sanitizers.sh) catches a relapse
 */
static void
test_key_length(void)
{
	static const char text[] = " \t\r\n MII";
	struct mauth_dkim_key *key = NULL;
	char *error = NULL;
	char *exact = xmalloc(5);	/* the white space alone, no NUL after it */

	memcpy(exact, text, 5);
	ok(mauth_dkim_key_parse(exact, 5, "blank", &key, &error) < 0 && key == NULL,
	    "white space only (no NUL after it) is not a key");
	like_str(error, "blank: not a private key", "  and says so");
	free(error);
	free(exact);
}

int
main(void)
{
	char path[4200];

	dir = tmpdir_new();
	atexit(free_paths);
	snprintf(path, sizeof(path), "%s/k", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/s", dir);
	mkdir(path, 0700);
	test_key_files();
	test_table_errors();
	test_selection();
	test_from_address();
	test_key_length();
	return done_testing();
}
