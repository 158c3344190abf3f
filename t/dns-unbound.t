#!/bin/sh
# dns-unbound.t - the libunbound backend against a real unbound on loopback
#
# Starts unbound serving t/data/zones/*.zone and a black hole that never
# answers (t/lib/dns-server.sh), then runs t/c/dns-unbound.t, which prints
# the TAP.  Nothing leaves the machine.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/dns-server.sh"

probe=$top_builddir/t/c/dns-unbound.t
if [ ! -x "$probe" ]; then
	echo "Bail out! $probe is not built (run make check)"
	exit 1
fi
if ! command -v unbound >/dev/null 2>&1 && [ ! -x /usr/sbin/unbound ]; then
	echo "Bail out! unbound is not installed (apt-get install unbound)"
	exit 1
fi
dns_server_start "$srcdir"/t/data/zones/*.zone || {
	echo "Bail out! cannot start unbound"
	exit 1
}
dns_blackhole_start || {
	echo "Bail out! cannot start the black hole"
	exit 1
}
# MAUTH_TEST_WRAPPER="valgrind -q --leak-check=full --error-exitcode=9"
# runs the probe under valgrind.
$MAUTH_TEST_WRAPPER "$probe" "$srcdir"/t/data/zones/*.zone
