/*
 * report_xml.h - the XML of a DMARC aggregate report: RFC 9990 (the
 * default) or RFC 7489 appendix C, and its gzip form
 *
 * RFC 9990: root "feedback" in namespace urn:ietf:params:xml:ns:dmarc-2.0,
 * version 1.0, report_metadata with generator, policy_published with
 * np, testing and discovery_method, disposition "pass" for passing mail
 * under an enforcing policy, DKIM selectors, SPF scope only for mfrom.
 * RFC 7489: no namespace (what receivers expect; the appendix C schema's
 * targetNamespace is not used in practice), pct and fo published, full
 * IPv6 addresses (the schema's pattern has no "::"), an spf element even
 * when no SPF result exists.  Override types one format lacks become
 * "other" with the original name in the comment.
 *
 * Text from the network (DKIM human results, comments) is escaped; bytes
 * outside printable ASCII become '?', so the document is always well
 * formed and valid.
 *
 * Ownership: inputs are only read; results are the caller's to free.
 */
#ifndef MAUTH_REPORT_XML_H
#define MAUTH_REPORT_XML_H

#include <stddef.h>

#include "conf.h"
#include "report_store.h"

/* At most this many DKIM results per record (RFC 9990: SHOULD NOT exceed 100). */
#define MAUTH_REPORT_MAX_DKIM 100

struct mauth_report_meta {
	enum mauth_conf_report_format format;
	const char *org_name;
	const char *email;
	const char *extra_contact_info;	/* may be NULL */
	const char *report_id;
	const char *generator;		/* RFC 9990 only; may be NULL */
	struct mauth_report_period period;
};

/*
 * mauth_report_xml - the report for policy's domain: policy is a stored
 * row whose published-policy columns the report states, groups its
 * records.  NULL with *error_r for a stored row that does not decode.
 */
char *mauth_report_xml(const struct mauth_report_meta *meta,
    const struct mauth_report_row *policy,
    const struct mauth_report_group *groups, size_t ngroups, char **error_r);

/*
 * mauth_report_gzip - len bytes as a gzip file (RFC 1952); *out_r and
 * *outlen_r are the caller's.  0, or -1 with *error_r.
 */
int mauth_report_gzip(const void *data, size_t len, unsigned char **out_r,
    size_t *outlen_r, char **error_r);

#endif
