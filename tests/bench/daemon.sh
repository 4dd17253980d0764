#!/bin/sh
# daemon.sh — danecidd end to end under load, on loopback: the DANE method over HTTP and SIP,
# next to secsipidx (a certificate-based STIR/SHAKEN verifier) checking PASSporTs of the same
# kind over HTTP. Caller +12025550100 (key alice, pinned in a full TLSA node of the signed
# example tree), callee +12025550199.
#
# usage: daemon.sh [-j FILE]      (default FILE: ./bench-daemon.json)
#
# Set-up: zones/sign-tree signs the example tree, zones/serve serves it with NSD, danecidd
# runs with HTTP and SIP on loopback (apex e164.test., the tree's trust anchor, NSD as
# upstream, `workers` = the number of CPUs) and is warmed with a few calls that must pass.
#
# What is measured, and how:
#  - http.danecid: wrk (-t2 -c16 -d10s) POSTs ATIS-1000082 verificationRequests to
#    /stir/v1/verification. tests/bench/post.lua takes every Identity value once from a file
#    signed just before the run (tests/tools/compare sign: iat now, an origid each), so that no
#    request is a replay. Requests/s and wrk's latency percentiles (p50, p99 of the whole run,
#    from wrk's own histogram: the numbers of its "Latency Distribution" block). non_pass =
#    answers other than 200 with verstat TN-Validation-Passed (counted by post.lua) and
#    cross-checked against danecidd's /metrics. errors = wrk's socket errors and timeouts.
#  - http.secsipidx: the same wrk settings against `secsipidx -http-srv` /v1/check with the
#    public key on disk (-fpubkey alice.pub.pem), POSTing the bare Identity values (same key,
#    same kind, a new file signed just before). secsipidx checks the signature and the expiry
#    only (-expire as long as the run plus the signing, or every token is expired); no DNS, no
#    replay check. non_pass = answers other than 200 "OK". ratio = danecid rps / secsipidx rps.
#  - half_load: danecidd again, paced to half of the requests/s measured above (post.lua's
#    delay(): each wrk thread sends on a fixed schedule, open loop while a connection is free;
#    wrk times a request from its write, so a late schedule would hide queueing, which at half
#    load does not happen: the achieved rate is printed next to the target).
#  - sip: SIPp (tests/bench/sipp-invite.xml) sends INVITEs over UDP to danecidd's SIP front,
#    64 calls in flight, as fast as they are answered, for the same duration; each carries a
#    fresh PASSporT (an injection file holding only the JWS) and must get a 302 whose
#    P-Asserted-Identity says verstat=TN-Validation-Passed. cps = SIPp's cumulative call rate;
#    p50/p99 of the INVITE → 302 time (-trace_rtt; SIPp counts whole ms: 0 is under 1 ms).
#    Not 16 like wrk: SIPp's millisecond scheduler adds ~3 ms to each call's cycle, so 16 calls
#    in flight cap SIPp near 4000 calls/s whatever the server does (measured: danecidd with its
#    DNS cache then idles at 58% CPU); 64 keep SIPp from being the limit up to ~10000/s.
#  - memory: danecidd's VmRSS (/proc/PID/status) after the warm-up, the highest of samples
#    taken every 0.5 s during the HTTP run at full load, and a second after the last run (the
#    replay cache still holds the PASSporTs of the last `freshness` seconds).
#  - cpu: user + system time of each process over each run (/proc/PID/stat; the shell's
#    `times` for wrk and SIPp), in % of one CPU; softirq (loopback networking) and "other
#    processes" (the machine's busy time that none of these account for) from /proc/stat: a
#    high "other" means the machine was not quiet and the run should be repeated.
#
# Fairness: wrk and SIPp share the machine with the server they load. With 4 CPUs or more the
# servers (danecidd and NSD, or secsipidx) are pinned to the first half of the CPUs and the
# clients to the other half, the same for both servers; with fewer, nothing is pinned (BENCH_PIN
# sets "SERVER_CPUS/CLIENT_CPUS" as taskset lists, or "none"). NSD's CPU counts against
# danecidd: it is its DNS.
#
# Freshness: a PASSporT is older than the signing of its file plus the run at the end of a run;
# danecidd keeps its default `freshness: 60` while that is under 60 s (runs of up to 10 s) and
# gets 3 × duration + 30 s otherwise. secsipidx gets -expire of the same length.
#
# Tunables (environment): BENCH_DURATION (10, s), BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_SIP_CALLS (64), BENCH_WORKERS (nproc), BENCH_HALF_RATE (half the measured
# rps), BENCH_MAX_RPS (15000 × nproc, at most 60000: the ES256 verify ceiling; every file
# holds BENCH_MAX_RPS × duration PASSporTs, so that no run can use them up; a run that does
# is warned about), BENCH_PIN (see above).
#
# Needs: wrk, sipp (sip-tester), secsipidx, curl, nsd, ldnsutils, openssl, taskset
# (util-linux); jq when installed checks and pretty-prints the JSON.
set -u

