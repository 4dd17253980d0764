#!/bin/sh
# x509.sh — the certificate method (RFC 8226) through the CLI: a test STI PKI made at run
# time, x5u documents served over HTTPS by a real nginx on loopback, and every outcome a user
# relies on (valid, expired, unknown root, TNAuthList, CRL, timeout, garbage, private address,
# redirects), the x5u cache, the methods policy (dane, x509, dane,x509, x509,dane), and DANE
# digest records whose key comes from the x5u certificate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"

start_tree
PKI="$WORK/pki"
PKI_NOW=$NOW pki_make "$PKI" || { echo "Bail out! pki_make failed"; exit 1; }
x5u_server_start "$PKI" || { echo "Bail out! nginx did not start"; exit 1; }
T=$WORK

X509="--methods x509 --ca-file $PKI/root.pem --crl-file $PKI/crl.pem \
--x5u-tls-ca-file $PKI/tls-ca.pem --x5u-allow-private yes"
VERIFY_DANE=$VERIFY
VERIFY="$VERIFY_DANE $X509"

# xsign LEAF ORIG DEST URL [danecid sign options...]: signed at $XIAT (default NOW) with a
# leaf's key.
xsign() {
	leaf=$1
	orig=$2
	dest=$3
	url=$4
	shift 4
	"$DANECID" sign --key "$PKI/$leaf.key" --orig "$orig" --dest "$dest" --iat "${XIAT:-$NOW}" \
		--attest A --ppt shaken --x5u "$url" "$@"
}

# xcall FILE LEAF ORIG URL: an INVITE from ORIG to +12025550199 signed by LEAF naming URL.
xcall() {
	invite "$1" "sip:+$3@example.net" sip:+12025550199@example.org \
		"Identity: $(xsign "$2" "$3" 12025550199 "$4")"
}

# ---- valid chains: each TNAuthList entry kind ----
xcall "$T/one" one 12025550100 "$X5U_BASE/one.pem"
EXPECT_JSON='"method":"x509","dnssec":null,"prefix":null' \
	expect "valid chain, TNAuthList one" 0 TN-Validation-Passed ok 0 "$T/one"
EXPECT_JSON='TNAuthList one 12025550100' expect "detail names the entry" 0 \
	TN-Validation-Passed ok 0 "$T/one"
for n in 12025550200 12025550250 12025550299; do
	xcall "$T/range-$n" range "$n" "$X5U_BASE/range.pem"
	expect "range 12025550200+100 covers $n" 0 TN-Validation-Passed ok 0 "$T/range-$n"
done
for n in 12025550199 12025550300 120255502000; do
	xcall "$T/range-$n" range "$n" "$X5U_BASE/range.pem"
	EXPECT_JSON='covers range 12025550200+100' \
		expect "range does not cover $n" 1 TN-Validation-Failed tnauth-mismatch 438 \
		"$T/range-$n"
done
xcall "$T/multi" multi 12025550101 "$X5U_BASE/multi.pem"
expect "second one entry of a list" 0 TN-Validation-Passed ok 0 "$T/multi"
xcall "$T/spc" spc 12025550100 "$X5U_BASE/spc.pem"
EXPECT_JSON='spc 709J (not mapped)' expect "SPC without spc-map" 1 TN-Validation-Failed \
	tnauth-mismatch 438 "$T/spc"
EXTRA_OPTS="--spc-map 709J=+1202555" EXPECT_JSON='spc 709J (mapped to 1202555)' \
	expect "SPC mapped to the number's prefix" 0 TN-Validation-Passed ok 0 "$T/spc"
EXTRA_OPTS="--spc-map 709J=1415,123X=1202555" expect "SPC mapped elsewhere" 1 \
	TN-Validation-Failed tnauth-mismatch 438 "$T/spc"
err=$($VERIFY --spc-map 709J "$T/spc" 2>&1)
check "a broken spc-map is a usage error (exit 64)" sh -c "$VERIFY --spc-map 709J '$T/spc' >/dev/null 2>&1; [ \$? -eq 64 ]"
check "... that says why: $err" sh -c "printf '%s' \"\$1\" | grep -q 'spc-map.*not SPC=PREFIX'" _ "$err"

