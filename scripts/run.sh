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
# the sample's report store and spool live in /var/lib/mauth (ReportStore,
# ReportSpool; conf/mauthd.service makes it as its StateDirectory)
install -d -m 0750 /var/lib/mauth
exec filter/mauthd -f -c conf/mauthd.conf "$@"
