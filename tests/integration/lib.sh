# lib.sh — sourced by the integration tests: TAP output, a signed tree served by a real NSD
# on a free loopback port, and SIP requests made to measure.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
DANECID="$top_builddir/src/cli/danecid"
export TZ=UTC LC_ALL=C

# A pinned clock: every PASSporT is signed at NOW and verified at NOW.
NOW=1790000000

WORK=$(mktemp -d "${TMPDIR:-/tmp}/danecid-test.XXXXXX")
TREE="$WORK/tree"
PORT=
tap_n=0
tap_failed=0

cleanup() {
	[ -f "$TREE/nsd.pid" ] && nsd_signal CONT 2>/dev/null
	[ -z "${DPID:-}" ] || { kill -KILL "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	[ -d "$TREE" ] && "$top_srcdir/zones/serve" stop "$TREE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# need_tools TOOL...: skip the whole test (a TAP skip, not a pass) when a tool is missing.
# ./quickstart installs every one of them.
need_tools() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "1..0 # SKIP $tool is not installed (./quickstart installs it)"
			exit 0
		}
	done
}

# Sign the example tree and serve it.
start_tree() {
	"$top_srcdir/zones/sign-tree" "$TREE" >"$WORK/sign.log" 2>&1 || {
		echo "Bail out! zones/sign-tree failed: $(cat "$WORK/sign.log")"
		exit 1
	}
	PORT=$("$top_srcdir/zones/serve" start "$TREE") || {
		echo "Bail out! NSD did not start"
		exit 1
	}
	KEYS="$TREE/keys"
	VERIFY="$DANECID verify --apex e164.test --trust-anchor $TREE/anchor.ds --upstream 127.0.0.1@$PORT --now $NOW"
}

# nsd_signal SIG: signal NSD and every process it forked (the server children answer queries;
# STOP makes DNS silent without closing its port). cleanup resumes a stopped NSD.
nsd_signal() {
	for p in $(nsd_pids); do
		kill "-$1" "$p"
	done
}

# nsd_pids: NSD's process and every process it forked.
nsd_pids() {
	pids=$(cat "$TREE/nsd.pid" 2>/dev/null)
	all=$pids
	while [ -n "$pids" ]; do
		kids=
		for p in $pids; do
			kids="$kids $(cat /proc/"$p"/task/*/children 2>/dev/null)"
		done
		pids=$(echo $kids)
		all="$all $pids"
	done
	echo $all
}

