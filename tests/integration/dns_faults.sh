#!/bin/sh
# dns_faults.sh — danecid and danecidd when their DNS upstream misbehaves: they never pass a
# call they could not check, never crash, and answer before their deadline. A fault proxy
# (tests/tools/dnsfault) sits between them and the real NSD and, mode by mode, drops every
# query, answers SERVFAIL or REFUSED, truncates every UDP answer (the TCP retry passes), sends
# junk, or answers with another ID. Then:
#  1. each mode, through the CLI (one process per call) and the daemon (HTTP and SIP): the
#     SPEC §3 verdict (No-TN-Validation dns-unavailable; truncate: the TCP retry passes), the
#     time it took against the DNS timeout, the daemon alive, /metrics counting the verdicts;
#     then every DS question dropped, which only what getdns validates itself needs;
#  2. a burst of 240 concurrent calls while the upstream is silent: every one answered, none
#     passes, all before the deadline;
#  3. the upstream going away under a steady stream of calls (NSD stopped and resumed, the
#     proxy killed and started again on its port): every call answered, none passes wrongly,
#     passes come back;
#  4. NSD's response-rate-limiting (a second NSD with rrl-ratelimit: 5, slip 1 and 2: answers
#     dropped or truncated, forcing TCP), the CLI and the daemon driven at it at once with many
#     numbers: no crash, no wrong verdict.
# getdns 1.6 crashed ("double free or corruption") with junk answers, with rate-limiting and
# with DS questions unanswered, in the CLI and in the daemon: see outline 11 and 12 of
# src/lib/dns.c for what the client does about it.
. "$(dirname "$0")/lib.sh"

need_tools curl drill
DNSFAULT="$top_builddir/tests/tools/dnsfault"
COMPARE="$top_builddir/tests/tools/compare"
for tool in "$DNSFAULT" "$SIPTX" "$COMPARE"; do
	[ -x "$tool" ] || {
		echo "Bail out! $tool not built"
		exit 1
	}
done

# The DNS timeout of every client here, and the daemon's deadline. A call that meets a dead
# upstream must be answered by the verifier itself within BOUND (two timeouts), well before
# the deadline would answer it.
TMO=1000
DEADLINE=4000
BOUND=$((2 * TMO))
DEST=14155550100
# +1 606 555 xxxx: a block held by the carrier (added to the tree below). Every call uses a
# number of its own, so that no answer comes from the daemon's cache.
BLOCK=1606555

