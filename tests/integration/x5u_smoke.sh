#!/bin/sh
# x5u_smoke.sh — the test PKI and x5u host of pki.sh, checked with openssl and curl alone: the
# chains verify (or not) as named, TNAuthList is the DER RFC 8226 says, the CRL revokes, and
# nginx serves, caches, stalls, redirects and counts as the tests that use it expect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"

for tool in openssl curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done

P=$WORK/pki
out=$(pki_make "$P" 2>&1)
st=$?
if [ $st -ne 0 ]; then
	echo "Bail out! pki_make failed: $out"
	exit 1
fi
check "pki_make is silent on success" [ -z "$out" ]

# ---- the STI PKI ---------------------------------------------------------------------------
verify() { openssl verify -CAfile "$P/root.pem" -untrusted "$P/inter.pem" "$@" >"$WORK/v.out" 2>&1; }
diag() { cat "$WORK/v.out"; }
for n in one range spc multi mismatch notnauth revoked; do
	check "verify accepts $n" verify "$P/$n.pem"
done
rejects() {
	! verify "$2" && grep -q "$1" "$WORK/v.out"
}
check "verify rejects expired (expired)" rejects 'certificate has expired' "$P/expired.pem"
check "verify rejects future (not yet valid)" rejects 'not yet valid' "$P/future.pem"
check "verify rejects unknown (issuer unknown)" rejects 'unable to get local issuer' "$P/unknown.pem"
check "verify rejects unknown even with its own chain" \
	sh -c '! openssl verify -CAfile "$1/root.pem" -untrusted "$1/www/unknown.pem" "$1/unknown.pem" >/dev/null 2>&1' \
	- "$P"
verify_other() {
	openssl verify -CAfile "$P/other-root.pem" -untrusted "$P/www/unknown.pem" "$P/unknown.pem" \
		>"$WORK/v.out" 2>&1
}
check "unknown verifies against other-root (it is a real chain)" verify_other
crl_rejects_revoked() {
	! verify -crl_check -CRLfile "$P/crl.pem" "$P/revoked.pem" && grep -q 'certificate revoked' "$WORK/v.out"
}
check "crl_check rejects revoked (certificate revoked)" crl_rejects_revoked
check "crl_check accepts one" verify -crl_check -CRLfile "$P/crl.pem" "$P/one.pem"
check "crl_check_all accepts one (root CRL present too)" verify -crl_check_all -CRLfile "$P/crl.pem" \
	"$P/one.pem"
check "crl.pem holds two CRLs" [ "$(grep -c 'BEGIN X509 CRL' "$P/crl.pem")" = 2 ]
check "the root is self-signed, CA:true critical, keyCertSign+cRLSign" sh -c '
	t=$(openssl x509 -in "$1/root.pem" -noout -text)
	printf "%s" "$t" | grep -A1 "Basic Constraints: critical" | grep -q "CA:TRUE" &&
	printf "%s" "$t" | grep -A1 "Key Usage" | grep -q "Certificate Sign, CRL Sign" &&
	[ "$(openssl x509 -in "$1/root.pem" -noout -subject)" = "subject=$(openssl x509 -in "$1/root.pem" -noout -issuer | sed "s/^issuer=//")" ]' \
	- "$P"
check "one has keyUsage digitalSignature" sh -c \
	'openssl x509 -in "$1/one.pem" -noout -ext keyUsage | grep -q "Digital Signature"' - "$P"

# tnauth NAME: the TNAuthList extension value of a leaf, as upper-case hex.
tnauth() {
	openssl asn1parse -in "$P/$1.pem" | grep -A1 ':1.3.6.1.5.5.7.1.26$' | tail -n 1 |
		sed -n 's/.*\[HEX DUMP\]://p'
}
hexof() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F; }
want_tn() {
	got=$(tnauth "$1")
	if [ "$got" = "$2" ]; then
		ok "TNAuthList of $1 = $2"
	else
		not_ok "TNAuthList of $1" "want $2" "got $got"
	fi
}
want_tn one "300FA20D160B$(hexof 12025550100)"
want_tn range "3014A1123010160B$(hexof 12025550200)020164"
want_tn spc "3008A0061604$(hexof 709J)"
want_tn multi "301EA20D160B$(hexof 12025550100)A20D160B$(hexof 12025550101)"
want_tn mismatch "300FA20D160B$(hexof 19995550100)"
want_tn revoked "300FA20D160B$(hexof 12025550100)"
want_tn unknown "300FA20D160B$(hexof 12025550100)"
check "notnauth has no TNAuthList" [ -z "$(tnauth notnauth)" ]

