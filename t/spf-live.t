#!/bin/sh
# spf-live.t - SPF through libunbound against a real unbound on loopback
#
# Starts unbound serving t/data/zones/*.zone (t/lib/dns-server.sh) and runs
# t/c/spf-live.t, which checks the SPF table of t/data/zones/README.md with
# both the libunbound backend and the zone backend, and prints the TAP.
# Nothing leaves the machine.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
. "$srcdir/t/lib/dns-server.sh"

probe=$top_builddir/t/c/spf-live.t
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
$MAUTH_TEST_WRAPPER "$probe" "$srcdir"/t/data/zones/*.zone
