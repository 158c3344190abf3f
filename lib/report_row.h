/*
 * report_row.h - one aggregate-report row: what mauthd records per DMARC
 * evaluation (RFC 9990 section 2.1 lists what a report carries)
 *
 * A row is a fixed list of text columns (integers are written in
 * decimal), so that the same table drives every place a row goes: the
 * SQL schema and INSERT (report_store.c), the spool line (below) and the
 * reader that builds reports.  Columns are named by enum mauth_report_col;
 * mauth_report_col_name() is the SQL column name.
 *
 * The row id is 128 random bits in hex, made when the row is built: a row
 * can reach the store twice (committed by the writer and also spooled by
 * a milter thread that gave up waiting, or replayed after a crash between
 * commit and spool removal), and the store keeps the first copy only.
 *
 * Spool line (report_spool.c writes and reads them):
 *   "R1" TAB col0 TAB ... TAB colN-1 TAB crc LF
 * that is the version tag, every column with '\\', TAB, CR and LF escaped as
 * \\ \t \r \n, then the CRC-32 (zlib) of everything before the last TAB
 * in 8 lower-case hex digits, then LF.  A line torn by a crash fails the
 * CRC or lacks its LF and is refused.
 *
 * Ownership: a row owns its strings (mauth_report_row_free).  Reentrant.
 */
#ifndef MAUTH_REPORT_ROW_H
#define MAUTH_REPORT_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmarc_eval.h"

enum mauth_report_col {
	MAUTH_REPORT_COL_ID = 0,	/* 32 hex digits */
	MAUTH_REPORT_COL_TIME,		/* seconds since the epoch, end of message */
	MAUTH_REPORT_COL_REPORTER,	/* AuthservID of the mauthd that recorded it */
	MAUTH_REPORT_COL_MESSAGE_ID,	/* Message-ID field value, "" if none */
	MAUTH_REPORT_COL_POLICY_DOMAIN,	/* where the record was found; "" none */
	MAUTH_REPORT_COL_HEADER_FROM,
	MAUTH_REPORT_COL_SOURCE_IP,	/* "" when unknown */
	MAUTH_REPORT_COL_ENVELOPE_FROM,	/* domain; "" for a null reverse-path */
	MAUTH_REPORT_COL_ENVELOPE_TO,	/* first recipient domain */
	MAUTH_REPORT_COL_P,		/* published policy; "" without a record */
	MAUTH_REPORT_COL_SP,
	MAUTH_REPORT_COL_NP,
	MAUTH_REPORT_COL_ADKIM,		/* "r" / "s" */
	MAUTH_REPORT_COL_ASPF,
	MAUTH_REPORT_COL_TESTING,	/* "y" / "n" */
	MAUTH_REPORT_COL_FO,
	MAUTH_REPORT_COL_PCT,
	MAUTH_REPORT_COL_RUA,		/* space-separated "mailto:ADDR[!SIZE]" */
	MAUTH_REPORT_COL_DISCOVERY,	/* "treewalk" / "psl" */
	MAUTH_REPORT_COL_SPF_DOMAIN,
	MAUTH_REPORT_COL_SPF_SCOPE,	/* "mfrom" / "helo" */
	MAUTH_REPORT_COL_SPF_RESULT,	/* RFC 8601 2.7.2 name */
	MAUTH_REPORT_COL_DKIM,		/* mauth_report_dkim_encode() form */
	MAUTH_REPORT_COL_DMARC,		/* none, pass, fail, temperror, permerror */
	MAUTH_REPORT_COL_SPF_ALIGNED,	/* "1" / "0" */
	MAUTH_REPORT_COL_DKIM_ALIGNED,
	MAUTH_REPORT_COL_DISPOSITION,	/* none, quarantine, reject */
	MAUTH_REPORT_COL_OVERRIDE,	/* "" or a PolicyOverrideType name */
	MAUTH_REPORT_COL_OVERRIDE_COMMENT,
	MAUTH_REPORT_NCOLS
};

/* Version tag of the spool line; a new column list needs a new tag. */
#define MAUTH_REPORT_SPOOL_TAG "R1"

struct mauth_report_row {
	char *col[MAUTH_REPORT_NCOLS];	/* never NULL once built */
};

/* What a row needs besides the DMARC outcome. */
struct mauth_report_row_info {
	const char *reporter;		/* AuthservID */
	const char *message_id;		/* may be NULL */
	int64_t time;			/* seconds since the epoch */
};

/* mauth_report_col_name - SQL column name, e.g. "policy_domain" */
const char *mauth_report_col_name(enum mauth_report_col c);
/* mauth_report_col_is_int - the column holds an integer (SQL BIGINT) */
bool mauth_report_col_is_int(enum mauth_report_col c);

/*
 * mauth_report_row_from_outcome - a new row for one DMARC outcome (one
 * author domain of one message), with a fresh random id.
 */
struct mauth_report_row *mauth_report_row_from_outcome(
    const struct mauth_dmarc_outcome *o, const struct mauth_report_row_info *info);

/* mauth_report_row_new - a row of empty columns (id empty too) */
struct mauth_report_row *mauth_report_row_new(void);
/* mauth_report_row_set - replace column c with a copy of value */
void mauth_report_row_set(struct mauth_report_row *row, enum mauth_report_col c,
    const char *value);
struct mauth_report_row *mauth_report_row_dup(const struct mauth_report_row *row);
void mauth_report_row_free(struct mauth_report_row **row);

/* mauth_report_row_id - a new id: 32 lower-case hex digits into buf[33] */
void mauth_report_row_id(char buf[33]);

/*
 * mauth_report_row_spool_line - the spool line for row (with its LF);
 * the caller frees it.
 */
char *mauth_report_row_spool_line(const struct mauth_report_row *row);

/*
 * mauth_report_row_parse_spool - one spool line (len bytes, its LF
 * included) into a new row; NULL with *error_r (caller frees) for a torn,
 * corrupt or foreign line.
 */
struct mauth_report_row *mauth_report_row_parse_spool(const char *line,
    size_t len, char **error_r);

/* One DKIM signature as a row records it. */
struct mauth_report_dkim {
	char *domain, *selector, *result, *human_result;	/* human may be NULL */
	bool aligned;
};

/*
 * mauth_report_dkim_encode - the DKIM column for n signatures:
 * "d=DOMAIN;s=SEL;r=RESULT;a=0|1[;h=TEXT]" joined by ",", with '%', ',',
 * ';' and control characters %-escaped.  Caller frees.
 */
char *mauth_report_dkim_encode(const struct mauth_dmarc_dkim_row *sigs, size_t n);

/*
 * mauth_report_dkim_decode - the column back into signatures; 0 and
 * *sigs_r (free with mauth_report_dkim_free) or -1 with *error_r.
 */
int mauth_report_dkim_decode(const char *text, struct mauth_report_dkim **sigs_r,
    size_t *n_r, char **error_r);
void mauth_report_dkim_free(struct mauth_report_dkim **sigs, size_t n);

#endif
