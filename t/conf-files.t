#!/bin/sh
# conf-files.t - the packaging pieces in conf/: the systemd unit passes
# systemd-analyze verify and its offline security review (exposure at most
# 2.0), carries the hardening it promises and reloads with SIGHUP; the
# Postfix and Sendmail snippets point at the sample's Socket, and the
# Sendmail one expands under m4 to one INPUT_MAIL_FILTER whose S= mauthd
# accepts as a Socket.  (The unit's commands start the sample config in
# t/mauthd-start.t; the Postfix snippet carries mail in t/postfix-reload.t.)
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTHD=$top_builddir/filter/mauthd
. "$srcdir/t/lib/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-conf-files.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
unit=$srcdir/conf/mauthd.service

# ---------------------------------------------------------------- systemd
for want in "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" \
    "PrivateTmp=yes" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
    "CapabilityBoundingSet=" "ReadWritePaths=/run/mauth /var/lib/mauth" \
    "ExecReload=/bin/kill -HUP \$MAINPID" "User=mauth"; do
	grep -qxF -- "$want" "$unit"
	ok $? "mauthd.service: $want"
done
if command -v systemd-analyze >/dev/null; then
	# our binary and sample for the paths; no man pages installed here
	sed -e "s|/usr/sbin/mauthd|$(cd "$top_builddir" && pwd)/filter/mauthd|g" \
	    -e "s|/etc/mauth/mauthd.conf|$(cd "$srcdir" && pwd)/conf/mauthd.conf|g" \
	    -e '/^Documentation=/d' "$unit" >"$tmp/mauthd.service"
	systemd-analyze verify "$tmp/mauthd.service" >"$tmp/verify.out" 2>&1
	ok $? "systemd-analyze verify mauthd.service"
	[ -s "$tmp/verify.out" ] && sed 's/^/#   /' "$tmp/verify.out"
	systemd-analyze security --offline=yes --threshold=20 "$tmp/mauthd.service" \
	    >"$tmp/security.out" 2>&1
	ok $? "systemd-analyze security: $(grep -o 'exposure level.*' "$tmp/security.out")"
else
	echo "# systemd-analyze not installed: unit not verified"
fi

# ---------------------------------------------------------------- snippets
socket=$(sed -n 's/^Socket[[:space:]]*//p' "$srcdir/conf/mauthd.conf")
port=${socket#inet:}
port=${port%@*}
host=${socket#*@}
like "$(cat "$srcdir/conf/postfix-main.cf.snippet")" "smtpd_milters = inet:$host:$port" \
    "Postfix snippet: smtpd_milters names the sample's Socket ($socket)"
like "$(cat "$srcdir/conf/postfix-main.cf.snippet")" "milter_default_action = tempfail" \
    "  mauthd unreachable: tempfail"

if command -v m4 >/dev/null; then
	# INPUT_MAIL_FILTER as sendmail-cf defines it takes (name, equates)
	printf "%s\n" "define(\`INPUT_MAIL_FILTER', \`filter [\$1] [\$2]')dnl" \
	    "include(\`$srcdir/conf/sendmail.mc.snippet')dnl" >"$tmp/t.m4"
	out=$(m4 "$tmp/t.m4")
	is "$(printf '%s\n' "$out" | grep -c '^filter ')" 1 "Sendmail snippet: one INPUT_MAIL_FILTER under m4"
	like "$out" "filter [mauthd] [S=$socket, F=T, " "  S= is the sample's Socket, F=T (tempfail)"
	s=$(printf '%s\n' "$out" | sed -n 's/.*\[S=\([^,]*\),.*/\1/p')
	if [ -x "$MAUTHD" ]; then
		printf 'Socket %s\n' "$s" >"$tmp/s.conf"
		"$MAUTHD" -n -c "$tmp/s.conf" >/dev/null 2>&1
		ok $? "  mauthd takes S=$s as its Socket"
	fi
else
	echo "# m4 not installed: Sendmail snippet not expanded"
fi

done_testing
