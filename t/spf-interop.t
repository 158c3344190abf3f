#!/bin/sh
# spf-interop.t - mauth's SPF evaluator against Debian's python3-spf (pyspf)
#
# Both evaluate the same YAML scenario files on the same zone data (mauth
# through "t/c/spf-rfc7208.t --print", pyspf through t/lib/spf_pyspf.py
# with its DNS lookup replaced) and must agree case by case on the result,
# and on the explanation of a fail.  Two files are compared:
#   t/data/spf/interop.yml          mauth's own scenarios (includes,
#                                   redirects, macros, limits, IPv6); here
#                                   mauth must also give the expected result
#   t/vectors/spf/rfc7208-tests.yml the public suite
# An explanation that differs in letter case only is accepted and reported:
# pyspf writes the nibbles of an IPv6 %{i} in upper case, mauth in the
# lower case of RFC 7208 section 7.4.
#
# Skips when /usr/bin/python3 cannot import spf and yaml, or when the C
# driver is not built.
srcdir=${srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-$srcdir}
driver=$top_builddir/t/c/spf-rfc7208.t
python=/usr/bin/python3

if [ ! -x "$driver" ]; then
	echo "1..0 # SKIP $driver not built (run make check)"
	exit 0
fi
if [ ! -x "$python" ] || ! "$python" -c 'import spf, yaml' 2>/dev/null; then
	echo "1..0 # SKIP python3-spf or python3-yaml not installed"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mauth-spf-interop.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0
for pair in "interop:$srcdir/t/data/spf/interop.yml:expect" \
    "rfc7208:$srcdir/t/vectors/spf/rfc7208-tests.yml:"; do
	name=${pair%%:*}
	rest=${pair#*:}
	file=${rest%:*}
	expect=${rest##*:}
	if ! "$driver" --print "$file" >"$tmp/$name.mauth" 2>"$tmp/err"; then
		n=$((n + 1))
		echo "not ok $n - $name: mauth evaluates $file"
		sed 's/^/# /' "$tmp/err"
		failed=1
		continue
	fi
	if ! "$python" "$srcdir/t/lib/spf_pyspf.py" "$file" \
	    >"$tmp/$name.pyspf" 2>"$tmp/err"; then
		n=$((n + 1))
		echo "not ok $n - $name: pyspf evaluates $file"
		sed 's/^/# /' "$tmp/err"
		failed=1
		continue
	fi
	# One TAP line per case of the mauth output, joined with pyspf's by id.
	awk -F '\t' -v name="$name" -v expect="$expect" -v start="$n" '
		NR == FNR { pres[$1] = $2; pexp[$1] = $3; seen[$1] = 1; next }
		{
			n++
			id = $1
			ok = (id in seen) && pres[id] == $2 && pexp[id] == $3
			ci = (id in seen) && pres[id] == $2 && pexp[id] != $3 &&
			    tolower(pexp[id]) == tolower($3)
			if (expect != "" && $4 != "expected")
				ok = ci = 0
			printf "%sok %d - %s: %s: mauth %s, pyspf %s%s\n",
			    (ok || ci) ? "" : "not ", start + n, name, id, $2,
			    (id in seen) ? pres[id] : "(missing)",
			    expect != "" ? " (" $4 ")" : ""
			if (ci)
				printf "#   explanations differ in letter case only:" \
				    "\n#     mauth: %s\n#     pyspf: %s\n", $3, pexp[id]
			else if (!ok)
				printf "#     mauth explanation: %s\n#     pyspf explanation: %s\n",
				    $3, pexp[id]
		}
		END { print n > "/dev/stderr" }
	' "$tmp/$name.pyspf" "$tmp/$name.mauth" 2>"$tmp/count" | tee "$tmp/$name.tap"
	grep -q '^not ok' "$tmp/$name.tap" && failed=1
	n=$((n + $(cat "$tmp/count")))
	agree=$(grep -c '^ok' "$tmp/$name.tap")
	echo "# $name: mauth and pyspf agree on $agree of $(cat "$tmp/count") cases"
done
echo "1..$n"
exit $failed
