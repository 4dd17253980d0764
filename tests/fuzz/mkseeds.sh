#!/bin/sh
# mkseeds — (re)make the seed inputs of the fuzz targets, and the two headers they depend on.
#
# usage: tests/fuzz/mkseeds.sh BUILDDIR [TARGET...]
#   BUILDDIR: a build of this tree (its src/cli/danecid signs the PASSporTs).
#   TARGET: only these targets' seeds (default: all). identity, sip and http go together:
#   their PASSporTs are signed with one fresh key.
# needs: openssl, jq, xxd, drill, and what zones/sign-tree and zones/serve need (ldnsutils, NSD).
#
# writes:
#   tests/fuzz/fuzz_key.h           the public half of a fresh P-256 key that signs every seed
#                                   PASSporT (the private half is thrown away)
#   tests/fuzz/fuzz_dnswire_zone.h  the DNSKEY response of e164.test., the DS of its KSK and
#                                   the time of the capture (the dnswire target's clock)
#   tests/fuzz/fuzz_x509_pki.h      the root and CRLs of a test PKI (tests/integration/pki.sh,
#                                   made for the pinned clock) the x509 target validates with
#   tests/fuzz/corpus/<name>/seed-* the seeds of each target (other files there, the inputs
#                                   merged from fuzzing runs, are left alone)
#   tests/fuzz/seeds/wycheproof-jws/ every "jws" of Wycheproof's json_web_signature_test.json
#
# The dnswire seeds are real NSD responses: zones/sign-tree signs the example tree with fresh
# keys, zones/serve starts NSD on loopback, drill asks (DO bit) and saves the wire bytes.
set -eu

die() { echo "mkseeds: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: mkseeds.sh BUILDDIR [TARGET...]"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)
shift
TARGETS=${*:-config dnswire http identity sip tn x509}
case " $TARGETS " in
*" identity "* | *" sip "* | *" http "*) TARGETS="$TARGETS identity sip http" ;;
esac
want() { case " $TARGETS " in *" $1 "*) return 0 ;; *) return 1 ;; esac }
for tool in openssl jq xxd drill; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
# the integration tests' helpers: DANECID, NOW, WORK and TREE (removed at exit), invite
top_srcdir=$top
top_builddir=$build
. "$top/tests/integration/lib.sh"
set -eu
[ -x "$DANECID" ] || die "$DANECID not found: build first"
DATE=$(date -u -d "@$NOW" '+%a, %d %b %Y %H:%M:%S GMT')

corpus="$here/corpus"
for t in config dnswire http identity sip tn x509; do
	if want $t; then
		mkdir -p "$corpus/$t"
		rm -f "$corpus/$t"/seed-*
	fi
done

if want identity; then
# ---- the signing key ---------------------------------------------------------------------
KEY="$WORK/fuzz.pem"
openssl ecparam -name prime256v1 -genkey -noout -out "$KEY" 2>/dev/null
{
	echo "/* fuzz_key — the P-256 public key that signed the PASSporTs of the identity, sip and http"
	echo " * seeds (written by tests/fuzz/mkseeds.sh; its private half was thrown away). */"
	echo "#ifndef DANECID_FUZZ_KEY_H"
	echo "#define DANECID_FUZZ_KEY_H"
	echo
	echo "static const char fuzz_key_pem[] ="
	openssl pkey -in "$KEY" -pubout | sed -e 's/.*/    "&\\n"/' -e '$ s/$/;/'
	echo
	echo "#endif"
} >"$here/fuzz_key.h"

# sign ARGS...: an Identity header value signed at NOW (+12025550100 → +12025550101 unless
# the arguments say otherwise).
sign() {
	"$DANECID" sign --key "$KEY" --iat "$NOW" --origid 123e4567-e89b-12d3-a456-426614174000 "$@"
}
ORIG=+12025550100
DEST=+12025550101