# ---- certificates that must not pass ----
xcall "$T/expired" expired 12025550100 "$X5U_BASE/expired.pem"
EXPECT_JSON='certificate has expired' expect "expired leaf" 1 TN-Validation-Failed \
	cert-invalid 438 "$T/expired"
xcall "$T/future" future 12025550100 "$X5U_BASE/future.pem"
EXPECT_JSON='not yet valid' expect "leaf not yet valid" 1 TN-Validation-Failed \
	cert-invalid 438 "$T/future"
EXTRA_OPTS="--now $((NOW + 86400 * 12))" expect "the same leaf once valid (clock pinned)" 1 \
	TN-Validation-Failed stale 403 "$T/future"
xcall "$T/unknown" unknown 12025550100 "$X5U_BASE/unknown.pem"
EXPECT_JSON='unable to get local issuer certificate' expect "unknown root" 1 \
	TN-Validation-Failed cert-invalid 438 "$T/unknown"
xcall "$T/mismatch" mismatch 12025550100 "$X5U_BASE/mismatch.pem"
EXPECT_JSON='covers one 19995550100' expect "TNAuthList for another number" 1 \
	TN-Validation-Failed tnauth-mismatch 438 "$T/mismatch"
xcall "$T/notnauth" notnauth 12025550100 "$X5U_BASE/notnauth.pem"
EXPECT_JSON='no TNAuthList extension' expect "no TNAuthList at all" 1 TN-Validation-Failed \
	tnauth-mismatch 438 "$T/notnauth"
xcall "$T/revoked" revoked 12025550100 "$X5U_BASE/revoked.pem"
EXPECT_JSON='certificate revoked' expect "revoked leaf (CRL)" 1 TN-Validation-Failed \
	cert-invalid 438 "$T/revoked"
VERIFY="$VERIFY_DANE --methods x509 --ca-file $PKI/root.pem \
--x5u-tls-ca-file $PKI/tls-ca.pem --x5u-allow-private yes"
expect "the same leaf without crl-file: revocation is not checked" 0 TN-Validation-Passed ok 0 \
	"$T/revoked"
VERIFY="$VERIFY_DANE $X509"
# the leaf "future" is valid from NOW+10d to NOW+40d; the CRLs' nextUpdate is NOW+30d
XIAT=$((NOW + 86400 * 29)) xcall "$T/crl-late" future 12025550100 "$X5U_BASE/future.pem"
EXTRA_OPTS="--now $((NOW + 86400 * 29))" expect "a CRL within its nextUpdate" 0 \
	TN-Validation-Passed ok 0 "$T/crl-late"
XIAT=$((NOW + 86400 * 31)) xcall "$T/crl-old" future 12025550100 "$X5U_BASE/future.pem"
EXTRA_OPTS="--now $((NOW + 86400 * 31))" EXPECT_JSON='CRL has expired' \
	expect "a CRL past its nextUpdate fails closed" 1 TN-Validation-Failed cert-invalid 438 \
	"$T/crl-old"
# the signature must come from the certificate's key
invite "$T/wrongkey" sip:+12025550100@example.net sip:+12025550199@example.org \
	"Identity: $(xsign range 12025550100 12025550199 "$X5U_BASE/one.pem")"
EXPECT_JSON="under the x5u certificate's key" expect "signed by another key" 1 \
	TN-Validation-Failed signature-invalid 438 "$T/wrongkey"

# ---- x5u documents that cannot be had ----
for doc in garbage empty keyonly missing; do
	xcall "$T/doc-$doc" one 12025550100 "$X5U_BASE/$doc.pem"
	expect "x5u $doc" 1 TN-Validation-Failed x5u-unavailable 436 "$T/doc-$doc"
done
xcall "$T/big" one 12025550100 "$X5U_BASE/big.pem"
EXPECT_JSON='larger than 65536 bytes' expect "x5u larger than the limit" 1 \
	TN-Validation-Failed x5u-unavailable 436 "$T/big"
xcall "$T/slow" one 12025550100 "$X5U_BASE/slow/one.pem"
t0=$(date +%s%N)
EXTRA_OPTS="--x5u-timeout 700" EXPECT_JSON='no answer within 700 ms' \
	expect "x5u timing out" 1 TN-Validation-Failed x5u-unavailable 436 "$T/slow"
