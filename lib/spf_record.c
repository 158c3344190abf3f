/*
 * spf_record.c - parse one SPF record into terms (RFC 7208 section 12 ABNF)
 *
 *   record    = version terms *SP            version = "v=spf1"
 *   terms     = *( 1*SP ( directive / modifier ) )
 *   directive = [ qualifier ] mechanism
 *   modifier  = redirect / explanation / unknown-modifier
 *   unknown-modifier = name "=" macro-string
 *   name      = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 *
 * Terms are separated by SP only (section 4.6.1); any other control
 * character or a non-ASCII octet makes the record a permerror (section
 * 3.1).  Names of mechanisms and modifiers are case-insensitive (ABNF).
 * redirect= and exp= may appear once each (section 6); unknown modifiers
 * must still be valid macro-strings and are otherwise ignored.  Every
 * error message names the offending term.
 *
 * Ownership: see spf_record.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "spf_macro.h"
#include "spf_record.h"
#include "xmalloc.h"

#define SPF_VERSION "v=spf1"
#define SPF_VERSION_LEN 6

static const struct {
	const char *name;
	enum mauth_spf_mech mech;
} spf_mechs[] = {
	{ "all", MAUTH_SPF_MECH_ALL },
	{ "include", MAUTH_SPF_MECH_INCLUDE },
	{ "a", MAUTH_SPF_MECH_A },
	{ "mx", MAUTH_SPF_MECH_MX },
	{ "ptr", MAUTH_SPF_MECH_PTR },
	{ "ip4", MAUTH_SPF_MECH_IP4 },
	{ "ip6", MAUTH_SPF_MECH_IP6 },
	{ "exists", MAUTH_SPF_MECH_EXISTS },
};

const char *
mauth_spf_mech_name(enum mauth_spf_mech mech)
{
	for (size_t i = 0; i < sizeof(spf_mechs) / sizeof(spf_mechs[0]); i++)
		if (spf_mechs[i].mech == mech)
			return spf_mechs[i].name;
	return "?";
}

bool
mauth_spf_record_is_spf(const char *data, size_t len)
{
	if (len < SPF_VERSION_LEN ||
	    strncasecmp(data, SPF_VERSION, SPF_VERSION_LEN) != 0)
		return false;
	return len == SPF_VERSION_LEN || data[SPF_VERSION_LEN] == ' ';
}

/* term_fail - set *error_r to "term "<t>": <why>" and return -1 */
static int
term_fail(char **error_r, const char *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
term_fail(char **error_r, const char *t, const char *fmt, ...)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	va_list ap;

	mauth_buf_printf(&b, "term \"%s\": ", t);
	va_start(ap, fmt);
	mauth_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*error_r = mauth_buf_steal(&b);
	return -1;
}

/* toplabel_ok - section 7.1: ( *alphanum ALPHA *alphanum ) /
 * ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool
toplabel_ok(const char *s, size_t n)
{
	bool alpha = false, dash = false;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-')
			dash = true;
		else if (isalpha(c))
			alpha = true;
		else if (!isdigit(c))
			return false;
	}
	if (!dash)
		return alpha;
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

int
mauth_spf_domain_spec_check(const char *spec, char **error_r)
{
	size_t len = strlen(spec), tail;

	if (len == 0) {
		*error_r = xstrdup("empty domain-spec");
		return -1;
	}
	if (mauth_spf_macro_check(spec, 0, &tail, error_r) < 0)
		return -1;
	if (tail == len)
		return 0;	/* domain-end = macro-expand */
	const char *lit = spec + tail;
	size_t n = len - tail;
	if (lit[n - 1] == '.')
		n--;
	const char *dot = NULL;
	for (size_t i = 0; i < n; i++)
		if (lit[i] == '.')
			dot = lit + i;
	if (dot == NULL) {
		*error_r = xasprintf("domain-spec \"%s\" ends neither in a macro "
		    "nor in \".\" and a top-level label (RFC 7208 section 7.1)", spec);
		return -1;
	}
	size_t toplen = (size_t)(lit + n - (dot + 1));
	if (!toplabel_ok(dot + 1, toplen)) {
		*error_r = xasprintf("domain-spec \"%s\": \"%.*s\" is not a valid "
		    "top-level label (RFC 7208 section 7.1)", spec, (int)toplen, dot + 1);
		return -1;
	}
	return 0;
}

