/*
 * fuzz-authres.c - Authentication-Results (RFC 8601): the authserv-id
 * parser and the field writer (lib/authres.c)
 *
 * The whole input is parsed as a field body.  Then it is split at NUL
 * bytes into an authserv-id, a reason and a property value, which are
 * written into a field, folded and unfolded.  Properties:
 *   - an id that parses is not empty, and the body claims it;
 *   - a written field holds no CR, an LF only as the start of a fold
 *     ("\n\t"), and no other control character: no sender-controlled
 *     value can end the header line or start a new field;
 *   - the id of a written field parses back to the id given (when the id
 *     holds no control character, which the writer replaces by '?').
 */
#include "config.h"

#include <stdbool.h>

#include "authres.h"
#include "fuzz.h"

static bool
has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return true;
	return false;
}

static void
check_field(const char *field, const char *id)
{
	char *got = NULL, *error = NULL;

	for (const char *p = field; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n')
			FUZZ_CHECK(p[1] == '\t');
		else if (c == '\t')
			FUZZ_CHECK(p > field && p[-1] == '\n');
		else
			FUZZ_CHECK(c >= ' ' && c != 0x7f);
	}
	if (*id == '\0' || has_control(id))
		return;
	if (mauth_authres_parse_id(field, strlen(field), &got, &error) < 0) {
		fprintf(stderr, "id %s: written as %s: %s\n", id, field, error);
		FUZZ_CHECK(!"a written field parses");
	}
	FUZZ_CHECK(strcmp(got, id) == 0);
	FUZZ_CHECK(mauth_authres_claims_id(field, strlen(field), id));
	free(got);
}

static void
try_write(const uint8_t *data, size_t size)
{
	char *id = fuzz_take(&data, &size, 0);
	char *reason = fuzz_take(&data, &size, 0);
	char *value = fuzz_take(&data, &size, 0);
	struct mauth_authres *ar = mauth_authres_new(id != NULL ? id : "");

	if (reason != NULL || value != NULL)
		mauth_authres_add(ar, "spf", "pass", reason,
		    "smtp.mailfrom", value != NULL ? value : "", NULL);
	if (value != NULL)
		mauth_authres_add(ar, "dkim", "fail", NULL,
		    "header.d", value, "header.s", reason, NULL);
	for (int fold = 0; fold <= 1; fold++) {
		char *field = mauth_authres_format(ar, fold);

		check_field(field, id != NULL ? id : "");
		free(field);
	}
	mauth_authres_free(&ar);
	free(id);
	free(reason);
	free(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *id = NULL, *error = NULL;

	if (mauth_authres_parse_id((const char *)data, size, &id, &error) == 0) {
		FUZZ_CHECK(id != NULL && *id != '\0' && error == NULL);
		FUZZ_CHECK(mauth_authres_claims_id((const char *)data, size, id));
		free(id);
	} else {
		FUZZ_CHECK(id == NULL && error != NULL);
		free(error);
	}
	try_write(data, size);
	return 0;
}
