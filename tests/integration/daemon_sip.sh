#!/bin/sh
# daemon_sip.sh — danecidd's SIP front-end as SPEC §7 states it, over UDP and TCP: INVITE → 302
# with Contact = Request-URI and the verdict in P-Asserted-Identity ;verstat= (plus Reason on
# failure), reject-on-fail answering with the RFC 8224 code itself, OPTIONS → 200, responses
# that copy the transaction headers exactly, retransmissions answered from the cache without a
# second verification, malformed traffic survived, SIGTERM.
. "$(dirname "$0")/lib.sh"

SIPTX="$top_builddir/tests/tools/siptx"
[ -x "$SIPTX" ] || {
	echo "Bail out! $SIPTX not built"
	exit 1
}

start_tree
start_daemon
T=$WORK

# --- helpers ---------------------------------------------------------------------------------

# flat FILE: the file on one line (CR shown as \r, lines joined by |) for TAP diagnostics.
flat() {
	sed 's/\r$/\\r/' "$1" 2>/dev/null | paste -sd'|' -
}

# tx PROTO NAME FILE...: send the files with siptx; responses in $T/NAME.1, $T/NAME.2, ...;
# the exit status of siptx.
tx() {
	proto=$1
	name=$2
	shift 2
	rm -f "$T/$name".*
	"$SIPTX" ${TX_OPTS:-} -o "$T/$name" "$proto" 127.0.0.1 "$SIP_PORT" "$@" >/dev/null \
		2>"$T/$name.err"
}

# hline FILE NAME: the first header line NAME of a message, without its CR.
hline() {
	tr -d '\r' <"$1" | grep -m1 "^$2:"
}

# resp_tag FILE: the tag danecidd put on the To header of a response.
resp_tag() {
	tr -d '\r' <"$1" | sed -n 's/^To: .*;tag=\([0-9a-f]*\)$/\1/p'
}

# want_response REQ CODE PHRASE TAG [EXTRA...]: the exact response to REQ (TAG "" when the
# request's To already has one) on stdout.
want_response() {
	req=$1
	code=$2
	phrase=$3
	tag=$4
	shift 4
	printf 'SIP/2.0 %s %s\r\n' "$code" "$phrase"
	tr -d '\r' <"$req" | sed -n '/^$/q;/^Via:/p;/^v:/p' | sed 's/$/\r/'
	printf '%s\r\n' "$(hline "$req" From)"
	if [ -n "$tag" ]; then
		printf '%s;tag=%s\r\n' "$(hline "$req" To)" "$tag"
	else
		printf '%s\r\n' "$(hline "$req" To)"
	fi
	printf '%s\r\n' "$(hline "$req" Call-ID)" "$(hline "$req" CSeq)"
	for h in "$@"; do
		printf '%s\r\n' "$h"
	done
	printf 'Content-Length: 0\r\n\r\n'
}

# expect_exact NAME GOT REQ CODE PHRASE [EXTRA...]: GOT holds exactly the response to REQ,
# with a 16-hex-digit To tag of danecidd's.
expect_exact() {
	name=$1
	got=$2
	req=$3
	code=$4
	phrase=$5
	shift 5
	tag=$(resp_tag "$got" 2>/dev/null)
	want_response "$req" "$code" "$phrase" "$tag" "$@" >"$T/want"
	if [ -s "$got" ] && printf '%s' "$tag" | grep -Eq '^[0-9a-f]{16}$' && cmp -s "$got" "$T/want"; then
		ok "$name"
	else
		not_ok "$name" "want: $(flat "$T/want")" "got:  $(flat "$got")"
	fi
}

# diag: what a failed check shows.
diag() {
	echo "${DIAG:-}"
}

# metric NAME_AND_LABELS: the sum of the matching series in /metrics.
metric() {
	curl -fsS -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v pfx="$1" 'index($0, pfx) == 1 { s += $NF } END { print s + 0 }'
}

