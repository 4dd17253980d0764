#!/bin/sh
# interop.sh — PASSporTs from secsipidx (an independent STIR/SHAKEN implementation) verified
# by danecid against the signed tree, and danecid's own PASSporTs checked by secsipidx.
. "$(dirname "$0")/lib.sh"

SECSIPIDX=${SECSIPIDX:-$(command -v secsipidx || true)}
if [ -z "$SECSIPIDX" ]; then
	echo "Bail out! secsipidx not found (install the secsipidx package)"
	exit 1
fi
start_tree
T=$WORK

# secsipidx_sign KEY ORIG DEST ATTEST: an Identity value made by secsipidx. It signs with the
# system clock whatever -iat says, so the verifier's clock is pinned to the token's iat.
secsipidx_sign() {
	"$SECSIPIDX" -sign-full -orig-tn "$2" -dest-tn "$3" -attest "$4" \
		-x5u https://certs.example.net/cert.pem -k "$KEYS/$1.pem"
}

# iat_of IDENTITY: the iat claim of a PASSporT.
iat_of() {
	p=${1#*.}
	p=${p%%.*}
	case $((${#p} % 4)) in
	2) p="$p==" ;;
	3) p="$p=" ;;
	esac
	printf '%s' "$p" | tr -- '-_' '+/' | base64 -d | sed -n 's/.*"iat":\([0-9]*\).*/\1/p'
}

id=$(secsipidx_sign alice 12025550100 14155550100 A)
EXTRA_OPTS="--now $(iat_of "$id")"
[ -n "${EXTRA_OPTS#--now }" ] || { echo "Bail out! no iat in the secsipidx token"; exit 1; }
invite "$T/sx-alice" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $id"
EXPECT_JSON='"attest":"A","method":"dane","dnssec":"secure","prefix":"12025550100"' \
	expect "secsipidx token, key pinned at the number" 0 TN-Validation-Passed ok 0 \
	"$T/sx-alice"

id=$(secsipidx_sign carrier 12025550142 14155550100 B)
invite "$T/sx-block" sip:+12025550142@example.net sip:+14155550100@example.org \
	"Identity: $id"
expect "secsipidx token, key pinned at the block" 0 TN-Validation-Passed ok 0 "$T/sx-block"

id=$(secsipidx_sign mallory 12025550100 14155550100 A)
invite "$T/sx-spoof" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $id"
expect "secsipidx token, key not pinned" 1 TN-Validation-Failed key-not-authorized 438 \
	"$T/sx-spoof"

id=$(secsipidx_sign alice 12025550100 14155550100 C)
invite "$T/sx-attest" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $id"
expect "secsipidx token, attestation the node does not allow" 1 TN-Validation-Failed \
	attest-not-allowed 438 "$T/sx-attest"

# The other direction: secsipidx checks what danecid signs (it uses the system clock).
now=$(date +%s)
"$DANECID" sign --key "$KEYS/alice.pem" --orig +12025550100 --dest 14155550100 \
	--iat "$now" >"$T/ours.id"
if out=$("$SECSIPIDX" -check -fidentity "$T/ours.id" -fpubkey "$KEYS/alice.pub.pem" \
	-expire 60 2>&1) && [ "$out" = ok ]; then
	ok "secsipidx accepts a danecid PASSporT under the signer's key"
else
	not_ok "secsipidx accepts a danecid PASSporT under the signer's key" "$out"
fi
if out=$("$SECSIPIDX" -check -fidentity "$T/ours.id" -fpubkey "$KEYS/mallory.pub.pem" \
	-expire 60 2>&1); then
	not_ok "secsipidx rejects a danecid PASSporT under another key" "$out"
else
	ok "secsipidx rejects a danecid PASSporT under another key"
fi

done_testing