usage() {
	echo "usage: daemon.sh [-j FILE]" >&2
	exit 64
}

JSON_OUT=bench-daemon.json
while [ $# -gt 0 ]; do
	case $1 in
	-j)
		[ $# -ge 2 ] || usage
		JSON_OUT=$2
		shift 2
		;;
	*) usage ;;
	esac
done
case $JSON_OUT in /*) ;; *) JSON_OUT=$(pwd)/$JSON_OUT ;; esac

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_builddir/src/daemon/danecidd" ] || [ ! -x "$top_srcdir/build/src/daemon/danecidd" ] ||
		top_builddir=$top_srcdir/build
fi
export top_srcdir top_builddir
SIGNER="$top_builddir/tests/tools/compare"
LUA="$top_srcdir/tests/bench/post.lua"
SCENARIO="$top_srcdir/tests/bench/sipp-invite.xml"

for f in "$SIGNER" "$top_builddir/src/daemon/danecidd"; do
	[ -x "$f" ] || { echo "daemon.sh: $f not built (make check TESTS= in the build dir)" >&2; exit 1; }
done
# need TOOL PACKAGE: fail now, with the package to install, when TOOL is missing.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		{ echo "daemon.sh: $1 not found (apt-get install $2)" >&2; exit 1; }
}
need wrk wrk
need sipp sip-tester
SECSIPIDX=${SECSIPIDX:-$(command -v secsipidx || true)}
[ -n "$SECSIPIDX" ] || { echo "daemon.sh: secsipidx not found (apt-get install secsipidx)" >&2; exit 1; }
need curl curl
need taskset util-linux
need ldns-signzone ldnsutils
command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] ||
	{ echo "daemon.sh: nsd not found (apt-get install nsd)" >&2; exit 1; }

NCPU=$(nproc 2>/dev/null || echo 1)
DURATION=${BENCH_DURATION:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-16}
SIP_CALLS=${BENCH_SIP_CALLS:-64}
WORKERS=${BENCH_WORKERS:-$NCPU}
MAX_RPS=${BENCH_MAX_RPS:-$((15000 * NCPU))}
[ -n "${BENCH_MAX_RPS:-}" ] || [ "$MAX_RPS" -le 60000 ] || MAX_RPS=60000 # files stay under ~260 MB
for v in DURATION THREADS CONNS SIP_CALLS WORKERS MAX_RPS; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # x is set by the eval
	case $x in '' | *[!0-9]* | 0) echo "daemon.sh: $v must be a positive integer, not '$x'" >&2; exit 64 ;; esac
done
POOL_N=$((MAX_RPS * DURATION))
FRESHNESS=$((3 * DURATION + 30))
[ "$FRESHNESS" -ge 60 ] || FRESHNESS=60
HZ=$(getconf CLK_TCK)

. "$top_srcdir/tests/integration/lib.sh"

ORIG=12025550100
DEST=12025550199
PASS_ATIS='"verificationResponse":{"verstat":"TN-Validation-Passed"'
SX_PID=
SAMPLER_PID=
CLIENT_PID=
SIGN_PIDS=

# Everything started here goes on exit, failure included; lib.sh's cleanup then stops
# danecidd and NSD and removes the work dir.
# shellcheck disable=SC2317 # called by the trap
bench_cleanup() {
	trap '' INT TERM
	[ -z "$CLIENT_PID" ] || { kill "$CLIENT_PID" 2>/dev/null; wait "$CLIENT_PID" 2>/dev/null; }
	[ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null
	for p in $SIGN_PIDS; do
		kill "$p" 2>/dev/null
	done
	[ -z "$SX_PID" ] || { kill "$SX_PID" 2>/dev/null; wait "$SX_PID" 2>/dev/null; }
	cleanup
}
trap bench_cleanup EXIT

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "FAILED: $*"
	for f in "$WORK/danecidd.log" "$TREE/nsd.log" "$WORK/secsipidx.log" "$WORK/wrk.err" \
		"$WORK/sip/sipp.err"; do
		[ -s "$f" ] && { say "--- tail of $f"; tail -n 5 "$f" >&2; }
	done
	exit 1
}
# kv FILE KEY: the value of "KEY VALUE" in FILE
kv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
# ms US: microseconds as milliseconds
ms() { awk -v x="$1" 'BEGIN { printf "%.3f", x / 1000 }'; }
# div A B [DECIMALS]
div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, b ? a / b : 0 }'; }

# ---- pinning ----
PIN_SERVER=
PIN_CLIENT=
CLIENT_CMD= # the prefix that runs a load client on its CPUs
pin_setup() {
	p=${BENCH_PIN:-auto}
	if [ "$p" = auto ]; then
		[ "$NCPU" -ge 4 ] || p=none
		[ "$p" = none ] || p="0-$((NCPU / 2 - 1))/$((NCPU / 2))-$((NCPU - 1))"
	fi
	[ "$p" = none ] && return 0
	case $p in */*) ;; *) echo "daemon.sh: BENCH_PIN must be SERVER_CPUS/CLIENT_CPUS or none" >&2; exit 64 ;; esac
	PIN_SERVER=${p%%/*}
	PIN_CLIENT=${p#*/}
	CLIENT_CMD="taskset -c $PIN_CLIENT"
}
# pin_pids CPUS PID...: every thread of the processes on CPUS (nothing when not pinning)
pin_pids() {
	c=$1
	shift
	[ -n "$c" ] || return 0
	for p in "$@"; do
		taskset -a -p -c "$c" "$p" >/dev/null 2>&1 || die "taskset -c $c on $p"
	done
}