# options FILE [CALLID]: an OPTIONS request.
options() {
	{
		printf 'OPTIONS sip:verifier@127.0.0.1 SIP/2.0\r\n'
		printf 'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-%s\r\n' "$(basename "$1")"
		printf 'Max-Forwards: 70\r\n'
		printf 'From: <sip:monitor@192.0.2.20>;tag=mon1\r\n'
		printf 'To: <sip:verifier@127.0.0.1>\r\n'
		printf 'Call-ID: %s@192.0.2.20\r\n' "${2:-$(basename "$1")}"
		printf 'CSeq: 1 OPTIONS\r\n'
		printf 'Content-Length: 0\r\n\r\n'
	} >"$1"
}

now() {
	date +%s
}

# fresh KEY ORIG DEST N: an Identity value signed now, with an origid of its own.
fresh() {
	sign "$1" "$2" "$3" --iat "$(now)" --origid "00000000-0000-4000-8000-$(printf '%012d' "$4")"
}

PAI_PASSED='P-Asserted-Identity: <tel:+12025550100;verstat=TN-Validation-Passed>'
PAI_FAILED='P-Asserted-Identity: <tel:+12025550100;verstat=TN-Validation-Failed>'
CONTACT='Contact: <sip:+14155550100@example.org>'
A=sip:+12025550100@example.net
B=sip:+14155550100@example.org

# --- OPTIONS ---------------------------------------------------------------------------------
options "$T/opt"
i=0
until tx udp ping "$T/opt" && head -1 "$T/ping.1" | grep -q '^SIP/2.0 200 OK'; do
	i=$((i + 1))
	[ $i -lt 50 ] || break
	sleep 0.1
done
expect_exact "OPTIONS over UDP: 200 OK with Allow, headers copied" "$T/ping.1" "$T/opt" 200 OK \
	'Allow: INVITE, ACK, CANCEL, OPTIONS'
tx tcp ping-tcp "$T/opt"
expect_exact "OPTIONS over TCP: 200 OK" "$T/ping-tcp.1" "$T/opt" 200 OK \
	'Allow: INVITE, ACK, CANCEL, OPTIONS'

# --- verdicts over UDP -----------------------------------------------------------------------
GOOD=$(fresh alice 12025550100 14155550100 1)
invite "$T/legit" "$A" "$B" "Identity: $GOOD"
verdicts0=$(metric 'danecid_verdicts_total{frontend="sip"')
tx udp legit "$T/legit" "$T/legit"
expect_exact "UDP legitimate call: 302, Contact = Request-URI, verstat=TN-Validation-Passed, no Reason" \
	"$T/legit.1" "$T/legit" 302 "Moved Temporarily" "$CONTACT" "$PAI_PASSED"
check "UDP retransmission (same bytes): byte-identical response" cmp -s "$T/legit.1" "$T/legit.2"
verdicts1=$(metric 'danecid_verdicts_total{frontend="sip"')
DIAG="verdicts before $verdicts0, after $verdicts1" \
	check "the retransmission was not verified again (one verdict for two requests)" \
	[ "$((verdicts1 - verdicts0))" -eq 1 ]

invite "$T/spoof" "$A" "$B" "Identity: $(fresh mallory 12025550100 14155550100 2)"
tx udp spoof "$T/spoof"
expect_exact "UDP spoofed call: 302, verstat=TN-Validation-Failed, Reason 438 key-not-authorized" \
	"$T/spoof.1" "$T/spoof" 302 "Moved Temporarily" "$CONTACT" "$PAI_FAILED" \
	'Reason: SIP ;cause=438 ;text="key-not-authorized"'

invite "$T/unsigned" sip:+12025550123@example.net "$B"
tx udp unsigned "$T/unsigned"
expect_exact "UDP unsigned call: 302, verstat=No-TN-Validation, no Reason" \
	"$T/unsigned.1" "$T/unsigned" 302 "Moved Temporarily" "$CONTACT" \
	'P-Asserted-Identity: <tel:+12025550123;verstat=No-TN-Validation>'

invite "$T/notn" sip:alice@example.com "$B"
tx udp notn "$T/notn"
expect_exact "caller that is not a number: the From URI carries the verstat" \
	"$T/notn.1" "$T/notn" 302 "Moved Temporarily" "$CONTACT" \
	'P-Asserted-Identity: <sip:alice@example.com;verstat=No-TN-Validation>'

