#!/bin/sh
# figures.sh — the counted figures of docs/security.md, gathered from what the tests printed.
#
#   tests/figures.sh BUILDDIR [BUILDDIR...]
#
# Every test prints its figures as TAP comments, `# figure KEY: VALUE`; `make check` keeps them
# in BUILDDIR/tests/**/*.log. This prints one line per key and build directory, in key order,
# plus the fuzzing summary of a build made with --enable-fuzzing (BUILDDIR/fuzz-summary.txt).
# Exit status 1 when a directory holds neither test logs nor a fuzzing summary.
set -eu

[ $# -ge 1 ] || { echo "usage: tests/figures.sh BUILDDIR [BUILDDIR...]" >&2; exit 64; }
status=0
for dir in "$@"; do
	if [ ! -d "$dir/tests" ] && [ ! -f "$dir/fuzz-summary.txt" ]; then
		echo "figures: $dir: no test logs (run make check there first)" >&2
		status=1
		continue
	fi
	name=$(basename "$(cd "$dir" && pwd)")
	echo "## $name"
	[ ! -d "$dir/tests" ] ||
		find "$dir/tests" -name '*.log' -exec grep -h '^# figure [a-z0-9-]*: ' {} + |
		sed 's/^# figure //' | sort -u -t: -k1,1 | sed 's/^/- /'
	if [ -f "$dir/fuzz-summary.txt" ]; then
		echo "### fuzzing ($dir/fuzz-summary.txt)"
		cat "$dir/fuzz-summary.txt"
	fi
done
exit $status