# Dates relative to the real clock.
real=$(date +%s)
date_of() { date -u -d "$(openssl x509 -in "$P/$1.pem" -noout "-$2" | sed 's/^[a-zA-Z]*=//')" +%s; }
near() { [ $(($1 - $2)) -lt 120 ] && [ $(($2 - $1)) -lt 120 ]; }
check "one: notBefore now-1d" near "$(date_of one startdate)" $((real - 86400))
check "one: notAfter now+30d" near "$(date_of one enddate)" $((real + 30 * 86400))
check "expired: now-30d .. now-1d" near "$(date_of expired enddate)" $((real - 86400))
check "expired starts now-30d" near "$(date_of expired startdate)" $((real - 30 * 86400))
check "future: now+10d .. now+40d" near "$(date_of future startdate)" $((real + 10 * 86400))
check "future ends now+40d" near "$(date_of future enddate)" $((real + 40 * 86400))
crl_next=$(openssl crl -in "$P/crl.pem" -noout -nextupdate | sed 's/^nextUpdate=//')
check "CRL nextUpdate now+30d" near "$(date -u -d "$crl_next" +%s)" $((real + 30 * 86400))

# Keys go with their certificates and sign.
key_matches() {
	[ "$(openssl x509 -in "$P/$1.pem" -noout -pubkey)" = "$(openssl pkey -in "$P/$1.key" -pubout)" ]
}
for n in $PKI_LEAVES; do
	check "$n.key is the key of $n.pem" key_matches "$n"
done
if [ -x "$DANECID" ]; then
	check "danecid sign --key one.key" sh -c \
		'"$1" sign --key "$2" --orig 12025550100 --dest 14155550100 --x5u https://x/one.pem >/dev/null' \
		- "$DANECID" "$P/one.key"
fi
if command -v secsipidx >/dev/null 2>&1; then
	check "secsipidx signs with one.key" sh -c 'secsipidx -sign-full -orig-tn 12025550100 \
		-dest-tn 14155550100 -attest A -x5u https://x/one.pem -k "$1" | grep -q "^eyJ"' - "$P/one.key"
fi

# ---- the x5u documents ---------------------------------------------------------------------
chain_ok() {
	# two certificates: the leaf (CN=SHAKEN NAME), then the one that issued it
	openssl crl2pkcs7 -nocrl -certfile "$P/www/$1.pem" | openssl pkcs7 -print_certs -noout |
		grep -E '^(subject|issuer)=' >"$WORK/chain"
	[ "$(wc -l <"$WORK/chain")" = 4 ] &&
		sed -n 1p "$WORK/chain" | grep -q "CN = SHAKEN $1\$" &&
		[ "$(sed -n 2p "$WORK/chain" | sed 's/^issuer=//')" = "$(sed -n 3p "$WORK/chain" | sed 's/^subject=//')" ]
}
diag() { cat "$WORK/chain"; }
for n in $PKI_LEAVES; do
	check "www/$n.pem = leaf then intermediate" chain_ok "$n"
done
check "garbage.pem is 3000 bytes" [ "$(wc -c <"$P/www/garbage.pem")" -eq 3000 ]
is_empty() { [ -f "$1" ] && [ ! -s "$1" ]; }
check "empty.pem is empty" is_empty "$P/www/empty.pem"
check "big.pem is a chain plus 300 KiB" [ "$(wc -c <"$P/www/big.pem")" -gt $((300 * 1024 + 1433)) ]
check "big.pem starts with one's chain" sh -c \
	'[ "$(head -c "$(wc -c <"$1/www/one.pem")" "$1/www/big.pem")" = "$(cat "$1/www/one.pem")" ]' - "$P"
check "keyonly.pem is a key without a certificate" sh -c \
	'openssl pkey -in "$1" -noout && ! grep -q CERTIFICATE "$1"' - "$P/www/keyonly.pem"
