# stir_cases.sh — the STIR semantics cases (docs/verification.md), one table run twice: by
# stir.sh through danecid verify with the clock pinned, and by stir_daemon.sh through danecidd
# over SIP with the real clock. Sourced after lib.sh and start_tree; the runner defines
#   want NAME EXIT VERSTAT REASON SIP_CODE FILE [JSON_FRAGMENT...]
# (the CLI runner also checks each JSON fragment; the daemon cannot show them over SIP) and
# sets NOW (the clock the PASSporTs and Date headers are made for). Offsets stay clear of the
# freshness boundaries (60 s old, 5 s ahead), which stir.sh tests exactly.

# date_hdr OFFSET: a Date header field for NOW + OFFSET seconds (RFC 3261 §20.17).
date_hdr() {
	printf 'Date: %s' "$(date -u -d "@$((NOW + $1))" '+%a, %d %b %Y %H:%M:%S GMT')"
}

# hi URI...: a History-Info header field with the entries in order (RFC 7044).
hi() {
	out='History-Info:'
	idx=1
	sep=' '
	for u in "$@"; do
		out="$out$sep<$u>;index=$idx"
		sep=', '
		idx="$idx.1"
	done
	printf '%s' "$out"
}

# compact IDENTITY: the same Identity header value with the claims part left out.
compact_of() {
	printf '%s' "$1" | sed 's/^\([^.]*\)\.[^.]*\./\1../'
}

ALICE=sip:+12025550100@example.net
BOB=sip:+14155550100@example.org
FWD=12025550188 # a call-forwarding number whose keys sign div PASSporTs only
H_FWD="sip:+$FWD@example.net;user=phone"

