#!/bin/bash
# build-variant.sh - build mauth with other configure flags in a directory
# of its own, next to (not instead of) the normal in-tree build
#
# Usage: scripts/build-variant.sh DIR 'CONFIGURE-FLAGS' [MAKE-TARGETS...]
#   e.g. scripts/build-variant.sh build-asan --enable-sanitizers all
#
# Why a copy and not a VPATH build: the normal build configures the source
# tree itself, and automake refuses a VPATH build of a configured tree
# ("source directory already configured"); GNU make's VPATH would also
# pick up the in-tree object files.  So DIR/src is a copy of the sources
# (the files git knows, tracked or new and not ignored; without git, the
# tree minus build products), refreshed on every call: files keep their
# times, so make rebuilds only what changed, and files gone from the
# source tree are removed from the copy.  The copy is then configured once
# with the flags and built.  Prints DIR/src's absolute path as its last
# line.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

[ $# -ge 2 ] || { echo "usage: $0 DIR 'CONFIGURE-FLAGS' [MAKE-TARGETS...]" >&2; exit 2; }
dir=$1
flags=$2
shift 2
case $dir in
/*) ;;
*) dir=$top/$dir ;;
esac
src=$dir/src
mkdir -p "$src"

# list_sources: the source files, NUL-separated, relative to the top
list_sources() {
	if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
		    while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		done
	else
		find . \( -path './build-*' -o -name .git -o -name autom4te.cache \
		    -o -name .deps \) -prune -o -type f \
		    ! -name '*.o' ! -name '*.a' ! -name '*.log' ! -name '*.trs' \
		    ! -name Makefile ! -name Makefile.in ! -name config.status \
		    ! -name config.h ! -name 'config.h.in*' ! -name configure \
		    ! -name aclocal.m4 ! -name stamp-h1 ! -path './t/c/*.t' \
		    ! -path ./filter/mauthd ! -path ./tools/mauth \
		    ! \( -path './t/fuzz/fuzz-*' ! -name '*.[ch]' \) -print0 |
		    sed -z 's|^\./||'
	fi
}

list_sources >"$dir/manifest.new"
tar --null -T "$dir/manifest.new" -cf - | tar -C "$src" -xf -
if [ -f "$dir/manifest" ]; then
	# files that left the source tree leave the copy too
	sort -z "$dir/manifest" >"$dir/manifest.old.sorted"
	sort -z "$dir/manifest.new" >"$dir/manifest.new.sorted"
	comm -z -23 "$dir/manifest.old.sorted" "$dir/manifest.new.sorted" |
	    (cd "$src" && xargs -0 -r rm -f --)
	rm -f "$dir/manifest.old.sorted" "$dir/manifest.new.sorted"
fi
mv "$dir/manifest.new" "$dir/manifest"

cd "$src"
if [ ! -x configure ]; then
	./autogen.sh >/dev/null
fi
if [ ! -f Makefile ] || [ "$(cat "$dir/flags" 2>/dev/null)" != "$flags" ]; then
	# shellcheck disable=SC2086 # a list of flags
	./configure -q $flags
	printf '%s' "$flags" >"$dir/flags"
fi
make -s -j"$(nproc)" "$@" >&2
echo "$src"