FPID=
FPORT=
RRL_TREE="$WORK/rrl"
fault_cleanup() {
	[ -z "$FPID" ] || { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
	[ -d "$RRL_TREE" ] && "$top_srcdir/zones/serve" stop "$RRL_TREE" >/dev/null 2>&1
	cleanup
}
trap fault_cleanup EXIT

bail() {
	tap_failed=$((tap_failed + 1))
	keep_log
	echo "Bail out! $*"
	exit 1
}

# keep_log: on failure, a copy of danecidd's and the proxy's logs next to the test's own.
keep_log() {
	[ "$tap_failed" -eq 0 ] && return 0
	dir="$top_builddir/tests/integration"
	[ -d "$dir" ] || dir=${TMPDIR:-/tmp}
	cp "$WORK/danecidd.log" "$dir/dns_faults.danecidd.log" 2>/dev/null &&
		echo "# danecidd's log: $dir/dns_faults.danecidd.log"
}

ms() {
	date +%s%3N
}
T_START=$(ms)

# took WHAT: a TAP comment with the seconds since the start.
took() {
	echo "# $1 at $((($(ms) - T_START) / 1000)) s"
}

# ---- the fault proxy -------------------------------------------------------------------------
# proxy_start [PORT]: start dnsfault in front of NSD (on PORT if given); sets FPID, FPORT.
proxy_start() {
	rm -f "$WORK/fault.port"
	"$DNSFAULT" -u "127.0.0.1@$PORT" ${1:+-l "$1"} -f "$WORK/mode" -s "$WORK/fault.stats" \
		>"$WORK/fault.port" 2>>"$WORK/fault.err" &
	FPID=$!
	i=0
	while [ $i -lt 50 ] && [ ! -s "$WORK/fault.port" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	FPORT=$(head -n 1 "$WORK/fault.port")
	[ -n "$FPORT" ] || bail "dnsfault did not start: $(cat "$WORK/fault.err")"
}

# proxy_stop: SIGTERM; the proxy writes its counters and exits.
proxy_stop() {
	kill "$FPID" 2>/dev/null
	wait "$FPID" 2>/dev/null
	FPID=
}

# mode MODE [SUFFIX]: the proxy's fault mode from now on (the file is replaced atomically).
mode() {
	printf '%s\n' "$*" >"$WORK/mode.new" && mv "$WORK/mode.new" "$WORK/mode"
}

# fstat NAME: a counter of the proxy, as of now (it writes them on SIGUSR1).
fstat() {
	before=$(sed -n 's/^dumps //p' "$WORK/fault.stats" 2>/dev/null)
	kill -USR1 "$FPID"
	i=0
	while [ $i -lt 50 ]; do
		after=$(sed -n 's/^dumps //p' "$WORK/fault.stats" 2>/dev/null)
		[ -n "$after" ] && [ "$after" != "$before" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	sed -n "s/^$1 //p" "$WORK/fault.stats"
}

# ---- calls -----------------------------------------------------------------------------------
# cli_call ORIG UPSTREAM_PORT [SIGNER]: one call through the CLI (clock pinned at NOW);
# prints "EXIT VERSTAT REASON MILLISECONDS"; the output in $WORK/cli.out.
cli_call() {
	invite "$WORK/cli.$1.sip" "sip:+$1@example.com;user=phone" \
		"sip:+$DEST@example.com;user=phone" "Identity: $(sign "${3:-carrier}" "$1" "$DEST")"
	t0=$(ms)
	$DANECID verify --apex e164.test --trust-anchor "$TREE/anchor.ds" \
		--upstream "127.0.0.1@$2" --now "$NOW" --timeout "$TMO" "$WORK/cli.$1.sip" \
		>"$WORK/cli.out" 2>"$WORK/cli.err"
	st=$?
	t1=$(ms)
	last=$(tail -n 1 "$WORK/cli.out")
	echo "$st $(json_field "$last" verstat | tr -d '"') $(json_field "$last" reason | tr -d '"') $((t1 - t0))"
}

# fresh SIGNER ORIG: an Identity value signed now (the daemon's clock) with its own origid.
fresh() {
	"$DANECID" sign --key "$KEYS/$1.pem" --orig "$2" --dest "$DEST" --iat "$(date +%s)" \
		--origid "$(cat /proc/sys/kernel/random/uuid)"
}

# http_body ORIG SIGNER: the ATIS request for a call from +ORIG, freshly signed.
http_body() {
	atis_req "+$1" "+$DEST" "" "\"$(fresh "$2" "$1")\""
}

# http_post FILE OUT: POST the request in FILE; OUT gets "VERSTAT REASON MILLISECONDS" (or
# "none" when no verdict came back).
http_post() {
	t=$(curl -sS -m 10 -o "$2.body" -w '%{http_code} %{time_total}' \
		-H 'Content-Type: application/json' --data-binary @"$1" "$BASE" 2>/dev/null)
	v=$(sed -n 's/^{"verificationResponse":{"verstat":"\([^"]*\)","reasoncode":[0-9]*,"reasontext":"\([^"]*\)".*/\1 \2/p' \
		"$2.body" 2>/dev/null)
	if [ "${t%% *}" = 200 ] && [ -n "$v" ]; then
		echo "$v $(echo "${t#* }" | awk '{printf "%d", $1 * 1000}')" >"$2"
	else
		echo "none - 0" >"$2"
	fi
}

# http_call ORIG [SIGNER]: one call over HTTP; prints "VERSTAT REASON MILLISECONDS".
http_call() {
	http_body "$1" "${2:-carrier}" >"$WORK/http.req"
	http_post "$WORK/http.req" "$WORK/http.res"
	cat "$WORK/http.res"
}

# signed SIGNER ORIG N: N Identity values for calls from +ORIG, signed now, one a line (one
# process for all of them).
signed() {
	"$COMPARE" sign -k "$KEYS/$1.pem" -o "$2" -d "$DEST" -n "$3"
}

# posts NAME...: POST the requests $WORK/NAME.req all at once (one curl, in parallel); each
# result in $WORK/NAME.res as http_post writes it.
posts() {
	: >"$WORK/posts.cfg"
	for p_name in "$@"; do
		[ -s "$WORK/posts.cfg" ] && echo next >>"$WORK/posts.cfg"
		printf 'url = "%s"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\noutput = "%s"\nmax-time = 10\nwrite-out = "%%{http_code} %%{time_total} %s\\n"\n' \
			"$BASE" "$WORK/$p_name.req" "$WORK/$p_name.res.body" "$p_name" >>"$WORK/posts.cfg"
	done
	curl -sS --no-progress-meter -Z --parallel-max 500 --parallel-immediate -K "$WORK/posts.cfg" \
		>"$WORK/posts.out" 2>"$WORK/posts.err"
	for p_name in "$@"; do
		echo "none - 0" >"$WORK/$p_name.res"
	done
	# one awk for all: "CODE SECONDS NAME" lines, each body read from its file
	awk -v dir="$WORK" '{
		f = dir "/" $3 ".res.body"; body = ""
		if ((getline body < f) > 0 && $1 == 200) {
			n = split(body, a, "\"")
			if (n > 12 && a[2] == "verificationResponse" && a[4] == "verstat" &&
			    a[10] == "reasontext")
				printf "%s %s %d\n", a[6], a[12], $2 * 1000 > (dir "/" $3 ".res")
		}
		close(f); close(dir "/" $3 ".res")
	}' "$WORK/posts.out"
}

# sip_call ORIG [SIGNER]: one INVITE over UDP; prints "VERSTAT REASON MILLISECONDS" (the
# verstat of P-Asserted-Identity, the text of Reason or "-").
sip_call() {
	CALLID="faults-$1-$(date +%N)" invite "$WORK/sip.req" "sip:+$1@example.com;user=phone" \
		"sip:+$DEST@example.com;user=phone" "Identity: $(fresh "${2:-carrier}" "$1")"
	rm -f "$WORK/sip.resp".*
	t0=$(ms)
	"$SIPTX" -t 10 -o "$WORK/sip.resp" udp 127.0.0.1 "$SIP_PORT" "$WORK/sip.req" \
		>/dev/null 2>"$WORK/siptx.err"
	t1=$(ms)
	r=$(tr -d '\r' <"$WORK/sip.resp.1" 2>/dev/null)
	vs=$(printf '%s\n' "$r" | sed -n 's/^P-Asserted-Identity:.*;verstat=\([A-Za-z-]*\)>$/\1/p' | head -n 1)
	rs=$(printf '%s\n' "$r" | sed -n 's/^Reason: .*;text="\([^"]*\)"$/\1/p' | head -n 1)
	case "$(printf '%s\n' "$r" | head -n 1)" in
	"SIP/2.0 302 Moved Temporarily") echo "${vs:-none} ${rs:--} $((t1 - t0))" ;;
	*) echo "none - $((t1 - t0))" ;;
	esac
}

# ---- the daemon ------------------------------------------------------------------------------
# daemon UPSTREAM_PORT [KEY: VALUE...]: (re)start danecidd asking DNS at UPSTREAM_PORT.
daemon() {
	stop_daemon
	up=$1
	shift
	SAVED_PORT=$PORT
	PORT=$up
	start_daemon "timeout: $TMO" "deadline: $DEADLINE" "$@"
	PORT=$SAVED_PORT
	BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}

alive() {
	kill -0 "$DPID" 2>/dev/null &&
		curl -fs -m 5 -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz"
}

# snap TAG: /metrics now, kept as $WORK/m.TAG.
snap() {
	curl -sS -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$WORK/m.$1"
}

# val TAG SAMPLE: the value of a sample (name and labels, exactly) in snapshot TAG, 0 if absent.
val() {
	v=$(grep -F "$2 " "$WORK/m.$1" | grep -v '^#' | head -n 1 | sed 's/.* //')
	echo "${v:-0}"
}

# grew TAG0 TAG1 SAMPLE: by how much SAMPLE grew.
grew() {
	echo $(($(val "$2" "$3") - $(val "$1" "$3")))
}

verdicts() {
	echo "danecid_verdicts_total{frontend=\"$1\",verstat=\"$2\",reason=\"$3\"}"
}

sanitizer_clean() {
	! grep -q 'ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error:' "$@" 2>/dev/null
}

# ---- the tree: the example zone plus the block +1 606 555 xxxx -------------------------------
# sign-tree makes the signer keys; the block needs the carrier's: sign, add it, sign again.
start_tree
printf '_stir.5.5.5.6.0.6.1 300 IN TLSA 3 1 0 %s\n' \
	"$(openssl pkey -in "$KEYS/carrier.pem" -pubout -outform DER | od -An -v -tx1 | tr -d ' \n')" \
	>"$WORK/extra.zone"
SIGN_TREE_KEYS=$TREE SIGN_TREE_EXTRA="$WORK/extra.zone" "$top_srcdir/zones/sign-tree" "$TREE" \
	>>"$WORK/sign.log" 2>&1 || bail "zones/sign-tree failed: $(tail -3 "$WORK/sign.log")"
kill -HUP "$(cat "$TREE/nsd.pid")"
i=0
until drill -p "$PORT" @127.0.0.1 TLSA "_stir.5.5.5.6.0.6.1.e164.test." 2>/dev/null |
	grep -q 'IN[[:space:]]*TLSA'; do
	i=$((i + 1))
	[ $i -lt 50 ] || bail "NSD does not serve the block $BLOCK"
	sleep 0.1
done

mode pass
proxy_start

# ---- 1. each fault mode, through the CLI and the daemon --------------------------------------
took "fault modes"
# MODES: mode, expected verstat and reason.
MODES="pass:TN-Validation-Passed:ok
silent:No-TN-Validation:dns-unavailable
servfail:No-TN-Validation:dns-unavailable
refused:No-TN-Validation:dns-unavailable
truncate:TN-Validation-Passed:ok
garbage:No-TN-Validation:dns-unavailable
wrongid:No-TN-Validation:dns-unavailable"

daemon "$FPORT"
# one call with a healthy upstream first: the daemon has the zone keys from here on
got=$(http_call "${BLOCK}0999")
check "daemon: a call with a healthy upstream passes ($got)" \
	[ "${got% *}" = "TN-Validation-Passed ok" ]

n_modes=0
n_survived=0
n_req=0
max_ms=0
table=
m=0
for entry in $MODES; do
	m=$((m + 1))
	fm=${entry%%:*}
	rest=${entry#*:}
	want_vs=${rest%%:*}
	want_rs=${rest#*:}
	want_exit=0
	[ "$want_vs" = No-TN-Validation ] && want_exit=2
	mode "$fm"
	snap "$fm.0"
	fkey=fault_$fm
	[ "$fm" = pass ] && fkey=relayed
	tcp0=$(fstat tcp_queries)
	fault0=$(fstat "$fkey")
	good=true

	# the CLI: a new process, nothing cached
	c=$(cli_call "${BLOCK}1${m}01" "$FPORT")
	set -- $c
	c_ms=$4
	if [ "$1 $2 $3" = "$want_exit $want_vs $want_rs" ] && [ "$4" -lt "$BOUND" ]; then
		ok "$fm: CLI: $want_vs $want_rs in $4 ms (bound $BOUND ms)"
	else
		not_ok "$fm: CLI" "want exit $want_exit $want_vs $want_rs below $BOUND ms" \
			"got $c" "$(cat "$WORK/cli.err")"
		good=false
	fi

	# the daemon: HTTP and SIP, numbers it never looked up
	h=$(http_call "${BLOCK}2${m}01")
	set -- $h
	h_ms=$3
	if [ "$1 $2" = "$want_vs $want_rs" ] && [ "$3" -lt "$BOUND" ]; then
		ok "$fm: HTTP: $want_vs $want_rs in $3 ms"
	else
		not_ok "$fm: HTTP" "want $want_vs $want_rs below $BOUND ms" "got $h"
		good=false
	fi
	s=$(sip_call "${BLOCK}3${m}01")
	set -- $s
	s_ms=$3
	want_sip_rs=-
	if [ "$1 $2" = "$want_vs $want_sip_rs" ] && [ "$3" -lt "$BOUND" ]; then
		ok "$fm: SIP: 302 verstat=$want_vs in $3 ms"
	else
		not_ok "$fm: SIP" "want 302 verstat=$want_vs below $BOUND ms" "got $s" \
			"$(cat "$WORK/siptx.err")"
		good=false
	fi
	n_req=$((n_req + 3))
	for x in $c_ms $h_ms $s_ms; do
		[ "$fm" != pass ] && [ "$x" -gt "$max_ms" ] && max_ms=$x
	done

	if alive; then
		ok "$fm: danecidd is alive"
	else
		not_ok "$fm: danecidd is alive" "$(tail -n 5 "$WORK/danecidd.log")"
		bail "danecidd died in mode $fm"
	fi
	snap "$fm.1"
	dh=$(grew "$fm.0" "$fm.1" "$(verdicts http "$want_vs" "$want_rs")")
	ds=$(grew "$fm.0" "$fm.1" "$(verdicts sip "$want_vs" "$want_rs")")
	dq=$(grew "$fm.0" "$fm.1" danecid_dns_questions_total)
	dd=$(grew "$fm.0" "$fm.1" 'danecid_deadline_total{frontend="http"}')
	dd=$((dd + $(grew "$fm.0" "$fm.1" 'danecid_deadline_total{frontend="sip"}')))
	if [ "$dh" = 1 ] && [ "$ds" = 1 ] && [ "$dq" -ge 2 ] && [ "$dd" = 0 ]; then
		ok "$fm: /metrics: 1 HTTP and 1 SIP verdict $want_rs, $dq DNS questions, none by the deadline"
	else
		not_ok "$fm: /metrics" "want 1 HTTP and 1 SIP verdict $want_vs/$want_rs, >= 2 questions, 0 by deadline" \
			"got http $dh sip $ds questions $dq deadline $dd"
		good=false
	fi
	tcp=$(($(fstat tcp_queries) - tcp0))
	faults=$(($(fstat "$fkey") - fault0))
	case $fm in
	pass) ;;
	truncate)
		check "truncate: every UDP answer truncated ($faults), the clients asked again over TCP ($tcp)" \
			[ "$faults" -ge 3 -a "$tcp" -ge 3 ] || good=false
		;;
	*)
		check "$fm: the proxy applied the fault ($faults times)" [ "$faults" -ge 3 ] || good=false
		;;
	esac
	table="$table