ms=$((($(date +%s%N) - t0) / 1000000))
check "the timeout holds: answered in $ms ms (limit 700 ms + start-up)" [ "$ms" -lt 2500 ]
xcall "$T/http" one 12025550100 "http://127.0.0.1:$X5U_HTTP_PORT/one.pem"
EXPECT_JSON='is not an https URL' expect "http x5u refused" 1 TN-Validation-Failed \
	x5u-unavailable 436 "$T/http"
xcall "$T/redir" one 12025550100 "$X5U_BASE/redir/one.pem"
expect "one https redirect followed" 0 TN-Validation-Passed ok 0 "$T/redir"
xcall "$T/loop" one 12025550100 "$X5U_BASE/loop/one.pem"
EXPECT_JSON='more than 3 redirects' expect "redirect loop" 1 TN-Validation-Failed \
	x5u-unavailable 436 "$T/loop"
xcall "$T/tohttp" one 12025550100 "$X5U_BASE/tohttp/one.pem"
EXPECT_JSON='redirected to a non-https URL' expect "redirect to http refused" 1 \
	TN-Validation-Failed x5u-unavailable 436 "$T/tohttp"
check "the plain-http port was never asked" \
	[ "$(awk -v p="$X5U_HTTP_PORT" '$2 == p' "$PKI/access.log" | wc -l)" -eq 0 ]
before=$(x5u_fetch_count "$PKI" /private.pem)
xcall "$T/private" one 12025550100 "$X5U_BASE/private.pem"
VERIFY="$VERIFY_DANE --methods x509 --ca-file $PKI/root.pem --x5u-tls-ca-file $PKI/tls-ca.pem"
EXPECT_JSON='127.0.0.1 is private or special-purpose' \
	expect "x5u on a loopback address refused (x5u-allow-private: no)" 1 \
	TN-Validation-Failed x5u-unavailable 436 "$T/private"
xcall "$T/private-name" one 12025550100 "https://localhost:$X5U_PORT/private.pem"
EXPECT_JSON='is private or special-purpose' \
	expect "a name resolving to loopback refused too" 1 TN-Validation-Failed x5u-unavailable \
	436 "$T/private-name"
check "no request reached the server" [ "$(x5u_fetch_count "$PKI" /private.pem)" -eq "$before" ]
VERIFY="$VERIFY_DANE $X509"
# the TLS server must be trusted: without x5u-tls-ca-file the system store does not know it
VERIFY="$VERIFY_DANE --methods x509 --ca-file $PKI/root.pem --x5u-allow-private yes"
expect "x5u host with an untrusted TLS certificate" 1 TN-Validation-Failed x5u-unavailable 436 \
	"$T/one"
VERIFY="$VERIFY_DANE $X509"
# info and x5u must name the same certificate
id=$(xsign one 12025550100 12025550199 "$X5U_BASE/one.pem")
invite "$T/infodiff" sip:+12025550100@example.net sip:+12025550199@example.org \
	"Identity: ${id%%;*};info=<$X5U_BASE/range.pem>;alg=ES256;ppt=shaken"
EXPECT_JSON='name different certificates' expect "info and x5u differ" 1 TN-Validation-Failed \
	x5u-unavailable 436 "$T/infodiff"

# ---- the cache: one process verifying several requests fetches each document once ----
c0=$(x5u_fetch_count "$PKI" /short/one.pem)
for i in 1 2 3; do
	CALLID=cache-$i xcall "$T/cache$i" one 12025550100 "$X5U_BASE/short/one.pem"
done
out=$($VERIFY "$T/cache1" "$T/cache2" "$T/cache3")
check "three calls, one certificate: all pass" [ "$(printf '%s\n' "$out" | grep -c '"verstat":"TN-Validation-Passed"')" -eq 3 ]
check "... with one fetch" [ $(($(x5u_fetch_count "$PKI" /short/one.pem) - c0)) -eq 1 ]
c0=$(x5u_fetch_count "$PKI" /nostore/one.pem)
for i in 1 2; do
	CALLID=nostore-$i xcall "$T/nostore$i" one 12025550100 "$X5U_BASE/nostore/one.pem"
