/*
 * report.c - mauthd's side of DMARC aggregate reporting (report.h)
 *
 * Everything that matters (queue, group commit, spool, replay) is in
 * lib/report_writer.c; this file only starts it with the configuration,
 * turns a finished message into rows and logs for it.
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "report.h"
#include "report_writer.h"
#include "xmalloc.h"

/* Started before smfi_main, stopped after it: read-only in between. */
static struct mauth_report_writer *report_writer;

static void
report_log(void *arg, int level, const char *text)
{
	(void)arg;
	log_lvl(level, "%s", text);
}

int
report_start(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_report_writer_config cfg = {
		.store_uri = conf->report_store,
		.spool_dir = conf->report_spool,
		.wait_ms = conf->report_wait_ms,
		/* a database server comes back; a file that cannot be opened will not */
		.store_may_be_down = strncasecmp(conf->report_store, "sqlite:", 7) != 0,
		.log = report_log,
	};

	if (!mauth_conf_report_capture(conf))
		return 0;
	if (mauth_report_writer_start(&cfg, &report_writer, error_r) < 0)
		return -1;
	log_info("report rows go to %s (spool %s)", conf->report_store,
	    conf->report_spool);
	return 0;
}

int
report_message(const struct mauth_conf *conf, const struct msg *m, char **error_r)
{
	const struct mauth_inbound_dmarc *d;
	const struct mauth_dmarc_outcome *out;
	struct mauth_report_row **rows;
	size_t n, acting;
	int rc = 0;

	if (report_writer == NULL || m->in == NULL ||
	    (d = mauth_inbound_get_dmarc(m->in)) == NULL ||
	    (n = mauth_inbound_dmarc_outcomes(d, &out, &acting)) == 0)
		return 0;
	struct mauth_report_row_info info = {
		/* the session's configuration: a reload may free the first one */
		.reporter = conf->authserv_id,
		.message_id = mauth_inbound_message_id(m->in),
		.time = (int64_t)time(NULL),
	};
	rows = xcalloc(n, sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		rows[i] = mauth_report_row_from_outcome(&out[i], &info);
	switch (mauth_report_writer_submit(report_writer, rows, n, error_r)) {
	case MAUTH_REPORT_STORED:
		break;
	case MAUTH_REPORT_SPOOLED:
		msg_log(m, LOG_DEBUG, "report row spooled");
		break;
	case MAUTH_REPORT_LOST:
		rc = -1;
		break;
	}
	for (size_t i = 0; i < n; i++)
		mauth_report_row_free(&rows[i]);
	free(rows);
	return rc;
}

bool
report_stats(struct mauth_report_writer_stats *st)
{
	if (report_writer == NULL)
		return false;
	mauth_report_writer_stats(report_writer, st);
	return true;
}

void
report_stop(void)
{
	struct mauth_report_writer_stats st;

	if (report_writer == NULL)
		return;
	mauth_report_writer_stats(report_writer, &st);
	log_info("report writer stopping: %lu rows queued", st.queued);
	/*
	 * Not freed: a session may still be finishing its message (smfi_main
	 * does not wait for them); its rows then go to the spool.
	 */
	mauth_report_writer_stop(report_writer);
	mauth_report_writer_stats(report_writer, &st);
	log_info("report writer stopped: %lu rows committed in %lu batches, "
	    "%lu spooled, %lu replayed from the spool, %lu lost", st.committed,
	    st.batches, st.spooled + st.spooled_waiting, st.replayed, st.lost);
}