# ---- identity ----------------------------------------------------------------------------
id="$corpus/identity"
SHAKEN=$(sign --orig $ORIG --dest $DEST)
DIV=$(sign --ppt div --orig $ORIG --dest +12025550199 --div $DEST)
COMPACT=$(sign --ppt none --compact --orig $ORIG --dest $DEST)
# a data: icon and its rcdi digest (RFC 9795 §6)
ICN='data:image/png;base64,iVBORw0KGgo='
ICN_SHA=$(printf '\211PNG\r\n\032\n' | openssl dgst -sha256 -binary | openssl base64 -A)
RCD=$(sign --ppt rcd --orig $ORIG --dest $DEST \
	--claims "{\"rcd\":{\"nam\":\"Alice\",\"icn\":\"$ICN\"},\"rcdi\":{\"/icn\":\"sha256-$ICN_SHA\"},\"crn\":\"Lunch\"}")
printf '%s' "$SHAKEN" >"$id/seed-shaken"
printf '%s' "$DIV" >"$id/seed-div"
printf '%s' "$COMPACT" >"$id/seed-compact"
printf '%s' "$RCD" >"$id/seed-rcd-rcdi"
sign --orig $ORIG --dest $DEST --attest C | tr -d '\n' >"$id/seed-shaken-attest-c"
sign --orig $ORIG --dest "$DEST,+12025550102,+442079460000" | tr -d '\n' >"$id/seed-shaken-3-dest"
sign --orig $ORIG --dest $DEST --x5u https://cert.example.test/sti/carrier.pem |
	tr -d '\n' >"$id/seed-shaken-x5u"
sign --ppt none --orig $ORIG --dest $DEST | tr -d '\n' >"$id/seed-base"
sign --ppt rcd --orig $ORIG --dest $DEST --claims '{"rcd":{"nam":"Alice"}}' |
	tr -d '\n' >"$id/seed-rcd-nam"
sign --ppt rcd --orig $ORIG --dest $DEST \
	--claims '{"rcd":{"nam":"Alice","jcd":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Alice"],["logo",{},"uri","https://example.test/a.png"]]]},"crn":"Lunch"}' |
	tr -d '\n' >"$id/seed-rcd-jcd"
"$DANECID" sign --key "$KEY" --iat $((NOW - 3600)) --orig $ORIG --dest $DEST |
	tr -d '\n' >"$id/seed-shaken-stale"
printf '%s' "${SHAKEN%%;*}" >"$id/seed-shaken-bare-jws"
printf '%s;info="<https://cert.example.test/a.pem>";alg=ES256;ppt="shaken";extra=1' \
	"${SHAKEN%%;*}" >"$id/seed-shaken-quoted-params"

# every Wycheproof JWS (Apache-2.0, see seeds/wycheproof-jws/README.md)
wyc="$here/seeds/wycheproof-jws"
mkdir -p "$wyc"
rm -f "$wyc"/tc-*
jq -r '.testGroups[].tests[] | "\(.tcId)\t\(.jws)"' \
	"$top/tests/vectors/wycheproof/json_web_signature_test.json" |
	while IFS="$(printf '\t')" read -r tc jws; do
		printf '%s' "$jws" >"$wyc/tc-$(printf '%03d' "$tc")"
	done

# ---- sip ---------------------------------------------------------------------------------
sip="$corpus/sip"
F="sip:$ORIG@192.0.2.10;user=phone"
T="sip:$DEST@192.0.2.20;user=phone"
invite "$sip/seed-invite-shaken" "$F" "$T" "Identity: $SHAKEN"
invite "$sip/seed-invite-unsigned" "$F" "$T"
invite "$sip/seed-invite-compact" "$F" "$T" "Date: $DATE" "Identity: $COMPACT"
invite "$sip/seed-invite-rcd" "$F" "$T" "Identity: $SHAKEN" "Identity: $RCD"
invite "$sip/seed-invite-div-history-info" "$F" "sip:+12025550199@192.0.2.20;user=phone" \
	"History-Info: <$T>;index=1,<sip:+12025550199@192.0.2.20;user=phone?Reason=SIP%3Bcause%3D302>;index=1.1;rc=1" \
	"Identity: $SHAKEN" "Identity: $DIV"
