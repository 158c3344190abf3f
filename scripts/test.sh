#!/bin/bash
# test.sh - install what the tests need, build, and run the whole test
# suite (C unit tests, conformance suites, end-to-end tests with a real
# Postfix and a real DNS server) under prove, in three passes:
#
#   1. sanitizers  the whole suite again, built with ASan + UBSan + LSan
#                  in build-asan/ (scripts/sanitizers.sh); any report from
#                  any process fails the pass
#   2. fuzz        each libFuzzer harness for FUZZ_SECONDS (default 30)
#                  seconds, built with clang in build-fuzz/ (scripts/fuzz.sh)
#   3. tests       the whole suite, normal build, in this tree (with
#                  MAUTH_VALGRIND=1 t/valgrind-mauthd.t runs mauthd under
#                  valgrind's memcheck)
#
# Usage (as root on Debian 12): bash scripts/test.sh [PROVE-ARGS...]
# The last lines are prove's summary of pass 3; when pass 1 or 2 failed,
# they are followed by "Result: FAIL" naming it.  The exit status is 0
# only when all three passed.  TEST_PASSES (default "sanitizers fuzz
# tests") chooses passes.  Tests are parallel-safe (free ports, private
# temp dirs); PROVE_JOBS (default: the number of CPUs) sets prove -j.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh test
# The programs, then the C test binaries (t/c/*.t) without running them.
bash scripts/build.sh
bash scripts/build.sh check-programs

failed=()
passes=${TEST_PASSES:-sanitizers fuzz tests}
for pass in $passes; do
	case $pass in
	sanitizers)
		echo "==== pass: the test suite under ASan, UBSan and LSan (build-asan/)"
		bash scripts/sanitizers.sh "$@" || failed+=(sanitizers) ;;
	fuzz)
		echo "==== pass: libFuzzer harnesses, ${FUZZ_SECONDS:-30} s each (build-fuzz/)"
		bash scripts/fuzz.sh || failed+=(fuzz) ;;
	tests)
		echo "==== pass: the test suite"
		MAUTH_VALGRIND=${MAUTH_VALGRIND:-1} \
		    prove -r -j"${PROVE_JOBS:-$(nproc)}" "$@" t || failed+=(tests) ;;
	*)
		echo "test.sh: unknown pass '$pass'" >&2
		exit 2 ;;
	esac
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "test.sh: failed passes: ${failed[*]}"
	echo "Result: FAIL"
	exit 1
fi