# ---- measuring processes ----
# cpu_ticks PID...: user + system clock ticks of the processes so far (all threads)
cpu_ticks() {
	t=0
	for p in "$@"; do
		# the fields after "(comm)": utime and stime are the 12th and 13th
		s=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${s:-0}))
	done
	echo "$t"
}
# cpu_pct TICKS SECONDS: % of one CPU
cpu_pct() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (s > 0 ? 100 * t / hz / s : 0) }'; }
# child_cpu FILE: the user + system seconds of the shell's children waited for, from the
# output of `times` (its second line)
child_cpu() {
	sed -n 2p "$1" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); s += a[1] * 60 + a[2] } print s }'
}
# client_wait NAME: wait for the load client CLIENT_PID; its exit status. $WORK/NAME.cpu gets
# its CPU seconds: the shell's children's times around the wait, with nothing else waited for
# in between.
client_wait() {
	times >"$WORK/$1.times0"
	wait "$CLIENT_PID"
	cw_st=$?
	times >"$WORK/$1.times1"
	CLIENT_PID=
	awk -v a="$(child_cpu "$WORK/$1.times0")" -v b="$(child_cpu "$WORK/$1.times1")" \
		'BEGIN { print b - a }' >"$WORK/$1.cpu"
	return $cw_st
}
# nsd_ticks: cpu_ticks of NSD's processes
nsd_ticks() {
	# shellcheck disable=SC2046 # a list of pids
	cpu_ticks $(nsd_pids)
}
# machine_ticks: "BUSY SOFTIRQ", clock ticks of all CPUs so far (/proc/stat): busy = user,
# nice, system and irq; softirq (loopback networking, mostly) apart
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7, $8 }' /proc/stat; }
# cpu_start SERVER_PID: remember the CPU ticks of the server, NSD and the machine so far
cpu_start() {
	C_SRV=$(cpu_ticks "$1")
	C_NSD=$(nsd_ticks)
	C_ALL=$(machine_ticks)
}
# cpu_stop PREFIX SERVER_PID CLIENT_SECONDS WALL_SECONDS: sets PREFIX_SRV, PREFIX_NSD,
# PREFIX_CLIENT, PREFIX_SOFTIRQ and PREFIX_OTHER (other processes: what the run did not
# cause itself), in % of one CPU since cpu_start
cpu_stop() {
	srv=$(($(cpu_ticks "$2") - C_SRV))
	nsd=$(($(nsd_ticks) - C_NSD))
	cli=$(awk -v s="$3" -v hz="$HZ" 'BEGIN { printf "%d", s * hz }')
	# shellcheck disable=SC2046,SC2086 # two numbers each
	set -- "$1" "$4" $(machine_ticks) $C_ALL
	other=$(($3 - $5 - srv - nsd - cli))
	[ "$other" -ge 0 ] || other=0
	eval "${1}_SRV=$(cpu_pct "$srv" "$2") ${1}_NSD=$(cpu_pct "$nsd" "$2")"
	eval "${1}_CLIENT=$(cpu_pct "$cli" "$2") ${1}_SOFTIRQ=$(cpu_pct $(($4 - $6)) "$2")"
	eval "${1}_OTHER=$(cpu_pct "$other" "$2")"
}
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
# sampler PID FILE: VmRSS of PID every 0.5 s into FILE, until killed
sampler() {
	while kill -0 "$1" 2>/dev/null; do
		rss_kb "$1" >>"$2"
		sleep 0.5
	done
}
now_s() { awk '{ print $1 }' /proc/uptime; }
# busy_pct: how busy the machine's CPUs were over one second, in % (other work skews the
# numbers: it is printed and warned about)
busy_pct() {
	a=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	sleep 1
	b=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	echo "$a $b" | awk '{ t = ($3 - $1) + ($4 - $2); printf "%.0f\n", (t > 0 ? 100 * ($3 - $1) / t : 0) }'
}

