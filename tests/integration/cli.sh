#!/bin/sh
# cli.sh — the danecid command line as SPEC §7 states it: help, flags, output forms, exit codes.
. "$(dirname "$0")/lib.sh"

start_tree
T=$WORK

# run NAME WANT_EXIT CMD...: exit status of a command, output kept in $T/out and $T/err.
run() {
	name=$1
	want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$name (exit $want)"
	else
		not_ok "$name" "want exit $want, got $got" "stdout: $(cat "$T/out")" \
			"stderr: $(cat "$T/err")"
	fi
}

# diag: what a failed check shows.
diag() {
	echo "stdout: $(cat "$T/out")"
	echo "stderr: $(cat "$T/err")"
}

run "no verb is a usage error" 64 "$DANECID"
run "unknown verb is a usage error" 64 "$DANECID" frobnicate
check "unknown verb is named on stderr" grep -q 'unknown verb "frobnicate"' "$T/err"
run "--help" 0 "$DANECID" --help
check "--help lists the three verbs" sh -c "grep -q 'danecid verify' '$T/out' &&
	grep -q 'danecid sign' '$T/out' && grep -q 'danecid tlsa' '$T/out'"
for verb in verify sign tlsa; do
	run "$verb --help" 0 "$DANECID" $verb --help
	check "$verb --help shows its usage" grep -q "usage: danecid $verb" "$T/out"
done
run "--version" 0 "$DANECID" --version

# tlsa
run "tlsa without --key" 64 "$DANECID" tlsa
run "tlsa with a missing key file" 66 "$DANECID" tlsa --key "$T/nope.pem"
run "tlsa --matching 3" 64 "$DANECID" tlsa --key "$KEYS/alice.pem" --matching 3
run "tlsa of a private key" 0 "$DANECID" tlsa --key "$KEYS/alice.pem"
spki=$(openssl pkey -in "$KEYS/alice.pem" -pubout -outform DER | od -An -v -tx1 | tr -d ' \n')
check "tlsa prints 3 1 0 and the SPKI in hex" [ "$(cat "$T/out")" = "3 1 0 $spki" ]
check "tlsa matches what the signed zone publishes" \
	grep -q "^_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.*TLSA.3 1 0 $spki\$" \
	"$TREE/e164.test.zone.signed"
run "tlsa of the public key" 0 "$DANECID" tlsa --key "$KEYS/alice.pub.pem"
check "public and private key give the same record" [ "$(cat "$T/out")" = "3 1 0 $spki" ]
run "tlsa --matching 1" 0 "$DANECID" tlsa --key "$KEYS/alice.pem" --matching 1
sha=$(openssl pkey -in "$KEYS/alice.pem" -pubout -outform DER | openssl dgst -sha256 -r |
	cut -d' ' -f1)
check "tlsa --matching 1 is the SHA-256 of the SPKI" [ "$(cat "$T/out")" = "3 1 1 $sha" ]
run "tlsa --matching 2" 0 "$DANECID" tlsa --key "$KEYS/alice.pem" --matching 2
check "tlsa --matching 2 has 128 hex digits" \
	sh -c "grep -Eq '^3 1 2 [0-9a-f]{128}\$' '$T/out'"
printf 'not a key\n' >"$T/garbage.pem"
run "tlsa of a file that is not a key" 65 "$DANECID" tlsa --key "$T/garbage.pem"
openssl genpkey -algorithm ed25519 -out "$T/ed.pem" 2>/dev/null
run "tlsa of a non-P-256 key" 65 "$DANECID" tlsa --key "$T/ed.pem"

# sign
run "sign without --dest" 64 "$DANECID" sign --key "$KEYS/alice.pem" --orig 12025550100
run "sign with a bad --orig" 64 "$DANECID" sign --key "$KEYS/alice.pem" --orig 12ab \
	--dest 14155550100
run "sign with --attest D" 64 "$DANECID" sign --key "$KEYS/alice.pem" --orig 12025550100 \
	--dest 14155550100 --attest D
run "sign with --ppt div" 64 "$DANECID" sign --key "$KEYS/alice.pem" --orig 12025550100 \
	--dest 14155550100 --ppt div
run "sign with a public key" 65 "$DANECID" sign --key "$KEYS/alice.pub.pem" \
	--orig 12025550100 --dest 14155550100
run "sign" 0 "$DANECID" sign --key "$KEYS/alice.pem" --orig +1-202-555-0100 \
	--dest +14155550100,14155550101 --attest B --iat 1790000000 \
	--origid 123e4567-e89b-12d3-a456-426614174000
