/*
 * dkim-util.c - test helpers for the DKIM tests (see dkim-util.h)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "dkim-util.h"
#include "tap.h"
#include "xmalloc.h"

struct tdns_entry {
	char *name;
	char *txt;			/* NULL: status entry */
	enum mauth_dns_status status;
};

struct tdns {
	struct tdns_entry *e;
	size_t n;
};

static enum mauth_dns_status
tdns_lookup(void *backend, const char *name, uint16_t type,
    struct mauth_dns_answer *ans)
{
	struct tdns *t = backend;
	bool exists = false;

	for (size_t i = 0; i < t->n; i++) {
		if (strcasecmp(t->e[i].name, name) != 0)
			continue;
		if (t->e[i].txt == NULL)
			return t->e[i].status;
		exists = true;
		if (type != MAUTH_DNS_T_TXT)
			continue;
		struct mauth_dns_rr *rr = mauth_dns_answer_add(ans, MAUTH_DNS_T_TXT);
		rr->ttl = 300;
		rr->u.txt.len = strlen(t->e[i].txt);
		rr->u.txt.data = xstrdup(t->e[i].txt);
	}
	if (ans->count > 0)
		return MAUTH_DNS_OK;
	return exists ? MAUTH_DNS_NODATA : MAUTH_DNS_NXDOMAIN;
}

static void
tdns_free(void *backend)
{
	struct tdns *t = backend;

	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].txt);
	}
	free(t->e);
	free(t);
}

static const struct mauth_dns_ops tdns_ops = { "test", tdns_lookup, tdns_free };

struct mauth_dns *
tdns_new(void)
{
	return mauth_dns_new(&tdns_ops, xcalloc(1, sizeof(struct tdns)));
}

static void
tdns_add(struct mauth_dns *dns, const char *name, const char *txt,
    enum mauth_dns_status st)
{
	struct tdns *t = dns->backend;

	t->e = xreallocarray(t->e, t->n + 1, sizeof(*t->e));
	t->e[t->n].name = xstrdup(name);
	t->e[t->n].txt = txt ? xstrdup(txt) : NULL;
	t->e[t->n].status = st;
	t->n++;
}

void
tdns_txt(struct mauth_dns *dns, const char *name, const char *txt)
{
	tdns_add(dns, name, txt, MAUTH_DNS_OK);
}

void
tdns_status(struct mauth_dns *dns, const char *name, enum mauth_dns_status st)
{
	tdns_add(dns, name, NULL, st);
}

unsigned long
tdns_queries(const struct mauth_dns *dns)
{
	return atomic_load(&dns->stats.queries);
}

/* one "[profile] name value" or "name value" line */
static int
tdns_line(struct mauth_dns *dns, char *line, const char *profile, const char *dir)
{
	char *p = line;

	if (profile != NULL) {
		size_t pl = strlen(profile);
		if (line[0] != '[' || strncmp(line + 1, profile, pl) != 0 ||
		    line[pl + 1] != ']')
			return 0;
		p = line + pl + 2;
		p += strspn(p, " ");
	}
	char *sp = strchr(p, ' ');
	if (sp == NULL)
		return 0;
	*sp = '\0';
	const char *value = sp + 1;
	char *file = NULL;
	if (strncmp(value, "@file:", 6) == 0) {
		char path[4096];
		size_t n;
		snprintf(path, sizeof(path), "%s/%s", dir, value + 6);
		if ((file = slurp(path, &n)) == NULL)
			return 0;
		while (n > 0 && (file[n - 1] == '\n' || file[n - 1] == '\r'))
			file[--n] = '\0';
		value = file;
	}
	tdns_txt(dns, p, value);
	free(file);
	return 1;
}

int
tdns_load(struct mauth_dns *dns, const char *path, const char *profile,
    const char *dir)
{
	size_t len;
	char *data = slurp(path, &len), *save = NULL;
	int n = 0;

	if (data == NULL)
		return -1;
	for (char *line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n += tdns_line(dns, line, profile, dir);
	}
	free(data);
	return n;
}

char *
slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct mauth_buf b = MAUTH_BUF_INIT;
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		diag("cannot read %s", path);
		return NULL;
	}
	mauth_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mauth_buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	return mauth_buf_steal(&b);
}

static char tmpdir[4096];

static void
tmpdir_cleanup(void)
{
	char cmd[4200];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		(void)!system(cmd);
	}
}

const char *
tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/mauth-dkim.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		diag("mkdtemp failed");
		exit(1);
	}
	atexit(tmpdir_cleanup);
	return tmpdir;
}