diag() { :; }
check "TLS server cert: SAN IP:127.0.0.1, DNS:localhost, from tls-ca" sh -c '
	openssl x509 -in "$1/tls-server.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1, DNS:localhost" &&
	openssl verify -CAfile "$1/tls-ca.pem" "$1/tls-server.pem" >/dev/null' - "$P"

# ---- the x5u host ---------------------------------------------------------------------------
x5u_server_start "$P" || { echo "Bail out! x5u_server_start failed"; exit 1; }
vars_agree() {
	[ -n "$X5U_PORT" ] && [ "$X5U_BASE" = "https://127.0.0.1:$X5U_PORT" ] &&
		[ "$(cat "$P/x5u.port")" = "$X5U_PORT" ] && [ "$X5U_HTTP_PORT" != "$X5U_PORT" ]
}
check "X5U_PORT, X5U_BASE and x5u.port agree" vars_agree
NG_PID=$X5U_PID

CURL="curl -sS --cacert $P/tls-ca.pem"
get() { $CURL -o "$WORK/body" -D "$WORK/head" -w '%{http_code}' "$@" >"$WORK/code" 2>"$WORK/curl.err"; }
header() { tr -d '\r' <"$WORK/head" | grep -i "^$1:" | tail -n 1 | sed 's/^[^:]*: *//'; }
http_diag() { echo "code $(cat "$WORK/code") $(tr -d '\r' <"$WORK/head" | tr '\n' '|') $(cat "$WORK/curl.err")"; }
diag() { http_diag; }

served() {
	get "$X5U_BASE$1" && [ "$(cat "$WORK/code")" = 200 ] && cmp -s "$WORK/body" "$P/www/$2" &&
		[ "$(header Cache-Control)" = "$3" ]
}
check "GET /one.pem: byte-identical, max-age=300" served /one.pem one.pem max-age=300
check "Content-Type application/pem-certificate-chain" \
	[ "$(header Content-Type)" = application/pem-certificate-chain ]
check "GET /short/one.pem: max-age=2" served /short/one.pem one.pem max-age=2
check "GET /nostore/one.pem: no-store" served /nostore/one.pem one.pem no-store
check "GET /big.pem whole" served /big.pem big.pem max-age=300
check "GET /empty.pem: 200, empty" served /empty.pem empty.pem max-age=300
missing_404() { get "$X5U_BASE/missing.pem"; [ "$(cat "$WORK/code")" = 404 ]; }
check "GET /missing.pem: 404" missing_404

# A test shell killed outright (SIGKILL, no trap) still takes its nginx with it. (Its nginx is
# then a zombie until PID 1 reaps it, which here takes up to a second: the slow check below
# gives it that time.)
running() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
K=$WORK/pki-kill
mkdir -p "$K" "$WORK/sub" && cp -R "$P/www" "$P/tls-ca.pem" "$P/tls-server.pem" "$P/tls-server.key" "$K/"
sh -c '. "$1/tests/integration/pki.sh"; x5u_server_start "$2" >/dev/null 2>&1 || exit 9
	echo "$X5U_PID" >"$3/kpid"; exec sleep 30' - "$top_srcdir" "$K" "$WORK/sub" >/dev/null 2>&1 &
