#!/bin/sh
# dns_cache.sh — danecidd's cache of validated DNS answers (dnscache.c, the fast validator of
# dnsval.c), seen from outside: verdicts over HTTP with PASSporTs signed at the real clock, and
# the counters of /metrics that show which mechanism gave each answer. It proves that
#  1. a second call for a number is answered from the cache (2 hits: TLSA and TXT; nothing
#     validated; the zone's DNSKEY set loaded once), and the NXDOMAIN answers of a walk inside
#     a block are validated by the fast validator, not by getdns's full validation;
#  2. a record removed from the zone stops authorizing once its own TTL (2 s) is over;
#  3. an answer is not used past the expiration of the RRSIGs that proved it, even when its
#     TTL (300 s) is longer: the call then fails dnssec-bogus;
#  4. dns-cache-entries: 0 keeps nothing, and calls still pass;
#  5. dns-cache-entries: 5 holds at most 5 answers, by evicting;
#  6. concurrent calls for one number join the lookup under way instead of each asking DNS.
. "$(dirname "$0")/lib.sh"

need_tools curl drill

DEST=14155550100
# +1 303 555 0142 lies in no block of the tree: case 2 gives it a record of its own (TTL 2 s).
SHORT=13035550142
SHORT_NAME=_stir.2.4.1.0.5.5.5.3.0.3.1.e164.test.
# The daemons wait long enough for case 6, where NSD is stopped for a second.
TIMING="timeout: 4000"
DEADLINE="deadline: 6000"

bail() {
	tap_failed=$((tap_failed + 1)) # keep_log keeps the log of a failed run
	keep_log
	echo "Bail out! $*"
	exit 1
}

# ---- calls -----------------------------------------------------------------------------------
# fresh SIGNER ORIG: an Identity header value signed now by SIGNER's key, with its own origid.
fresh() {
	sign "$1" "$2" "$DEST" --iat "$(date +%s)" --origid "$(cat /proc/sys/kernel/random/uuid)"
}

# req ORIG SIGNER: an ATIS verification request for a call from +ORIG, freshly signed.
req() {
	atis_req "+$1" "+$DEST" "" "\"$(fresh "$2" "$1")\""
}

# call NAME ORIG SIGNER VERSTAT CODE REASON: one verification over HTTP, checked.
call() {
	http "$1" "$4" "$5" "$6" "$(req "$2" "$3")"
}

# outcome ORIG SIGNER: one verification over HTTP; prints "VERSTAT CODE REASON".
outcome() {
	curl -sS -m 10 -H 'Content-Type: application/json' --data-binary "$(req "$1" "$2")" \
		"$BASE" 2>"$WORK/curl.err" |
		sed -n 's/^{"verificationResponse":{"verstat":"\([^"]*\)","reasoncode":\([0-9]*\),"reasontext":"\([^"]*\)".*/\1 \2 \3/p'
}

# daemon [KEY: VALUE...]: (re)start danecidd on the current tree.
daemon() {
	stop_daemon
	start_daemon "$TIMING" "$DEADLINE" "$@"
	BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}

# alive: bail out when danecidd died (what follows would only fail for that reason).
alive() {
	curl -fs -m 5 -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" ||
		bail "danecidd exited: $(grep -m1 'ERROR: [A-Za-z]*Sanitizer\|runtime error' \
			"$WORK/danecidd.log" || tail -n 1 "$WORK/danecidd.log")"
}

# ---- metrics ---------------------------------------------------------------------------------
# snap TAG: /metrics now, kept as $WORK/m.TAG (the last two tags are what diag shows).
PREV=
LAST=
snap() {
	alive
	curl -sS -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$WORK/m.$1"
	PREV=$LAST
	LAST=$1
}

# val TAG NAME: the value of danecid_NAME in snapshot TAG ("missing" when it is not there).
val() {
	v=$(sed -n "s/^danecid_$2 //p" "$WORK/m.$1")
	echo "${v:-missing}"
}

