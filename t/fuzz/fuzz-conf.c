/*
 * fuzz-conf.c - the mauthd.conf reader (lib/conf.c, lib/conf_value.c)
 *
 * The input is a configuration file.  Properties: a refusal names the file
 * and line ("fuzz.conf:N: ..."); an accepted configuration written out by
 * mauth_conf_dump() parses back, and dumps to the same text (conf.h
 * promises the round trip).
 */
#include "config.h"

#include "buf.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_conf *conf = NULL, *again = NULL;
	struct mauth_buf dump1 = MAUTH_BUF_INIT, dump2 = MAUTH_BUF_INIT;
	char *error = NULL;

	if (mauth_conf_parse("fuzz.conf", (const char *)data, size, &conf,
	    &error) < 0) {
		FUZZ_CHECK(conf == NULL && error != NULL);
		FUZZ_CHECK(strncmp(error, "fuzz.conf:", 10) == 0);
		free(error);
		return 0;
	}
	FUZZ_CHECK(conf != NULL);
	mauth_conf_dump(conf, &dump1);
	if (mauth_conf_parse("dump", dump1.data, dump1.len, &again, &error) < 0) {
		fprintf(stderr, "dump does not parse back: %s\n%s", error,
		    mauth_buf_cstr(&dump1));
		FUZZ_CHECK(!"the dump of an accepted configuration parses");
	}
	mauth_conf_dump(again, &dump2);
	FUZZ_CHECK(dump1.len == dump2.len &&
	    memcmp(dump1.data, dump2.data, dump1.len) == 0);
	mauth_buf_free(&dump1);
	mauth_buf_free(&dump2);
	mauth_conf_free(&conf);
	mauth_conf_free(&again);
	return 0;
}