# $fm: CLI ${c_ms} ms, HTTP ${h_ms} ms, SIP ${s_ms} ms; faults $faults, TCP queries $tcp, daemon DNS questions $dq"
	n_modes=$((n_modes + 1))
	$good && n_survived=$((n_survived + 1))
done

# The chain of trust unanswered: every DS question dropped. The fast path (the zone's DNSKEY
# set, then TLSA and TXT with the DO bit) never asks one, so a number of the block passes; what
# getdns validates itself (an answer below the unsigned delegation, a wildcard answer, a forged
# record) needs the DS set of the apex, and getdns 1.6 crashed when its own timeout struck
# while that was still asked for. SPEC: dns-unavailable, within the timeout.
mode silent . 43
chain_ok=true
for n in ${BLOCK}1901 12025559931 12025553331 12025550111; do
	want="No-TN-Validation dns-unavailable"
	want_exit=2
	[ "$n" = ${BLOCK}1901 ] && want="TN-Validation-Passed ok" && want_exit=0
	c=$(cli_call "$n" "$FPORT")
	set -- $c
	if [ "$1 $2 $3" = "$want_exit $want" ] && [ "$4" -lt "$BOUND" ]; then
		ok "DS unanswered: CLI +$n: $want in $4 ms"
	else
		not_ok "DS unanswered: CLI +$n" "want exit $want_exit $want below $BOUND ms" "got $c" \
			"$(tail -n 3 "$WORK/cli.err")"
		chain_ok=false
	fi
	[ "$4" -gt "$max_ms" ] && max_ms=$4
	# the daemon has not asked for the number either (the CLI is a process of its own)
	h=$(http_call "$n")
	set -- $h
	if [ "$1 $2" = "$want" ] && [ "$3" -lt "$BOUND" ]; then
		ok "DS unanswered: HTTP +$n: $want in $3 ms"
	else
		not_ok "DS unanswered: HTTP" "want $want below $BOUND ms" "got $h"
		chain_ok=false
	fi
	[ "$3" -gt "$max_ms" ] && max_ms=$3
	n_req=$((n_req + 2))
	alive || bail "danecidd died with DS questions unanswered"