CALLID=replay-1 invite "$T/replay" "$A" "$B" "Identity: $GOOD"
tx udp replay "$T/replay"
expect_exact "replay (same PASSporT, another Call-ID): Failed, Reason 438 replay" \
	"$T/replay.1" "$T/replay" 302 "Moved Temporarily" "$CONTACT" "$PAI_FAILED" \
	'Reason: SIP ;cause=438 ;text="replay"'

# --- verdicts over TCP, several requests on one connection -----------------------------------
invite "$T/tlegit" "$A" "$B" "Identity: $(fresh alice 12025550100 14155550100 3)"
invite "$T/tspoof" "$A" "$B" "Identity: $(fresh mallory 12025550100 14155550100 4)"
invite "$T/tunsigned" sip:+12025550123@example.net "$B"
tx tcp tcp "$T/tlegit" "$T/tspoof" "$T/tunsigned" "$T/opt"
check "TCP: four requests on one connection, four responses" [ -s "$T/tcp.4" ]
expect_exact "TCP legitimate call: 302 Passed" "$T/tcp.1" "$T/tlegit" 302 "Moved Temporarily" \
	"$CONTACT" "$PAI_PASSED"
expect_exact "TCP spoofed call: 302 Failed, Reason 438" "$T/tcp.2" "$T/tspoof" 302 \
	"Moved Temporarily" "$CONTACT" "$PAI_FAILED" 'Reason: SIP ;cause=438 ;text="key-not-authorized"'
expect_exact "TCP unsigned call: 302 No-TN-Validation" "$T/tcp.3" "$T/tunsigned" 302 \
	"Moved Temporarily" "$CONTACT" 'P-Asserted-Identity: <tel:+12025550123;verstat=No-TN-Validation>'
expect_exact "TCP OPTIONS after three INVITEs: 200" "$T/tcp.4" "$T/opt" 200 OK \
	'Allow: INVITE, ACK, CANCEL, OPTIONS'

# pipelined: all sent before any response. The same INVITE twice in a row is one transaction:
# answered once while in flight, or — when its verification was already over — again from
# the response cache with the same bytes; never verified twice.
invite "$T/p1" "$A" "$B" "Identity: $(fresh alice 12025550100 14155550100 5)"
invite "$T/p2" sip:+12025550123@example.net "$B"
before=$(metric 'danecid_verdicts_total{frontend="sip"')
TX_OPTS="-p -t 2" tx tcp pipe "$T/p1" "$T/p2" "$T/p1"
n=$(ls "$T"/pipe.[0-9]* 2>/dev/null | wc -l)
p1_answers=$(grep -l 'Call-ID: p1@' "$T"/pipe.[0-9]* 2>/dev/null | wc -l)
p2_answers=$(grep -l 'Call-ID: p2@' "$T"/pipe.[0-9]* 2>/dev/null | wc -l)
DIAG="responses: $n (p1: $p1_answers, p2: $p2_answers)" check \
	"TCP pipelined: each request answered, the repeated INVITE once or from the cache" \
	[ "$p2_answers" -eq 1 -a \( "$p1_answers" -eq 1 -o "$p1_answers" -eq 2 \) ]
if [ "$p1_answers" -eq 2 ]; then
	set -- $(grep -l 'Call-ID: p1@' "$T"/pipe.[0-9]*)
	check "TCP pipelined: the repeated INVITE got the same bytes" cmp -s "$1" "$2"
else
	ok "TCP pipelined: the repeated INVITE got the same bytes (answered once)"
fi
after=$(metric 'danecid_verdicts_total{frontend="sip"')
DIAG="verdicts before $before, after $after" check \
	"TCP pipelined: two verifications, not three" [ "$((after - before))" -eq 2 ]

