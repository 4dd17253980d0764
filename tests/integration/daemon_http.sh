#!/bin/sh
# daemon_http.sh — danecidd's HTTP front-end (SPEC §7): verdicts in the ATIS-1000082 shape, JSON
# errors for malformed requests, /healthz, /metrics, a client that leaves early, SIGTERM.
. "$(dirname "$0")/lib.sh"

need_tools curl

start_tree
start_daemon "log-level: debug"
T=$WORK
BASE="http://127.0.0.1:$HTTP_PORT"
URL="$BASE/stir/v1/verification"
# What /metrics must count: requests outside /healthz and /metrics, the rejected ones among
# them, and verdicts.
n_requests=0
n_rejected=0
n_verdicts=0

# req METHOD PATH [CURL_ARGS...]: one request; prints the status code, the body in $T/resp and
# the response headers in $T/hdr.
req() {
	m=$1
	p=$2
	shift 2
	curl -sS -m 5 -X "$m" -o "$T/resp" -D "$T/hdr" -w '%{http_code}' "$@" "$BASE$p" \
		2>"$T/curl.err"
}

# header NAME: the value of a response header in $T/hdr.
header() {
	tr -d '\r' <"$T/hdr" | sed -n "s/^$1: //Ip" | tail -n 1
}

# body JSON: the ATIS request with the given text in $T/req.json.
body() {
	printf '%s' "$1" >"$T/req.json"
}

# atis ORIG DEST IDENTITY: an ATIS-1000082 request (IDENTITY may be empty: then none is sent).
atis() {
	if [ -n "$3" ]; then
		body "{\"verificationRequest\":{\"from\":{\"tn\":\"$1\"},\"to\":{\"tn\":[\"$2\"]},\"time\":$(date +%s),\"identity\":\"$3\"}}"
	else
		body "{\"verificationRequest\":{\"from\":{\"tn\":\"$1\"},\"to\":{\"tn\":[\"$2\"]},\"time\":$(date +%s)}}"
	fi
}

# post [CONTENT_TYPE]: POST $T/req.json; prints the status code.
post() {
	req POST /stir/v1/verification -H "Content-Type: ${1:-application/json}" \
		--data-binary @"$T/req.json"
}

# verdict NAME VERSTAT REASONCODE REASONTEXT: POST $T/req.json, want 200 and a response that
# opens with exactly these three fields.
verdict() {
	n_requests=$((n_requests + 1))
	n_verdicts=$((n_verdicts + 1))
	got=$(post)
	want="{\"verificationResponse\":{\"verstat\":\"$2\",\"reasoncode\":$3,\"reasontext\":\"$4\","
	if [ "$got" = 200 ] && [ "$(head -c ${#want} "$T/resp")" = "$want" ] &&
		[ "$(header Content-Type)" = application/json ]; then
		ok "$1: 200 $2 $3 $4"
	else
		not_ok "$1" "want 200 $want..." "got $got: $(cat "$T/resp")" "$(cat "$T/curl.err")"
	fi
}

# refused NAME STATUS MESSAGE_PART [CURL_ARGS for req...]: want STATUS and the JSON error body
# {"error":{"code":STATUS,"message":"..."}} whose message contains MESSAGE_PART.
refused() {
	name=$1
	want=$2
	part=$3
	shift 3
	n_requests=$((n_requests + 1))
	n_rejected=$((n_rejected + 1))
	got=$("$@")
	if [ "$got" = "$want" ] && [ "$(header Content-Type)" = application/json ] &&
		grep -Eq "^\\{\"error\":\\{\"code\":$want,\"message\":\"([^\"\\\\]|\\\\.)*\"\\}\\}\$" "$T/resp" &&
		grep -qF -- "$part" "$T/resp"; then
		ok "$name: $want with a JSON error"
	else
		not_ok "$name" "want $want and a JSON error naming '$part'" \
			"got $got: $(head -c 300 "$T/resp")" "$(cat "$T/curl.err")"
	fi
}