# ---- PASSporTs ----
# pool FILE N: N fresh Identity values (iat now, an origid each, signed by alice for
# ORIG → DEST), one per line. tests/tools/compare sign makes at most 100000 per run: the
# chunks run side by side, at least one per CPU.
pool() {
	n=$2
	chunks=$(((n + 99999) / 100000))
	[ "$chunks" -ge "$NCPU" ] || chunks=$NCPU
	SIGN_PIDS=
	i=0
	left=$n
	while [ $i -lt "$chunks" ]; do
		k=$(((left + chunks - i - 1) / (chunks - i)))
		left=$((left - k))
		if [ "$k" -gt 0 ]; then
			"$SIGNER" sign -k "$KEYS/alice.pem" -o $ORIG -d $DEST -n "$k" >"$1.$i" 2>"$1.err.$i" &
			SIGN_PIDS="$SIGN_PIDS $!"
		else
			: >"$1.$i"
		fi
		i=$((i + 1))
	done
	for p in $SIGN_PIDS; do
		wait "$p" || die "signing PASSporTs: $(cat "$1".err.*)"
	done
	SIGN_PIDS=
	i=0
	: >"$1"
	while [ $i -lt "$chunks" ]; do
		cat "$1.$i" >>"$1" || die "writing $1"
		rm -f "$1.$i" "$1.err.$i"
		i=$((i + 1))
	done
	[ "$(wc -l <"$1")" -eq "$n" ] || die "$1: want $n PASSporTs, got $(wc -l <"$1")"
}

# ---- danecidd ----
# metric_sum PREFIX: the sum of danecidd's /metrics series that begin with PREFIX
metric_sum() {
	curl -fsS -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v pfx="$1" 'index($0, pfx) == 1 { s += $NF } END { printf "%d\n", s }'
}
passed_total() { metric_sum "danecid_verdicts_total{frontend=\"$1\",verstat=\"TN-Validation-Passed\""; }
verdicts_total() { metric_sum "danecid_verdicts_total{frontend=\"$1\""; }

