#!/bin/bash
# run-script.t - the README's first command, `bash scripts/run.sh`, as it is:
# it builds (nothing to do by now), makes the sample configuration's state
# directory, and runs mauthd in the foreground with conf/mauthd.conf on
# inet:8891@127.0.0.1; mauthd opens its report store there, and stops
# cleanly on SIGTERM.  On a fresh machine /var/lib/mauth does not exist
# yet: without it the sample's report store cannot be opened and mauthd
# exits (which this test caught).  Skipped when port 8891 is taken (the
# sample's port is fixed) or when not root (the state directory is under
# /var/lib).
srcdir=${srcdir:-.}
. "$srcdir/t/lib/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root (scripts/run.sh makes /var/lib/mauth)"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
# scripts/run.sh builds in the source tree: not in a VPATH build (distcheck)
[ -f "$srcdir/Makefile" ] && [ -w "$srcdir" ] ||
    skip_all "scripts/run.sh builds in the source tree; this is a separate build"
busy() { ss -Hltn 'sport = :8891' | grep -q .; }
busy && skip_all "port 8891 is in use"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-run.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# run.sh ends by exec'ing mauthd, so $! becomes mauthd
bash "$srcdir/scripts/run.sh" >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	grep -q "report rows go to" "$tmp/out" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
out=$(cat "$tmp/out")
like "$out" "listening on inet:8891@127.0.0.1" "scripts/run.sh: mauthd listens on the sample's socket"
like "$out" "report rows go to sqlite:/var/lib/mauth/reports.db" \
    "  and opens the sample's report store"
[ -d /var/lib/mauth ] && [ "$(stat -c %a /var/lib/mauth)" = 750 ]
ok $? "  /var/lib/mauth exists, mode 0750"
busy
ok $? "  port 8891 is listening"
kill -TERM "$pid" 2>/dev/null
wait "$pid"
is "$?" 0 "mauthd stops cleanly on SIGTERM"
pid=
[ "$tap_failed" -eq 0 ] || sed 's/^/# run.sh: /' "$tmp/out" | tail -20
done_testing
