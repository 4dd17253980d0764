#!/bin/sh
# stir_daemon.sh — the STIR semantics of docs/verification.md through danecidd: the shared case
# table (stir_cases.sh) sent over SIP (UDP) with the daemon's real clock, each answer checked for
# verstat, RFC 8224 code and reason token; then the HTTP interface with several Identity values,
# the ATIS "time" (the request's Date) and the per-header outcomes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stir_cases.sh"

need_tools curl

start_tree
start_daemon
NOW=$(date +%s)

# The daemon's replay cache lives across the cases: every SHAKEN PASSporT gets its own origid
# (an explicit --origid of a case still wins: the last option counts).
sign() {
	key=$1 orig=$2 dest=$3
	shift 3
	"$DANECID" sign --key "$KEYS/$key.pem" --orig "$orig" --dest "$dest" --iat "$NOW" \
		--origid "$(cat /proc/sys/kernel/random/uuid)" "$@"
}

# the shared case table's want: over SIP
want() { want_sip "$@"; }

stir_cases

# ---- HTTP: several Identity values, time, and the outcome of each ---------------------------
BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
shaken_fwd=$(sign alice 12025550100 $FWD)
div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD)
http "SHAKEN + div as an identity array" TN-Validation-Passed 0 ok \
	"$(atis_req +12025550100 +14155550100 "$NOW" "[\"$shaken_fwd\",\"$div\"]")" \
	'"verified":["12025550100","12025550188"]' '"identities":[{"index":0,"ppt":"shaken"' \
	'{"index":1,"ppt":"div"'

shaken_fwd=$(sign alice 12025550100 $FWD)
div=$(sign mallory 12025550100 14155550100 --ppt div --div $FWD)
http "forged div in an identity array" TN-Validation-Failed 438 key-not-authorized \
	"$(atis_req +12025550100 +14155550100 "$NOW" "[\"$shaken_fwd\",\"$div\"]")"

http "an unknown ppt only" No-TN-Validation 0 no-identity \
	"$(atis_req +12025550100 +14155550100 "$NOW" '"eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://x.example/c>;ppt=future"')" \
	'"ignored":true'

http "time (the Date) 90 s old" TN-Validation-Failed 403 stale \
	"$(atis_req +12025550100 +14155550100 "$((NOW - 90))" "\"$(sign alice 12025550100 14155550100)\"")"

http "compact form, iat from time" TN-Validation-Passed 0 ok \
	"$(atis_req +12025550100 +14155550103 "$NOW" "\"$(sign alice 12025550100 14155550103 --ppt none --compact)\"")" \
	'"form":"compact"'

http "compact form without time" TN-Validation-Failed 438 identity-malformed \
	"$(atis_req +12025550100 +14155550104 "" "\"$(sign alice 12025550100 14155550104 --ppt none --compact)\"")"

http "rich call data" TN-Validation-Passed 0 ok \
	"$(atis_req +12025550100 +14155550100 "$NOW" "\"$(sign alice 12025550100 14155550100 --claims '{"rcd":{"nam":"Alice Example"}}')\"")" \
	'"rcd":{"nam":"Alice Example","integrity":"signature-only"}'

http "malformed policy: the warning is in the answer" TN-Validation-Failed 438 number-revoked \
	"$(atis_req +12025550155 +14155550100 "$NOW" "\"$(sign carrier 12025550155 14155550100)\"")" \
	'"warnings":["the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1.e164.test. has'

check "the daemon logged the malformed policy once" \
	sh -c "[ \$(grep -c 'the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1' '$WORK/danecidd.log') -eq 1 ]"

check "danecidd stops cleanly" stop_daemon
done_testing