/* cidr_value - "0" / %x31-39 *DIGIT up to max; -1 when malformed */
static int
cidr_value(const char *s, size_t n, unsigned max)
{
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= max ? (int)v : -1;
}

/*
 * dual_cidr_parse - s is ( "/" 1*DIGIT )? ( "//" 1*DIGIT )?, non-empty;
 * 1 and the lengths (values checked), 0 when s does not have that shape,
 * -1 when it does but a length is out of range or has a leading zero
 */
static int
dual_cidr_parse(const char *s, unsigned *cidr4, unsigned *cidr6)
{
	const char *d4 = NULL, *d6 = NULL;
	size_t n4 = 0, n6 = 0;

	if (s[0] != '/')
		return 0;
	if (s[1] != '/') {
		d4 = ++s;
		while (isdigit((unsigned char)*s))
			s++;
		n4 = (size_t)(s - d4);
		if (n4 == 0)
			return 0;
	}
	if (*s == '/') {
		if (s[1] != '/')
			return 0;
		d6 = s += 2;
		while (isdigit((unsigned char)*s))
			s++;
		n6 = (size_t)(s - d6);
		if (n6 == 0)
			return 0;
	}
	if (*s != '\0')
		return 0;
	int v4 = d4 ? cidr_value(d4, n4, 32) : 32;
	int v6 = d6 ? cidr_value(d6, n6, 128) : 128;
	if (v4 < 0 || v6 < 0)
		return -1;
	*cidr4 = (unsigned)v4;
	*cidr6 = (unsigned)v6;
	return 1;
}

/* ip4_network_parse - qnum "." qnum "." qnum "." qnum, no leading zeros */
static bool
ip4_network_parse(const char *s, size_t n, struct mauth_ip *ip)
{
	size_t i = 0;

	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && isdigit((unsigned char)s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		size_t digits = i - start;
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && s[start] == '0'))
			return false;
		ip->addr[part] = (uint8_t)v;
		if (part < 3 && (i >= n || s[i++] != '.'))
			return false;
	}
	return i == n;
}