# grew TAG0 TAG1 NAME...: by how much the sum of the danecid_NAMEs grew from TAG0 to TAG1.
grew() {
	g_from=$1 g_to=$2 g_sum=0
	shift 2
	for g_name in "$@"; do
		g_sum=$((g_sum + $(val "$g_to" "$g_name") - $(val "$g_from" "$g_name")))
	done
	echo "$g_sum"
}

# summary TAG: the cache's counters in snapshot TAG, on one line.
summary() {
	s=
	for n in dns_cache_hits_total dns_cache_misses_total dns_lookups_joined_total \
		dns_validated_fast_total dns_validated_full_total dns_zone_key_loads_total \
		dns_cache_inserts_total dns_cache_evictions_total dns_cache_expired_total \
		dns_cache_entries dns_cache_max_entries; do
		s="$s ${n#dns_}=$(val "$1" "$n")"
	done
	echo "$1:$s"
}

diag() {
	[ -z "$PREV" ] || summary "$PREV"
	[ -z "$LAST" ] || summary "$LAST"
}

# accounted TAG: every lookup not answered from the cache was joined to one under way or
# validated once (fast or full): nothing is counted twice or lost.
accounted() {
	a_sum=$(($(val "$1" dns_lookups_joined_total) + $(val "$1" dns_validated_fast_total) +
		$(val "$1" dns_validated_full_total)))
	check "$1: every miss joined or validated once (misses $(val "$1" dns_cache_misses_total))" \
		[ "$(val "$1" dns_cache_misses_total)" = "$a_sum" ]
}

