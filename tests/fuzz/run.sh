#!/bin/sh
# run — make fuzz and make fuzz-merge: the libFuzzer targets of an --enable-fuzzing build.
#
# usage (from the build directory, as the Makefile calls it): run.sh run | merge
#   run    each target for FUZZ_SECONDS over a scratch copy of its inputs (corpus, crashers and
#          the other seed directories) in fuzz-work/<name>/corpus; new crashers go to
#          fuzz-work/crashes/<name>/, the fuzzer's output to fuzz-work/<name>.log; a summary
#          table (target, seconds, executions, exec/s, coverage, features, crashes) is printed
#          and written to fuzz-summary.txt. Exit 1 when a crash (or a leak, timeout, OOM) was
#          found.
#   merge  the inputs of the last run that bring coverage the saved ones do not have are
#          added to tests/fuzz/corpus/<name>/ (libFuzzer -set_cover_merge=1 on edge
#          coverage, which keeps the set small), to be committed.
# environment: top_srcdir (the source tree), FUZZ_TARGETS (default: every target),
#   FUZZ_SECONDS (per target, default 60), FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds
#   per input, default 10), FUZZ_NICE (default 10: the CPUs are shared).
set -u

die() { echo "fuzz: $*" >&2; exit 2; }
mode=${1:-run}
top=${top_srcdir:-}
if [ -z "$top" ] || [ ! -d "$top/tests/fuzz" ]; then
	die "top_srcdir must name the source tree"
fi
build=$(pwd)
work="$build/fuzz-work"
targets=${FUZZ_TARGETS:-config dnswire http identity sip tn x509}
secs=${FUZZ_SECONDS:-60}
rss=${FUZZ_RSS_MB:-2048}
tmo=${FUZZ_TIMEOUT:-10}
nic=${FUZZ_NICE:-10}

# seed_dirs NAME: every directory whose files the target's replayer replays.
seed_dirs() {
	echo "$top/tests/fuzz/corpus/$1" "$top/tests/fuzz/crashers/$1"
	case $1 in
	sip) echo "$top/tests/vectors/rfc4475" "$top/tests/vectors/rfc5118" ;;
	identity) echo "$top/tests/fuzz/seeds/wycheproof-jws" ;;
	esac
}

# copy_inputs NAME DIR: the target's saved inputs into DIR (README files are not inputs).
copy_inputs() {
	for d in $(seed_dirs "$1"); do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			case $(basename "$f") in README* | .*) continue ;; esac
			[ -f "$f" ] && cp "$f" "$2/"
		done
	done
}

binary() {
	b="$build/tests/fuzz/fuzz_$1"
	[ -x "$b" ] || die "$b is not built: configure with CC=clang --enable-fuzzing, then make"
	echo "$b"
}

# stat NAME LOG: a final statistic libFuzzer printed (-print_final_stats=1).
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

run_one() {
	t=$1
	bin=$(binary "$t")
	rm -rf "${work:?}/$t" "$work/crashes/$t"
	mkdir -p "$work/$t/corpus" "$work/crashes/$t"
	copy_inputs "$t" "$work/$t/corpus"
	dict=
	[ -f "$top/tests/fuzz/dict/$t.dict" ] && dict="-dict=$top/tests/fuzz/dict/$t.dict"
	echo "fuzz: $t for ${secs}s ($(ls "$work/$t/corpus" | wc -l) inputs to start from)" >&2
	t0=$(date +%s)
	# shellcheck disable=SC2086
	nice -n "$nic" "$bin" -max_total_time="$secs" -rss_limit_mb="$rss" -timeout="$tmo" \
		-print_final_stats=1 -artifact_prefix="$work/crashes/$t/" $dict "$work/$t/corpus" \
		>"$work/$t.log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(stat number_of_executed_units "$work/$t.log")
	rate=$(stat average_exec_per_sec "$work/$t.log")
	last=$(grep -E '^#[0-9]+.*cov: ' "$work/$t.log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	crashes=$(find "$work/crashes/$t" -type f | wc -l)
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1 # the fuzzer died without an artifact: look at the log
	fi
	printf '%-9s %7s %11s %8s %6s %7s %6s %7s\n' "$t" "$((t1 - t0))" "${execs:-?}" \
		"${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" >>"$work/summary"
	[ "$crashes" -eq 0 ]
}

merge_one() {
	t=$1
	bin=$(binary "$t")
	[ -d "$work/$t/corpus" ] || die "no run of $t to merge from (make fuzz first)"
	have="$work/$t/have"
	rm -rf "$have"
	mkdir -p "$have"
	copy_inputs "$t" "$have"
	ls "$have" | sort >"$work/$t/before"
	nice -n "$nic" "$bin" -set_cover_merge=1 -use_counters=0 -rss_limit_mb="$rss" -timeout="$tmo" "$have" \
		"$work/$t/corpus" >"$work/$t.merge.log" 2>&1 || die "merge of $t failed: $work/$t.merge.log"
	ls "$have" | sort | comm -13 "$work/$t/before" - >"$work/$t/new"
	while read -r f; do
		cp "$have/$f" "$top/tests/fuzz/corpus/$t/"
	done <"$work/$t/new"
	echo "fuzz: $t: $(wc -l <"$work/$t/new") new inputs added to tests/fuzz/corpus/$t/"
}

case $mode in
run)
	mkdir -p "$work"
	printf '%-9s %7s %11s %8s %6s %7s %6s %7s\n' target seconds executions exec/s cov \
		features corpus crashes >"$work/summary"
	failed=0
	for t in $targets; do
		run_one "$t" || failed=1
	done
	cp "$work/summary" "$build/fuzz-summary.txt"
	cat "$build/fuzz-summary.txt"
	if [ "$failed" -ne 0 ]; then
		echo "fuzz: crashes found: see $work/crashes/ and the logs $work/<target>.log" >&2
		exit 1
	fi
	;;
merge)
	for t in $targets; do
		merge_one "$t"
	done
	;;
*) die "usage: run.sh run|merge" ;;
esac
