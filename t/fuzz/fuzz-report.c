/*
 * fuzz-report.c - report-store row decoding (lib/report_row.c): spool
 * lines, which mauthd reads back after a crash or a store outage, and the
 * DKIM column of a row
 *
 * The input's first byte picks the form: odd, the rest is a spool line as
 * it is (a torn or hostile spool file); even, the rest is the columns part
 * of a line, and the harness puts the version tag in front and the right
 * CRC-32 behind it, so that the column parser is reached past the
 * checksum.  Every column is also decoded as a DKIM column.  Properties: a
 * line parses to a row or says why; a row written back out parses again
 * to the same columns, and writing that gives the same line; a DKIM
 * column that decodes, encoded again, decodes to the same signatures.
 */
#include "config.h"

#include <zlib.h>

#include "buf.h"
#include "fuzz.h"
#include "report_row.h"

static void
try_dkim(const char *text)
{
	struct mauth_report_dkim *sigs = NULL, *again = NULL;
	struct mauth_dmarc_dkim_row *rows;
	size_t n = 0, m = 0;
	char *error = NULL, *enc;

	if (mauth_report_dkim_decode(text, &sigs, &n, &error) < 0) {
		FUZZ_CHECK(error != NULL);
		free(error);
		return;
	}
	rows = calloc(n + 1, sizeof(*rows));
	if (rows == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		rows[i].domain = sigs[i].domain;
		rows[i].selector = sigs[i].selector;
		rows[i].human_result = sigs[i].human_result;
		rows[i].aligned = sigs[i].aligned;
		/* the result travels as its name; the decoder gives it back */
		rows[i].result = MAUTH_DMARC_DKIM_NONE;
	}
	enc = mauth_report_dkim_encode(rows, n);
	FUZZ_CHECK(mauth_report_dkim_decode(enc, &again, &m, &error) == 0);
	FUZZ_CHECK(m == n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(strcmp(again[i].domain, sigs[i].domain) == 0);
		FUZZ_CHECK(strcmp(again[i].selector, sigs[i].selector) == 0);
		FUZZ_CHECK(again[i].aligned == sigs[i].aligned);
		FUZZ_CHECK((again[i].human_result == NULL) ==
		    (sigs[i].human_result == NULL));
		FUZZ_CHECK(sigs[i].human_result == NULL ||
		    strcmp(again[i].human_result, sigs[i].human_result) == 0);
	}
	free(enc);
	free(rows);
	mauth_report_dkim_free(&again, m);
	mauth_report_dkim_free(&sigs, n);
}

static void
try_line(const char *line, size_t len)
{
	struct mauth_report_row *row, *again;
	char *error = NULL, *out, *out2;

	if ((row = mauth_report_row_parse_spool(line, len, &error)) == NULL) {
		FUZZ_CHECK(error != NULL);
		free(error);
		return;
	}
	for (int c = 0; c < MAUTH_REPORT_NCOLS; c++)
		FUZZ_CHECK(row->col[c] != NULL);
	out = mauth_report_row_spool_line(row);
	again = mauth_report_row_parse_spool(out, strlen(out), &error);
	if (again == NULL) {
		fprintf(stderr, "written line does not parse: %s\n%s", error, out);
		FUZZ_CHECK(!"a written line parses");
	}
	for (int c = 0; c < MAUTH_REPORT_NCOLS; c++)
		FUZZ_CHECK(strcmp(again->col[c], row->col[c]) == 0);
	out2 = mauth_report_row_spool_line(again);
	FUZZ_CHECK(strcmp(out, out2) == 0);
	try_dkim(row->col[MAUTH_REPORT_COL_DKIM]);
	free(out);
	free(out2);
	mauth_report_row_free(&again);
	mauth_report_row_free(&row);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		exact = malloc(size > 1 ? size - 1 : 1);
		if (exact == NULL)
			abort();
		memcpy(exact, data + 1, size - 1);
		try_line(exact, size - 1);
		free(exact);
	} else {
		struct mauth_buf b = MAUTH_BUF_INIT;

		mauth_buf_puts(&b, MAUTH_REPORT_SPOOL_TAG "\t");
		mauth_buf_append(&b, data + 1, size - 1);
		uLong crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)b.data,
		    (uInt)b.len);
		mauth_buf_printf(&b, "\t%08lx\n", crc);
		exact = malloc(b.len);
		if (exact == NULL)
			abort();
		memcpy(exact, b.data, b.len);
		try_line(exact, b.len);
		free(exact);
		mauth_buf_free(&b);
	}
	char *text = fuzz_cstr(data + 1, size - 1);
	try_dkim(text);
	free(text);
	return 0;
}
