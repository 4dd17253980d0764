#!/bin/sh
# x509_daemon.sh — the certificate method through danecidd with its real clock, over HTTP and
# SIP: every outcome of the test PKI, concurrent requests for one x5u joined into one fetch, a
# dead x5u answered from the negative cache, private addresses refused, the x5u counters in
# /metrics; and interop with secsipidx both ways (its PASSporTs verified here, ours there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"

SECSIPIDX=${SECSIPIDX:-$(command -v secsipidx || true)}
[ -n "$SECSIPIDX" ] || { echo "Bail out! secsipidx not found"; exit 1; }
start_tree
PKI="$WORK/pki"
pki_make "$PKI" || { echo "Bail out! pki_make failed"; exit 1; }
x5u_server_start "$PKI" || { echo "Bail out! nginx did not start"; exit 1; }
T=$WORK
# start_x509 METHODS ALLOW_PRIVATE: danecidd with the test PKI's trust.
start_x509() {
	start_daemon "methods: $1" "x5u-allow-private: $2" "ca-file: $PKI/root.pem" \
		"crl-file: $PKI/crl.pem" "x5u-tls-ca-file: $PKI/tls-ca.pem" "spc-map: 709J=1202555" \
		"x5u-timeout: 2500" "deadline: 4000" "x5u-negative-ttl: 30"
	BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}
start_x509 dane,x509 yes

# xsign LEAF ORIG DEST URL: a SHAKEN PASSporT signed now, with its own origid.
xsign() {
	"$DANECID" sign --key "$PKI/$1.key" --orig "$2" --dest "$3" --iat "$(date +%s)" \
		--attest A --ppt shaken --x5u "$4" --origid "$(cat /proc/sys/kernel/random/uuid)"
}
# xhttp NAME LEAF ORIG URL VERSTAT CODE REASON [FRAGMENT...]: over HTTP, to +12025550199.
xhttp() {
	xh_name=$1 xh_leaf=$2 xh_orig=$3 xh_url=$4
	shift 4
	xh_v=$1 xh_c=$2 xh_r=$3
	shift 3
	http "$xh_name" "$xh_v" "$xh_c" "$xh_r" \
		"$(atis_req "+$xh_orig" +12025550199 "" "\"$(xsign "$xh_leaf" "$xh_orig" 12025550199 "$xh_url")\"")" \
		"$@"
}
# xsip NAME LEAF ORIG URL VERSTAT CODE REASON: over SIP (UDP).
xsip() {
	invite "$T/sip-$2-$3" "sip:+$3@example.net" sip:+12025550199@example.org \
		"Identity: $(xsign "$2" "$3" 12025550199 "$4")"
	want_sip "$1" x "$5" "$7" "$6" "$T/sip-$2-$3"
}

# 12025550250 is in no node of the tree: dane,x509 hands it to the certificate method.
U=12025550250
xhttp "valid chain (range)" range $U "$X5U_BASE/range.pem" TN-Validation-Passed 0 ok \
	'"method":"x509"' 'TNAuthList range 12025550200+100'
xsip "valid chain (range)" range $U "$X5U_BASE/range.pem" TN-Validation-Passed 0 ok
xhttp "SPC through spc-map" spc 12025550260 "$X5U_BASE/spc.pem" TN-Validation-Passed 0 ok \
	'spc 709J (mapped to 1202555)'
xhttp "a registered number stays with DANE" one 12025550100 "$X5U_BASE/one.pem" \
	TN-Validation-Failed 438 key-not-authorized '"method":"dane"'
for row in "expired cert-invalid certificate has expired" \
	"unknown cert-invalid unable to get local issuer" \
	"mismatch tnauth-mismatch covers one 19995550100" \
	"revoked cert-invalid certificate revoked" \
	"notnauth tnauth-mismatch no TNAuthList"; do
	set -- $row
	leaf=$1 reason=$2
	shift 2
	xhttp "$leaf leaf" "$leaf" $U "$X5U_BASE/$leaf.pem" TN-Validation-Failed 438 "$reason" "$*"
	xsip "$leaf leaf" "$leaf" $U "$X5U_BASE/$leaf.pem" TN-Validation-Failed 438 "$reason"
done
xhttp "garbage x5u" one $U "$X5U_BASE/garbage.pem" TN-Validation-Failed 436 x5u-unavailable \
	'holds something other than PEM certificates'
