/*
 * tap.h - Test Anything Protocol output for the C tests under t/
 *
 * Each test program prints "ok N - description" lines and a plan; prove(1)
 * and automake's tap-driver read them.  A failed check prints what was
 * expected and what was got as a "#" diagnostic.
 */
#ifndef MAUTH_TAP_H
#define MAUTH_TAP_H

#include <stdbool.h>
#include <stddef.h>

void plan(int n);
void skip_all(const char *why, ...) __attribute__((format(printf, 1, 2), noreturn));
bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool is_int(long long got, long long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool is_str(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* like_str - got contains want as a substring */
bool like_str(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* done_testing - print the plan if none was given; the exit status for main */
int done_testing(void);
/* tap_srcdir - $srcdir or "." : where t/ data lives */
const char *tap_srcdir(void);
/* tap_path - srcdir-relative path in a static buffer (one at a time) */
const char *tap_path(const char *rel);

#endif
