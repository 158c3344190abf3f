#!/bin/sh
# autogen.sh - generate configure and Makefile.in from configure.ac
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf -fi