xsip "garbage x5u" one $U "$X5U_BASE/garbage.pem" TN-Validation-Failed 436 x5u-unavailable

# A dead x5u: the first call waits for the time limit, the next ones are answered from the
# negative cache at once (their PASSporTs are signed before the clock starts). The fetches
# are counted by danecidd itself: nginx logs an aborted request only when it notices.
f0=$(metric danecid_x5u_fetches_total)
for i in 1 2 3 4 5; do
	atis_req "+$U" +12025550199 "" "\"$(xsign range $U 12025550199 "$X5U_BASE/slow/range.pem")\"" \
		>"$T/dead$i.json"
done
t0=$(date +%s%N)
xhttp "x5u timing out" range $U "$X5U_BASE/slow/range.pem" TN-Validation-Failed 436 \
	x5u-unavailable 'no answer within 2500 ms'
first=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
for i in 1 2 3 4 5; do
	http "dead x5u again ($i)" TN-Validation-Failed 436 x5u-unavailable "$(cat "$T/dead$i.json")"
done
rest=$((($(date +%s%N) - t0) / 1000000))
check "first call waited for the limit ($first ms), five more from the negative cache took $rest ms" \
	sh -c '[ "$1" -ge 2400 ] && [ "$2" -lt 1500 ]' _ "$first" "$rest"
f1=$(metric danecid_x5u_fetches_total)
check "the dead x5u was fetched once ($f0 -> $f1)" [ $((f1 - f0)) -eq 1 ]

# Concurrent requests for one x5u (served slowly, ~1.4 s) join one fetch.
n=8
for i in $(seq 1 $n); do
	atis_req "+$U" +12025550199 "" "\"$(xsign range $U 12025550199 "$X5U_BASE/slowish/range.pem")\"" \
		>"$T/conc$i.json"
done
pids=
for i in $(seq 1 $n); do
	curl -sS -m 10 -H 'Content-Type: application/json' --data-binary @"$T/conc$i.json" "$BASE" \
		>"$T/conc$i.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
passed=$(cat "$T"/conc*.out | grep -o '"reasontext":"ok"' | wc -l)
diag() { cat "$T"/conc*.out | cut -c1-300; }
check "$n concurrent calls naming one new x5u: all pass ($passed)" [ "$passed" -eq $n ]
diag() { :; }
check "... with one fetch" [ "$(x5u_fetch_count "$PKI" /slowish/range.pem)" -eq 1 ]
joined=$(metric danecid_x5u_fetch_joined_total)
check "/metrics counts the joined requests ($joined >= $((n - 1)))" [ "${joined:-0}" -ge $((n - 1)) ]
xp=$(metric 'danecid_method_verdicts_total{method="x509",verstat="TN-Validation-Passed"}')
df=$(metric 'danecid_method_verdicts_total{method="dane",verstat="TN-Validation-Failed"}')
check "/metrics counts verdicts by method: x509 passed $xp (>= $n), dane failed $df (>= 1)" \
	sh -c '[ "$1" -ge "$3" ] && [ "$2" -ge 1 ]' _ "${xp:-0}" "${df:-0}" "$n"
hits=$(metric danecid_x5u_cache_hits_total)
neg=$(metric danecid_x5u_cache_negative_hits_total)
check "/metrics counts cache hits ($hits) and negative hits ($neg >= 5)" \
	sh -c '[ "$1" -ge 1 ] && [ "$2" -ge 5 ]' _ "${hits:-0}" "${neg:-0}"

# A reload keeps the x5u cache (same x5u keys): no new fetch after SIGHUP.
f0=$(x5u_fetch_count "$PKI" /range.pem)
xhttp "before SIGHUP" range $U "$X5U_BASE/range.pem" TN-Validation-Passed 0 ok
kill -HUP "$DPID"
i=0
until grep -q "reloaded" "$WORK/danecidd.log" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
xhttp "after SIGHUP" range $U "$X5U_BASE/range.pem" TN-Validation-Passed 0 ok
check "the reload kept the x5u cache: one fetch in all" \
	[ $(($(x5u_fetch_count "$PKI" /range.pem) - f0)) -le 1 ]