invite "$sip/seed-invite-div-diversion" "$F" "sip:+12025550199@192.0.2.20;user=phone" \
	"Diversion: <$T>;reason=unconditional;counter=1" "Identity: $SHAKEN" "Identity: $DIV"
invite "$sip/seed-invite-pai-tel" "sip:anonymous@anonymous.invalid" "tel:+1-202-555-0101" \
	"P-Asserted-Identity: <tel:+12025550100>, \"Alice\" <sip:+12025550100@192.0.2.10;user=phone>" \
	"Privacy: id; header" "Date: $DATE" "Identity: $SHAKEN"
invite "$sip/seed-invite-bad-identity" "$F" "$T" "Identity: not.a.jws;info=<x>;alg=ES512" \
	"Identity: ${SHAKEN%%;*};ppt=unknown"
# compact header names, bare LF line ends
{
	printf 'INVITE sip:%s@192.0.2.20;user=phone SIP/2.0\n' "$DEST"
	printf 'v: SIP/2.0/TCP 192.0.2.10;branch=z9hG4bK-compact\n'
	printf 'f: "Alice" <sip:%s@192.0.2.10;user=phone>;tag=abc\n' "$ORIG"
	printf 't: <tel:%s>\n' "$DEST"
	printf 'i: compact-1@192.0.2.10\n'
	printf 'CSeq: 1 INVITE\n'
	printf 'Identity: %s\n' "$SHAKEN"
	printf 'l: 0\n\n'
} >"$sip/seed-invite-compact-names-lf"
# two messages on one TCP stream, the first with an SDP body
{
	body='v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n'
	len=$(printf "$body" | wc -c)
	printf 'INVITE %s SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.10;branch=z9hG4bK-1\r\n' "$T"
	printf 'From: <%s>;tag=1\r\nTo: <%s>\r\nCall-ID: tcp-1\r\nCSeq: 1 INVITE\r\n' "$F" "$T"
	printf 'Identity: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n' \
		"$SHAKEN" "$len"
	printf "$body"
	printf 'OPTIONS sip:192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.10;branch=z9hG4bK-2\r\n'
	printf 'From: <sip:probe@192.0.2.10>;tag=2\r\nTo: <sip:192.0.2.20>\r\nCall-ID: tcp-2\r\n'
	printf 'CSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n'
} >"$sip/seed-tcp-invite-sdp-options"
printf 'ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-ack\r\nFrom: <%s>;tag=1\r\nTo: <%s>;tag=2\r\nCall-ID: ack-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n' \
	"$T" "$F" "$T" >"$sip/seed-ack"
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-r\r\nFrom: <%s>;tag=1\r\nTo: <%s>;tag=2\r\nCall-ID: resp-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n' \
	"$F" "$T" >"$sip/seed-response-200"

