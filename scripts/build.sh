#!/bin/bash
# build.sh - build mauthd and mauth in this source tree, doing only the
# steps that are needed: autogen.sh when there is no configure script,
# configure when there is no Makefile, then make (which re-runs automake
# and configure itself when configure.ac or Makefile.am changed).
#
# Usage: scripts/build.sh [MAKE-TARGETS...]  e.g. scripts/build.sh check-programs
# CONFIGURE_FLAGS are passed to a first ./configure (e.g. --enable-sanitizers).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x configure ]; then
	./autogen.sh
fi
if [ ! -f Makefile ]; then
	# shellcheck disable=SC2086 # a list of flags
	./configure -q ${CONFIGURE_FLAGS:-}
fi
exec make -j"$(nproc)" "$@"