stop_tree() {
	"$top_srcdir/zones/serve" stop "$TREE"
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

# check NAME COMMAND...: ok when the command succeeds; on failure the script's diag function
# (empty unless the script defines one) says what was seen.
diag() { :; }
check() {
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name" "$(diag)"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# invite FILE FROM_URI TO_URI [EXTRA_HEADER...]: write an INVITE with CRLF line ends.
# Call-ID comes from $CALLID (default: derived from FILE).
invite() {
	f=$1
	from=$2
	to=$3
	shift 3
	{
		printf 'INVITE %s SIP/2.0\r\n' "$to"
		printf 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-%s\r\n' "$(basename "$f")"
		printf 'Max-Forwards: 70\r\n'
		printf 'From: <%s>;tag=1928301774\r\n' "$from"
		printf 'To: <%s>\r\n' "$to"
		printf 'Call-ID: %s@192.0.2.10\r\n' "${CALLID:-$(basename "$f")}"
		printf 'CSeq: 314159 INVITE\r\n'
		printf 'Contact: <sip:caller@192.0.2.10:5060>\r\n'
		for h in "$@"; do
			printf '%s\r\n' "$h"
		done
		printf 'Content-Length: 0\r\n\r\n'
	} >"$f"
}

# sign KEY ORIG DEST [danecid sign options...]: an Identity header value signed at NOW.
sign() {
	key=$1
	orig=$2
	dest=$3
	shift 3
	"$DANECID" sign --key "$KEYS/$key.pem" --orig "$orig" --dest "$dest" --iat "$NOW" \
		--origid 123e4567-e89b-12d3-a456-426614174000 "$@"
}

# json_field JSON FIELD: the value of a top-level field (its first occurrence: the top-level
# fields come before the per-Identity ones), as the JSON text of it.
json_field() {
	printf '%s' "$1" | grep -o "\"$2\":\\(\"[^\"]*\"\\|[^,}]*\\)" | head -n 1 | sed "s/^\"$2\"://"
}

# expect NAME WANT_EXIT WANT_VERSTAT WANT_REASON WANT_SIP_CODE [FILE...]
# Runs danecid verify on the files and checks exit status, verstat, reason and sip_code of
# the last line. Extra checks: set EXPECT_JSON to a fixed string that must appear.
expect() {
	name=$1
	want_exit=$2
	want_verstat=$3
	want_reason=$4
	want_code=$5
	shift 5
	out=$($VERIFY ${EXTRA_OPTS:-} "$@" 2>"$WORK/stderr")
	status=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	verstat=$(json_field "$last" verstat)
	reason=$(json_field "$last" reason)
	code=$(json_field "$last" sip_code)
	if [ "$status" = "$want_exit" ] && [ "$verstat" = "\"$want_verstat\"" ] &&
		[ "$reason" = "\"$want_reason\"" ] && [ "$code" = "$want_code" ] &&
		{ [ -z "${EXPECT_JSON:-}" ] || printf '%s' "$last" | grep -qF -- "$EXPECT_JSON"; }; then
		ok "$name: $want_verstat $want_reason $want_code (exit $want_exit)"
	else
		not_ok "$name" "want exit $want_exit $want_verstat $want_reason $want_code ${EXPECT_JSON:-}" \
			"got exit $status: $last" "stderr: $(cat "$WORK/stderr")"
	fi
}

# start_daemon [KEY: VALUE...]: write $WORK/danecidd.conf for the signed tree (plus the given
# lines) and start danecidd on free loopback ports. Sets DPID, SIP_PORT, HTTP_PORT, DCONF.
DANECIDD="$top_builddir/src/daemon/danecidd"
DPID=
start_daemon() {
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		SIP_PORT=$((20000 + ($$ * 7 + tries * 104729 + $(date +%N | sed 's/^0*//') % 9973) % 30000))
		HTTP_PORT=$((SIP_PORT + 1))
		DCONF="$WORK/danecidd.conf"
		{
			echo "apex: e164.test"
			echo "trust-anchor: $TREE/anchor.ds"
			echo "upstream: 127.0.0.1@$PORT"
			echo "sip-listen: 127.0.0.1@$SIP_PORT"
			echo "http-listen: 127.0.0.1@$HTTP_PORT"
			echo "workers: 4"
			for line in "$@"; do
				echo "$line"
			done
		} >"$DCONF"
		"$DANECIDD" -c "$DCONF" 2>>"$WORK/danecidd.log" &
		DPID=$!
		i=0
		while [ $i -lt 50 ]; do
			if curl -fsS -m 1 "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; then
				return 0
			fi
			kill -0 "$DPID" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=
	done
	echo "Bail out! danecidd did not start: $(tail -5 "$WORK/danecidd.log")"
	exit 1
}

# stop_pid PID: SIGTERM, then SIGKILL (to its children too) if it has not exited within 5 s.
# Returns its exit status, 124 when it had to be killed.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		pkill -KILL -P "$1" 2>/dev/null
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# stop_daemon: stop danecidd; returns its exit status (124 if it did not stop within 5 s).
stop_daemon() {
	[ -n "$DPID" ] || return 0
	stop_pid "$DPID"
	st=$?
	DPID=
	return $st
}

# ---- verdicts from danecidd (start_daemon first) ----
# metric NAME: the value of one sample of danecidd's /metrics (NAME with its labels).
metric() {
	curl -sS -m 5 "http://127.0.0.1:$HTTP_PORT/metrics" | sed -n "s/^$1 //p"
}

SIPTX="$top_builddir/tests/tools/siptx"

# want_sip NAME EXIT VERSTAT REASON SIP_CODE FILE: FILE sent to danecidd over UDP; the 302
# carries the verstat in P-Asserted-Identity and, for a failure,
# Reason: SIP ;cause=CODE ;text="REASON".
want_sip() {
	w_name=$1 w_verstat=$3 w_reason=$4 w_code=$5 w_file=$6
	rm -f "$WORK/resp".*
	"$SIPTX" -o "$WORK/resp" udp 127.0.0.1 "$SIP_PORT" "$w_file" >/dev/null 2>"$WORK/siptx.err"
	r=$(tr -d '\r' <"$WORK/resp.1" 2>/dev/null)
	status=$(printf '%s\n' "$r" | head -n 1)
	pai=$(printf '%s\n' "$r" | grep -m1 '^P-Asserted-Identity:')
	reason=$(printf '%s\n' "$r" | grep -m1 '^Reason:')
	want_reason=
	[ "$w_verstat" = TN-Validation-Failed ] &&
		want_reason="Reason: SIP ;cause=$w_code ;text=\"$w_reason\""
	if [ "$status" = "SIP/2.0 302 Moved Temporarily" ] &&
		printf '%s' "$pai" | grep -q ";verstat=$w_verstat>\$" &&
		[ "$reason" = "$want_reason" ]; then
		ok "$w_name: $w_verstat${want_reason:+ $w_code $w_reason} over SIP"
	else
		not_ok "$w_name" "want 302, verstat=$w_verstat, '$want_reason'" \
			"got: $(printf '%s' "$r" | paste -sd'|' -)" "$(cat "$WORK/siptx.err")"
	fi
}

# http NAME VERSTAT CODE REASON BODY [FRAGMENT...]: POST BODY to $BASE (the verification URL)
http() {
	h_name=$1 h_verstat=$2 h_code=$3 h_reason=$4 h_body=$5
	shift 5
	got=$(curl -sS -m 5 -o "$WORK/http.out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$h_body" "$BASE" 2>"$WORK/curl.err")
	head="{\"verificationResponse\":{\"verstat\":\"$h_verstat\",\"reasoncode\":$h_code,\"reasontext\":\"$h_reason\","
	good=true
	[ "$got" = 200 ] && [ "$(head -c ${#head} "$WORK/http.out")" = "$head" ] || good=false
	for frag in "$@"; do
		grep -qF -- "$frag" "$WORK/http.out" || good=false
	done
	if $good; then
		ok "$h_name: HTTP $h_verstat $h_code $h_reason"
	else
		not_ok "$h_name" "want 200 $head $*" "got $got: $(cat "$WORK/http.out")" \
			"$(cat "$WORK/curl.err")"
	fi
}
# atis_req ORIG DEST TIME IDENTITY_JSON: a verification request; TIME "" leaves "time" out.
atis_req() {
	printf '{"verificationRequest":{"from":{"tn":"%s"},"to":{"tn":["%s"]},%s"identity":%s}}' \
		"$1" "$2" "${3:+\"time\":$3,}" "$4"
}

# soak_metrics SOAK_OUTPUT METRICS: compare what tests/tools/soak says /metrics must show with
# what it shows. Each "metric NAME VALUE" line of the soak output must be a sample of METRICS
# exactly; each "metric-range NAME LO HI" a sample between LO and HI (absent counts as 0).
# Sets bad ("|"-separated differences, empty when none) and n_lines (the lines compared).
soak_metrics() {
	bad=
	n_lines=0
	while read -r kind name lo hi; do
		n_lines=$((n_lines + 1))
		got=$(awk -v n="$name" '$1 == n { print $2 }' "$2")
		if [ "$kind" = metric ]; then
			[ "$got" = "$lo" ] || bad="$bad|$name: want $lo, got ${got:-none}"
		elif [ "${got:-0}" -lt "$lo" ] || [ "${got:-0}" -gt "$hi" ]; then
			bad="$bad|$name: want $lo to $hi, got ${got:-none}"
		fi
	done <<EOF
$(grep '^metric' "$1")
EOF
}