# --- transaction headers ---------------------------------------------------------------------
# Two Via lines (one with two values), compact names, a To with a tag (a re-INVITE): all
# copied as they are, no second tag.
{
	printf 'INVITE sip:+14155550100@example.org;user=phone SIP/2.0\r\n'
	printf 'Via: SIP/2.0/UDP proxy.example.net:5060;branch=z9hG4bK-top;rport\r\n'
	printf 'v: SIP/2.0/TCP sbc.example.net;branch=z9hG4bK-mid, SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-low\r\n'
	printf 'Max-Forwards: 69\r\n'
	printf 'f: "Alice" <sip:+12025550100@example.net;user=phone>;tag=a-73\r\n'
	printf 't: <sip:+14155550100@example.org>;tag=b-99\r\n'
	printf 'i: reinvite-1@192.0.2.10\r\n'
	printf 'CSeq: 2 INVITE\r\n'
	printf 'Identity: %s\r\n' "$(fresh alice 12025550100 14155550100 6)"
	printf 'l: 0\r\n\r\n'
} >"$T/copy"
tx udp copy "$T/copy"
{
	printf 'SIP/2.0 302 Moved Temporarily\r\n'
	printf 'Via: SIP/2.0/UDP proxy.example.net:5060;branch=z9hG4bK-top;rport\r\n'
	printf 'v: SIP/2.0/TCP sbc.example.net;branch=z9hG4bK-mid, SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-low\r\n'
	printf 'f: "Alice" <sip:+12025550100@example.net;user=phone>;tag=a-73\r\n'
	printf 't: <sip:+14155550100@example.org>;tag=b-99\r\n'
	printf 'i: reinvite-1@192.0.2.10\r\n'
	printf 'CSeq: 2 INVITE\r\n'
	printf 'Contact: <sip:+14155550100@example.org;user=phone>\r\n'
	printf '%s\r\n' "$PAI_PASSED"
	printf 'Content-Length: 0\r\n\r\n'
} >"$T/copy.want"
DIAG="got: $(flat "$T/copy.1")" check "two Via lines, compact forms, To with tag: copied exactly" \
	cmp -s "$T/copy.1" "$T/copy.want"

# --- other methods ---------------------------------------------------------------------------
sed 's/^OPTIONS /CANCEL /; s/^CSeq: 1 OPTIONS/CSeq: 1 CANCEL/' "$T/opt" >"$T/cancel"
tx udp cancel "$T/cancel"
expect_exact "CANCEL: 200 OK" "$T/cancel.1" "$T/cancel" 200 OK 'Allow: INVITE, ACK, CANCEL, OPTIONS'
sed 's/^OPTIONS /BYE /; s/^CSeq: 1 OPTIONS/CSeq: 1 BYE/' "$T/opt" >"$T/bye"
tx udp bye "$T/bye"
expect_exact "BYE: 405 Method Not Allowed with Allow" "$T/bye.1" "$T/bye" 405 \
	"Method Not Allowed" 'Allow: INVITE, ACK, CANCEL, OPTIONS'
sed 's/^OPTIONS /ACK /; s/^CSeq: 1 OPTIONS/CSeq: 1 ACK/' "$T/opt" >"$T/ack"
TX_OPTS="-t 0.5" tx udp ack "$T/ack"
DIAG="got: $(flat "$T/ack.1")" check "ACK: no response" [ ! -e "$T/ack.1" ]
sed 's/^CSeq: 1 OPTIONS/CSeq: 1 INVITE/' "$T/opt" >"$T/mismatch"
tx udp mismatch "$T/mismatch"
expect_exact "CSeq method that is not the request's: 400 Bad Request" "$T/mismatch.1" \
	"$T/mismatch" 400 "Bad Request"

# --- reject-on-fail --------------------------------------------------------------------------
stop_daemon
st=$?
DIAG="exit status $st" check "SIGTERM: danecidd exits 0 within 5 s" [ "$st" -eq 0 ]
start_daemon "reject-on-fail: yes"

invite "$T/rspoof" "$A" "$B" "Identity: $(fresh mallory 12025550100 14155550100 7)"
tx udp rspoof "$T/rspoof"
expect_exact "reject-on-fail, spoofed: 438 Invalid Identity Header with Reason" "$T/rspoof.1" \
	"$T/rspoof" 438 "Invalid Identity Header" 'Reason: SIP ;cause=438 ;text="key-not-authorized"'

invite "$T/rrequire" sip:+12025550177@example.net "$B"
tx udp rrequire "$T/rrequire"
expect_exact "reject-on-fail, unsigned call from a require number: 428 Use Identity Header" \
	"$T/rrequire.1" "$T/rrequire" 428 "Use Identity Header" \
	'Reason: SIP ;cause=428 ;text="identity-required"'

invite "$T/rstale" "$A" "$B" \
	"Identity: $(sign alice 12025550100 14155550100 --iat $(($(now) - 120)) --origid 00000000-0000-4000-8000-000000000008)"