done
$VERIFY "$T/nostore1" "$T/nostore2" >/dev/null
check "Cache-Control: no-store is fetched every time" \
	[ $(($(x5u_fetch_count "$PKI" /nostore/one.pem) - c0)) -eq 2 ]
c0=$(x5u_fetch_count "$PKI" /garbage.pem)
CALLID=neg-1 xcall "$T/neg1" one 12025550100 "$X5U_BASE/garbage.pem"
CALLID=neg-2 xcall "$T/neg2" one 12025550100 "$X5U_BASE/garbage.pem"
out=$($VERIFY "$T/neg1" "$T/neg2")
check "a failed fetch is remembered (negative cache): one fetch for two calls" \
	[ $(($(x5u_fetch_count "$PKI" /garbage.pem) - c0)) -eq 1 ]
check "... and both calls fail" [ "$(printf '%s\n' "$out" | grep -c '"reason":"x5u-unavailable"')" -eq 2 ]
c0=$(x5u_fetch_count "$PKI" /garbage.pem)
$VERIFY --x5u-negative-ttl 0 "$T/neg1" "$T/neg2" >/dev/null
check "x5u-negative-ttl: 0 asks every time" \
	[ $(($(x5u_fetch_count "$PKI" /garbage.pem) - c0)) -eq 2 ]

# ---- methods policy ----
# 12025550100 is registered in the tree (alice); 12025550250 is not.
invite "$T/dane-only" sip:+12025550100@example.net sip:+12025550199@example.org \
	"Identity: $(sign alice 12025550100 12025550199 --attest A)"
VERIFY="$VERIFY_DANE"
EXPECT_JSON='"method":"dane","dnssec":"secure"' expect "methods dane: a DANE-signed call" 0 \
	TN-Validation-Passed ok 0 "$T/dane-only"
expect "methods dane: a certificate-signed call is judged by DANE" 1 TN-Validation-Failed \
	key-not-authorized 438 "$T/one"
VERIFY="$VERIFY_DANE $X509"
EXPECT_JSON='is not an https URL' expect "methods x509: a DANE-signed call (info dns:)" 1 \
	TN-Validation-Failed x5u-unavailable 436 "$T/dane-only"
out=$($VERIFY_DANE --methods x509 --ca-file "$PKI/root.pem" "$T/one" 2>&1)
check "methods x509 needs no apex or trust anchor" [ -n "$out" ]
VERIFY="$VERIFY_DANE $X509 --methods dane,x509"
EXPECT_JSON='"method":"dane"' expect "dane,x509: a registered number is decided by DANE" 0 \
	TN-Validation-Passed ok 0 "$T/dane-only"
EXPECT_JSON='"method":"dane"' expect "dane,x509: DANE's failure is final (no fallback)" 1 \
	TN-Validation-Failed key-not-authorized 438 "$T/one"
xcall "$T/unreg" range 12025550250 "$X5U_BASE/range.pem"
EXPECT_JSON='"method":"x509","dnssec":"secure"' \
	expect "dane,x509: a number not registered falls to x509" 0 TN-Validation-Passed ok 0 \
	"$T/unreg"
xcall "$T/unreg-bad" expired 12025550250 "$X5U_BASE/expired.pem"
expect "dane,x509: ... whose verdict then stands" 1 TN-Validation-Failed cert-invalid 438 \
	"$T/unreg-bad"
invite "$T/unsigned" sip:+12025550177@example.net sip:+12025550199@example.org
expect "dane,x509: an unsigned call from a require number still gets 428" 1 \
	TN-Validation-Failed identity-required 428 "$T/unsigned"
VERIFY="$VERIFY_DANE $X509 --methods x509,dane"
EXPECT_JSON='"method":"x509"' expect "x509,dane: a PASSporT with x5u is decided by x509" 1 \
	TN-Validation-Failed tnauth-mismatch 438 "$T/range-12025550300"
EXPECT_JSON='"method":"dane"' expect "x509,dane: a PASSporT without x5u by DANE" 0 \
	TN-Validation-Passed ok 0 "$T/dane-only"
VERIFY="$VERIFY_DANE $X509"