# ---- the zone --------------------------------------------------------------------------------
# served RCODE: wait (5 s at most) until NSD answers RCODE for the TLSA of $SHORT_NAME.
served() {
	i=0
	while [ $i -lt 50 ]; do
		drill -p "$PORT" @127.0.0.1 TLSA "$SHORT_NAME" 2>/dev/null | grep -q "rcode: $1," &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# resign RCODE [EXTRA]: sign the tree again with its keys (the trust anchor stays), with the
# records of file EXTRA if given; NSD reads it again on SIGHUP; wait until it serves it.
resign() {
	SIGN_TREE_KEYS=$TREE SIGN_TREE_EXTRA=${2:-} "$top_srcdir/zones/sign-tree" "$TREE" \
		>>"$WORK/sign.log" 2>&1 || bail "zones/sign-tree failed: $(tail -3 "$WORK/sign.log")"
	kill -HUP "$(cat "$TREE/nsd.pid")"
	served "$1" || bail "NSD does not serve the re-signed zone ($1 for $SHORT_NAME)"
}

# keep_log: on failure, a copy of danecidd's log next to the test's own.
keep_log() {
	[ "$tap_failed" -eq 0 ] && return 0
	dir="$top_builddir/tests/integration"
	[ -d "$dir" ] || dir=${TMPDIR:-/tmp}
	cp "$WORK/danecidd.log" "$dir/dns_cache.danecidd.log" &&
		echo "# danecidd's log: $dir/dns_cache.danecidd.log"
}

start_tree
# $SHORT gets alice's key, with a TTL of 2 s.
printf '_stir.2.4.1.0.5.5.5.3.0.3.1 2 IN TLSA 3 1 0 %s\n' \
	"$(openssl pkey -pubin -in "$KEYS/alice.pub.pem" -outform DER | od -An -v -tx1 | tr -d ' \n')" \
	>"$WORK/short.zone"
resign NOERROR "$WORK/short.zone"
daemon

# ---- 1. the warm path ------------------------------------------------------------------------
snap cold
call "warm: first call from alice's number" 12025550100 alice TN-Validation-Passed 0 ok
snap w1
call "warm: second call from alice's number" 12025550100 alice TN-Validation-Passed 0 ok
snap w2
check "warm: the first call validated its two answers fast" \
	[ "$(grew cold w1 dns_validated_fast_total)" = 2 -a \
	"$(grew cold w1 dns_validated_full_total)" = 0 ]
check "warm: the second call took its TLSA and TXT from the cache" \
	[ "$(grew w1 w2 dns_cache_hits_total)" = 2 -a "$(grew w1 w2 dns_cache_misses_total)" = 0 ]
check "warm: the second call validated nothing" \
	[ "$(grew w1 w2 dns_validated_fast_total dns_validated_full_total)" = 0 ]
check "warm: the zone keys were loaded once" [ "$(val w2 dns_zone_key_loads_total)" = 1 ]
check "warm: the second call found alice's key parsed" \
	[ "$(grew w1 w2 key_cache_hits_total)" -ge 1 ]
check "warm: two answers held" [ "$(val w2 dns_cache_entries)" = 2 ]

# +1 202 555 0150: no node of its own, nor has +1 202 555 015 (two NXDOMAIN answers); the
# carrier's block +1 202 555 01 decides (its TLSA, and NODATA for its TXT).
call "block: a number inside the block" 12025550150 carrier TN-Validation-Passed 0 ok
snap w3
check "block: 2 NXDOMAIN, the block's TLSA and its TXT (NODATA) validated fast" \
	[ "$(grew w2 w3 dns_validated_fast_total)" = 4 -a \
	"$(grew w2 w3 dns_validated_full_total)" = 0 ]
check "block: the zone keys were not loaded again" [ "$(val w3 dns_zone_key_loads_total)" = 1 ]
call "block: another number inside the block" 12025550151 carrier TN-Validation-Passed 0 ok
snap w4
check "block: a neighbour: its own NXDOMAIN validated fast, the rest (3) from the cache" \
	[ "$(grew w3 w4 dns_validated_fast_total)" = 1 -a \
	"$(grew w3 w4 dns_cache_hits_total)" = 3 -a "$(grew w3 w4 dns_validated_full_total)" = 0 ]

# ---- 6. concurrent calls for one number ------------------------------------------------------
# 8 calls for +1 202 555 0159, never asked before, while NSD is stopped (its socket still takes
# the questions): every call is in flight before any answer. A worker thread has its own DNS
# client and joins lookups of the same name and type under way in it; with 4 workers and 8
# calls, at least 4 calls join one (pigeonhole), so at most 4 of the 8 TLSA lookups of
# _stir.9.5.1.0.5.5.5.2.0.2.1 reach DNS, and every one of the 8 is accounted for exactly once:
# a join, a validation, or a cache hit. The rest of each walk (+1 202 555 015, then the block's
# TLSA and TXT) is in the cache since the calls above: 3 hits a call, 24.
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	req 12025550159 carrier >"$WORK/burst.$i.json"
done
nsd_signal STOP
pids=
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	curl -sS -m 10 -o "$WORK/burst.$i.out" -H 'Content-Type: application/json' \
		--data-binary @"$WORK/burst.$i.json" "$BASE" 2>/dev/null &
	pids="$pids $!"
done
sleep 1
nsd_signal CONT
for pid in $pids; do
	wait "$pid"
done
snap c1
passed=$(grep -l '^{"verificationResponse":{"verstat":"TN-Validation-Passed","reasoncode":0,"reasontext":"ok"' \
	"$WORK"/burst.*.out | wc -l)
check "concurrent: all 8 calls pass" [ "$passed" = 8 ]
joined=$(grew w4 c1 dns_lookups_joined_total)
asked=$(grew w4 c1 dns_validated_fast_total dns_validated_full_total)
hits=$(grew w4 c1 dns_cache_hits_total)
check "concurrent: lookups joined ($joined)" [ "$joined" -ge 4 ]
check "concurrent: at most one lookup per worker reached DNS ($asked)" \
	[ "$asked" -ge 1 -a "$asked" -le 4 ]
check "concurrent: 8 lookups of the number, each joined, asked or a hit" \
	[ $((joined + asked + hits - 24)) = 8 ]

# ---- 2. TTL expiry: a record removed from the zone -------------------------------------------
call "removed: the number's own record (TTL 2 s)" $SHORT alice TN-Validation-Passed 0 ok
snap r1
resign NXDOMAIN
got=$(outcome $SHORT alice)
check "removed: right away, a pass from the cache or not registered ($got)" \
	[ "$got" = "TN-Validation-Passed 0 ok" -o "$got" = "No-TN-Validation 0 number-not-registered" ]
sleep 3
call "removed: after its TTL" $SHORT alice No-TN-Validation 0 number-not-registered
snap r2
check "removed: the cached answer expired" [ "$(grew r1 r2 dns_cache_expired_total)" -ge 1 ]
accounted r2

# ---- 4. dns-cache-entries: 0 -----------------------------------------------------------------
daemon "dns-cache-entries: 0"
call "no cache: alice" 12025550100 alice TN-Validation-Passed 0 ok
call "no cache: alice again" 12025550100 alice TN-Validation-Passed 0 ok
call "no cache: a number in the block" 12025550152 carrier TN-Validation-Passed 0 ok
snap n1
check "no cache: nothing held, no hit, nothing kept" \
	[ "$(val n1 dns_cache_entries)" = 0 -a "$(val n1 dns_cache_hits_total)" = 0 -a \
	"$(val n1 dns_cache_inserts_total)" = 0 -a "$(val n1 dns_cache_max_entries)" = 0 ]
check "no cache: every lookup validated (2 + 2 + 4)" \
	[ "$(val n1 dns_validated_fast_total)" = 8 -a "$(val n1 dns_validated_full_total)" = 0 ]
check "no cache: the zone keys are still kept" [ "$(val n1 dns_zone_key_loads_total)" = 1 ]

# ---- 5. dns-cache-entries: 5 -----------------------------------------------------------------
# 24 numbers of the block (its carve-outs and special nodes left out): 24 NXDOMAIN answers and
# the block's two, for 5 places.
daemon "dns-cache-entries: 5"
n=0
for last in 50 51 52 53 54 56 57 58 59 60 61 62 63 64 65 67 68 69 70 71 72 73 74 75; do
	got=$(outcome 120255501$last carrier)
	[ "$got" = "TN-Validation-Passed 0 ok" ] && n=$((n + 1))
done
snap b1
check "bounded: 24 numbers of the block pass ($n)" [ "$n" = 24 ]
check "bounded: at most 5 answers held ($(val b1 dns_cache_entries))" \
	[ "$(val b1 dns_cache_entries)" -le 5 -a "$(val b1 dns_cache_max_entries)" = 5 ]
check "bounded: answers were evicted to make room" \
	[ "$(val b1 dns_cache_evictions_total)" -gt 0 ]
accounted b1
stop_daemon
stop_tree

# ---- 3. RRSIG expiration before the TTL ------------------------------------------------------
# A tree of its own whose signatures expire 10 s from now (TTLs stay 300 s).
TREE="$WORK/tree-expiring"
end=$(($(date +%s) + 10))
export SIGN_TREE_END="$(date -u -d "@$end" +%Y%m%d%H%M%S)"
start_tree
unset SIGN_TREE_END
daemon
call "expiring: before the signatures expire" 12025550100 alice TN-Validation-Passed 0 ok
snap e1
check "expiring: the answers were kept" [ "$(val e1 dns_cache_entries)" = 2 ]
while [ "$(date +%s)" -lt $((end + 2)) ]; do
	sleep 0.5
done
call "expiring: after the signatures expired, the cached answer is not used" \
	12025550100 alice TN-Validation-Failed 438 dnssec-bogus
snap e2
check "expiring: the cached answer was dropped as expired" \
	[ "$(grew e1 e2 dns_cache_expired_total)" -ge 1 -a "$(grew e1 e2 dns_cache_hits_total)" = 0 ]
check "expiring: getdns's full validation decided" [ "$(grew e1 e2 dns_validated_full_total)" -ge 1 ]
check "expiring: nothing bogus was kept" [ "$(grew e1 e2 dns_cache_inserts_total)" = 0 ]
check "no sanitizer report in the log" sh -c "! grep -q 'ERROR: \\(Address\\|Leak\\|Undefined\\)Sanitizer\\|runtime error:' '$WORK/danecidd.log'"
stop_daemon
keep_log

done_testing