# ---- http --------------------------------------------------------------------------------
http="$corpus/http"
# post FILE BODY [HEADER...]: a POST to the verification path with a Content-Length.
post() {
	f=$1
	b=$2
	shift 2
	{
		printf 'POST /stir/v1/verification HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n'
		printf 'Content-Type: application/json\r\n'
		for h in "$@"; do
			printf '%s\r\n' "$h"
		done
		printf 'Content-Length: %d\r\n\r\n%s' "$(printf '%s' "$b" | wc -c)" "$b"
	} >"$f"
}
json_str() { printf '%s' "$1" | sed 's/"/\\"/g'; }
ATIS="{\"verificationRequest\":{\"from\":{\"tn\":\"$ORIG\"},\"to\":{\"tn\":[\"$DEST\"]},\"time\":$NOW,\"identity\":\"$(json_str "$SHAKEN")\"}}"
post "$http/seed-post-verify" "$ATIS"
post "$http/seed-post-verify-array" "{\"verificationRequest\":{\"from\":{\"tn\":\"$ORIG\"},\"to\":{\"tn\":[\"+12025550199\"]},\"time\":$NOW,\"identity\":[\"$(json_str "$SHAKEN")\",\"$(json_str "$DIV")\"]}}"
post "$http/seed-post-verify-compact" "{\"verificationRequest\":{\"from\":{\"tn\":\"1-202-555-0100\"},\"to\":{\"tn\":[\"$DEST\"]},\"time\":$NOW,\"identity\":\"$(json_str "$COMPACT")\"}}"
post "$http/seed-post-verify-rcd" "{\"verificationRequest\":{\"from\":{\"tn\":\"$ORIG\"},\"to\":{\"tn\":[\"$DEST\",\"+12025550102\"]},\"identity\":[\"$(json_str "$SHAKEN")\",\"$(json_str "$RCD")\"]}}"
post "$http/seed-post-unsigned" "{\"verificationRequest\":{\"from\":{\"tn\":\"$ORIG\"},\"to\":{\"tn\":[\"$DEST\"]}}}"
post "$http/seed-post-dup-key" "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"from\":{\"tn\":\"2\"}}}"
post "$http/seed-post-bad-json" '{"verificationRequest":{"from":{"tn":"+1202'
post "$http/seed-post-nul-string" '{"verificationRequest":{"from":{"tn":"+1202\u0000"},"to":{"tn":["1"]}}}'
post "$WORK/post" "$ATIS"
sed 's#^Content-Type: application/json#Content-Type: text/plain#' "$WORK/post" \
	>"$http/seed-post-wrong-type"
{
	printf 'POST /stir/v1/verification HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-8\r\n'
	printf 'Transfer-Encoding: chunked\r\n\r\n'
	printf '%x\r\n%s\r\n' 20 '{"verificationRequest":{"from":{'
	rest="\"tn\":\"$ORIG\"},\"to\":{\"tn\":[\"$DEST\"]},\"time\":$NOW}}"
	printf '%x\r\n%s\r\n0\r\n\r\n' "$(printf '%s' "$rest" | wc -c)" "$rest"
} >"$http/seed-post-chunked"
printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n' >"$http/seed-get-metrics"
printf 'GET /healthz HTTP/1.0\r\n\r\n' >"$http/seed-get-healthz-1.0"
printf 'HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nPOST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' \
	>"$http/seed-pipelined-head-post-healthz"
printf 'GET /stir/v1/verification?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
	>"$http/seed-get-verify"
printf 'DELETE /nowhere HTTP/1.1\r\nHost: x\r\n\r\n' >"$http/seed-delete-404"
post "$http/seed-post-expect-continue" "$ATIS" "Expect: 100-continue"

fi

if want config; then
# ---- config ------------------------------------------------------------------------------
conf="$corpus/config"
cp "$top/contrib/danecidd.conf" "$conf/seed-contrib-danecidd.conf"
cat >"$conf/seed-every-key" <<'EOF'
apex: E164.Test
trust-anchor: /etc/danecid/anchor.ds
upstream: [::1]@5353
methods: x509, dane
ca-file: "/etc/danecid/sti ca.pem" # a quoted value
ca-path: /etc/danecid/sti-ca.d
crl-file: /etc/danecid/sti-ca.crl
x5u-tls-ca-file: /etc/ssl/certs/ca-certificates.crt
x5u-allow-private: on
spc-map: 1234=+1202555, 709J=1415 ,1234=44
x5u-timeout: 60000
x5u-max-bytes: 1024
x5u-cache-ttl: 0
x5u-cache-max-ttl: 604800
x5u-negative-ttl: 3600
x5u-cache-entries: 1
dns-cache-entries: 0
dns-cache-max-ttl: 86400
sip-listen: 0.0.0.0@5060
http-listen: [::]@8080
reject-on-fail: TRUE
assume-global: 0
min-prefix: 15
freshness: 86400
future-skew: 3600
timeout: 10
deadline: 60000
workers: 256
log-level: Debug
EOF
printf 'apex: e164.test.\r\n\t# indented comment\r\nfreshness:\t60\t# trailing comment\r\n' \
	>"$conf/seed-crlf-tabs"
