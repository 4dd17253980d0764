#!/bin/sh
# dane.sh — every verdict the DANE method gives, end to end: danecid verify against the
# example tree signed with ldns and served by a real NSD on loopback (zones/).
. "$(dirname "$0")/lib.sh"

start_tree
T=$WORK
SECURE_PASS='"method":"dane","dnssec":"secure"'

# --- passing calls ---------------------------------------------------------------------
invite "$T/alice" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100)"
EXPECT_JSON="$SECURE_PASS,\"prefix\":\"12025550100\"" \
	expect "single number, its holder's key" 0 TN-Validation-Passed ok 0 "$T/alice"
EXPECT_JSON='"orig":"12025550100","dest":["14155550100"],"attest":"A"' \
	expect "verdict carries orig, dest and attest" 0 TN-Validation-Passed ok 0 "$T/alice"

invite "$T/block" 'sip:+1-202-555-0123@example.net;user=phone' tel:+14155550100 \
	"Identity: $(sign carrier 12025550123 14155550100)"
EXPECT_JSON='"prefix":"120255501"' \
	expect "number inside a block, block key" 0 TN-Validation-Passed ok 0 "$T/block"

invite "$T/rollover" sip:+12025550124@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier2 12025550124 14155550100)"
expect "block, second key of a rollover" 0 TN-Validation-Passed ok 0 "$T/rollover"

invite "$T/ignored" sip:+12025550144@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550144 14155550100)"
EXPECT_JSON='"prefix":"120255501"' \
	expect "node with only a TLSA usage danecid ignores: the block decides" 0 \
	TN-Validation-Passed ok 0 "$T/ignored"

invite "$T/require-signed" sip:+12025550177@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550177 14155550100)"
expect "require number, signed" 0 TN-Validation-Passed ok 0 "$T/require-signed"

# P-Asserted-Identity takes precedence over From.
invite "$T/pai" sip:anonymous@anonymous.invalid sip:+14155550100@example.org \
	"P-Asserted-Identity: <sip:+12025550100@example.net;user=phone>" \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "P-Asserted-Identity over an anonymous From" 0 TN-Validation-Passed ok 0 "$T/pai"

invite "$T/pai-wins" sip:+12025550100@example.net sip:+14155550100@example.org \
	"P-Asserted-Identity: <sip:+12025550123@example.net>" \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "P-Asserted-Identity decides even when From matches" 1 TN-Validation-Failed \
	orig-mismatch 438 "$T/pai-wins"

# Freshness boundaries (freshness 60 s, future skew 5 s).
invite "$T/old-ok" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW - 60)))"
expect "iat exactly 60 s old" 0 TN-Validation-Passed ok 0 "$T/old-ok"
invite "$T/ahead-ok" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW + 5)))"
expect "iat exactly 5 s ahead" 0 TN-Validation-Passed ok 0 "$T/ahead-ok"

# Several Identity headers: a broken one does not hide a good one.
invite "$T/two" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign mallory 12025550100 14155550100)" \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "two Identity headers, the second valid" 0 TN-Validation-Passed ok 0 "$T/two"

# --- failed calls ----------------------------------------------------------------------
invite "$T/spoof" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign mallory 12025550100 14155550100)"
expect "spoofed caller signing with its own key" 1 TN-Validation-Failed key-not-authorized \
	438 "$T/spoof"

invite "$T/override" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550100 14155550100)"
EXPECT_JSON='"prefix":"12025550100"' \
	expect "longer prefix overrides its block" 1 TN-Validation-Failed key-not-authorized 438 \
	"$T/override"

invite "$T/revoked" sip:+12025550166@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550166 14155550100)"
expect "carved-out number, signed with the block key" 1 TN-Validation-Failed number-revoked \
	438 "$T/revoked"
invite "$T/revoked-unsigned" sip:+12025550166@example.net sip:+14155550100@example.org
expect "carved-out number, unsigned" 1 TN-Validation-Failed number-revoked 438 \
	"$T/revoked-unsigned"

invite "$T/revoked-typo" sip:+12025550155@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550155 14155550100)"
expect "carve-out whose policy has a bad attest= value still revokes" 1 \
	TN-Validation-Failed number-revoked 438 "$T/revoked-typo"

invite "$T/require" sip:+12025550177@example.net sip:+14155550100@example.org
expect "require number, unsigned" 1 TN-Validation-Failed identity-required 428 "$T/require"

invite "$T/bogus" sip:+12025550111@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550111 14155550100)"
EXPECT_JSON='"dnssec":"bogus"' \
	expect "record edited after signing" 1 TN-Validation-Failed dnssec-bogus 438 "$T/bogus"

invite "$T/stale" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW - 61)))"
expect "iat 61 s old" 1 TN-Validation-Failed stale 403 "$T/stale"
invite "$T/future" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --iat $((NOW + 6)))"
expect "iat 6 s ahead" 1 TN-Validation-Failed stale 403 "$T/future"

invite "$T/orig" sip:+12025550123@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "PASSporT orig is not the caller" 1 TN-Validation-Failed orig-mismatch 438 "$T/orig"

invite "$T/dest" sip:+12025550100@example.net sip:+14155550199@example.org \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "PASSporT dest is not the called number" 1 TN-Validation-Failed dest-mismatch 438 \
	"$T/dest"