start_danecidd() {
	start_daemon "workers: $WORKERS" "freshness: $FRESHNESS"
	grep -q ", $WORKERS workers," "$WORK/danecidd.log" || die "danecidd did not take workers: $WORKERS"
	# shellcheck disable=SC2046 # a list of pids
	pin_pids "$PIN_SERVER" "$DPID" $(nsd_pids)
	VERIFY_URL="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}

# warm N: N calls to danecidd over HTTP, each must pass
warm() {
	pool "$WORK/warm.ids" "$1"
	while read -r id; do
		atis_req "+$ORIG" "+$DEST" "" "\"$id\"" >"$WORK/warm.json"
		curl -sS -m 5 -o "$WORK/warm.out" -H 'Content-Type: application/json' \
			--data-binary @"$WORK/warm.json" "$VERIFY_URL" 2>"$WORK/curl.err" ||
			die "warm-up call: $(cat "$WORK/curl.err")"
		grep -qF "$PASS_ATIS" "$WORK/warm.out" || die "warm-up call did not pass: $(head -c 300 "$WORK/warm.out")"
	done <"$WORK/warm.ids"
}

# ---- secsipidx ----
start_secsipidx() {
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		SX_PORT=$((20000 + ($$ * 13 + tries * 7919 + $(date +%N | sed 's/^0*//') % 9973) % 30000))
		if [ -n "$PIN_SERVER" ]; then
			taskset -c "$PIN_SERVER" "$SECSIPIDX" -http-srv "127.0.0.1:$SX_PORT" \
				-fpubkey "$KEYS/alice.pub.pem" -expire "$FRESHNESS" >>"$WORK/secsipidx.log" 2>&1 &
		else
			"$SECSIPIDX" -http-srv "127.0.0.1:$SX_PORT" -fpubkey "$KEYS/alice.pub.pem" \
				-expire "$FRESHNESS" >>"$WORK/secsipidx.log" 2>&1 &
		fi
		SX_PID=$!
		i=0
		while [ $i -lt 50 ] && kill -0 "$SX_PID" 2>/dev/null; do
			# any HTTP answer means it listens (a 500 FAILED for this non-token)
			got=$(curl -s -m 1 -o /dev/null -w '%{http_code}' -d x "http://127.0.0.1:$SX_PORT/v1/check")
			[ "$got" = 000 ] || return 0
			sleep 0.1
			i=$((i + 1))
		done
		kill "$SX_PID" 2>/dev/null
		wait "$SX_PID" 2>/dev/null
		SX_PID=
	done
	die "secsipidx -http-srv did not start"
}
stop_secsipidx() {
	kill "$SX_PID" 2>/dev/null
	wait "$SX_PID" 2>/dev/null
	SX_PID=
}

# ---- wrk ----
# run_wrk NAME URL BODY PASS IDS [RATE]: wrk with post.lua; results as "key value" lines in
# $WORK/NAME.out (post.lua's, plus cpu_client_s: wrk's CPU seconds, and wall_s).
run_wrk() {
	name=$1
	t0=$(now_s)
	# shellcheck disable=SC2086 # CLIENT_CMD is empty or a command and its arguments
	BENCH_IDS=$5 BENCH_THREADS=$THREADS BENCH_BODY=$3 BENCH_ORIG=+$ORIG BENCH_DEST=+$DEST \
		BENCH_PASS=$4 BENCH_RATE=${6:-} BENCH_OUT="$WORK/$name.out" \
		$CLIENT_CMD wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" --latency -s "$LUA" "$2" \
		>"$WORK/$name.wrk" 2>"$WORK/wrk.err" &
	CLIENT_PID=$!
	client_wait "$name" || die "wrk ($name) exited with $?: $(cat "$WORK/wrk.err")"
	t1=$(now_s)
	[ -s "$WORK/$name.out" ] || die "wrk ($name) wrote no results: $(cat "$WORK/wrk.err" "$WORK/$name.wrk")"
	[ ! -s "$WORK/wrk.err" ] || die "wrk ($name): $(cat "$WORK/wrk.err")"
	{
		echo "cpu_client_s $(cat "$WORK/$name.cpu")"
		echo "wall_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
	} >>"$WORK/$name.out"
	w=$(kv "$WORK/$name.out" wrapped)
	[ "${w:-0}" -eq 0 ] || say "WARNING: $name used up its $(wc -l <"$5") PASSporTs ($w requests repeated one): raise BENCH_MAX_RPS"
}

# http_danecid: the full-load run against danecidd, RSS sampled.
http_danecid() {
	say "http: signing $POOL_N PASSporTs for danecidd"
	pool "$WORK/dane.ids" "$POOL_N"
	p0=$(passed_total http)
	v0=$(verdicts_total http)
	cpu_start "$DPID"
	: >"$WORK/rss.samples"
	sampler "$DPID" "$WORK/rss.samples" &
	SAMPLER_PID=$!
	say "http: wrk -t$THREADS -c$CONNS -d${DURATION}s → danecidd"
	run_wrk dane "$VERIFY_URL" atis "$PASS_ATIS" "$WORK/dane.ids"
	kill "$SAMPLER_PID" 2>/dev/null
	wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=
	cpu_stop DANE "$DPID" "$(kv "$WORK/dane.out" cpu_client_s)" "$(kv "$WORK/dane.out" wall_s)"
	DANE_M_PASSED=$(($(passed_total http) - p0))
	DANE_M_VERDICTS=$(($(verdicts_total http) - v0))
	RSS_LOAD=$(sort -n "$WORK/rss.samples" | tail -n 1)
}

http_secsipidx() {
	say "http: signing $POOL_N PASSporTs for secsipidx"
	pool "$WORK/sx.ids" "$POOL_N"
	start_secsipidx
	cpu_start "$SX_PID"
	say "http: wrk -t$THREADS -c$CONNS -d${DURATION}s → secsipidx"
	run_wrk sx "http://127.0.0.1:$SX_PORT/v1/check" raw OK "$WORK/sx.ids"
	cpu_stop SX "$SX_PID" "$(kv "$WORK/sx.out" cpu_client_s)" "$(kv "$WORK/sx.out" wall_s)"
	stop_secsipidx
}

half_load() {
	HALF_RATE=${BENCH_HALF_RATE:-$(awk -v r="$(kv "$WORK/dane.out" rps)" 'BEGIN { printf "%d", r / 2 }')}
	[ "$HALF_RATE" -gt 0 ] || die "no rate for the half-load run"
	say "half load: signing PASSporTs, then $HALF_RATE requests/s → danecidd"
	pool "$WORK/half.ids" $((HALF_RATE * DURATION * 12 / 10 + 100))
	cpu_start "$DPID"
	run_wrk half "$VERIFY_URL" atis "$PASS_ATIS" "$WORK/half.ids" "$HALF_RATE"
	cpu_stop HALF "$DPID" "$(kv "$WORK/half.out" cpu_client_s)" "$(kv "$WORK/half.out" wall_s)"
}

# ---- SIP ----
# sipp_stat FILE COLUMN: the last value of a column of SIPp's -trace_stat file
sipp_stat() {
	awk -F';' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		{ v = $k } END { print v }' "$1"
}
# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE
pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { if (NR) { r = int((p * NR + 99) / 100); print v[r < 1 ? 1 : r] } else print 0 }'
}