# malformed NAME MESSAGE_PART JSON: a 400 for this body.
malformed() {
	body "$3"
	refused "$1" 400 "$2" post
}

# diag: what a failed check shows.
diag() {
	echo "response: $(head -c 300 "$T/resp")"
}

# origid N: a distinct origination identifier, so that PASSporTs signed in the same second
# are not replays of each other.
origid() {
	printf '00000000-0000-4000-8000-%012d' "$1"
}

# ---- /healthz --------------------------------------------------------------------------------
got=$(req GET /healthz)
ct=$(header Content-Type)
check "GET /healthz: 200 ok (text/plain)" \
	test "$got" = 200 -a "$(cat "$T/resp")" = ok -a "${ct%%;*}" = text/plain

# ---- verdicts --------------------------------------------------------------------------------
now=$(date +%s)
id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 1)")
atis 12025550100 14155550100 "$id"
verdict "legitimate call" TN-Validation-Passed 0 ok
check "the response carries the CLI fields" grep -q \
	'"reason":"ok","detail":"[^"]*","orig":"12025550100","dest":\["14155550100"\],"attest":"A","method":"dane","dnssec":"secure","prefix":"[0-9]*","identities":\[{"index":0,"ppt":"shaken",.*}\],"verified":\["12025550100"\],"rcd":null,"warnings":\[\]}}$' \
	"$T/resp"
cp "$T/req.json" "$T/first.json"

id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 2)")
atis +12025550100 +14155550100 "$id"
verdict "'+' in the TNs" TN-Validation-Passed 0 ok

id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 3)")
atis +1-202-555-0100 "+1 415 555 0100" "$id"
verdict "separators in the TNs" TN-Validation-Passed 0 ok

id=$(sign mallory 12025550100 14155550100 --iat "$now" --origid "$(origid 4)")
atis 12025550100 14155550100 "$id"
verdict "spoofed (signed by mallory)" TN-Validation-Failed 438 key-not-authorized

atis 12025550177 14155550100 ""
verdict "no identity from a require number" TN-Validation-Failed 428 identity-required

atis 12025550100 14155550100 ""
verdict "no identity from an ordinary number" No-TN-Validation 0 no-identity

id=$(sign alice 12025550100 14155550100 --iat "$((now - 300))" --origid "$(origid 5)")
atis 12025550100 14155550100 "$id"
verdict "stale (iat 5 minutes ago)" TN-Validation-Failed 403 stale

id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 6)")
atis 12025550100 14155550199 "$id"
verdict "dest not in the PASSporT" TN-Validation-Failed 438 dest-mismatch

id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 7)")
atis 12025550100 14155550100 "$id"
verdict "a PASSporT posted once" TN-Validation-Passed 0 ok
verdict "the same PASSporT posted again: each HTTP request is its own dialog" \
	TN-Validation-Failed 438 replay
cp "$T/first.json" "$T/req.json"
verdict "the first request posted again" TN-Validation-Failed 438 replay

id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 8)")
atis 12025550100 14155550100 "$id"
n_requests=$((n_requests + 1))
n_verdicts=$((n_verdicts + 1))
got=$(post "Application/JSON; charset=utf-8")
check "Content-Type with a charset parameter is accepted" [ "$got" = 200 ]

id=$(sign alice 12025550100 14155550100,14155550101 --iat "$now" --origid "$(origid 9)")
body "{\"verificationRequest\":{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\",\"14155550101\"]},\"identity\":\"$id\",\"extra\":[1,2]}}"
verdict "two dest TNs, no time, an unknown member" TN-Validation-Passed 0 ok
check "the response lists both dest TNs" grep -q '"dest":\["14155550100","14155550101"\]' "$T/resp"

# Two requests on one kept-alive connection (the same PASSporT: the second is a replay), then
# two pipelined in one write.
id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 13)")
atis 12025550100 14155550100 "$id"
got=$(curl -sS -m 5 -o /dev/null -o /dev/null -w '%{http_code}/%{num_connects} ' \
	-H "Content-Type: application/json" --data-binary @"$T/req.json" "$URL" "$URL")