stir_cases() {
	T=$WORK/cases
	mkdir -p "$T"

	# ---- 1. Identity header forms ------------------------------------------------------
	invite "$T/params-case" $ALICE $BOB "Identity: $(sign alice 12025550100 14155550100 |
		sed 's/;info=/;INFO=/; s/;alg=/;Alg=/; s/;ppt=/;PPT=/')"
	want "Identity parameter names in any case" 0 TN-Validation-Passed ok 0 "$T/params-case"

	good=$(sign alice 12025550100 14155550100)
	invite "$T/ppt-param-mismatch" $ALICE $BOB "Identity: ${good%;ppt=shaken};ppt=div"
	want "Identity ppt=div on a shaken PASSporT" 1 TN-Validation-Failed identity-malformed 438 \
		"$T/ppt-param-mismatch" '"identities":[{"index":0,"ppt":"shaken"'

	invite "$T/ppt-param-absent" $ALICE $BOB "Identity: ${good%;ppt=shaken}"
	want "Identity without ppt on a shaken PASSporT" 1 TN-Validation-Failed \
		identity-malformed 438 "$T/ppt-param-absent"

	invite "$T/unknown-ppt" $ALICE $BOB \
		"Identity: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://x.example/c>;ppt=future" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000001)"
	want "unknown ppt ignored, the next header decides" 0 TN-Validation-Passed ok 0 \
		"$T/unknown-ppt" '{"index":0,"ppt":"future","form":"full","ignored":true' \
		'{"index":1,"ppt":"shaken","form":"full","ignored":false,"verstat":"TN-Validation-Passed"'

	invite "$T/unknown-ppt-only" $ALICE $BOB \
		"Identity: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://x.example/c>;ppt=future"
	want "only an unknown ppt: as unsigned" 2 No-TN-Validation no-identity 0 \
		"$T/unknown-ppt-only" '"ignored":true'

	invite "$T/unknown-ppt-require" sip:+12025550177@example.net $BOB \
		"Identity: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://x.example/c>;ppt=future"
	want "only an unknown ppt from a require number" 1 TN-Validation-Failed \
		identity-required 428 "$T/unknown-ppt-require"

	invite "$T/compact" $ALICE $BOB "$(date_hdr 0)" \
		"Identity: $(sign alice 12025550100 14155550100 --ppt none --compact)"
	want "compact form rebuilt from From, To and Date" 0 TN-Validation-Passed ok 0 \
		"$T/compact" '"form":"compact"'

	invite "$T/compact-no-date" $ALICE $BOB \
		"Identity: $(sign alice 12025550100 14155550101 --ppt none --compact)"
	want "compact form without a Date" 1 TN-Validation-Failed identity-malformed 438 \
		"$T/compact-no-date"

	invite "$T/compact-other-date" $ALICE $BOB "$(date_hdr -2)" \
		"Identity: $(sign alice 12025550100 14155550102 --ppt none --compact)"
	want "compact form signed for another Date: no key verifies the rebuilt claims" 1 \
		TN-Validation-Failed key-not-authorized 438 "$T/compact-other-date"

	invite "$T/compact-shaken" $ALICE $BOB "$(date_hdr 0)" \
		"Identity: $(compact_of "$(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000002)")"
	want "compact form of a shaken PASSporT (attest cannot be rebuilt)" 1 \
		TN-Validation-Failed identity-malformed 438 "$T/compact-shaken"

	# ---- 2. Date ----------------------------------------------------------------------------
	invite "$T/date-fresh" $ALICE $BOB "$(date_hdr 0)" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000003)"
	want "Date and iat fresh" 0 TN-Validation-Passed ok 0 "$T/date-fresh"

	invite "$T/date-old" $ALICE $BOB "$(date_hdr -90)" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000004)"
	want "Date 90 s old, iat fresh" 1 TN-Validation-Failed stale 403 "$T/date-old"

	invite "$T/date-ahead" $ALICE $BOB "$(date_hdr 30)" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000005)"
	want "Date 30 s ahead" 1 TN-Validation-Failed stale 403 "$T/date-ahead"

	invite "$T/date-unreadable" $ALICE $BOB "Date: yesterday" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000007)"
	want "unreadable Date" 1 TN-Validation-Failed stale 403 "$T/date-unreadable"

	# ---- 3. Diverted calls (RFC 8946) --------------------------------------------------------
	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000010)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD)
	invite "$T/div" $ALICE $BOB "$(hi "$H_FWD" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "SHAKEN to the forwarding number + div to the new target" 0 TN-Validation-Passed ok 0 \
		"$T/div" '"verified":["12025550100","12025550188"]' \
		'{"index":1,"ppt":"div","form":"full","ignored":false,"verstat":"TN-Validation-Passed","sip_code":0,"reason":"ok"' \
		'"signer":"12025550188","div":"12025550188"'

	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000011)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW + 1)))
	invite "$T/div-diversion" $ALICE $BOB \
		"Diversion: <$H_FWD>;reason=unconditional;counter=1" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "diversion shown by a Diversion header" 0 TN-Validation-Passed ok 0 "$T/div-diversion"

	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000012)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW + 2)))
	invite "$T/div-unshown" $ALICE $BOB "Identity: $shaken_fwd" "Identity: $div"
	want "diversion that no History-Info/Diversion shows" 1 TN-Validation-Failed \
		dest-mismatch 438 "$T/div-unshown"

	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000013)
	div=$(sign mallory 12025550100 14155550100 --ppt div --div $FWD)
	invite "$T/div-forged" $ALICE $BOB "$(hi "$H_FWD" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "div PASSporT signed by a key the diverting number did not publish" 1 \
		TN-Validation-Failed key-not-authorized 438 "$T/div-forged"

	shaken_fwd=$(sign alice 12025550100 14155550199 --origid 00000000-0000-4000-8000-000000000014)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW + 3)))
	invite "$T/div-broken-chain" $ALICE $BOB "$(hi "$H_FWD" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "div.tn not among the SHAKEN dest numbers" 1 TN-Validation-Failed dest-mismatch 438 \
		"$T/div-broken-chain"

	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000017)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW - 120)))
	invite "$T/div-stale" $ALICE $BOB "$(hi "$H_FWD" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "a stale div PASSporT: the chain fails with its reason" 1 TN-Validation-Failed stale 403 \
		"$T/div-stale"

	div=$(sign carrier 12025550100 14155550100 --ppt div --div $FWD --iat $((NOW + 4)))
	invite "$T/div-alone" $ALICE $BOB "$(hi "$H_FWD" "$BOB")" "Identity: $div"
	want "div PASSporT without the original" 1 TN-Validation-Failed dest-mismatch 438 \
		"$T/div-alone"

	shaken_fwd=$(sign alice 12025550100 12025550133 --origid 00000000-0000-4000-8000-000000000015)
	div=$(sign carrier 12025550100 14155550100 --ppt div --div 12025550133)
	invite "$T/div-not-allowed" $ALICE $BOB \
		"$(hi "sip:+12025550133@example.net;user=phone" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div"
	want "div from a number whose policy allows shaken only" 1 TN-Validation-Failed \
		ppt-not-allowed 438 "$T/div-not-allowed"

	shaken_fwd=$(sign alice 12025550100 $FWD --origid 00000000-0000-4000-8000-000000000016)
	div1=$(sign carrier 12025550100 12025550123 --ppt div --div $FWD --iat $((NOW - 1)))
	div2=$(sign carrier 12025550100 14155550100 --ppt div --div 12025550123)
	invite "$T/div-two-hops" $ALICE $BOB \
		"$(hi "$H_FWD" "sip:+12025550123@example.net;user=phone" "$BOB")" \
		"Identity: $shaken_fwd" "Identity: $div2" "Identity: $div1"
	want "two diversions, div PASSporTs in any order" 0 TN-Validation-Passed ok 0 \
		"$T/div-two-hops" '"verified":["12025550100","12025550123","12025550188"]'

	# ---- 4. Per-number policy (SPEC §2) ------------------------------------------------------
	invite "$T/unknown-tag" sip:+12025550122@example.net $BOB \
		"Identity: $(sign carrier 12025550122 14155550100)"
	want "policy with an unknown tag, attest A allowed" 0 TN-Validation-Passed ok 0 \
		"$T/unknown-tag" '"prefix":"12025550122"'

	invite "$T/unknown-tag-b" sip:+12025550122@example.net $BOB \
		"Identity: $(sign carrier 12025550122 14155550100 --attest B)"
	want "policy attest=A, PASSporT attest B" 1 TN-Validation-Failed attest-not-allowed 438 \
		"$T/unknown-tag-b"

	invite "$T/ppt-policy" sip:+12025550188@example.net $BOB \
		"Identity: $(sign carrier 12025550188 14155550100)"
	want "policy ppt=div, SHAKEN PASSporT" 1 TN-Validation-Failed ppt-not-allowed 438 \
		"$T/ppt-policy"

	invite "$T/require-unsigned" sip:+12025550177@example.net $BOB
	want "policy require, unsigned call" 1 TN-Validation-Failed identity-required 428 \
		"$T/require-unsigned"

	invite "$T/deny" sip:+12025550166@example.net $BOB \
		"Identity: $(sign carrier 12025550166 14155550100)"
	want "policy deny" 1 TN-Validation-Failed number-revoked 438 "$T/deny"

	invite "$T/malformed-policy" sip:+12025550155@example.net $BOB \
		"Identity: $(sign carrier 12025550155 14155550100)"
	want "malformed policy: deny still holds, a warning says why" 1 TN-Validation-Failed \
		number-revoked 438 "$T/malformed-policy" '"warnings":["the v=stir1 record at _stir.5.5.1.0.5.5.5.2.0.2.1.e164.test.'

	# ---- 5. Numbers ----------------------------------------------------------------------------
	for row in \
		"tel-global|tel:+1-202-555-0100|0|TN-Validation-Passed|ok|0" \
		"tel-local|tel:5550100;phone-context=+1202|2|No-TN-Validation|not-a-tn|0" \
		"sip-user-phone|sip:+12025550100@example.net;user=phone|0|TN-Validation-Passed|ok|0" \
		"sip-no-plus-user-phone|sip:12025550100@example.net;user=phone|0|TN-Validation-Passed|ok|0" \
		"sip-no-plus|sip:12025550100@example.net|0|TN-Validation-Passed|ok|0" \
		"sip-separators|sip:+1(202)555-0100@example.net;user=phone|0|TN-Validation-Passed|ok|0" \
		"sip-phone-context|sip:5550100;phone-context=+1202@example.net;user=phone|2|No-TN-Validation|not-a-tn|0" \
		"sip-16-digits|sip:+1202555010012345@example.net;user=phone|2|No-TN-Validation|not-a-tn|0" \
		"sip-star|sip:*67@example.net|2|No-TN-Validation|not-a-tn|0" \
		"anonymous|sip:anonymous@anonymous.invalid|2|No-TN-Validation|not-a-tn|0"; do
		n=$((${n:-0} + 1))
		IFS='|' read -r name uri code verstat reason sipc <<EOF