# Cache-Control: max-age=2 is honoured: within it no fetch, after it a new one.
xhttp "max-age=2, first call" range $U "$X5U_BASE/short/range.pem" TN-Validation-Passed 0 ok
xhttp "max-age=2, at once again" range $U "$X5U_BASE/short/range.pem" TN-Validation-Passed 0 ok
check "one fetch within max-age" [ "$(x5u_fetch_count "$PKI" /short/range.pem)" -eq 1 ]
sleep 3
xhttp "max-age=2, 3 s later" range $U "$X5U_BASE/short/range.pem" TN-Validation-Passed 0 ok
check "fetched again once max-age had passed" [ "$(x5u_fetch_count "$PKI" /short/range.pem)" -eq 2 ]
check "danecidd stops cleanly (exit 0, no sanitizer report)" stop_daemon

# Private addresses refused (the default): nothing reaches the server.
before=$(x5u_fetch_count "$PKI" /range.pem)
start_x509 dane,x509 no
xhttp "x5u on loopback refused" range $U "$X5U_BASE/range.pem" TN-Validation-Failed 436 \
	x5u-unavailable 'is private or special-purpose'
xsip "x5u on loopback refused" range $U "$X5U_BASE/range.pem" TN-Validation-Failed 436 \
	x5u-unavailable
check "no request reached the x5u server" [ "$(x5u_fetch_count "$PKI" /range.pem)" -eq "$before" ]
check "danecidd stops cleanly (exit 0, no sanitizer report)" stop_daemon

# ---- interop with secsipidx ----
start_x509 x509 yes
id=$("$SECSIPIDX" -sign-full -orig-tn 12025550100 -dest-tn 12025550199 -attest A \
	-x5u "$X5U_BASE/one.pem" -k "$PKI/one.key")
http "secsipidx PASSporT, x5u on the test server" TN-Validation-Passed 0 ok \
	"$(atis_req +12025550100 +12025550199 "" "\"$id\"")" '"method":"x509"'
id=$("$SECSIPIDX" -sign-full -orig-tn 12025550100 -dest-tn 12025550199 -attest A \
	-x5u "$X5U_BASE/one.pem" -k "$PKI/range.key")
http "secsipidx PASSporT signed by another key" TN-Validation-Failed 438 signature-invalid \
	"$(atis_req +12025550100 +12025550199 "" "\"$id\"")"
id=$("$SECSIPIDX" -sign-full -orig-tn 12025550101 -dest-tn 12025550199 -attest A \
	-x5u "$X5U_BASE/one.pem" -k "$PKI/one.key")
http "secsipidx PASSporT for a number its certificate does not cover" TN-Validation-Failed 438 \
	tnauth-mismatch "$(atis_req +12025550101 +12025550199 "" "\"$id\"")"
check "danecidd stops cleanly (exit 0, no sanitizer report)" stop_daemon

# secsipidx checks danecid's PASSporTs: it fetches the x5u (trusting the TLS CA through
# SSL_CERT_FILE) and checks the chain to the STI-CA root (-cert-verify 13: leaf dates, CA file,
# intermediates).
# sx_check NAME WANT(ok|not-ok) LEAF URL
sx_check() {
	"$DANECID" sign --key "$PKI/$3.key" --orig 12025550100 --dest 12025550199 --attest A \
		--ppt shaken --iat "$(date +%s)" --x5u "$4" >"$T/sx.id"
	SSL_CERT_FILE="$PKI/tls-ca.pem" "$SECSIPIDX" -check -fidentity "$T/sx.id" -fpubkey "$4" \
		-expire 60 -ca-file "$PKI/root.pem" -ca-inter "$PKI/inter.pem" -cert-verify 13 \
		>"$T/sx.out" 2>&1
	st=$?
	if { [ "$2" = ok ] && [ $st -eq 0 ]; } || { [ "$2" != ok ] && [ $st -ne 0 ]; }; then
		ok "secsipidx -check: $1 ($2)"
	else
		not_ok "secsipidx -check: $1" "want $2, got exit $st: $(cat "$T/sx.out")"
	fi
}
sx_check "danecid PASSporT with x5u" ok one "$X5U_BASE/one.pem"
sx_check "danecid PASSporT signed by a key that is not the certificate's" not-ok range \
	"$X5U_BASE/one.pem"
sx_check "danecid PASSporT under an unknown root" not-ok unknown "$X5U_BASE/unknown.pem"
sx_check "danecid PASSporT under an expired leaf" not-ok expired "$X5U_BASE/expired.pem"

done_testing
