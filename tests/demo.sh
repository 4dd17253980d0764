#!/bin/sh
# demo.sh — sign the example tree, serve it with NSD on loopback, and put realistic calls
# through danecid verify. Run by ./quickstart demo; usage: tests/demo.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
top_builddir=$(cd "${1:-$here/build}" && pwd)
. "$here/tests/integration/lib.sh"

[ -x "$DANECID" ] || { echo "demo: $DANECID not built" >&2; exit 1; }
echo "Signing the example tree e164.test. with fresh keys (zones/sign-tree) ..."
start_tree
echo "NSD serves it on 127.0.0.1 port $PORT; trust anchor: $(cut -f5- "$TREE/anchor.ds" | cut -c1-40)..."
echo
NOW=$(date +%s)
VERIFY="$DANECID verify --apex e164.test --trust-anchor $TREE/anchor.ds --upstream 127.0.0.1@$PORT --now $NOW"
T=$WORK

row() {
	printf '%-34s %-13s %-8s %-21s %-26s %s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}

# call LABEL CALLER SIGNER [sign options]: one INVITE to +1 415 555 0100.
call() {
	label=$1
	caller=$2
	signer=$3
	shift 3
	if [ "$signer" = "-" ]; then
		invite "$T/c" "sip:+$caller@example.net" sip:+14155550100@example.org
	else
		invite "$T/c" "sip:+$caller@example.net" sip:+14155550100@example.org \
			"Identity: $(sign "$signer" "$caller" 14155550100 --iat "$NOW" "$@")"
	fi
	out=$($VERIFY "$T/c" 2>/dev/null)
	status=$?
	v=$(json_field "$out" verstat | tr -d '"')
	r=$(json_field "$out" reason | tr -d '"')
	c=$(json_field "$out" sip_code)
	p=$(json_field "$out" prefix | tr -d '"')
	[ "$p" != null ] || p=-
	row "$label" "+$caller" "$signer" "$v" "$r ($c)" "$status  $p"
}

row "CALL" "CALLER" "SIGNER" "VERSTAT" "REASON (SIP CODE)" "EXIT NODE"
call "legitimate caller" 12025550100 alice
call "number in a carrier's block" 12025550123 carrier
call "spoofed caller, own key" 12025550100 mallory
call "block key on an overriding number" 12025550100 carrier
call "revoked number" 12025550166 carrier
call "unsigned call" 12025550123 -
call "unsigned, holder requires signing" 12025550177 -
call "unregistered number" 14155550199 mallory
call "DNS record forged (bogus)" 12025550111 carrier
call "insecure delegation" 12025559912 alice
call "stale PASSporT (iat 5 min ago)" 12025550100 alice --iat $((NOW - 300))
echo
echo "One verdict in full (danecid verify prints one JSON line per request):"
invite "$T/c" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100 --iat "$NOW")"
$VERIFY "$T/c"

# The certificate method (RFC 8226) on the same machine: a test STI PKI made now, its x5u
# documents served over HTTPS by nginx on loopback.
. "$here/tests/integration/pki.sh"
if command -v nginx >/dev/null 2>&1 && pki_make "$WORK/pki" && x5u_server_start "$WORK/pki"; then
	P=$WORK/pki
	X509="--ca-file $P/root.pem --crl-file $P/crl.pem --x5u-tls-ca-file $P/tls-ca.pem"
	echo
	echo "The certificate method (x509, RFC 8226): STI-CA root, intermediate and leaves made now,"
	echo "x5u documents served by nginx at $X5U_BASE (x5u-allow-private: yes for loopback)"
	echo
	xrow() {
		printf '%-34s %-13s %-10s %-9s %-21s %s
' "$1" "$2" "$3" "$4" "$5" "$6"
	}
	# xcall LABEL METHODS CALLER LEAF DOC [verify options]: signed with the leaf's key, x5u DOC.
	xcall() {
		label=$1 methods=$2 caller=$3 leaf=$4 doc=$5
		shift 5
		invite "$T/x" "sip:+$caller@example.net" sip:+14155550100@example.org \
			"Identity: $("$DANECID" sign --key "$P/$leaf.key" --orig "$caller" \
				--dest 14155550100 --attest A --ppt shaken --iat "$NOW" --x5u "$X5U_BASE/$doc")"
		out=$($VERIFY --methods "$methods" $X509 "$@" "$T/x" 2>/dev/null)
		v=$(json_field "$out" verstat | tr -d '"')
		r=$(json_field "$out" reason | tr -d '"')
		c=$(json_field "$out" sip_code)
		m=$(json_field "$out" method | tr -d '"')
		xrow "$label" "+$caller" "$methods" "$m" "$v" "$r ($c)"
	}
	xrow "CALL" "CALLER" "METHODS" "DECIDED" "VERSTAT" "REASON (SIP CODE)"
	xcall "valid STI certificate" x509 12025550100 one one.pem --x5u-allow-private yes
	xcall "certificate expired" x509 12025550100 expired expired.pem --x5u-allow-private yes
	xcall "certificate revoked (CRL)" x509 12025550100 revoked revoked.pem \
		--x5u-allow-private yes
	xcall "certificate from an unknown CA" x509 12025550100 unknown unknown.pem \
		--x5u-allow-private yes
	xcall "TNAuthList for another number" x509 12025550100 mismatch mismatch.pem \
		--x5u-allow-private yes
	xcall "x5u on a private address" x509 12025550100 one one.pem
	xcall "tree node overrules the cert" dane,x509 12025550100 one one.pem \
		--x5u-allow-private yes
	xcall "no node: the certificate decides" dane,x509 12025550250 range range.pem \
		--x5u-allow-private yes
	x5u_server_stop "$P"
fi

# The same calls through the service SIP servers query: danecidd answers each INVITE with a
# 302 whose P-Asserted-Identity carries the verdict; with reject-on-fail a failed call gets
# the RFC 8224 error itself.
SIPTX="$top_builddir/tests/tools/siptx"
if [ -x "$DANECIDD" ] && [ -x "$SIPTX" ]; then
	start_daemon "reject-on-fail: yes"
	echo
	echo "danecidd on 127.0.0.1: SIP port $SIP_PORT, HTTP port $HTTP_PORT (reject-on-fail: yes)"
	n_call=0
	through_daemon() {
		label=$1
		shift
		n_call=$((n_call + 1))
		invite "$T/daemon-call-$n_call" "$@"
		answer=$("$SIPTX" udp 127.0.0.1 "$SIP_PORT" "$T/daemon-call-$n_call" | tr -d '\r')
		status=$(printf '%s\n' "$answer" | head -n 1)
		extra=$(printf '%s\n' "$answer" | grep -E '^(P-Asserted-Identity|Reason):' | tr '\n' ' ')
		printf '  %-28s -> %s\n  %-28s    %s\n' "$label" "$status" "" "$extra"
	}
	through_daemon "legitimate call (admitted)" sip:+12025550100@example.net \
		sip:+14155550100@example.org \
		"Identity: $(sign alice 12025550100 14155550100 --iat "$NOW" \
			--origid 00000000-0000-4000-8000-000000000001)"
	through_daemon "spoofed call (rejected)" sip:+12025550100@example.net \
		sip:+14155550100@example.org \
		"Identity: $(sign mallory 12025550100 14155550100 --iat "$NOW")"
	through_daemon "unsigned call (admitted)" sip:+12025550123@example.net \
		sip:+14155550100@example.org
	stop_daemon
fi
stop_tree
echo
echo "NSD stopped. The tree, keys and zone files were in $TREE (removed on exit)."