printf 'apex: e164.test.\nupstream: "127.0.0.1@53" junk\n' >"$conf/seed-text-after-quote"
printf 'apex: e164.test.\nno colon here\n' >"$conf/seed-no-colon"
printf 'workers: 257\n' >"$conf/seed-workers-out-of-range"
printf 'methods: dane,\n' >"$conf/seed-methods-trailing-comma"
printf 'colour: blue\n' >"$conf/seed-unknown-key"
printf 'apex: "e164.test.\n' >"$conf/seed-unterminated-quote"
printf 'apex: e164\000.test.\n' >"$conf/seed-nul-byte"

fi

if want tn; then
# ---- tn ----------------------------------------------------------------------------------
tn="$corpus/tn"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s' "$line" >"$tn/seed-$(printf '%02d' $i)"
done <<'EOF'
+1 (202) 555-0100
12025550100
tel:+1-202-555-0100
tel:+1.202.555.0100;ext=12
tel:5550100;phone-context=+1202
sip:+12025550100@example.test;user=phone
sips:12025550100@example.test;user=phone
"Alice" <sip:+12025550100@example.test;user=phone>;tag=1
sip:%2B1202555%30100@example.test
sip:+1202555%000100@example.test
sip:+12025550100;isub=1@example.test
sip:alice@example.test
+123456789012345
+1234567890123456
*67
tel:+1202#
e164.test.
E164.TEST
_stir.0.0.1.e164.test.
a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.
EOF

fi

if want x509; then
# ---- x509: the x5u documents and TNAuthList values of the integration tests' PKI ----------
# shellcheck source=../integration/pki.sh
. "$top/tests/integration/pki.sh"
PKI="$WORK/pki"
PKI_NOW=$NOW pki_make "$PKI" || die "pki_make failed"
for f in "$PKI"/www/*.pem; do
	case $(basename "$f") in big.pem) continue ;; esac # 300 KB of noise
	cp "$f" "$corpus/x509/seed-x5u-$(basename "$f")"
done
for f in "$PKI"/tn-*.der; do
	cp "$f" "$corpus/x509/seed-tnauth-$(basename "$f" .der | sed 's/^tn-leaf_//')"
done
c_text() { sed -e 's/.*/    "&\\n"/' -e '$ s/$/;/'; }
{
	echo "/* fuzz_x509_pki — the STI-CA root and the CRLs of the test PKI (tests/integration/pki.sh)"
	echo " * that issued the x509 seeds, made for the targets' clock FUZZ_NOW (written by"
	echo " * tests/fuzz/mkseeds.sh; no private key is kept). */"
	echo "#ifndef DANECID_FUZZ_X509_PKI_H"
	echo "#define DANECID_FUZZ_X509_PKI_H"
	echo
	echo "static const char pki_root_pem[] ="
	c_text <"$PKI/root.pem"
	echo
	echo "static const char pki_crl_pem[] ="
	c_text <"$PKI/crl.pem"
	echo
	echo "#endif"
} >"$here/fuzz_x509_pki.h"

fi