$row
EOF
		invite "$T/num-$name" "$uri" $BOB \
			"Identity: $(sign alice 12025550100 14155550100 --origid "00000000-0000-4000-8001-$(printf '%012d' "$n")")"
		want "number: From $uri" "$code" "$verstat" "$reason" "$sipc" "$T/num-$name"
	done

	invite "$T/anon-pai" sip:anonymous@anonymous.invalid $BOB \
		"P-Asserted-Identity: <tel:+12025550100>" "Privacy: id" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000020)"
	want "anonymous From, Privacy: id, number in P-Asserted-Identity" 0 TN-Validation-Passed \
		ok 0 "$T/anon-pai" '"orig":"12025550100"'

	invite "$T/called-local" $ALICE "tel:5550100;phone-context=+1415" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000021)"
	want "called number with phone-context" 1 TN-Validation-Failed dest-mismatch 438 \
		"$T/called-local"

	# ---- 6. Rich Call Data (RFC 9795) ------------------------------------------------------------
	invite "$T/rcd" $ALICE $BOB "Identity: $(sign alice 12025550100 14155550100 \
		--claims '{"rcd":{"nam":"Alice Example"},"crn":"Lunch?"}')"
	want "SHAKEN with rcd and crn" 0 TN-Validation-Passed ok 0 "$T/rcd" \
		'"rcd":{"nam":"Alice Example","crn":"Lunch?","integrity":"signature-only"}' \
		'"rcd":"verified"}'

	icon='data:image/png;base64,iVBORw0KGgo='
	digest=$(printf '\211PNG\r\n\032\n' | openssl dgst -sha256 -binary | base64)
	invite "$T/rcdi" $ALICE $BOB "Identity: $(sign alice 12025550100 14155550100 \
		--claims "{\"rcd\":{\"nam\":\"Alice\",\"icn\":\"$icon\"},\"rcdi\":{\"/icn\":\"sha256-$digest\"}}")"
	want "rcd icon with a matching rcdi digest" 0 TN-Validation-Passed ok 0 "$T/rcdi" \
		'"integrity":"rcdi"'

	invite "$T/rcdi-bad" $ALICE $BOB "Identity: $(sign alice 12025550100 14155550100 \
		--claims "{\"rcd\":{\"nam\":\"Alice\",\"icn\":\"$icon\"},\"rcdi\":{\"/icn\":\"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"}}")"
	want "rcdi digest that does not match: the call passes, the RCD is not shown" 0 \
		TN-Validation-Passed ok 0 "$T/rcdi-bad" '"rcd":null' '"rcd":"invalid: '

	invite "$T/rcd-ppt" $ALICE $BOB \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000022)" \
		"Identity: $(sign alice 12025550100 14155550100 --ppt rcd --claims '{"rcd":{"nam":"Alice R"}}')"
	want "SHAKEN plus a separate rcd PASSporT" 0 TN-Validation-Passed ok 0 "$T/rcd-ppt" \
		'"rcd":{"nam":"Alice R","integrity":"signature-only"}'

	# ---- 7. Several headers, each with its outcome ----------------------------------------------
	invite "$T/two" $ALICE $BOB \
		"Identity: $(sign mallory 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000030)" \
		"Identity: $(sign alice 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000031)"
	want "a forged header and a good one" 0 TN-Validation-Passed ok 0 "$T/two" \
		'{"index":0,"ppt":"shaken","form":"full","ignored":false,"verstat":"TN-Validation-Failed","sip_code":438,"reason":"key-not-authorized"' \
		'{"index":1,"ppt":"shaken","form":"full","ignored":false,"verstat":"TN-Validation-Passed"'

	invite "$T/all-bad" $ALICE $BOB \
		"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW - 600)))" \
		"Identity: $(sign mallory 12025550100 14155550100 --origid 00000000-0000-4000-8000-000000000032)"
	want "two failing headers: the first failure is the call's" 1 TN-Validation-Failed stale 403 \
		"$T/all-bad" '"reason":"stale"' '"reason":"key-not-authorized"'
}
