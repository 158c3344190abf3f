#!/bin/bash
# run.sh - install what the build needs, build, and run mauthd in the
# foreground with the sample configuration (conf/mauthd.conf).
#
# Usage (as root on Debian 12): bash scripts/run.sh [MAUTHD-ARGS...]
# Extra arguments go to mauthd after "-f -c conf/mauthd.conf".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh build
bash scripts/build.sh
exec filter/mauthd -f -c conf/mauthd.conf "$@"
