#!/bin/bash
# sanitizers.sh - the whole test suite again, built with AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer (configure
# --enable-sanitizers), in build-asan/ next to the normal build
#
# Usage: scripts/sanitizers.sh [PROVE-ARGS...]
# Runs prove -r t in the sanitizer build (a copy of the sources, see
# scripts/build-variant.sh), so unit, conformance and end-to-end tests all
# run sanitized programs (mauthd included).  Every sanitized process
# writes its reports to a private directory rather than to a stderr a test
# may swallow (a daemon's log); any report there fails the run even when
# every test passed, and is printed.  PROVE_JOBS (default: the number of
# CPUs) sets prove -j.  The last lines are prove's summary, or the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

src=$(bash scripts/build-variant.sh build-asan --enable-sanitizers \
    check TESTS= | tail -n 1)

reports=$(mktemp -d "${TMPDIR:-/tmp}/mauth-sanitizers.XXXXXX")
trap 'rm -rf "$reports"' EXIT
# daemons that drop privileges must still be able to write their report
chmod 755 "$reports"
mkdir -m 1777 "$reports/r"
supp=$top/t/sanitizers
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/r/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp:log_path=$reports/r/ubsan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"

rc=0
(cd "$src" && prove -r -j"${PROVE_JOBS:-$(nproc)}" "$@" t) || rc=$?
if [ -n "$(ls -A "$reports/r")" ]; then
	echo "sanitizers: reports from sanitized processes (the run fails):"
	for f in "$reports"/r/*; do
		echo "---- $(basename "$f")"
		cat "$f"
	done
	echo "sanitizers: $(ls "$reports/r" | wc -l) report(s)"
	[ "$rc" -ne 0 ] || rc=1
else
	echo "sanitizers: no ASan, UBSan or LSan report from any process"
fi
exit "$rc"