done
check "DS unanswered: danecidd is alive" alive
table="$table
# ds-silent (DS questions dropped): CLI and HTTP for the block, the insecure delegation, the wildcard, the forged record"
n_modes=$((n_modes + 1))
$chain_ok && n_survived=$((n_survived + 1))
mode pass
echo "# mode: latencies and counters$table"
echo "# figure faults-survived: $n_survived/$n_modes fault modes"
echo "# figure faults-requests-per-mode: 3 (CLI, HTTP, SIP; ds-silent: 8), $n_req in all"
echo "# figure faults-max-latency-ms: $max_ms (DNS timeout $TMO ms)"
check "every mode gave the SPEC verdict in time ($n_survived/$n_modes)" [ "$n_survived" = "$n_modes" ]

# ---- 2. a burst while the upstream is silent -------------------------------------------------
took "burst"
# 240 calls from 24 numbers no call asked for before (10 each: the lookups of one number in a
# worker join one under way), all sent at once while the proxy drops every query. Each must be
# answered, No-TN-Validation dns-unavailable, by the verifier itself within its DNS timeout (the
# daemon's latency histogram) and not by the deadline.
BURST_NUMBERS=24
BURST=$((BURST_NUMBERS * 10))
names=
i=0
while [ $i -lt $BURST_NUMBERS ]; do
	i=$((i + 1))
	n=${BLOCK}6$(printf %03d $i)
	k=0
	signed carrier "$n" 10 | while read -r id; do
		k=$((k + 1))
		atis_req "+$n" "+$DEST" "" "\"$id\"" >"$WORK/burst.$n.$k.req"
	done
	k=0
	while [ $k -lt 10 ]; do
		k=$((k + 1))
		names="$names burst.$n.$k"
	done