sip_run() {
	say "sip: signing $POOL_N PASSporTs"
	pool "$WORK/sip.ids" "$POOL_N"
	mkdir -p "$WORK/sip" || die "mkdir $WORK/sip"
	{
		echo SEQUENTIAL
		cut -d';' -f1 "$WORK/sip.ids"
	} >"$WORK/sip/ids.csv" || die "writing the injection file"
	lp=$((SIP_PORT + 3))
	p0=$(passed_total sip)
	cpu_start "$DPID"
	say "sip: SIPp, $SIP_CALLS calls in flight, ${DURATION}s → danecidd"
	t0=$(now_s)
	# SIPp writes its statistics into the current directory.
	# shellcheck disable=SC2086 # CLIENT_CMD is empty or a command and its arguments
	(cd "$WORK/sip" && exec $CLIENT_CMD sipp "127.0.0.1:$SIP_PORT" -sf "$SCENARIO" -inf ids.csv \
		-i 127.0.0.1 -p "$lp" -bind_local -mi 127.0.0.1 -mp $((lp + 2)) -ci 127.0.0.1 \
		-cp $((lp + 1)) -nostdin -r 1000000 -rp 1000 -l "$SIP_CALLS" -timeout "${DURATION}s" \
		-trace_rtt -rtt_freq 100 -trace_stat -fd 1 -trace_err \
		</dev/null >sipp.out 2>sipp.err) &
	CLIENT_PID=$!
	sipp_pid=$CLIENT_PID # SIPp's files are named after its pid (the subshell execs it)
	client_wait sip
	st=$?
	t1=$(now_s)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	# 0: every call passed; 1: some failed (counted below); anything else: SIPp itself failed
	[ $st -le 1 ] || die "sipp exited with $st: $(tail -n 3 "$WORK/sip/sipp.err")"
	stat="$WORK/sip/sipp-invite_${sipp_pid}_.csv"
	rtt="$WORK/sip/sipp-invite_${sipp_pid}_rtt.csv"
	[ -s "$stat" ] || die "SIPp wrote no statistics"
	[ -s "$rtt" ] || die "SIPp wrote no response times"
	SIP_CPS=$(sipp_stat "$stat" "CallRate(C)")
	SIP_OK=$(sipp_stat "$stat" "SuccessfulCall(C)")
	SIP_FAILED=$(sipp_stat "$stat" "FailedCall(C)")
	SIP_RETRANS=$(sipp_stat "$stat" "Retransmissions(C)")
	SIP_CALLS_DONE=$((SIP_OK + SIP_FAILED))
	awk -F';' 'NR > 1 && $3 == "verdict" { print $2 }' "$rtt" >"$WORK/sip/rtt.ms"
	SIP_P50=$(pct "$WORK/sip/rtt.ms" 50)
	SIP_P99=$(pct "$WORK/sip/rtt.ms" 99)
	cpu_stop SIP "$DPID" "$(cat "$WORK/sip.cpu")" "$wall"
	SIP_M_PASSED=$(($(passed_total sip) - p0))
}