if want dnswire; then
# ---- dnswire: real NSD responses ----------------------------------------------------------
"$top/zones/sign-tree" "$TREE" >"$WORK/sign.log" 2>&1 || die "zones/sign-tree failed"
CAPTURED=$(date -u +%s)
PORT=$("$top/zones/serve" start "$TREE") || die "NSD did not start"
dns="$corpus/dnswire"
# ask NAME TYPE FILE: the response to (NAME, TYPE) with the DO bit, in wire form.
ask() {
	drill -p "$PORT" -b 4096 -D -w "$WORK/pkt" @127.0.0.1 "$2" "$1" >/dev/null ||
		die "drill $1 $2 failed"
	sed 's/;.*//' "$WORK/pkt" | xxd -r -p >"$3"
	[ -s "$3" ] || die "empty response to $1 $2"
}
A=e164.test.
ask $A DNSKEY "$dns/seed-dnskey"
ask $A SOA "$dns/seed-soa"
ask _stir.0.0.1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-310-alice"
ask _stir.1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-310-two-keys"
ask _stir.1.1.2.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-311"
ask _stir.2.1.2.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-312"
ask _stir.4.4.1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-001-other-usage"
ask _stir.1.1.1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-bogus"
ask _stir.7.3.3.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-wildcard"
ask _stir.9.9.9.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-nxdomain"
ask _stir.6.6.1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-nodata"
ask 1.0.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-empty-non-terminal"
ask _stir.1.9.9.5.5.5.2.0.2.1.$A TLSA "$dns/seed-tlsa-insecure-delegation"
ask _stir.0.0.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-attest"
ask _stir.6.6.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-deny"
ask _stir.5.5.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-typo-deny"
ask _stir.7.7.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-require"
ask _stir.8.8.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-ppt-div"
ask _stir.2.2.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-unknown-tag"
ask _stir.1.0.5.5.5.2.0.2.1.$A TXT "$dns/seed-txt-nodata"
"$top/zones/serve" stop "$TREE" >/dev/null 2>&1

# the zone the dnswire target validates with: the DNSKEY response, the DS of the KSK
ds=$(awk '$4 == "DS" { print $5, $6, $7, $8 }' "$TREE/anchor.ds" | head -n 1)
[ -n "$ds" ] || die "no DS in $TREE/anchor.ds"
set -- $ds
c_bytes() { xxd -i | sed 's/^ */\t/'; }
{
	echo "/* fuzz_dnswire_zone — the zone e164.test. as zones/sign-tree signed it when the dnswire"
	echo " * seeds were captured from NSD (written by tests/fuzz/mkseeds.sh): its DNSKEY response as"
	echo " * NSD sent it, the DS of its KSK (the trust anchor) and the time of the capture, the"
	echo " * target's clock (the signatures hold from a day before it to 30 days after). */"
	echo "#ifndef DANECID_FUZZ_DNSWIRE_ZONE_H"
	echo "#define DANECID_FUZZ_DNSWIRE_ZONE_H"
	echo
	echo "#include <stdint.h>"
	echo
	echo "#define ZONE_NAME \"e164.test.\""
	echo "#define ZONE_NOW  ((int64_t)$CAPTURED)"
	echo
	echo "static const uint8_t zone_dnskey_response[] = {"
	c_bytes <"$dns/seed-dnskey"
	echo "};"
	echo
	echo "/* DS RDATA: key tag $1, algorithm $2, digest type $3 */"
	echo "static const uint8_t zone_ds[] = {"
	printf '%04x%02x%02x%s' "$1" "$2" "$3" "$4" | xxd -r -p | c_bytes
	echo "};"
	echo
	echo "#endif"
} >"$here/fuzz_dnswire_zone.h"
fi

if command -v clang-format >/dev/null 2>&1; then
	for h in fuzz_dnswire_zone.h fuzz_key.h fuzz_x509_pki.h; do
		clang-format -i "$here/$h"
	done
fi
for t in config dnswire http identity sip tn x509; do
	want $t && echo "mkseeds: $t: $(ls "$corpus/$t" | grep -c '^seed-') seeds"
done
want identity && echo "mkseeds: wycheproof-jws: $(ls "$here/seeds/wycheproof-jws" | grep -c '^tc-') inputs"
exit 0