n_requests=$((n_requests + 2))
n_verdicts=$((n_verdicts + 2))
check "two requests on one connection: both answered" [ "$got" = "200/1 200/0 " ]
id=$(sign alice 12025550100 14155550100 --iat "$now" --origid "$(origid 14)")
atis 12025550100 14155550100 "$id"
{
	printf 'POST /stir/v1/verification HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
	printf 'Content-Length: %d\r\n\r\n%s' "$(wc -c <"$T/req.json")" "$(cat "$T/req.json")"
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
	sleep 1
} | curl -s -m 3 "telnet://127.0.0.1:$HTTP_PORT" >"$T/resp"
n_requests=$((n_requests + 1))
n_verdicts=$((n_verdicts + 1))
check "two pipelined requests: both answered in order" \
	test "$(grep -ao 'HTTP/1.1 200 OK\|{"verstat":"[^"]*"\|^ok' "$T/resp" | tr '\n' ' ')" = \
	'HTTP/1.1 200 OK {"verstat":"TN-Validation-Passed" HTTP/1.1 200 OK ok '

# ---- malformed requests ----------------------------------------------------------------------
VR='{"verificationRequest":'
malformed "not JSON" "invalid JSON at line 1" '{"verificationRequest":'
malformed "trailing garbage" "invalid JSON" '{"verificationRequest":{}} x'
malformed "a JSON array" "the body must be a JSON object" '[1,2]'
malformed "no verificationRequest" "verificationRequest: missing" '{"request":{}}'
malformed "verificationRequest not an object" "verificationRequest: not an object" \
	"${VR}\"x\"}"
malformed "no from" "verificationRequest.from: missing" \
	"${VR}{\"to\":{\"tn\":[\"14155550100\"]},\"identity\":\"x\"}}"
malformed "no from.tn" "verificationRequest.from.tn: missing" \
	"${VR}{\"from\":{},\"to\":{\"tn\":[\"14155550100\"]},\"identity\":\"x\"}}"
malformed "from.tn a number" "verificationRequest.from.tn: not a string" \
	"${VR}{\"from\":{\"tn\":12025550100},\"to\":{\"tn\":[\"14155550100\"]},\"identity\":\"x\"}}"
malformed "a string with a NUL" "is not allowed" \
	"${VR}{\"from\":{\"tn\":\"1202\\u00005550100\"},\"to\":{\"tn\":[\"14155550100\"]}}}"
malformed "no to" "verificationRequest.to: missing" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"identity\":\"x\"}}"
malformed "to.tn a string" "verificationRequest.to.tn: not an array" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":\"14155550100\"},\"identity\":\"x\"}}"
malformed "to.tn empty" "verificationRequest.to.tn: must hold 1 to 8 numbers" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[]},\"identity\":\"x\"}}"
nine='"1","2","3","4","5","6","7","8","9"'
malformed "to.tn with 9 numbers" "verificationRequest.to.tn: must hold 1 to 8 numbers" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[$nine]},\"identity\":\"x\"}}"
malformed "to.tn[1] a number" "verificationRequest.to.tn[1]: not a string" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\",5]},\"identity\":\"x\"}}"
malformed "identity an array holding a number" "verificationRequest.identity[1]: not a string" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\"]},\"identity\":[\"x\",5]}}"
malformed "identity an empty array" "verificationRequest.identity: must hold 1 to 8 values" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\"]},\"identity\":[]}}"
malformed "identity an object" "verificationRequest.identity: not a string or an array" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\"]},\"identity\":{}}}"
malformed "time a string" "verificationRequest.time: not an integer" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[\"14155550100\"]},\"time\":\"now\"}}"
malformed "duplicate key" "duplicate object key" \
	"${VR}{\"from\":{\"tn\":\"12025550100\"},\"from\":{\"tn\":\"12025550177\"},\"to\":{\"tn\":[\"14155550100\"]}}}"
malformed "duplicate key at the top" "duplicate object key" \
	"${VR}{},\"verificationRequest\":{}}"
malformed "empty body" "the body is empty" ''

atis 12025550100 14155550100 ""
refused "Content-Type text/plain" 415 "Content-Type must be application/json" \
	post text/plain
refused "no Content-Type" 415 "Content-Type must be application/json" \
	req POST /stir/v1/verification -H "Content-Type:" --data-binary @"$T/req.json"
refused "Content-Type application/jsonx" 415 "application/json" post application/jsonx

head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
refused "a body over 64 KiB" 413 "more than 65536" \
	req POST /stir/v1/verification -H "Content-Type: application/json" --data-binary @"$T/big"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/huge"
got=$(req POST /stir/v1/verification -H "Content-Type: application/json" \
	--data-binary @"$T/huge")
check "a 2 MB body: 413 without reading it all" [ "$got" = 413 ]

refused "GET on the verification resource" 405 "takes POST" req GET /stir/v1/verification
check "405 says Allow: POST" [ "$(header Allow)" = POST ]
refused "PUT on the verification resource" 405 "takes POST" \
	req PUT /stir/v1/verification -H "Content-Type: application/json" --data-binary @"$T/req.json"
refused "OPTIONS on the verification resource" 405 "takes POST" \
	req OPTIONS /stir/v1/verification
refused "unknown path" 404 "no such resource" req GET /stir/v1/verification/x
refused "POST to an unknown path" 404 "no such resource" \
	req POST /verify -H "Content-Type: application/json" --data-binary @"$T/req.json"
# /healthz and /metrics do not count as requests
got=$(req POST /healthz -d x)
check "POST /healthz: 405 with Allow: GET, HEAD" test "$got" = 405 -a "$(header Allow)" = "GET, HEAD"

# ---- /metrics --------------------------------------------------------------------------------
got=$(req GET /metrics)
cp "$T/resp" "$T/metrics"
check "GET /metrics: 200, text/plain; version=0.0.4" \
	test "$got" = 200 -a "$(header Content-Type)" = "text/plain; version=0.0.4"
# metric LINE: an exact line of $T/metrics.
metric() {
	if grep -qxF -- "$1" "$T/metrics"; then
		ok "metrics: $1"
	else
		not_ok "metrics: $1" "$(grep -F "${1%% *}" "$T/metrics" | head -5)"
	fi
}
metric "danecid_requests_total{frontend=\"http\"} $n_requests"
metric "danecid_rejected_total{frontend=\"http\"} $n_rejected"
metric "danecid_requests_total{frontend=\"sip\"} 0"
metric 'danecid_verdicts_total{frontend="http",verstat="TN-Validation-Passed",reason="ok"} 8'
metric 'danecid_verdicts_total{frontend="http",verstat="TN-Validation-Failed",reason="key-not-authorized"} 1'
metric 'danecid_verdicts_total{frontend="http",verstat="TN-Validation-Failed",reason="replay"} 3'
metric 'danecid_verdicts_total{frontend="http",verstat="TN-Validation-Failed",reason="stale"} 1'
metric 'danecid_verdicts_total{frontend="http",verstat="No-TN-Validation",reason="no-identity"} 1'
metric "danecid_verification_seconds_bucket{le=\"+Inf\"} $n_verdicts"
metric "danecid_verification_seconds_count $n_verdicts"
metric "# TYPE danecid_verification_seconds histogram"
metric 'danecid_inflight 0'
check "metrics: a DNS question was asked" \
	grep -Eq '^danecid_dns_questions_total [1-9][0-9]*$' "$T/metrics"
check "metrics: the histogram buckets are cumulative" awk '
	/^danecid_verification_seconds_bucket/ { n = $2 + 0; if (n < last) bad = 1; last = n; k++ }
	END { exit !(k == 13 && !bad) }' "$T/metrics"

# ---- a client that leaves before its verdict -------------------------------------------------
# NSD stopped (not dead): the verification of a number not looked up before waits for DNS; the
# client gives up after 0.3 s and the job is cancelled rather than answered at the deadline.
nsd_signal STOP
id=$(sign alice 19995550110 14155550100 --iat "$(date +%s)" --origid "$(origid 10)")
atis 19995550110 14155550100 "$id"
curl -sS -m 0.3 -o /dev/null -H "Content-Type: application/json" --data-binary @"$T/req.json" \
	"$URL" 2>/dev/null
sleep 2 # past the deadline (1500 ms): a job that was not cancelled would be answered by now
nsd_signal CONT
check "a client that left: the verification is cancelled" \
	grep -q "client went away before the verdict" "$WORK/danecidd.log"
req GET /metrics >/dev/null
check "a client that left: nothing in flight, no deadline answer" \
	sh -c "grep -qx 'danecid_inflight 0' '$T/resp' &&
		grep -qx 'danecid_deadline_total{frontend=\"http\"} 0' '$T/resp'"

# ---- garbage ---------------------------------------------------------------------------------
i=0
pids=
while [ $i -lt 30 ]; do
	i=$((i + 1))
	head -c $((i * 97)) /dev/urandom >"$T/garbage.$i"
	curl -s -m 2 -o /dev/null -H "Content-Type: application/json" \
		--data-binary @"$T/garbage.$i" "$URL" &
	pids="$pids $!"
	# raw bytes on the socket, no HTTP at all
	curl -s -m 1 -o /dev/null "telnet://127.0.0.1:$HTTP_PORT" <"$T/garbage.$i" &
	pids="$pids $!"
	printf 'GET /%s HTTP/1.1\r\nHost: x\r\nX: %s\r\n\r\n' "$i" "$(head -c 20000 /dev/zero |
		tr '\0' a)" | curl -s -m 1 -o /dev/null "telnet://127.0.0.1:$HTTP_PORT" &
	pids="$pids $!"
