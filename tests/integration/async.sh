#!/bin/sh
# async.sh — the library on a libevent base (as danecidd's workers use it): many
# verifications in flight on one context at once, each answered, against the real NSD.
. "$(dirname "$0")/lib.sh"

PROBE="$top_builddir/tests/tools/asyncprobe"
[ -x "$PROBE" ] || { echo "Bail out! $PROBE not built"; exit 1; }
diag() {
	echo "$out"
}

start_tree
id=$(sign alice 12025550100 14155550100 --iat "$(date +%s)")
out=$("$PROBE" e164.test "$TREE/anchor.ds" "127.0.0.1@$PORT" 50 "$id")
st=$?

# 50 walks started before the loop ran, none answered yet: the first asks for the zone's
# DNSKEY set (validated once, then every answer is checked with it) and the 49 others, for the
# same name, wait for that lookup instead of asking again: one question in flight.
check "50 verifications started: one DNS question in flight (the others joined it), none answered yet" \
	sh -c "printf '%s\n' '$out' | grep -qx 'in-flight-questions 1 answered-before-loop 0'"
check "all 50 answered (exit $st)" sh -c "[ $st -eq 0 ] && printf '%s\n' '$out' | grep -qx 'done 50'"
# The same PASSporT in 50 dialogs: the first passes, the other 49 are replays.
check "one ok, 49 replays" sh -c "[ \$(printf '%s\n' '$out' | grep -cx 'verdict ok') -eq 1 ] &&
	[ \$(printf '%s\n' '$out' | grep -cx 'verdict replay') -eq 49 ]"

# DNS down: every one of them ends, none passes.
stop_tree
out=$("$PROBE" e164.test "$TREE/anchor.ds" "127.0.0.1@$PORT" 20 "$id")
check "DNS down: 20 verifications, 20 dns-unavailable" \
	sh -c "[ \$(printf '%s\n' '$out' | grep -cx 'verdict dns-unavailable') -eq 20 ]"

done_testing