# ---- the run ----
pin_setup
BUSY=$(busy_pct)
[ "$BUSY" -le 10 ] || say "WARNING: the CPUs were already $BUSY% busy before the run: the numbers will be low"
say "signing the tree, starting NSD and danecidd ($WORKERS workers, freshness $FRESHNESS s)"
start_tree
start_danecidd
warm 5
RSS_IDLE=$(rss_kb "$DPID")

http_danecid
http_secsipidx
half_load
sip_run
sleep 1
RSS_AFTER=$(rss_kb "$DPID")
kill -0 "$DPID" 2>/dev/null || die "danecidd is gone"

# ---- report ----
V_SX=$("$SECSIPIDX" -version 2>&1 | head -n 1 | sed "s/^secsipidx //")
V_WRK=$(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }')
V_SIPP=$(sipp -v 2>&1 | sed -n 's/^ *SIPp \(v[^ ]*\).*/\1/p' | head -n 1 | sed 's/[.-]$//')
# shellcheck disable=SC2153 # DANECID comes from lib.sh
V_DANECID=$("$DANECID" --version 2>/dev/null | head -n 1)
D="$WORK/dane.out"
S="$WORK/sx.out"
H="$WORK/half.out"
# /metrics: the verdicts of this run that were no pass (wrk's unanswered requests excluded)
DANE_M_NONPASS=$((DANE_M_VERDICTS - DANE_M_PASSED))
RATIO=$(div "$(kv "$D" rps)" "$(kv "$S" rps)" 3)
if [ -n "$PIN_SERVER" ]; then
	PIN_NOTE="servers on CPUs $PIN_SERVER, clients on CPUs $PIN_CLIENT"
else
	PIN_NOTE="not pinned"
fi

# cpu_get PREFIX: c_srv, c_nsd, c_cli, c_soft, c_other = what cpu_stop PREFIX set
cpu_get() {
	c_srv='' c_nsd='' c_cli='' c_soft='' c_other=''
	eval "c_srv=\$${1}_SRV c_nsd=\$${1}_NSD c_cli=\$${1}_CLIENT c_soft=\$${1}_SOFTIRQ c_other=\$${1}_OTHER"
}
# cpu_note PREFIX SERVER CLIENT: the CPU shares of one run in words
cpu_note() {
	cpu_get "$1"
	printf 'CPU: %s %s%%, NSD %s%%, %s %s%%, softirq %s%%, other processes %s%%' \
		"$2" "$c_srv" "$c_nsd" "$3" "$c_cli" "$c_soft" "$c_other"
}
# line NAME FILE: one wrk run in words
line() {
	printf '%-24s %7.0f req/s  p50 %7s ms  p99 %7s ms  errors %s  non-2xx %s  non-pass %s\n' \
		"$1" "$(kv "$2" rps)" "$(ms "$(kv "$2" p50_us)")" "$(ms "$(kv "$2" p99_us)")" \
		"$(kv "$2" errors)" "$(kv "$2" non2xx)" "$(kv "$2" nonpass)"
}
echo "danecidd end to end: +$ORIG → +$DEST, $NCPU CPUs ($PIN_NOTE, $BUSY% busy before the run), $WORKERS workers, freshness $FRESHNESS s"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, a fresh PASSporT per request; CPU in % of one CPU"
line "HTTP danecidd" "$D"
echo "    $(cpu_note DANE danecidd wrk); /metrics: $DANE_M_PASSED passed, $DANE_M_NONPASS not"
line "HTTP secsipidx" "$S"
echo "    $(cpu_note SX secsipidx wrk)"
echo "    ratio danecidd/secsipidx: $RATIO"
line "half load: $HALF_RATE req/s" "$H"
echo "    achieved $(kv "$H" rps) req/s; $(cpu_note HALF danecidd wrk)"
# whole_ms MS: SIPp's whole milliseconds, 0 shown as "<1"
whole_ms() { if [ "$1" -eq 0 ]; then echo "<1"; else echo "$1"; fi; }
printf '%-24s %7.0f calls/s p50 %4s ms  p99 %4s ms  calls %s  failed %s  retransmissions %s  (%s in flight)\n' \
	"SIP danecidd" "$SIP_CPS" "$(whole_ms "$SIP_P50")" "$(whole_ms "$SIP_P99")" "$SIP_CALLS_DONE" \
	"$SIP_FAILED" "$SIP_RETRANS" "$SIP_CALLS"