done
snap b0
mode silent
t0=$(ms)
posts $names
t1=$(ms)
mode pass
(cd "$WORK" && cat $(printf '%s.res ' $names)) >"$WORK/burst.all"
answered=$(awk '$1 != "none"' "$WORK/burst.all" | wc -l)
nonpass=$(awk '$1 == "No-TN-Validation" && $2 == "dns-unavailable"' "$WORK/burst.all" | wc -l)
bmax=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$WORK/burst.all")
snap b1
le25=$(grew b0 b1 'danecid_verification_seconds_bucket{le="2.5"}')
dl=$(($(grew b0 b1 'danecid_deadline_total{frontend="http"}')))
check "burst: $answered/$BURST answered" [ "$answered" = $BURST ]
check "burst: $nonpass/$BURST No-TN-Validation dns-unavailable" [ "$nonpass" = $BURST ]
check "burst: /metrics counted $BURST HTTP verdicts dns-unavailable" \
	[ "$(grew b0 b1 "$(verdicts http No-TN-Validation dns-unavailable)")" = $BURST ]
check "burst: every verdict within 2.5 s in the daemon ($le25), none by the deadline ($dl)" \
	[ "$le25" = $BURST -a "$dl" = 0 ]
check "burst: the slowest answer took $bmax ms at the client, below the deadline ($DEADLINE ms)" \
	[ "$bmax" -lt "$DEADLINE" ]
