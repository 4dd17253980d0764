#!/bin/sh
# bench.sh — danecid's performance suite, one run on this machine (make bench; not a test).
#
# usage: bench.sh [--update-doc FILE] [--skip-daemon] [--replot]
#
# --replot runs nothing: it makes the table and the plot again from ./bench.json.
# Writes ./bench.json (every number), ./bench.md (the table), ./bench.png (the plot, gnuplot)
# in the current directory and prints the table. With --update-doc FILE the text between
# <!-- bench:begin --> and <!-- bench:end --> in FILE is replaced by the table.
#
# What runs (each number below comes from this one run):
#  1. warm (tests/tools/bench warm): the whole pipeline in one process on one thread —
#     danecid_verify() of SIP INVITEs, each with its own PASSporT, its walk answered from the
#     DNS cache — against raw OpenSSL ES256 verifications of the same key, in alternating
#     rounds of 500. Target: ratio >= 0.85.
#  2. cold (tests/tools/bench cold): validated walks (TLSA + TXT at the number's node) of
#     BENCH_NUMBERS numbers never seen before, each with its own TLSA record in a signed tree
#     served by NSD: first a plain getdns 1.6 validated stub loop, then danecid's DNS client.
#     Target: ratio >= 3.
#  3. memory (tests/tools/bench memory): the answer cache holding a million numbers, both
#     shapes a number takes (inside a block: its node's NXDOMAIN; a key of its own: TLSA with
#     the 91-byte key and the node's TXT NODATA). Target: < 200 bytes per number, linear.
#  4. daemon (tests/bench/daemon.sh): danecidd over HTTP (wrk) against secsipidx -http-srv
#     /v1/check, latency at half load, SIPp over SIP, resident memory. Targets: HTTP ratio
#     >= 1.5, p99 < 5 ms at half load.
# With two CPUs or more the in-process runs are pinned to CPU 0 and NSD to CPU 1.
#
# Tunables (environment): BENCH_NUMBERS (20000), BENCH_ROUNDS (40), BENCH_MEMORY (1000000),
# and those of daemon.sh (BENCH_DURATION, BENCH_CONNECTIONS, ...).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
BENCH="$top_builddir/tests/tools/bench"
NUMBERS=${BENCH_NUMBERS:-20000}
ROUNDS=${BENCH_ROUNDS:-40}
MEMORY=${BENCH_MEMORY:-1000000}
DOC=
DAEMON=yes
REPLOT=no
OUT=$(pwd)

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--update-doc)
		[ $# -ge 2 ] || die "--update-doc needs a FILE"
		DOC=$2
		shift 2
		;;
	--skip-daemon)
		DAEMON=no
		shift
		;;
	--replot)
		REPLOT=yes
		shift
		;;
	*) die "usage: bench.sh [--update-doc FILE] [--skip-daemon] [--replot]" ;;
	esac
done
if [ -n "$DOC" ]; then
	case $DOC in /*) ;; *) DOC=$OUT/$DOC ;; esac
	grep -q '<!-- bench:begin -->' "$DOC" 2>/dev/null && grep -q '<!-- bench:end -->' "$DOC" ||
		die "$DOC must hold <!-- bench:begin --> and <!-- bench:end -->"
fi
for tool in jq gnuplot openssl nsd; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
		die "$tool not found (./quickstart bench installs what the suite needs)"
done
[ -x "$BENCH" ] || die "$BENCH not built (make bench builds it)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/danecid-bench.XXXXXX")
TREE="$WORK/tree"
cleanup() {
	"$top_srcdir/zones/serve" stop "$TREE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PIN_TOOL=
PIN_NSD=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	PIN_TOOL="taskset -c 0"
	PIN_NSD="taskset -c 1"
fi

# The example tree plus NUMBERS numbers +1 555 xxx xxxx, each with its own TLSA record
# (the carrier's key) — the names the cold walks have never seen.
make_tree() {
	mkdir -p "$TREE"
	"$top_srcdir/zones/sign-tree" "$TREE" >"$WORK/sign.log" 2>&1 || die "sign-tree failed"
	spki=$(openssl pkey -in "$TREE/keys/carrier.pem" -pubout -outform DER | od -An -v -tx1 |
		tr -d ' \n')
	awk -v n="$NUMBERS" 'BEGIN { for (i = 0; i < n; i++) printf "1555%07d\n", i * 37 }' \
		>"$WORK/numbers"
	awk -v k="$spki" '{ s = "_stir"; for (i = length($1); i > 0; i--) s = s "." substr($1, i, 1)
		print s " IN TLSA 3 1 0 " k }' "$WORK/numbers" >"$WORK/extra"
	SIGN_TREE_KEYS="$TREE" SIGN_TREE_EXTRA="$WORK/extra" "$top_srcdir/zones/sign-tree" "$TREE" \
		>>"$WORK/sign.log" 2>&1 || die "sign-tree (bench numbers) failed"
	port=$("$top_srcdir/zones/serve" start "$TREE") || die "NSD did not start"
	pin_nsd
	{
		echo "apex: e164.test"
		echo "trust-anchor: $TREE/anchor.ds"
		echo "upstream: 127.0.0.1@$port"
	} >"$WORK/conf"
}

# NSD and the processes it forked onto CPU 1 (when pinning).
pin_nsd() {
	[ -n "$PIN_NSD" ] || return 0
	pids=$(cat "$TREE/nsd.pid")
	for p in $pids $(cat /proc/"$pids"/task/*/children 2>/dev/null); do
		taskset -a -c -p 1 "$p" >/dev/null 2>&1 || true
	done
}