/* end of the line starting at p (the LF), or end */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static void
feed_field(const char *s, const char *e, const struct feed_ops *ops)
{
	struct mauth_buf v = MAUTH_BUF_INIT;
	const char *colon = memchr(s, ':', (size_t)(e - s));

	if (colon == NULL)
		return;
	char *name = xstrndup(s, (size_t)(colon - s));
	mauth_buf_puts(&v, "");
	for (const char *p = colon + 1; p < e; p++) {
		if (*p == '\r' && p + 1 < e && p[1] == '\n')
			continue;
		mauth_buf_putc(&v, *p);
	}
	ops->header(ops->ctx, name, v.data);
	free(name);
	mauth_buf_free(&v);
}

void
feed_message(const char *msg, size_t len, size_t chunk, const struct feed_ops *ops)
{
	const char *p = msg, *end = msg + len;

	while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
		const char *s = p, *e = line_end(p, end);
		while (e < end && e + 1 < end && (e[1] == ' ' || e[1] == '\t'))
			e = line_end(e + 1, end);
		const char *fe = e;
		if (fe > s && fe[-1] == '\r')
			fe--;
		feed_field(s, fe, ops);
		p = e < end ? e + 1 : end;
	}
	if (p < end)
		p += *p == '\r' ? 2 : 1;
	ops->eoh(ops->ctx);
	struct mauth_buf body = MAUTH_BUF_INIT;
	for (const char *q = p; q < end; q++) {
		if (*q == '\n' && (q == p || q[-1] != '\r'))
			mauth_buf_putc(&body, '\r');
		mauth_buf_putc(&body, *q);
	}
	size_t step = chunk ? chunk : body.len;
	for (size_t off = 0; off < body.len; off += step)
		ops->body(ops->ctx, (unsigned char *)body.data + off,
		    body.len - off < step ? body.len - off : step);
	mauth_buf_free(&body);
}

static void
v_header(void *ctx, const char *name, const char *value)
{
	mauth_dkim_verify_header(ctx, name, value);
}

static void
v_eoh(void *ctx)
{
	mauth_dkim_verify_eoh(ctx);
}

static void
v_body(void *ctx, const unsigned char *data, size_t len)
{
	mauth_dkim_verify_body(ctx, data, len);
}

struct mauth_dkim_verify *
verify_message(const struct mauth_dkim *dkim, const char *msg, size_t len,
    size_t chunk)
{
	struct mauth_dkim_verify *v = mauth_dkim_verify_new(dkim, "test");
	struct feed_ops ops = { v_header, v_eoh, v_body, v };

	feed_message(msg, len, chunk, &ops);
	mauth_dkim_verify_eom(v);
	return v;
}

static void
s_header(void *ctx, const char *name, const char *value)
{
	mauth_dkim_sign_header(ctx, name, value);
}

static void
s_eoh(void *ctx)
{
	mauth_dkim_sign_eoh(ctx);
}

static void
s_body(void *ctx, const unsigned char *data, size_t len)
{
	mauth_dkim_sign_body(ctx, data, len);
}

char *
sign_message(const struct mauth_dkim *dkim, const struct mauth_dkim_signing *sel,
    size_t n, const char *msg, size_t len, size_t *len_r)
{
	char *error = NULL;
	struct mauth_dkim_sign *s = mauth_dkim_sign_new(dkim, sel, n, "test", &error);
	struct mauth_buf out = MAUTH_BUF_INIT;
	const char *const *fields;

	if (s == NULL) {
		diag("sign_new: %s", error);
		free(error);
		return NULL;
	}
	struct feed_ops ops = { s_header, s_eoh, s_body, s };
	feed_message(msg, len, 0, &ops);
	if (mauth_dkim_sign_eom(s, &error) < 0) {
		diag("sign_eom: %s", error);
		free(error);
		mauth_dkim_sign_free(&s);
		return NULL;
	}
	size_t nf = mauth_dkim_sign_fields(s, &fields);
	for (size_t i = nf; i-- > 0;) {
		mauth_buf_puts(&out, "DKIM-Signature:");
		for (const char *p = fields[i]; *p; p++) {
			if (*p == '\n')
				mauth_buf_putc(&out, '\r');
			mauth_buf_putc(&out, *p);
		}
		mauth_buf_puts(&out, "\r\n");
	}
	mauth_buf_append(&out, msg, len);
	mauth_dkim_sign_free(&s);
	*len_r = out.len;
	return mauth_buf_steal(&out);
}

const char *
result_str(const struct mauth_dkim_sig *r)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s d=%s s=%s a=%s (%s)",
	    mauth_dkim_result_name(r->result), r->domain ? r->domain : "-",
	    r->selector ? r->selector : "-", r->algorithm ? r->algorithm : "-",
	    r->reason ? r->reason : "");
	return buf;
}