tx tcp rstale "$T/rstale"
expect_exact "reject-on-fail, stale PASSporT (TCP): 403 Stale Date" "$T/rstale.1" "$T/rstale" \
	403 "Stale Date" 'Reason: SIP ;cause=403 ;text="stale"'

invite "$T/rlegit" "$A" "$B" "Identity: $(fresh alice 12025550100 14155550100 9)"
tx udp rlegit "$T/rlegit"
expect_exact "reject-on-fail, legitimate call: still 302 Passed" "$T/rlegit.1" "$T/rlegit" 302 \
	"Moved Temporarily" "$CONTACT" "$PAI_PASSED"

invite "$T/runsigned" sip:+12025550123@example.net "$B"
tx udp runsigned "$T/runsigned"
expect_exact "reject-on-fail, unsigned call: No-TN-Validation is no failure, 302" \
	"$T/runsigned.1" "$T/runsigned" 302 "Moved Temporarily" "$CONTACT" \
	'P-Asserted-Identity: <tel:+12025550123;verstat=No-TN-Validation>'

# --- malformed traffic -----------------------------------------------------------------------
rejected0=$(metric 'danecid_rejected_total{frontend="sip"}')
head -c 700 /dev/urandom >"$T/garbage1"
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n\r\n' >"$T/garbage2"
printf '\0\0\0\0' >"$T/garbage3"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/garbage4"
TX_OPTS="-t 0.3" tx udp garbage "$T"/garbage[1-4]
DIAG="got: $(flat "$T/garbage.1")" check "garbage and responses over UDP: dropped, no answer" \
	[ ! -e "$T/garbage.1" ]
rejected1=$(metric 'danecid_rejected_total{frontend="sip"}')
DIAG="before $rejected0, after $rejected1" check "dropped datagrams counted as rejected" \
	[ "$((rejected1 - rejected0))" -eq 4 ]
TX_OPTS="-t 0.3" tx tcp tgarbage "$T/garbage1" "$T/opt"
DIAG="got: $(flat "$T/tgarbage.1")" check "garbage over TCP: the connection is closed" \
	[ ! -e "$T/tgarbage.1" ]

# every RFC 4475 torture message, over UDP (each its own datagram) and TCP (a connection each)
TX_OPTS="-t 0.2" tx udp torture "$top_srcdir"/tests/vectors/rfc4475/*.dat
for f in "$top_srcdir"/tests/vectors/rfc4475/*.dat; do
	TX_OPTS="-t 0.2" tx tcp ttorture "$f"
done
check "after garbage and RFC 4475 torture messages danecidd still runs" kill -0 "$DPID"
n_torture=$(ls "$top_srcdir"/tests/vectors/rfc4475/*.dat | wc -l)
echo "# figure torture-rfc4475-daemon: $n_torture messages over UDP and $n_torture over TCP, danecidd alive"
tx udp ping2 "$T/opt"
expect_exact "... and answers OPTIONS" "$T/ping2.1" "$T/opt" 200 OK \
	'Allow: INVITE, ACK, CANCEL, OPTIONS'
TX_OPTS="-t 0.5" tx udp t400 "$top_srcdir/tests/vectors/rfc4475/mismatch01.dat"
DIAG="got: $(flat "$T/t400.1")" check "RFC 4475 mismatch01 (CSeq method mismatch): 400" \
	sh -c "head -1 '$T/t400.1' | grep -q '^SIP/2.0 400 Bad Request'"
TX_OPTS="-t 0.5" tx udp tresp "$top_srcdir/tests/vectors/rfc4475/unreason.dat"
DIAG="got: $(flat "$T/tresp.1")" check "RFC 4475 unreason (a response): no answer" \
	[ ! -e "$T/tresp.1" ]

start=$(date +%s%N)
stop_daemon
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
DIAG="exit status $st after $ms ms" check "SIGTERM: danecidd exits 0 promptly (${ms} ms)" \
	[ "$st" -eq 0 -a "$ms" -lt 2000 ]
check "no sanitizer or crash report in the log" sh -c "! grep -Eq 'AddressSanitizer|runtime error|Segmentation' '$WORK/danecidd.log'"

done_testing