# kv FILE KEY: the value of a "KEY VALUE" line.
kv() {
	sed -n "s/^$2 //p" "$1" | head -n 1
}

run_inprocess() {
	echo "bench: warm pipeline vs raw ES256 ($ROUNDS rounds of 500)" >&2
	$PIN_TOOL "$BENCH" warm -c "$WORK/conf" -k "$TREE/keys/alice.pem" -o 12025550100 \
		-d 12025550199 -r "$ROUNDS" >"$WORK/warm.txt" || die "bench warm failed"
	echo "bench: cold walks of $NUMBERS numbers, getdns loop vs danecid" >&2
	$PIN_TOOL "$BENCH" cold -c "$WORK/conf" -f "$WORK/numbers" >"$WORK/cold.txt" ||
		die "bench cold failed"
	echo "bench: cache memory, $MEMORY numbers" >&2
	: >"$WORK/memory.txt"
	for shape in block own_key; do
		"$BENCH" memory -n "$MEMORY" -s $((MEMORY / 10)) -S "$shape" >>"$WORK/memory.txt" ||
			die "bench memory failed"
	done
	[ "$(kv "$WORK/warm.txt" warm.failed)" = 0 ] || die "warm: verifications failed"
	[ "$(kv "$WORK/cold.txt" cold.danecid_not_secure)" = 0 ] || die "cold: answers not SECURE"
	# getdns 1.6 now and then calls a valid NSEC3 denial BOGUS (dns.c asks again in a fresh
	# context); the plain loop does not: its count is reported, not an error.
}

run_daemon() {
	if [ "$DAEMON" = no ]; then
		echo '{}' >"$WORK/daemon.json"
		return 0
	fi
	echo "bench: danecidd end to end (tests/bench/daemon.sh)" >&2
	top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
		sh "$top_srcdir/tests/bench/daemon.sh" -j "$WORK/daemon.json" >"$WORK/daemon.txt" ||
		die "daemon.sh failed: $(tail -5 "$WORK/daemon.txt")"
}

# The in-process numbers and the daemon's as one JSON document.
assemble() {
	{
		printf '{"date":"%s","machine":{"cpus":%s,"model":"%s","kernel":"%s"},' \
			"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" \
			"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(uname -r)"
		printf '"versions":{"getdns":"%s","openssl":"%s","nsd":"%s"},' \
			"$(dpkg-query -W -f='${Version}' libgetdns10 2>/dev/null)" \
			"$(openssl version | cut -d' ' -f2)" \
			"$(dpkg-query -W -f='${Version}' nsd 2>/dev/null)"
		printf '"warm":{'
		sed -n 's/^warm\.\([a-z_0-9]*\) \(.*\)$/"\1":\2,/p' "$WORK/warm.txt" | tr -d '\n'
		printf '"target":0.85},"cold":{'
		sed -n 's/^cold\.\([a-z_0-9]*\) \(.*\)$/"\1":\2,/p' "$WORK/cold.txt" | tr -d '\n'
		printf '"target":3},"memory":{'
		for shape in block own_key; do
			printf '"%s":{"points":[' "$shape"
			sed -n "s/^memory\.$shape\.point \([0-9]*\) \([-0-9]*\) \([0-9]*\)$/[\1,\2,\3]/p" \
				"$WORK/memory.txt" | paste -sd, - | tr -d '\n'
			printf '],'
			sed -n "s/^memory\.$shape\.\([a-z_]*\) \([0-9.]*\)$/\"\1\":\2,/p" \
				"$WORK/memory.txt" | tr -d '\n'
			printf '"target":200},'
		done
		printf '"_":0},"daemon":'
		cat "$WORK/daemon.json"
		printf '}\n'
	} | sed 's/,}/}/g' | jq . >"$OUT/bench.json" || die "could not assemble bench.json"
}

# v JQ-PATH: one number of bench.json, "n/a" when absent.
v() {
	jq -r "($1) // \"n/a\"" "$OUT/bench.json"
}

