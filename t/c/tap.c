/*
 * tap.c - Test Anything Protocol output
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

void
skip_all(const char *why, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

static bool
tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		diag("     got: %lld\n#   expected: %lld", got, want);
	return got == want;
}

bool
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	va_start(ap, fmt);
	tap_vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		diag("     got: %s%s%s\n#   expected: %s%s%s",
		    got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
		    want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	return same;
}

bool
like_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool found = got != NULL && want != NULL && strstr(got, want) != NULL;

	va_start(ap, fmt);
	tap_vok(found, fmt, ap);
	va_end(ap);
	if (!found)
		diag("     got: %s\n#   expected to contain: %s",
		    got ? got : "NULL", want ? want : "NULL");
	return found;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	fflush(stdout);
	if (tap_failed > 0)
		return 1;
	return tap_planned < 0 || tap_planned == tap_run ? 0 : 255;
}

const char *
tap_srcdir(void)
{
	const char *s = getenv("srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

const char *
tap_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tap_srcdir(), rel);
	return path;
}
