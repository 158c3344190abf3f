# tap.sh - TAP output for the shell tests under t/ (source it)
#
#   ok STATUS DESCRIPTION      pass when STATUS is 0
#   is GOT WANT DESCRIPTION    pass when the strings are equal
#   like GOT PATTERN DESC      pass when GOT contains PATTERN (fixed string)
#   skip_all REASON            "1..0 # SKIP REASON" and exit 0
#   done_testing               print the plan; exit status 1 if any failed
tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || printf '#      got: %s\n#   expected: %s\n' "$1" "$2"
}

like() {
	case $1 in
	*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; printf '#      got: %s\n#   expected to contain: %s\n' "$1" "$2" ;;
	esac
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}