check "sign prints the full form with a dns: info URI" sh -c "grep -Eq \
'^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{86};info=<dns:_stir\\.0\\.0\\.1\\.0\\.5\\.5\\.5\\.2\\.0\\.2\\.1\\.e164\\.test>;alg=ES256;ppt=shaken\$' '$T/out'"
payload=$(cut -d. -f2 "$T/out")
case $((${#payload} % 4)) in 2) payload="$payload==" ;; 3) payload="$payload=" ;; esac
claims=$(printf '%s' "$payload" | tr -- '-_' '+/' | base64 -d)
check "sign writes the claims in RFC 8225 order, canonical numbers" [ "$claims" = \
'{"attest":"B","dest":{"tn":["14155550100","14155550101"]},"iat":1790000000,"orig":{"tn":"12025550100"},"origid":"123e4567-e89b-12d3-a456-426614174000"}' ]
hdr=$(cut -d. -f1 "$T/out" | tr -- '-_' '+/' | base64 -d 2>/dev/null)
check "sign writes the header without x5u" [ "$hdr" = '{"alg":"ES256","ppt":"shaken","typ":"passport"}' ]
run "sign --x5u" 0 "$DANECID" sign --key "$KEYS/alice.pem" --orig 12025550100 \
	--dest 14155550100 --x5u https://certs.example.net/alice.pem
check "sign --x5u puts the URL in info" grep -q ';info=<https://certs.example.net/alice.pem>;alg=ES256;ppt=shaken$' "$T/out"

# verify: usage, configuration, input
invite "$T/call" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign alice 12025550100 14155550100)"
run "verify with an unknown option" 64 $VERIFY --bogus-option x "$T/call"
run "verify without an apex" 64 "$DANECID" verify --trust-anchor "$TREE/anchor.ds" "$T/call"
run "verify with a missing trust anchor" 64 "$DANECID" verify --apex e164.test \
	--trust-anchor "$T/none" "$T/call"
run "verify with a bad --now" 64 $VERIFY --now yesterday "$T/call"
run "verify with a bad --freshness" 64 $VERIFY --freshness -3 "$T/call"
run "verify with methods x509 (not in this version)" 64 $VERIFY --methods x509 "$T/call"
run "verify with a bad upstream" 64 "$DANECID" verify --apex e164.test \
	--trust-anchor "$TREE/anchor.ds" --upstream not-an-ip "$T/call"
run "verify from a file" 0 $VERIFY "$T/call"
check "verify prints exactly one line" [ "$(wc -l <"$T/out")" -eq 1 ]
run "verify from stdin" 0 sh -c "$VERIFY <'$T/call'"
run "verify with the apex's final dot" 0 "$DANECID" verify --apex e164.test. \
	--trust-anchor "$TREE/anchor.ds" --upstream "127.0.0.1@$PORT" --now "$NOW" "$T/call"
ksk=$(grep -l 'DNSKEY[[:space:]]*257 ' "$TREE"/dnssec/K*.key)
run "verify with a DNSKEY trust anchor as ldns-keygen writes it" 0 "$DANECID" verify \
	--apex e164.test --trust-anchor "$ksk" --upstream "127.0.0.1@$PORT" --now "$NOW" "$T/call"
printf 'e164.test. IN A 127.0.0.1\n' >"$T/notanchor"
run "verify with a trust anchor file of other records" 64 "$DANECID" verify --apex e164.test \
	--trust-anchor "$T/notanchor" "$T/call"
cat >"$T/conf" <<CONF
# a configuration file
apex: e164.test
trust-anchor: $TREE/anchor.ds
upstream: 127.0.0.1@$PORT   # the NSD of this test
freshness: 60
CONF
run "verify with --config" 0 "$DANECID" verify --config "$T/conf" --now "$NOW" "$T/call"
run "options override the configuration file" 1 "$DANECID" verify --config "$T/conf" \
	--now "$((NOW + 30))" --freshness 10 "$T/call"
printf 'apex e164.test\n' >"$T/badconf"
run "verify with a broken configuration file" 64 "$DANECID" verify --config "$T/badconf" \
	"$T/call"
check "the configuration error names file and line" grep -q "badconf:1:" "$T/err"
printf 'hello world\r\n\r\n' >"$T/garbage"
run "verify of input that is not SIP" 65 $VERIFY "$T/garbage"
check "not SIP still prints a JSON verdict" grep -q '"verstat":"No-TN-Validation"' "$T/out"
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n' >"$T/response"
run "verify of a SIP response" 65 $VERIFY "$T/response"
: >"$T/empty"
run "verify of an empty input" 65 $VERIFY "$T/empty"
run "verify of a missing file" 66 $VERIFY "$T/missing"
invite "$T/unsigned" sip:+12025550123@example.net sip:+14155550100@example.org
invite "$T/spoof" sip:+12025550100@example.net sip:+14155550100@example.org \
	"Identity: $(sign mallory 12025550100 14155550100)"
run "several files: a failure is the worst status" 1 $VERIFY "$T/call" "$T/spoof" \
	"$T/unsigned"
check "several files: one line each" [ "$(wc -l <"$T/out")" -eq 3 ]
run "several files: not validated beats passed" 2 $VERIFY "$T/call" "$T/unsigned"

done_testing