# ---- DANE digest records (TLSA 3 1 1 / 3 1 2): the key comes from the x5u certificate ----
# Dana's key is pinned by digest at 12025550211 (SHA-256) and 12025550212 (SHA-512). Her
# certificate is self-signed and made now, so at the pinned clock it is not yet valid: DANE-EE
# does not look at issuers or dates (RFC 7671 §5.1), only at the key.
openssl req -x509 -new -key "$KEYS/dana.pem" -subj /CN=dana -days 2 -out "$PKI/www/dana.pem" \
	2>"$WORK/req.err" || { echo "Bail out! openssl req: $(cat "$WORK/req.err")"; exit 1; }
VERIFY="$VERIFY_DANE --x5u-tls-ca-file $PKI/tls-ca.pem --x5u-allow-private yes"
# dcall FILE KEY ORIG [sign options...]: a call from ORIG signed by a key of the tree.
dcall() {
	f=$1 k=$2 o=$3
	shift 3
	invite "$f" "sip:+$o@example.net" sip:+12025550199@example.org \
		"Identity: $(sign "$k" "$o" 12025550199 --attest A "$@")"
}
dcall "$T/dana256" dana 12025550211 --x5u "$X5U_BASE/dana.pem"
EXPECT_JSON='"method":"dane","dnssec":"secure","prefix":"12025550211"' \
	expect "TLSA 3 1 1: the x5u certificate's key matches the SHA-256 digest" 0 \
	TN-Validation-Passed ok 0 "$T/dana256"
EXPECT_JSON='of the x5u certificate, pinned by digest' expect "... and the detail says so" 0 \
	TN-Validation-Passed ok 0 "$T/dana256"
dcall "$T/dana512" dana 12025550212 --x5u "$X5U_BASE/dana.pem"
expect "TLSA 3 1 2: the SHA-512 digest" 0 TN-Validation-Passed ok 0 "$T/dana512"
dcall "$T/dana-other" dana 12025550211 --x5u "$X5U_BASE/one.pem"
EXPECT_JSON="matches none of its digest records" \
	expect "an x5u certificate of another key" 1 TN-Validation-Failed key-not-authorized 438 \
	"$T/dana-other"
dcall "$T/dana-nox5u" dana 12025550211
EXPECT_JSON='the PASSporT names none' expect "digest records, no x5u in the PASSporT" 1 \
	TN-Validation-Failed key-not-authorized 438 "$T/dana-nox5u"
dcall "$T/dana-forged" alice 12025550211 --x5u "$X5U_BASE/dana.pem"
EXPECT_JSON="matches a digest record" \
	expect "Dana's certificate named, signed by another key" 1 TN-Validation-Failed \
	key-not-authorized 438 "$T/dana-forged"
dcall "$T/dana-garbage" dana 12025550211 --x5u "$X5U_BASE/garbage.pem"
EXPECT_JSON='pins 1 key digest(s)' expect "digest records, x5u garbage" 1 TN-Validation-Failed \
	x5u-unavailable 436 "$T/dana-garbage"
VERIFY="$VERIFY_DANE --x5u-tls-ca-file $PKI/tls-ca.pem"
EXPECT_JSON='is private or special-purpose' \
	expect "digest records, x5u on loopback refused by default" 1 TN-Validation-Failed \
	x5u-unavailable 436 "$T/dana256"
VERIFY="$VERIFY_DANE $X509"

# ---- configuration errors are usage errors with a clear message ----
err=$($VERIFY_DANE --methods x509 "$T/one" 2>&1)
check "x509 without ca-file: exit 64 naming ca-file" \
	sh -c "$VERIFY_DANE --methods x509 '$T/one' >/dev/null 2>&1; [ \$? -eq 64 ]"
check "... message: $err" sh -c "printf '%s' \"\$1\" | grep -q 'ca-file'" _ "$err"
err=$($VERIFY_DANE --methods x509 --ca-file "$WORK/none.pem" "$T/one" 2>&1)
check "a missing ca-file is named: $err" sh -c "printf '%s' \"\$1\" | grep -q 'none.pem'" _ "$err"
err=$($VERIFY_DANE --methods x509 --ca-file "$PKI/root.pem" --crl-file "$PKI/root.pem" "$T/one" 2>&1)
check "a crl-file without CRLs is named: $err" sh -c "printf '%s' \"\$1\" | grep -q 'crl-file'" _ "$err"

done_testing