check "burst: danecidd is alive" alive
echo "# figure faults-burst: $answered/$BURST answered, $nonpass non-pass, max ${bmax} ms, $((t1 - t0)) ms in all"

# ---- 3. the upstream going away under a stream of calls --------------------------------------
took "restart"
# A stream of calls, one after the other; every fourth is signed by mallory, whose key no
# number of the block publishes: it must never pass. Upstream: stopped NSD (kill -STOP, its
# socket still takes the questions), then the proxy killed (the port closed) and started again
# on the same port.
# phase NAME: what the upstream is doing now (the file is replaced atomically).
phase() {
	echo "$1" >"$WORK/phase.new" && mv "$WORK/phase.new" "$WORK/phase"
}
stream() {
	k=0
	while [ ! -f "$WORK/stream.stop" ]; do
		k=$((k + 1))
		signer=carrier
		[ $((k % 4)) = 0 ] && signer=mallory
		p0=$(cat "$WORK/phase")
		r=$(http_call "${BLOCK}4$(printf %03d $k)" $signer)
		p1=$(cat "$WORK/phase")
		[ "$p0" = "$p1" ] || p0="$p0>$p1"
		echo "$k $signer $p0 $r" >>"$WORK/stream.log"
	done
}
phase before
rm -f "$WORK/stream.stop" "$WORK/stream.log"
stream &
SPID=$!
# A call counts as made while the upstream was down (or up) only when the phase was the same
# when it started and when it ended; the phases in between cover the changes themselves.
sleep 1
phase stopping
nsd_signal STOP
phase nsd-stopped
sleep 3
phase resuming
nsd_signal CONT
phase nsd-resumed
sleep 1.5
phase stopping
kept=$FPORT
proxy_stop
phase proxy-down
sleep 3
phase starting
proxy_start "$kept"
phase proxy-back
sleep 2
touch "$WORK/stream.stop"
wait "$SPID"
total=$(wc -l <"$WORK/stream.log")
lost=$(awk '$4 == "none"' "$WORK/stream.log" | wc -l)
wrong=$(awk '$2 == "mallory" && $4 == "TN-Validation-Passed"' "$WORK/stream.log" | wc -l)
down_pass=$(awk '($3 == "nsd-stopped" || $3 == "proxy-down") && $4 == "TN-Validation-Passed"' "$WORK/stream.log" | wc -l)
down_calls=$(awk '$3 == "nsd-stopped" || $3 == "proxy-down"' "$WORK/stream.log" | wc -l)
after_pass=$(awk '$3 == "proxy-back" && $2 == "carrier" && $4 == "TN-Validation-Passed"' "$WORK/stream.log" | wc -l)
resumed_pass=$(awk '$3 == "nsd-resumed" && $2 == "carrier" && $4 == "TN-Validation-Passed"' "$WORK/stream.log" | wc -l)
smax=$(awk 'BEGIN { m = 0 } $6 > m { m = $6 } END { print m }' "$WORK/stream.log")
echo "# calls by phase (mallory's included):"
awk '{ n[$3 " " $4 " " $5]++ } END { for (k in n) print "#   " k ": " n[k] }' "$WORK/stream.log" | sort
diag() { cat "$WORK/stream.log"; }
check "restart: $total calls, every one answered ($lost lost)" [ "$total" -ge 10 -a "$lost" = 0 ]
check "restart: no call signed by an unpublished key passed ($wrong)" [ "$wrong" = 0 ]
check "restart: while the upstream was down, no call passed ($down_pass of $down_calls)" \
	[ "$down_calls" -ge 2 -a "$down_pass" = 0 ]