shpid=$!
i=0
while [ ! -s "$WORK/sub/kpid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL "$shpid" 2>/dev/null
wait "$shpid" 2>/dev/null
killed_stops() {
	[ -s "$WORK/sub/kpid" ] || return 1
	j=0
	while running "$(cat "$WORK/sub/kpid")" && [ $j -lt 50 ]; do sleep 0.05; j=$((j + 1)); done
	! running "$(cat "$WORK/sub/kpid")"
}
diag() { echo "nginx pid $(cat "$WORK/sub/kpid" 2>/dev/null) still there"; }
check "SIGKILL of the test shell: nginx exits too" killed_stops
! running "$(cat "$WORK/sub/kpid")" || kill -KILL "$(cat "$WORK/sub/kpid")"
diag() { http_diag; }

slow_stalls() {
	t0=$(date +%s)
	$CURL -o /dev/null -m 2 "$X5U_BASE/slow/one.pem" 2>/dev/null
	st=$?
	echo "curl exit $st after $(($(date +%s) - t0)) s" >"$WORK/curl.err"
	[ $st -eq 28 ]
}
check "GET /slow/one.pem does not finish in 2 s (curl exit 28)" slow_stalls

redirected() {
	get "$X5U_BASE/redir/one.pem" && [ "$(cat "$WORK/code")" = 302 ] &&
		[ "$(header Location)" = "$X5U_BASE/one.pem" ] &&
		get -L "$X5U_BASE/redir/one.pem" && [ "$(cat "$WORK/code")" = 200 ] &&
		cmp -s "$WORK/body" "$P/www/one.pem"
}
check "/redir/one.pem: 302 to /one.pem, followed to the file" redirected
loops() {
	$CURL -o /dev/null -L --max-redirs 5 "$X5U_BASE/loop/one.pem" 2>"$WORK/curl.err"
	[ $? -eq 47 ]
}
check "/loop/ redirects to itself (curl exit 47)" loops
to_http() {
	get "$X5U_BASE/tohttp/one.pem" && [ "$(cat "$WORK/code")" = 302 ] &&
		[ "$(header Location)" = "http://127.0.0.1:$X5U_HTTP_PORT/one.pem" ] &&
		curl -sS -o "$WORK/body" "http://127.0.0.1:$X5U_HTTP_PORT/one.pem" &&
		cmp -s "$WORK/body" "$P/www/one.pem"
}
check "/tohttp/one.pem: 302 to plain http, which serves the file" to_http
check "TLS verifies with tls-ca.pem as localhost too" \
	curl -sS -o /dev/null -m 5 --cacert "$P/tls-ca.pem" --resolve "localhost:$X5U_PORT:127.0.0.1" \
	"https://localhost:$X5U_PORT/one.pem"
check "TLS fails without tls-ca.pem" sh -c '! curl -sS -o /dev/null "$1/one.pem" 2>/dev/null' - "$X5U_BASE"

for i in 1 2 3; do
	$CURL -o /dev/null "$X5U_BASE/multi.pem?x=$i"
done
counts() {
	c_one=$(x5u_fetch_count "$P" /one.pem)
	c_multi=$(x5u_fetch_count "$P" /multi.pem)
	c_loop=$(x5u_fetch_count "$P" /loop/one.pem)
	c_none=$(x5u_fetch_count "$P" /range.pem)
	c_miss=$(x5u_fetch_count "$P" /missing.pem)
	echo "one=$c_one multi=$c_multi loop=$c_loop none=$c_none missing=$c_miss" >"$WORK/curl.err"
	# /one.pem: GET, after /redir/, --resolve, plain http (the readiness probe is not logged)
	[ "$c_one" = 4 ] && [ "$c_multi" = 3 ] && [ "$c_loop" = 6 ] && [ "$c_none" = 0 ] &&
		[ "$c_miss" = 1 ]
}
check "x5u_fetch_count counts requests per path" counts

x5u_server_stop "$P"
closed() {
	curl -sS -o /dev/null -m 2 --cacert "$P/tls-ca.pem" "$X5U_BASE/one.pem" 2>"$WORK/curl.err"
	[ $? -eq 7 ] && ! kill -0 "$NG_PID" 2>/dev/null
}
check "after x5u_server_stop the port is closed and nginx is gone" closed

# ---- no nginx outlives its test ---------------------------------------------------------------
# A test that exits (here with status 3) stops its nginx through the EXIT trap, cleanup included.
sub=$WORK/sub
mkdir -p "$sub"
(
	cd "$top_srcdir" && TMPDIR=$sub top_srcdir=$top_srcdir top_builddir=$top_builddir \
		sh -c '. tests/integration/lib.sh; . tests/integration/pki.sh
		x5u_server_start "$1" || exit 9; echo "$X5U_PID" >"$2/pid"; echo "$WORK" >"$2/work"
		exit 3' - "$P" "$sub" >"$sub/out" 2>&1
	echo $? >"$sub/status"
)
trap_stops() {
	[ "$(cat "$sub/status")" = 3 ] && [ -s "$sub/pid" ] && ! kill -0 "$(cat "$sub/pid")" 2>/dev/null &&
		[ ! -d "$(cat "$sub/work")" ]
}
diag() { echo "status $(cat "$sub/status") pid $(cat "$sub/pid" 2>/dev/null) $(cat "$sub/out")"; }
check "exit runs x5u_cleanup: nginx stopped, lib.sh cleanup ran, exit status kept" trap_stops

done_testing
