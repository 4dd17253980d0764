#!/bin/sh
# stir_daemon.sh — the STIR semantics of docs/verification.md through danecidd: the shared case
# table (stir_cases.sh) sent over SIP (UDP) with the daemon's real clock, each answer checked for
# verstat, RFC 8224 code and reason token; then the HTTP interface with several Identity values,
# the ATIS "time" (the request's Date) and the per-header outcomes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stir_cases.sh"

SIPTX="$top_builddir/tests/tools/siptx"
command -v curl >/dev/null 2>&1 || {
	echo "1..0 # SKIP curl is not installed"
	exit 0
}

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

# want NAME EXIT VERSTAT REASON SIP_CODE FILE [JSON_FRAGMENT...]: over SIP the 302 carries the
# verstat in P-Asserted-Identity and, for a failure, Reason: SIP ;cause=CODE ;text="REASON".
want() {
	w_name=$1 w_verstat=$3 w_reason=$4 w_code=$5 w_file=$6
	rm -f "$WORK/resp".*
	"$SIPTX" -o "$WORK/resp" udp 127.0.0.1 "$SIP_PORT" "$w_file" >/dev/null 2>"$WORK/siptx.err"
	r=$(tr -d '\r' <"$WORK/resp.1" 2>/dev/null)
	status=$(printf '%s\n' "$r" | head -n 1)
	pai=$(printf '%s\n' "$r" | grep -m1 '^P-Asserted-Identity:')
	reason=$(printf '%s\n' "$r" | grep -m1 '^Reason:')
	want_reason=
	[ "$w_verstat" = TN-Validation-Failed ] &&
		want_reason="Reason: SIP ;cause=$w_code ;text=\"$w_reason\""
	if [ "$status" = "SIP/2.0 302 Moved Temporarily" ] &&
		printf '%s' "$pai" | grep -q ";verstat=$w_verstat>\$" &&
		[ "$reason" = "$want_reason" ]; then
		ok "$w_name: $w_verstat${want_reason:+ $w_code $w_reason} over SIP"
	else
		not_ok "$w_name" "want 302, verstat=$w_verstat, '$want_reason'" \
			"got: $(printf '%s' "$r" | paste -sd'|' -)" "$(cat "$WORK/siptx.err")"
	fi
}

stir_cases

# ---- HTTP: several Identity values, time, and the outcome of each ---------------------------
BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
# http NAME VERSTAT CODE REASON BODY [FRAGMENT...]
http() {
	h_name=$1 h_verstat=$2 h_code=$3 h_reason=$4 h_body=$5
	shift 5
	got=$(curl -sS -m 5 -o "$WORK/http.out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$h_body" "$BASE" 2>"$WORK/curl.err")
	head="{\"verificationResponse\":{\"verstat\":\"$h_verstat\",\"reasoncode\":$h_code,\"reasontext\":\"$h_reason\","
	good=true
	[ "$got" = 200 ] && [ "$(head -c ${#head} "$WORK/http.out")" = "$head" ] || good=false
	for frag in "$@"; do
		grep -qF -- "$frag" "$WORK/http.out" || good=false
	done
	if $good; then
		ok "$h_name: HTTP $h_verstat $h_code $h_reason"
	else
		not_ok "$h_name" "want 200 $head $*" "got $got: $(cat "$WORK/http.out")" \
			"$(cat "$WORK/curl.err")"
	fi
}
# req ORIG DEST TIME IDENTITY_JSON: a verification request; TIME "" leaves "time" out.
req() {
	printf '{"verificationRequest":{"from":{"tn":"%s"},"to":{"tn":["%s"]},%s"identity":%s}}' \
		"$1" "$2" "${3:+\"time\":$3,}" "$4"
}

shaken_fwd=$(sign alice 12025550100 $FWD)
div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD)
http "SHAKEN + div as an identity array" TN-Validation-Passed 0 ok \
	"$(req +12025550100 +14155550100 "$NOW" "[\"$shaken_fwd\",\"$div\"]")" \
	'"verified":["12025550100","12025550188"]' '"identities":[{"index":0,"ppt":"shaken"' \
	'{"index":1,"ppt":"div"'

shaken_fwd=$(sign alice 12025550100 $FWD)
div=$(sign mallory 12025550100 14155550100 --ppt div --div $FWD)
http "forged div in an identity array" TN-Validation-Failed 438 key-not-authorized \
	"$(req +12025550100 +14155550100 "$NOW" "[\"$shaken_fwd\",\"$div\"]")"

http "an unknown ppt only" No-TN-Validation 0 no-identity \
	"$(req +12025550100 +14155550100 "$NOW" '"eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://x.example/c>;ppt=future"')" \
	'"ignored":true'

http "time (the Date) 90 s old" TN-Validation-Failed 403 stale \
	"$(req +12025550100 +14155550100 "$((NOW - 90))" "\"$(sign alice 12025550100 14155550100)\"")"

http "compact form, iat from time" TN-Validation-Passed 0 ok \
	"$(req +12025550100 +14155550103 "$NOW" "\"$(sign alice 12025550100 14155550103 --ppt none --compact)\"")" \
	'"form":"compact"'

http "compact form without time" TN-Validation-Failed 438 identity-malformed \
	"$(req +12025550100 +14155550104 "" "\"$(sign alice 12025550100 14155550104 --ppt none --compact)\"")"

http "rich call data" TN-Validation-Passed 0 ok \
	"$(req +12025550100 +14155550100 "$NOW" "\"$(sign alice 12025550100 14155550100 --claims '{"rcd":{"nam":"Alice Example"}}')\"")" \
	'"rcd":{"nam":"Alice Example","integrity":"signature-only"}'

http "malformed policy: the warning is in the answer" TN-Validation-Failed 438 number-revoked \
	"$(req +12025550155 +14155550100 "$NOW" "\"$(sign carrier 12025550155 14155550100)\"")" \
	'"warnings":["the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1.e164.test. has'

check "the daemon logged the malformed policy once" \
	sh -c "[ \$(grep -c 'the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1' '$WORK/danecidd.log') -eq 1 ]"

check "danecidd stops cleanly" stop_daemon
done_testing