check "restart: calls pass again after NSD resumed ($resumed_pass) and after the proxy came back ($after_pass)" \
	[ "$resumed_pass" -ge 1 -a "$after_pass" -ge 1 ]
check "restart: the slowest answer took $smax ms, below the deadline ($DEADLINE ms)" \
	[ "$smax" -lt "$DEADLINE" ]
diag() { :; }
check "restart: danecidd is alive" alive
echo "# figure faults-restart: $((total - lost))/$total answered, $lost lost, $down_calls while down (0 passed), max ${smax} ms"
stop_daemon || not_ok "danecidd stopped cleanly"

# ---- 4. response-rate-limiting ---------------------------------------------------------------
took "rate-limiting"
# A second NSD on a copy of the tree, limiting answers to 5 a second per /24, with slip 2 (every
# second limited answer truncated, the other dropped) and slip 1 (every one truncated). The CLI
# (getdns synchronous) and the daemon (getdns asynchronous) are driven at it at once. Numbers:
# the block (a pass or dns-unavailable), Alice's number (the same), the carve-out +1 202 555 0166
# (number-revoked or dns-unavailable): all decided by the fast path, whose truncated answers are
# asked again over TCP. The insecure delegation +1 202 555 99xx (dnssec-insecure) and the
# wildcard +1 202 555 33xx (number-not-registered) need getdns's own validation, whose questions
# for the chain of trust go over UDP until the client has met a truncated answer itself: one
# truncated there may make the answer BOGUS (a 438, never a pass). Those are counted apart.
mkdir -p "$RRL_TREE"
cp -r "$TREE/keys" "$TREE/e164.test.zone.signed" "$TREE/child.e164.test.zone" \
	"$TREE/anchor.ds" "$RRL_TREE/"

# rrl_want NUMBER: the verdicts allowed for NUMBER ("VERSTAT REASON" alternatives, |-separated).
rrl_want() {
	u="No-TN-Validation dns-unavailable"
	case $1 in
	1202555016[6]) echo "TN-Validation-Failed number-revoked|$u" ;;
	120255599*) echo "No-TN-Validation dnssec-insecure|$u|TN-Validation-Failed dnssec-bogus" ;;
	120255533*) echo "No-TN-Validation number-not-registered|$u|TN-Validation-Failed dnssec-bogus" ;;
	*) echo "TN-Validation-Passed ok|$u" ;;
	esac
}

# rrl_numbers RUN: the numbers of one run.
rrl_numbers() {
	k=0
	while [ $k -lt 14 ]; do
		k=$((k + 1))
		echo "${BLOCK}7$1$(printf %02d $k)"
	done
	echo 12025550100 12025550166 1202555990$1 1202555991$1 1202555330$1 1202555331$1
}