table() {
	cat <<EOF
| What (one run, $(v .machine.cpus) CPUs, $(v .date)) | danecid | reference | ratio | target |
|---|---|---|---|---|
| warm pipeline, one thread (SIP parse → verdict) vs raw ES256 verify, same key | $(v .warm.pipeline_per_s)/s ($(v .warm.pipeline_us) µs) | $(v .warm.es256_per_s)/s ($(v .warm.es256_us) µs) | $(v .warm.ratio) | ≥ 0.85 |
| cold validated walks (TLSA + TXT) of numbers never seen vs getdns 1.6 validated stub loop | $(v .cold.danecid_walks_per_s)/s | $(v .cold.getdns_walks_per_s)/s | $(v .cold.ratio) | ≥ 3 |
| daemon HTTP, distinct fresh PASSporTs, wrk -c$(v .daemon.http.danecid.connections) vs secsipidx /v1/check | $(v .daemon.http.danecid.rps)/s, p50 $(v .daemon.http.danecid.p50_ms) ms, p99 $(v .daemon.http.danecid.p99_ms) ms | $(v .daemon.http.secsipidx.rps)/s, p50 $(v .daemon.http.secsipidx.p50_ms) ms, p99 $(v .daemon.http.secsipidx.p99_ms) ms | $(v .daemon.http.ratio) | ≥ 1.5 |
| daemon HTTP at half load ($(v .daemon.half_load.rate)/s) | p50 $(v .daemon.half_load.p50_ms) ms, p99 $(v .daemon.half_load.p99_ms) ms | | | p99 < 5 ms |
| daemon SIP (SIPp INVITE → 302) | $(v .daemon.sip.cps) calls/s, p50 $(v .daemon.sip.p50_ms) ms, p99 $(v .daemon.sip.p99_ms) ms | | | |
| danecidd resident memory: idle / at full load | $(v .daemon.memory.rss_idle_kb) / $(v .daemon.memory.rss_load_kb) KiB | | | |
| cache memory per number, a million numbers inside a block (RSS growth) | $(v .memory.block.rss_bytes_per_number) B | | | < 200 B |
| cache memory per number, a million numbers each with its own key (RSS growth) | $(v .memory.own_key.rss_bytes_per_number) B | | | < 200 B |
EOF
}

plot() {
	jq -r '.memory.block.points[] | "\(.[0]) \(.[1])"' "$OUT/bench.json" >"$WORK/mem_block.dat"
	jq -r '.memory.own_key.points[] | "\(.[0]) \(.[1])"' "$OUT/bench.json" >"$WORK/mem_own.dat"
	{
		echo "warm_pipeline $(v .warm.pipeline_per_s) $(v .warm.es256_per_s)"
		echo "cold_walks $(v .cold.danecid_walks_per_s) $(v .cold.getdns_walks_per_s)"
		echo "daemon_http $(v .daemon.http.danecid.rps) $(v .daemon.http.secsipidx.rps)"
	} | sed 's/n\/a/0/g' >"$WORK/rates.dat"
	gnuplot <<EOF || die "gnuplot failed"
set terminal pngcairo size 1200,520 font ",10"
set bmargin 5
set output "$OUT/bench.png"
set multiplot layout 1,2 title "danecid, one run, $(v .date) ($(v .machine.cpus) CPUs)"
set title "throughput (per second): danecid vs reference"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics ("warm, one thread:\\npipeline vs raw ES256" 0, "cold walks:\\nvs getdns loop" 1, "daemon HTTP:\\nvs secsipidx" 2)
set yrange [0:*]
set key top left
plot "$WORK/rates.dat" using 2 title "danecid", "" using 3 title "reference"
set title "answer cache: resident memory vs numbers cached"
set xtics auto
set style data linespoints
set xlabel "numbers cached"
set ylabel "bytes"
set format x "%.0s%c"
set format y "%.0s%cB"
set key top left
f(x) = 200 * x
plot "$WORK/mem_block.dat" using 1:2 title "inside a block (NXDOMAIN)", \
     "$WORK/mem_own.dat" using 1:2 title "own key (TLSA + TXT NODATA)", \
     f(x) with lines dashtype 2 title "200 B per number"
unset multiplot
EOF
}

update_doc() {
	awk -v table="$OUT/bench.md" '
		/<!-- bench:begin -->/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0 }
		!skip { print }' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
}

if [ "$REPLOT" = no ]; then
	make_tree
	run_inprocess
	"$top_srcdir/zones/serve" stop "$TREE" >/dev/null 2>&1
	run_daemon
	assemble
fi
[ -s "$OUT/bench.json" ] || die "no $OUT/bench.json"
table >"$OUT/bench.md"
plot
cat "$OUT/bench.md"
echo "bench: wrote $OUT/bench.json, $OUT/bench.md, $OUT/bench.png" >&2
if [ -n "$DOC" ]; then
	update_doc
	cp "$OUT/bench.png" "$(dirname "$DOC")/performance.png"
	echo "bench: updated $DOC and $(dirname "$DOC")/performance.png" >&2
fi
