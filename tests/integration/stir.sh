#!/bin/sh
# stir.sh — the STIR semantics of docs/verification.md through danecid verify, clock pinned:
# the shared case table (stir_cases.sh) with the JSON detail of each verdict, then the exact
# Date boundaries and the HTTP-only forms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stir_cases.sh"

start_tree

# want NAME EXIT VERSTAT REASON SIP_CODE FILE [JSON_FRAGMENT...]
want() {
	w_name=$1 w_exit=$2 w_verstat=$3 w_reason=$4 w_code=$5 w_file=$6
	shift 6
	if [ $# -eq 0 ]; then
		EXPECT_JSON= expect "$w_name" "$w_exit" "$w_verstat" "$w_reason" "$w_code" "$w_file"
	fi
	for frag in "$@"; do
		EXPECT_JSON=$frag expect "$w_name ($frag)" "$w_exit" "$w_verstat" "$w_reason" \
			"$w_code" "$w_file"
	done
}

stir_cases

# ---- Date boundaries (freshness 60 s, future skew 5 s), exact with the pinned clock ---------
T=$WORK/cases
for row in "-60|0|TN-Validation-Passed|ok|0" "-61|1|TN-Validation-Failed|stale|403" \
	"5|0|TN-Validation-Passed|ok|0" "6|1|TN-Validation-Failed|stale|403"; do
	IFS='|' read -r off code verstat reason sipc <<ROW
$row
ROW
	invite "$T/date$off" $ALICE $BOB "$(date_hdr "$off")" \
		"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW + off > NOW ? NOW + 5 : NOW)))"
	want "Date $off s from now" "$code" "$verstat" "$reason" "$sipc" "$T/date$off"
done
# iat and Date each fresh, but further apart than the freshness window
invite "$T/date-apart" $ALICE $BOB "$(date_hdr -58)" \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW + 3)))"
want "iat 61 s after the Date" 1 TN-Validation-Failed stale 403 "$T/date-apart" \
	'"detail":"iat 1790000003 and Date 1789999942 are 61 s apart (allowed: 60 s)"'
invite "$T/date-apart-ok" $ALICE $BOB "$(date_hdr -57)" \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW + 3)))"
want "iat 60 s after the Date" 0 TN-Validation-Passed ok 0 "$T/date-apart-ok"
# a div PASSporT is made when the call is diverted: its iat is not held to the Date
shaken_fwd=$(sign alice 12025550100 $FWD --iat $((NOW - 40)))
div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW + 3)))
invite "$T/div-late" $ALICE $BOB "$(date_hdr -40)" "$(hi "$H_FWD" "$BOB")" \
	"Identity: $shaken_fwd" "Identity: $div"
want "diverted 43 s after the Date" 0 TN-Validation-Passed ok 0 "$T/div-late"

# ---- the clock of the CLI is --now: the same request 61 s later is stale ------------------
invite "$T/later" $ALICE $BOB "$(date_hdr 0)" "Identity: $(sign alice 12025550100 14155550100)"
EXTRA_OPTS="--now $((NOW + 61))" expect "the same request verified 61 s later" 1 \
	TN-Validation-Failed stale 403 "$T/later"

# ---- sign: the options that make these PASSporTs --------------------------------------------
check "sign --ppt div needs --div" sh -c "! '$DANECID' sign --key '$KEYS/alice.pem' \
	--orig 12025550100 --dest 14155550100 --ppt div 2>/dev/null"
check "sign --compact needs --ppt none" sh -c "! '$DANECID' sign --key '$KEYS/alice.pem' \
	--orig 12025550100 --dest 14155550100 --compact 2>/dev/null"
check "sign --claims may not redefine orig" sh -c "! '$DANECID' sign --key '$KEYS/alice.pem' \
	--orig 12025550100 --dest 14155550100 --claims '{\"orig\":{\"tn\":\"1\"}}' 2>/dev/null"
out=$("$DANECID" sign --key "$KEYS/alice.pem" --orig 12025550100 --dest 14155550100 \
	--ppt none --compact --iat "$NOW")
check "compact form: header..signature, no ppt parameter" sh -c \
	"printf '%s' '$out' | grep -Eq '^[A-Za-z0-9_-]+\\.\\.[A-Za-z0-9_-]{86};info=<dns:_stir\\.0\\.0\\.1\\.0\\.5\\.5\\.5\\.2\\.0\\.2\\.1\\.e164\\.test>;alg=ES256\$'"
out=$("$DANECID" sign --key "$KEYS/carrier.pem" --orig 12025550100 --dest 14155550100 \
	--ppt div --div 12025550188 --iat "$NOW")
check "div: info names the diverting number's node, ppt=div" sh -c \
	"printf '%s' '$out' | grep -q ';info=<dns:_stir\\.8\\.8\\.1\\.0\\.5\\.5\\.5\\.2\\.0\\.2\\.1\\.e164\\.test>;alg=ES256;ppt=div\$'"

# a malformed policy is also reported on stderr
invite "$T/warn" sip:+12025550155@example.net $BOB "Identity: $(sign carrier 12025550155 14155550100)"
$VERIFY "$T/warn" >/dev/null 2>"$WORK/warn.err"
check "malformed policy: warning on stderr" grep -q '^danecid: warning: the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1.e164.test. has an unknown' "$WORK/warn.err"

done_testing
