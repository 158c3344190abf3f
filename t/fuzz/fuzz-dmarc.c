/*
 * fuzz-dmarc.c - the DMARC record parser (lib/dmarc_record.c, dmarc_uri.c;
 * RFC 9989 sections 4.7, 4.8 and RFC 7489 section 6.3) and the From field
 * parser that finds the author domain (lib/rfc5322_addr.c; RFC 5322 3.4,
 * RFC 6854, RFC 6532)
 *
 * The input is "RECORD NUL FROM-VALUE", both handed over in buffers of
 * exactly their length.  Properties: a record is OK with a record and no
 * error, or NOT_DMARC / INVALID with an error and no record, in both
 * modes; an OK record has pct 0..100, at most MAUTH_DMARC_MAX_URIS report
 * URIs, each with a scheme, and survives _dup() unchanged; a From value
 * parses (at most MAUTH_RFC5322_MAX_MAILBOXES mailboxes, every domain
 * non-empty, lower case, listed once among the distinct domains) or says
 * why and leaves the list empty.
 */
#include "config.h"

#include <ctype.h>

#include "dmarc_record.h"
#include "fuzz.h"
#include "rfc5322_addr.h"

static char *
exact(const uint8_t *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	memcpy(p, s, len);
	return p;
}

static void
check_record(const struct mauth_dmarc_record *r)
{
	FUZZ_CHECK(r->pct <= 100);
	FUZZ_CHECK(r->p <= MAUTH_DMARC_P_REJECT && r->sp <= MAUTH_DMARC_P_REJECT &&
	    r->np <= MAUTH_DMARC_P_REJECT);
	FUZZ_CHECK(r->nrua <= MAUTH_DMARC_MAX_URIS && r->nruf <= MAUTH_DMARC_MAX_URIS);
	for (size_t i = 0; i < r->nrua; i++)
		FUZZ_CHECK(r->rua[i].uri != NULL && r->rua[i].scheme != NULL &&
		    r->rua[i].scheme[0] != '\0');
	FUZZ_CHECK(r->text != NULL);
}

static void
try_record(const uint8_t *data, size_t len)
{
	static const enum mauth_dmarc_mode modes[] = {
		MAUTH_DMARC_MODE_RFC9989, MAUTH_DMARC_MODE_RFC7489,
	};
	char *txt = exact(data, len);

	for (size_t m = 0; m < 2; m++) {
		struct mauth_dmarc_record *rec = NULL, *dup;
		char *error = NULL;
		enum mauth_dmarc_record_status st =
		    mauth_dmarc_record_parse(txt, len, modes[m], &rec, &error);

		if (st != MAUTH_DMARC_RECORD_OK) {
			FUZZ_CHECK(st == MAUTH_DMARC_RECORD_NOT_DMARC ||
			    st == MAUTH_DMARC_RECORD_INVALID);
			FUZZ_CHECK(rec == NULL && error != NULL);
			free(error);
			continue;
		}
		FUZZ_CHECK(rec != NULL && error == NULL);
		check_record(rec);
		dup = mauth_dmarc_record_dup(rec);
		check_record(dup);
		FUZZ_CHECK(strcmp(dup->text, rec->text) == 0 && dup->p == rec->p &&
		    dup->pct == rec->pct && dup->nrua == rec->nrua);
		mauth_dmarc_record_free(&dup);
		mauth_dmarc_record_free(&rec);
		FUZZ_CHECK(rec == NULL);
	}
	free(txt);
}

static void
try_from(const uint8_t *data, size_t len)
{
	struct mauth_rfc5322_addr_list list;
	char *value = exact(data, len);
	char *error = NULL;

	memset(&list, 0, sizeof(list));
	if (mauth_rfc5322_addr_parse(value, len, &list, &error) < 0) {
		FUZZ_CHECK(error != NULL && list.count == 0 && list.ndomains == 0);
		free(error);
		free(value);
		return;
	}
	FUZZ_CHECK(error == NULL);
	FUZZ_CHECK(list.count <= MAUTH_RFC5322_MAX_MAILBOXES);
	FUZZ_CHECK(list.ndomains <= list.count);
	for (size_t i = 0; i < list.count; i++) {
		const char *d = list.mailbox[i].domain;
		bool listed = false;

		FUZZ_CHECK(d != NULL && *d != '\0' && list.mailbox[i].local_part != NULL);
		for (const char *p = d; *p; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		for (size_t j = 0; j < list.ndomains; j++)
			listed |= strcmp(list.domains[j], d) == 0;
		FUZZ_CHECK(listed);
	}
	for (size_t j = 0; j < list.ndomains; j++)
		for (size_t k = j + 1; k < list.ndomains; k++)
			FUZZ_CHECK(strcmp(list.domains[j], list.domains[k]) != 0);
	mauth_rfc5322_addr_list_clear(&list);
	FUZZ_CHECK(list.count == 0);
	free(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul != NULL ? (size_t)(nul - data) : size;

	try_record(data, rlen);
	if (nul != NULL)
		try_from(nul + 1, size - rlen - 1);
	return 0;
}
