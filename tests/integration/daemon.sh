#!/bin/sh
# daemon.sh — danecidd's life cycle: start, SIGHUP reloads (trust anchor swapped, a broken
# file refused, requests in flight kept), the per-request deadline, SIGTERM.
. "$(dirname "$0")/lib.sh"

start_tree
start_daemon "deadline: 400" "timeout: 5000"
T=$WORK
calls=0
URL="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"

# post FILE IDENTITY: one ATIS verification request for +12025550100; the response body in
# FILE.resp; prints the HTTP status and the time taken.
post() {
	printf '{"verificationRequest":{"from":{"tn":"%s"},"to":{"tn":["+14155550100"]},"time":%s,"identity":"%s"}}' \
		"${3:-+12025550100}" "$(date +%s)" "$2" >"$1.json"
	curl -sS -m 5 -o "$1.resp" -w '%{http_code} %{time_total}' \
		-H 'Content-Type: application/json' --data-binary @"$1.json" "$URL" 2>&1
}

# expect_http NAME VERSTAT REASON: post a fresh PASSporT of alice (its own origid, so never a
# replay of an earlier one) and check the verdict.
expect_http() {
	calls=$((calls + 1))
	id=$(sign alice 12025550100 14155550100 --iat "$(date +%s)" \
		--origid "00000000-0000-4000-9000-$(printf '%012d' $calls)")
	got=$(post "$T/one" "$id")
	if [ "${got%% *}" = 200 ] && grep -q "\"verstat\":\"$2\"" "$T/one.resp" &&
		grep -q "\"reasontext\":\"$3\"" "$T/one.resp"; then
		ok "$1: $2 $3"
	else
		not_ok "$1" "want 200 $2 $3" "got $got: $(cat "$T/one.resp" 2>/dev/null)"
	fi
}

expect_http "running" TN-Validation-Passed ok

# The asynchronous DNS paths of the workers: a BOGUS answer asked again in fresh contexts,
# and the DS questions that find an insecure delegation.
# expect_walk NAME KEY ORIG VERSTAT REASON
expect_walk() {
	calls=$((calls + 1))
	id=$(sign "$2" "$3" 14155550100 --iat "$(date +%s)" \
		--origid "00000000-0000-4000-9000-$(printf '%012d' $calls)")
	printf '{"verificationRequest":{"from":{"tn":"+%s"},"to":{"tn":["+14155550100"]},"identity":"%s"}}' \
		"$3" "$id" >"$T/walk.json"
	got=$(curl -sS -m 5 -o "$T/walk.resp" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/walk.json" "$URL")
	if [ "$got" = 200 ] && grep -q "\"verstat\":\"$4\"" "$T/walk.resp" &&
		grep -q "\"reasontext\":\"$5\"" "$T/walk.resp"; then
		ok "$1: $4 $5"
	else
		not_ok "$1" "want 200 $4 $5" "got $got: $(cat "$T/walk.resp")"
	fi
}
expect_walk "record edited after signing, through the daemon" carrier 12025550111 \
	TN-Validation-Failed dnssec-bogus
expect_walk "unsigned child zone, through the daemon" alice 12025559912 No-TN-Validation \
	dnssec-insecure
expect_walk "number in the block, through the daemon" carrier 12025550142 TN-Validation-Passed ok
expect_walk "unregistered number, through the daemon" mallory 14155550100 No-TN-Validation \
	number-not-registered

# SIGHUP with another trust anchor: the same call is now bogus.
sed 's/ [0-9a-f]*$/ 0000000000000000000000000000000000000000000000000000000000000000/' \
	"$TREE/anchor.ds" >"$T/wrong.ds"
sed "s|^trust-anchor: .*|trust-anchor: $T/wrong.ds|" "$DCONF" >"$T/conf.new"
cp "$DCONF" "$T/conf.good"
cp "$T/conf.new" "$DCONF"
kill -HUP "$DPID"
sleep 0.5
expect_http "after SIGHUP with a wrong trust anchor" TN-Validation-Failed dnssec-bogus

cp "$T/conf.good" "$DCONF"
kill -HUP "$DPID"
sleep 0.5
expect_http "after SIGHUP with the right trust anchor again" TN-Validation-Passed ok

# A broken file is refused and the running configuration stays.
printf 'apex e164.test\n' >"$DCONF"
kill -HUP "$DPID"
sleep 0.5
if kill -0 "$DPID" 2>/dev/null && grep -q "reload failed" "$WORK/danecidd.log"; then
	ok "a broken configuration is refused on SIGHUP and logged"
else
	not_ok "a broken configuration is refused on SIGHUP and logged" "$(tail -3 "$WORK/danecidd.log")"
fi
expect_http "still verifying with the previous configuration" TN-Validation-Passed ok
cp "$T/conf.good" "$DCONF"

# Requests in flight across reloads: every one is answered.
n=0
answered=0
while [ $n -lt 40 ]; do
	n=$((n + 1))
	id=$(sign alice 12025550100 14155550100 --iat "$(date +%s)" --origid "00000000-0000-4000-8000-$(printf '%012d' $n)")
	(
		out=$(post "$T/b$n" "$id")
		case "$out" in 200*) grep -q '"verstat":"TN-Validation-Passed"' "$T/b$n.resp" && echo ok ;; esac
	) >"$T/burst.$n" 2>&1 &
	case $n in 10 | 20 | 30) kill -HUP "$DPID" ;; esac
done
wait_for=0
while [ $wait_for -lt 50 ] && [ "$(cat "$T"/burst.* 2>/dev/null | grep -c '^ok$')" -lt 40 ]; do
	sleep 0.1
	wait_for=$((wait_for + 1))
done
answered=$(cat "$T"/burst.* | grep -c '^ok$')
if [ "$answered" -eq 40 ]; then
	ok "40 requests across 3 reloads: all answered, all passed"
else
	not_ok "40 requests across 3 reloads: all answered, all passed" "answered and passed: $answered"
fi
if curl -fsS "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q 'danecid_reloads_total{result="ok"} 5'; then
	ok "metrics count 5 good reloads"
else
	not_ok "metrics count 5 good reloads" "$(curl -sS "http://127.0.0.1:$HTTP_PORT/metrics" | grep reload)"
fi

# The deadline: DNS that never answers (NSD stopped, not dead) gets a No-TN-Validation within
# the 400 ms deadline although getdns would wait 5 s. The caller is one no call above has
# used (danecidd answers a number it has just looked up from its cache, DNS or not).
nsd_pids=$(pgrep -f "$TREE/nsd.conf")
kill -STOP $nsd_pids
id=$(sign carrier 12025550140 14155550100 --iat "$(date +%s)" \
	--origid 00000000-0000-4000-a000-000000000001)
got=$(post "$T/late" "$id" +12025550140)
kill -CONT $nsd_pids
secs=${got#* }
if [ "${got%% *}" = 200 ] && grep -q '"verstat":"No-TN-Validation"' "$T/late.resp" &&
	grep -q '"reasontext":"dns-unavailable"' "$T/late.resp" &&
	awk -v s="$secs" 'BEGIN { exit !(s >= 0.35 && s < 1.0) }'; then
	ok "silent DNS: answered at the deadline ($secs s): No-TN-Validation dns-unavailable"
else
	not_ok "silent DNS: answered at the deadline" "got $got: $(cat "$T/late.resp")"
fi

stop_daemon
st=$?
if [ "$st" -eq 0 ]; then
	ok "SIGTERM: danecidd exits 0"
else
	not_ok "SIGTERM: danecidd exits 0" "exit status $st" "$(tail -3 "$WORK/danecidd.log")"
fi

done_testing