/* parse_a_mx - "a" / "mx" [ ":" domain-spec ] [ dual-cidr-length ] */
static int
parse_a_mx(struct mauth_spf_term *m, const char *t, const char *rest,
    char **error_r)
{
	const char *name = mauth_spf_mech_name(m->mech);
	char *why = NULL;

	m->cidr4 = 32;
	m->cidr6 = 128;
	if (*rest == '\0')
		return 0;
	if (*rest == '/') {
		if (dual_cidr_parse(rest, &m->cidr4, &m->cidr6) != 1)
			return term_fail(error_r, t, "bad CIDR length \"%s\" (ip4 "
			    "0..32, ip6 0..128, written /N, //N or /N//M)", rest);
		return 0;
	}
	if (*rest != ':')
		return term_fail(error_r, t, "\"%s\" must be followed by \":\", "
		    "\"/\" or the end of the term", name);
	const char *arg = rest + 1;
	size_t split = strlen(arg);
	for (size_t i = 0; arg[i] != '\0'; i++) {
		if (arg[i] != '/')
			continue;
		int rc = dual_cidr_parse(arg + i, &m->cidr4, &m->cidr6);

		if (rc < 0)
			return term_fail(error_r, t, "bad CIDR length \"%s\" (ip4 "
			    "0..32, ip6 0..128)", arg + i);
		if (rc > 0) {
			split = i;
			break;
		}
	}
	m->domain_spec = xstrndup(arg, split);
	if (mauth_spf_domain_spec_check(m->domain_spec, &why) < 0) {
		term_fail(error_r, t, "%s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* parse_ip - "ip4" ":" ip4-network [ "/" 1*DIGIT ], same for ip6 */
static int
parse_ip(struct mauth_spf_term *m, const char *t, const char *rest,
    char **error_r)
{
	bool v4 = m->mech == MAUTH_SPF_MECH_IP4;
	unsigned max = v4 ? 32 : 128;

	if (*rest != ':' || rest[1] == '\0')
		return term_fail(error_r, t, "\"%s\" needs \":\" and a network",
		    v4 ? "ip4" : "ip6");
	const char *addr = rest + 1;
	size_t alen = strcspn(addr, "/");
	bool good;
	if (v4) {
		good = ip4_network_parse(addr, alen, &m->net);
	} else {
		char *a = xstrndup(addr, alen);

		memset(&m->net, 0, sizeof(m->net));
		m->net.family = AF_INET6;
		good = inet_pton(AF_INET6, a, m->net.addr) == 1;
		free(a);
	}
	if (!good)
		return term_fail(error_r, t, "\"%.*s\" is not an %s address",
		    (int)alen, addr, v4 ? "IPv4" : "IPv6");
	int bits = (int)max;
	if (addr[alen] == '/') {
		const char *c = addr + alen + 1;

		bits = cidr_value(c, strlen(c), max);
		if (bits < 0)
			return term_fail(error_r, t, "bad CIDR length \"/%s\" "
			    "(0..%u, no leading zeros)", c, max);
	}
	if (v4)
		m->cidr4 = (unsigned)bits;
	else
		m->cidr6 = (unsigned)bits;
	return 0;
}

/* parse_target - ":" domain-spec, required (include, exists) or optional (ptr) */
static int
parse_target(struct mauth_spf_term *m, const char *t, const char *rest,
    bool required, char **error_r)
{
	const char *name = mauth_spf_mech_name(m->mech);
	char *why = NULL;

	if (*rest == '\0' && !required)
		return 0;
	if (*rest != ':')
		return term_fail(error_r, t, required ?
		    "\"%s\" needs \":\" and a domain-spec" :
		    "\"%s\" takes only \":\" and a domain-spec", name);
	m->domain_spec = xstrdup(rest + 1);
	if (mauth_spf_domain_spec_check(m->domain_spec, &why) < 0) {
		term_fail(error_r, t, "%s", why);
		free(why);
		return -1;
	}
	return 0;
}

static int
parse_mechanism(struct mauth_spf_record *rec, const char *t, char **error_r)
{
	struct mauth_spf_term m;
	const char *p = t;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	m.qualifier = MAUTH_SPF_PASS;
	switch (*p) {
	case '+': m.qualifier = MAUTH_SPF_PASS; p++; break;
	case '-': m.qualifier = MAUTH_SPF_FAIL; p++; break;
	case '~': m.qualifier = MAUTH_SPF_SOFTFAIL; p++; break;
	case '?': m.qualifier = MAUTH_SPF_NEUTRAL; p++; break;
	}
	size_t n = 0;
	while (isalnum((unsigned char)p[n]))
		n++;
	size_t i;
	for (i = 0; i < sizeof(spf_mechs) / sizeof(spf_mechs[0]); i++)
		if (strlen(spf_mechs[i].name) == n &&
		    strncasecmp(spf_mechs[i].name, p, n) == 0)
			break;
	if (i == sizeof(spf_mechs) / sizeof(spf_mechs[0])) {
		if (n == 0)
			return term_fail(error_r, t, "neither a mechanism nor a "
			    "modifier (RFC 7208 section 4.6.1)");
		return term_fail(error_r, t, "unknown mechanism \"%.*s\"",
		    (int)n, p);
	}
	m.mech = spf_mechs[i].mech;
	const char *rest = p + n;
	switch (m.mech) {
	case MAUTH_SPF_MECH_ALL:
		rc = *rest == '\0' ? 0 :
		    term_fail(error_r, t, "\"all\" takes no argument");
		break;
	case MAUTH_SPF_MECH_INCLUDE:
	case MAUTH_SPF_MECH_EXISTS:
		rc = parse_target(&m, t, rest, true, error_r);
		break;
	case MAUTH_SPF_MECH_PTR:
		rc = parse_target(&m, t, rest, false, error_r);
		break;
	case MAUTH_SPF_MECH_A:
	case MAUTH_SPF_MECH_MX:
		rc = parse_a_mx(&m, t, rest, error_r);
		break;
	case MAUTH_SPF_MECH_IP4:
	case MAUTH_SPF_MECH_IP6:
		rc = parse_ip(&m, t, rest, error_r);
		break;
	}
	if (rc < 0) {
		free(m.domain_spec);
		return -1;
	}
	m.text = xstrdup(t);
	rec->terms = xreallocarray(rec->terms, rec->nterms + 1, sizeof(*rec->terms));
	rec->terms[rec->nterms++] = m;
	return 0;
}

static int
parse_modifier(struct mauth_spf_record *rec, const char *t, size_t namelen,
    char **error_r)
{
	const char *value = t + namelen + 1;
	char **slot = NULL;
	char *why = NULL;

	if (namelen == 8 && strncasecmp(t, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (namelen == 3 && strncasecmp(t, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL) {
		/* Section 6.3 / A: unknown modifiers are ignored, but only
		 * once they parse as name "=" macro-string. */
		if (mauth_spf_macro_check(value, MAUTH_SPF_MACRO_EXP, NULL, &why) < 0)
			goto bad;
		return 0;
	}
	if (*slot != NULL)
		return term_fail(error_r, t, "\"%.*s\" appears more than once "
		    "(RFC 7208 section 6)", (int)namelen, t);
	if (mauth_spf_domain_spec_check(value, &why) < 0)
		goto bad;
	*slot = xstrdup(value);
	return 0;
bad:
	term_fail(error_r, t, "%s", why);
	free(why);
	return -1;
}

/* term_printable - the term with octets outside 0x21..0x7e as \xHH */
static char *
term_printable(const char *t, size_t n)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			mauth_buf_putc(&b, (char)c);
		else
			mauth_buf_printf(&b, "\\x%02x", c);
	}
	return mauth_buf_steal(&b);
}

static int
parse_term(struct mauth_spf_record *rec, const char *data, size_t n,
    char **error_r)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < 0x21 || c > 0x7e) {
			char *shown = term_printable(data, n);

			term_fail(error_r, shown, "octet 0x%02x is not printable "
			    "7-bit ASCII (RFC 7208 sections 3.1, 4.6.1)", c);
			free(shown);
			return -1;
		}
	}
	char *t = xstrndup(data, n);
	size_t name = 0;
	int rc;
	/* A modifier is name "=" ...; name = ALPHA *( ALPHA / DIGIT / - _ . ) */
	if (isalpha((unsigned char)t[0])) {
		name = 1;
		while (isalnum((unsigned char)t[name]) || t[name] == '-' ||
		    t[name] == '_' || t[name] == '.')
			name++;
	}
	if (name > 0 && t[name] == '=')
		rc = parse_modifier(rec, t, name, error_r);
	else
		rc = parse_mechanism(rec, t, error_r);
	free(t);
	return rc;
}

int
mauth_spf_record_parse(const char *data, size_t len,
    struct mauth_spf_record **rec_r, char **error_r)
{
	struct mauth_spf_record *rec;
	size_t i = SPF_VERSION_LEN;

	*rec_r = NULL;
	if (!mauth_spf_record_is_spf(data, len)) {
		*error_r = xstrdup("not an SPF record: it does not start with "
		    "\"v=spf1\" and a space");
		return -1;
	}
	rec = xcalloc(1, sizeof(*rec));
	while (i < len) {
		if (data[i] == ' ') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && data[i] != ' ')
			i++;
		if (parse_term(rec, data + start, i - start, error_r) < 0) {
			mauth_spf_record_free(&rec);
			return -1;
		}
	}
	*rec_r = rec;
	return 0;
}

void
mauth_spf_record_free(struct mauth_spf_record **recp)
{
	struct mauth_spf_record *rec = *recp;

	if (rec == NULL)
		return;
	for (size_t i = 0; i < rec->nterms; i++) {
		free(rec->terms[i].text);
		free(rec->terms[i].domain_spec);
	}
	free(rec->terms);
	free(rec->redirect);
	free(rec->exp);
	free(rec);
	*recp = NULL;
}