invite "$T/attest" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --attest C)"
expect "attestation C where the node allows A,B" 1 TN-Validation-Failed attest-not-allowed \
	438 "$T/attest"

invite "$T/ppt" sip:+12025550188@example.net sip:+14155550100@example.org \
	"Identity: $(sign carrier 12025550188 14155550100)"
expect "shaken PASSporT where the node allows div only" 1 TN-Validation-Failed \
	ppt-not-allowed 438 "$T/ppt"

invite "$T/malformed" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.AAAA;info=<dns:x>;alg=ES256;ppt=shaken"
expect "PASSporT that is not JSON" 1 TN-Validation-Failed identity-malformed 438 \
	"$T/malformed"

good=$(sign alice 12025550100 14155550100)
invite "$T/pptparam" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: ${good%;ppt=shaken};ppt=div"
expect "Identity ppt parameter differs from the PASSporT" 1 TN-Validation-Failed \
	identity-malformed 438 "$T/pptparam"

invite "$T/alg" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(printf '%s' "$good" | sed 's/;alg=ES256/;alg=RS256/')"
expect "Identity alg=RS256" 1 TN-Validation-Failed alg-unsupported 437 "$T/alg"

# A JWS whose header says RS256 (the payload and signature are real, the header is not).
hdr=$(printf '{"alg":"RS256","ppt":"shaken","typ":"passport"}' | base64 -w0 | tr '+/' '-_' |
	tr -d '=')
jws=${good%%;*}
invite "$T/alg-jws" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $hdr.${jws#*.};info=<dns:x>;ppt=shaken"
expect "JWS header alg RS256" 1 TN-Validation-Failed alg-unsupported 437 "$T/alg-jws"

# r = 0: no key can ever have made this signature.
zero=$(head -c 64 /dev/zero | base64 -w0 | tr '+/' '-_' | tr -d '=')
invite "$T/sig" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: ${jws%.*}.$zero;info=<dns:x>;alg=ES256;ppt=shaken"
expect "signature with r = s = 0" 1 TN-Validation-Failed signature-invalid 438 "$T/sig"

# Replay: the same PASSporT in another dialog; a retransmission is not a replay.
CALLID=dialog-1 invite "$T/first" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $good"
CALLID=dialog-1 invite "$T/retrans" sip:+12025550100@example.net \
	sip:+14155550100@example.org "Identity: $good"
CALLID=dialog-2 invite "$T/replay" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $good"
expect "retransmission in the same dialog" 0 TN-Validation-Passed ok 0 "$T/first" "$T/retrans"
expect "same PASSporT in another dialog" 1 TN-Validation-Failed replay 438 "$T/first" \
	"$T/replay"

# A malleated copy, (r, n - s): another valid signature of the same content. Alone it passes
# (it is a real signature); after the original, in another dialog, it is a replay (SPEC §4: the
# replay key is built from the signed content, not from the signature bytes).
mall=$("$top_builddir/tests/tools/malleate" "$good")
[ "$mall" != "$good" ] || echo "Bail out! malleate did not change the signature"
CALLID=dialog-3 invite "$T/malleated" sip:+12025550100@example.net \
	sip:+14155550100@example.org "Identity: $mall"
expect "malleated signature, first seen" 0 TN-Validation-Passed ok 0 "$T/malleated"
expect "malleated signature in another dialog" 1 TN-Validation-Failed replay 438 "$T/first" \
	"$T/malleated"
expect "original after its malleated copy" 1 TN-Validation-Failed replay 438 "$T/malleated" \
	"$T/first"

# --- calls that cannot be decided --------------------------------------------------------
invite "$T/unsigned" sip:+12025550123@example.net sip:+14155550100@example.org
expect "unsigned call" 2 No-TN-Validation no-identity 0 "$T/unsigned"

invite "$T/notreg" sip:+14155550100@example.org sip:+12025550100@example.net \
	"Identity: $(sign mallory 14155550100 12025550100)"
EXPECT_JSON='"dnssec":"secure","prefix":null' \
	expect "number not registered" 2 No-TN-Validation number-not-registered 0 "$T/notreg"

invite "$T/wildcard" sip:+12025553345@example.net sip:+14155550100@example.org \
	"Identity: $(sign mallory 12025553345 14155550100)"
expect "wildcard TLSA is never an authorization" 2 No-TN-Validation number-not-registered 0 \
	"$T/wildcard"

invite "$T/insecure" sip:+12025559912@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025559912 14155550100)"
EXPECT_JSON='"dnssec":"insecure"' \
	expect "unsigned child zone" 2 No-TN-Validation dnssec-insecure 0 "$T/insecure"

invite "$T/notatn" sip:alice@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100)"
expect "caller is not a telephone number" 2 No-TN-Validation not-a-tn 0 "$T/notatn"

invite "$T/context" 'sip:5550100;phone-context=example.net@example.net;user=phone' \
	sip:+14155550100@example.org "Identity: $(sign alice 12025550100 14155550100)"
expect "phone-context number" 2 No-TN-Validation not-a-tn 0 "$T/context"

# DNS that does not answer: never a pass.
stop_tree
expect "DNS server down" 2 No-TN-Validation dns-unavailable 0 "$T/alice"

done_testing
