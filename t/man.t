#!/bin/sh
# man.t - the man pages document what the programs have: every key of the
# configuration table (mauthd -D lists them) has an entry in mauthd.conf(5)
# with a Default: and an Example: line, and the page names no key the
# table lacks; every mauth subcommand has a section with an example in
# mauth(1); every mauthd option is in mauthd(8); groff renders each page
# without a warning; make install puts the three pages in place.
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
MAUTHD=$top_builddir/filter/mauthd
MAUTH=$top_builddir/tools/mauth
. "$srcdir/t/lib/tap.sh"

[ -x "$MAUTHD" ] && [ -x "$MAUTH" ] || skip_all "mauthd and mauth not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
man=$srcdir/man

# entry PAGE NAME: the text of the ".TP / .B NAME" entry of PAGE
entry() {
	awk -v key="$2" '
		/^\.TP/ { tp = 1; if (on) exit; next }
		tp && $0 == ".B " key { on = 1; tp = 0; next }
		{ tp = 0 }
		/^\.S[HS]/ && on { exit }
		on { print }' "$1"
}

# ---------------------------------------------------------------- mauthd.conf(5)
keys=$("$MAUTHD" -D -c /dev/null | sed -e 's/^# \([^ ]*\) (not set)$/\1/' -e 's/ .*//')
[ -n "$keys" ]
ok $? "mauthd -D lists the configuration keys ($(echo $keys | wc -w))"
for key in $keys; do
	text=$(entry "$man/mauthd.conf.5" "$key")
	[ -n "$text" ]
	ok $? "mauthd.conf(5) documents $key"
	like "$text" "Default: " "  with its default"
	like "$text" "Example: $key " "  and an example"
done
documented=$(awk '/^\.SH KEYS/ { on = 1; next } /^\.SH/ { on = 0 }
    on && prev ~ /^\.TP/ && /^\.B / { print $2 } { prev = $0 }' "$man/mauthd.conf.5")
for key in $documented; do
	printf '%s\n' $keys | grep -qx "$key"
	ok $? "mauthd.conf(5) entry $key is a key of the table"
done

# ---------------------------------------------------------------- mauth(1)
cmds=$("$MAUTH" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ]
ok $? "mauth --help lists its commands ($(echo $cmds))"
for cmd in $cmds; do
	grep -qx "\.SS $cmd" "$man/mauth.1"
	ok $? "mauth(1) has a section for mauth $cmd"
	awk -v c="$cmd" '$0 == ".SS " c { on = 1; next } /^\.S[SH]/ { on = 0 }
	    on && $0 ~ "^mauth " c " " { found = 1 } END { exit !found }' "$man/mauth.1"
	ok $? "  with an example"
done

# ---------------------------------------------------------------- mauthd(8)
opts=$("$MAUTHD" -h | sed -n 's/^  -\([a-zA-Z]\).*/\1/p')
for o in $opts; do
	grep -q "^\.BI\{0,1\} \\\\-$o\b" "$man/mauthd.8"
	ok $? "mauthd(8) documents -$o"
done
for sig in SIGHUP SIGTERM; do
	grep -q "$sig" "$man/mauthd.8"
	ok $? "mauthd(8) documents $sig"
done

# ---------------------------------------------------------------- render
if command -v groff >/dev/null; then
	for page in mauthd.8 mauthd.conf.5 mauth.1; do
		groff -man -ww -z "$man/$page" >"$tmp/groff.out" 2>&1
		is "$(cat "$tmp/groff.out")" "" "groff renders $page without a warning"
	done
else
	echo "# groff not installed: pages not rendered"
fi

# ---------------------------------------------------------------- install
if [ -f "$top_builddir/Makefile" ] && command -v make >/dev/null; then
	make -s -C "$top_builddir" install-man DESTDIR="$tmp/root" >"$tmp/install.out" 2>&1
	ok $? "make install-man (DESTDIR)"
	for page in man8/mauthd.8 man5/mauthd.conf.5 man1/mauth.1; do
		found=$(find "$tmp/root" -path "*/share/man/$page" | head -1)
		[ -n "$found" ]
		ok $? "  installs $page"
	done
else
	echo "# not in a configured build tree: installation not tested"
fi

done_testing