echo "    $(cpu_note SIP danecidd SIPp); /metrics: $SIP_M_PASSED passed"
echo "danecidd VmRSS: idle $RSS_IDLE kB, under load (max) $RSS_LOAD kB, after $RSS_AFTER kB"
echo "versions: $V_DANECID; secsipidx $V_SX; wrk $V_WRK; SIPp $V_SIPP"

jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
# jhttp FILE: the http object of one wrk run
jhttp() {
	printf '{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s,"non_pass":%s,"non_2xx":%s,"requests":%s,"connections":%s,"threads":%s,"duration_s":%s}' \
		"$(kv "$1" rps)" "$(ms "$(kv "$1" p50_us)")" "$(ms "$(kv "$1" p99_us)")" "$(kv "$1" errors)" \
		"$(kv "$1" nonpass)" "$(kv "$1" non2xx)" "$(kv "$1" requests)" "$CONNS" "$THREADS" "$DURATION"
}
# jcpu PREFIX SERVER CLIENT: the CPU object of one run
jcpu() {
	cpu_get "$1"
	printf '{"%s":%s,"nsd":%s,"%s":%s,"softirq":%s,"other":%s}' \
		"$2" "$c_srv" "$c_nsd" "$3" "$c_cli" "$c_soft" "$c_other"
}
{
	printf '{"http":{"danecid":%s,"secsipidx":%s,"ratio":%s},\n' "$(jhttp "$D")" "$(jhttp "$S")" "$RATIO"
	printf '"half_load":{"rate":%s,"achieved_rps":%s,"p50_ms":%s,"p99_ms":%s,"non_pass":%s},\n' \
		"$HALF_RATE" "$(kv "$H" rps)" "$(ms "$(kv "$H" p50_us)")" "$(ms "$(kv "$H" p99_us)")" "$(kv "$H" nonpass)"
	printf '"sip":{"cps":%s,"p50_ms":%s,"p99_ms":%s,"failed":%s,"calls":%s,"retransmissions":%s,"concurrent":%s},\n' \
		"$SIP_CPS" "$SIP_P50" "$SIP_P99" "$SIP_FAILED" "$SIP_CALLS_DONE" "$SIP_RETRANS" "$SIP_CALLS"
	printf '"memory":{"rss_idle_kb":%s,"rss_load_kb":%s,"rss_after_kb":%s},\n' \
		"$RSS_IDLE" "${RSS_LOAD:-0}" "$RSS_AFTER"
	printf '"cpu_pct":{"http_danecid":%s,"http_secsipidx":%s,"half_load":%s,"sip":%s},\n' \
		"$(jcpu DANE danecidd wrk)" "$(jcpu SX secsipidx wrk)" "$(jcpu HALF danecidd wrk)" \
		"$(jcpu SIP danecidd sipp)"
	printf '"setup":{"nproc":%s,"workers":%s,"freshness_s":%s,"pinning":%s,"passports_per_run":%s,"busy_before_pct":%s},\n' \
		"$NCPU" "$WORKERS" "$FRESHNESS" "$(jstr "$PIN_NOTE")" "$POOL_N" "$BUSY"
	printf '"versions":{"danecid":%s,"secsipidx":%s,"wrk":%s,"sipp":%s}}\n' \
		"$(jstr "$V_DANECID")" "$(jstr "$V_SX")" "$(jstr "$V_WRK")" "$(jstr "$V_SIPP")"
} >"$WORK/bench.json"
if command -v jq >/dev/null 2>&1; then
	jq . "$WORK/bench.json" >"$JSON_OUT" || die "the JSON does not parse: $(cat "$WORK/bench.json")"
else
	cp "$WORK/bench.json" "$JSON_OUT" || die "writing $JSON_OUT"
fi
say "wrote $JSON_OUT"
exit 0
