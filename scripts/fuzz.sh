#!/bin/bash
# fuzz.sh - build the libFuzzer harnesses (clang, ASan + UBSan) in
# build-fuzz/ and run each of them for FUZZ_SECONDS (default 30) seconds
#
# Usage: scripts/fuzz.sh [t/fuzz/run ARGS...]   e.g. FUZZ_SECONDS=600 scripts/fuzz.sh spf
# The build is a copy of the sources (scripts/build-variant.sh) so it does
# not disturb the normal build.  FUZZ_JOBS (default: the number of CPUs)
# harnesses run at once.  Output is TAP (t/fuzz/run); the exit status is 0
# when every harness ran clean.
set -euo pipefail
cd "$(dirname "$0")/.."

src=$(bash scripts/build-variant.sh build-fuzz --enable-fuzzing fuzz-programs | tail -n 1)
exec t/fuzz/run -t "${FUZZ_SECONDS:-30}" -j "${FUZZ_JOBS:-$(nproc)}" -b "$src" "$@"