done
for pid in $pids; do
	wait "$pid"
done
got=$(req GET /healthz)
check "after a burst of garbage: /healthz still answers" [ "$got" = 200 ]
id=$(sign alice 12025550100 14155550100 --iat "$(date +%s)" --origid "$(origid 11)")
atis 12025550100 14155550100 "$id"
verdict "after a burst of garbage: a legitimate call still passes" TN-Validation-Passed 0 ok

# ---- SIGTERM with a verification pending -----------------------------------------------------
# The worker may be inside a DNS question (NSD stopped): the daemon waits at most for its
# time limit (1500 ms) before it exits.
nsd_signal STOP
id=$(sign alice 19995550112 14155550100 --iat "$(date +%s)" --origid "$(origid 12)")
atis 19995550112 14155550100 "$id"
curl -s -m 5 -o /dev/null -H "Content-Type: application/json" --data-binary @"$T/req.json" \
	"$URL" &
curl_pid=$!
sleep 0.3
t0=$(date +%s%N)
stop_daemon
st=$?
t1=$(date +%s%N)
nsd_signal CONT
wait "$curl_pid" 2>/dev/null
ms=$(((t1 - t0) / 1000000))
if [ "$st" -eq 0 ] && [ "$ms" -lt 3000 ]; then
	ok "SIGTERM with a request pending: exits 0 in ${ms} ms"
else
	not_ok "SIGTERM with a request pending: exits 0 promptly" "exit status $st after ${ms} ms" \
		"$(tail -3 "$WORK/danecidd.log")"
fi

start_daemon
t0=$(date +%s%N)
stop_daemon
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$st" -eq 0 ] && [ "$ms" -lt 1000 ]; then
	ok "SIGTERM when idle: exits 0 in ${ms} ms"
else
	not_ok "SIGTERM when idle: exits 0 within a second" "exit status $st after ${ms} ms"
fi
check "no sanitizer report in the log" sh -c "! grep -q 'ERROR: \\(Address\\|Leak\\|Undefined\\)Sanitizer\\|runtime error:' '$WORK/danecidd.log'"

done_testing