rrl_runs=0
rrl_clean=0
rrl_calls=0
rrl_wrong=0
rrl_unavail=0
rrl_bogus=0
for slip in 2 1; do
	NSD_EXTRA="rrl-ratelimit: 5 rrl-slip: $slip" "$top_srcdir/zones/serve" start "$RRL_TREE" \
		>"$WORK/rrl.port" 2>"$WORK/rrl.err" || bail "the rate-limiting NSD did not start"
	RPORT=$(cat "$WORK/rrl.port")
	daemon "$RPORT"
	run=$slip
	rm -f "$WORK"/rrl.cli.* "$WORK"/rrl.http.*
	names=
	for n in $(rrl_numbers $run); do
		signer=carrier
		case $n in 12025550100) signer=alice ;; esac
		# two PASSporTs signed now: the CLI's (its clock is the real one here) and the daemon's
		signed $signer "$n" 2 >"$WORK/rrl.ids"
		invite "$WORK/rrl.cli.$n.sip" "sip:+$n@example.com;user=phone" \
			"sip:+$DEST@example.com;user=phone" "Identity: $(sed -n 1p "$WORK/rrl.ids")"
		atis_req "+$n" "+$DEST" "" "\"$(sed -n 2p "$WORK/rrl.ids")\"" >"$WORK/rrl.http.$n.req"
		names="$names rrl.http.$n"
	done
	pids=
	for n in $(rrl_numbers $run); do
		(
			$DANECID verify --apex e164.test --trust-anchor "$TREE/anchor.ds" \
				--upstream "127.0.0.1@$RPORT" --timeout "$TMO" \
				"$WORK/rrl.cli.$n.sip" >"$WORK/rrl.cli.$n.out" 2>"$WORK/rrl.cli.$n.err"
			echo $? >"$WORK/rrl.cli.$n.status"
		) &
		pids="$pids $!"
	done
	posts $names
	for p in $pids; do
		wait "$p"
	done
	crashed=0
	wrong=0
	for n in $(rrl_numbers $run); do
		want=$(rrl_want "$n")
		st=$(cat "$WORK/rrl.cli.$n.status")
		last=$(tail -n 1 "$WORK/rrl.cli.$n.out")
		cv="$(json_field "$last" verstat | tr -d '"') $(json_field "$last" reason | tr -d '"')"
		if ! { [ "$st" -le 2 ] && sanitizer_clean "$WORK/rrl.cli.$n.err"; }; then
			crashed=$((crashed + 1))
			echo "# slip $slip: $n: the CLI exited $st: $(tail -n 3 "$WORK/rrl.cli.$n.err" | paste -sd'|' -)"
		fi
		set -- $(cat "$WORK/rrl.http.$n.res")
		hv="$1 $2"
		for v in "$cv" "$hv"; do
			rrl_calls=$((rrl_calls + 1))
			[ "$v" = "No-TN-Validation dns-unavailable" ] && rrl_unavail=$((rrl_unavail + 1))
			[ "$v" = "TN-Validation-Failed dnssec-bogus" ] && rrl_bogus=$((rrl_bogus + 1))
			case "|$want|" in
			*"|$v|"*) ;;
			*)
				wrong=$((wrong + 1))
				echo "# slip $slip: $n: got '$v', want one of '$want'"
				;;
			esac
		done
	done
	rrl_wrong=$((rrl_wrong + wrong))
	rrl_runs=$((rrl_runs + 2))
	check "rrl slip $slip: no CLI process crashed ($crashed)" [ "$crashed" = 0 ]
	[ "$crashed" = 0 ] && rrl_clean=$((rrl_clean + 1))
	if alive; then
		ok "rrl slip $slip: danecidd is alive"
		rrl_clean=$((rrl_clean + 1))
	else
		not_ok "rrl slip $slip: danecidd is alive" "$(tail -n 5 "$WORK/danecidd.log")"
	fi
	check "rrl slip $slip: every verdict allowed, no wrong pass ($wrong wrong)" \
		[ "$wrong" = 0 ]
	check "rrl slip $slip: NSD limited its answers" grep -q 'ratelimit block' "$RRL_TREE/nsd.log"
	stop_daemon || not_ok "rrl slip $slip: danecidd stopped cleanly"
	"$top_srcdir/zones/serve" stop "$RRL_TREE"
	rm -f "$RRL_TREE/nsd.log"
done
echo "# figure faults-rrl-runs-without-crash: $rrl_clean/$rrl_runs"
echo "# figure faults-rrl-verdicts: $rrl_calls calls, $rrl_wrong wrong, $rrl_unavail dns-unavailable, $rrl_bogus dnssec-bogus (getdns validation over truncated UDP)"

took "done"
check "no sanitizer report in danecidd's log" sanitizer_clean "$WORK/danecidd.log"
proxy_stop
keep_log
done_testing
