#!/bin/bash
# test.sh - install what the tests need, build, and run the whole test
# suite (C unit tests, conformance suites, end-to-end tests with a real
# Postfix and a real DNS server) under prove.
#
# Usage (as root on Debian 12): bash scripts/test.sh [PROVE-ARGS...]
# The last lines are prove's summary and the exit status is prove's.
# Tests are parallel-safe (free ports, private temp dirs); PROVE_JOBS
# (default: the number of CPUs) sets prove -j.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh test
# The programs, then the C test binaries (t/c/*.t) without running them.
bash scripts/build.sh
bash scripts/build.sh check-programs
exec prove -r -j"${PROVE_JOBS:-$(nproc)}" "$@" t
