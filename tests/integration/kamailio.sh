#!/bin/sh
# kamailio.sh — the Kamailio integration, for real, on loopback: SIPp calls through Kamailio
# running contrib/kamailio/danecid.cfg, which asks danecidd (against the signed example tree
# served by NSD) and relays the call to a SIPp callee or rejects it. Asserts what the callee
# receives (P-Asserted-Identity with verstat) and what the caller gets back (RFC 8224 codes),
# also after a reload to reject-on-fail, with DNS down (No-TN-Validation, never a pass), with
# the verifier stopped (fail closed: 503) and with RELAY_UNVERIFIED. docs/kamailio.md.
. "$(dirname "$0")/lib.sh"

CFG=${KAMAILIO_CFG:-$top_srcdir/contrib/kamailio/danecid.cfg}
SCEN="$top_srcdir/tests/integration/sipp"
KAMAILIO=${KAMAILIO:-$(command -v kamailio || true)}
[ -n "$KAMAILIO" ] || [ ! -x /usr/sbin/kamailio ] || KAMAILIO=/usr/sbin/kamailio
SIPP=${SIPP:-$(command -v sipp || true)}
[ -n "$KAMAILIO" ] || { echo "Bail out! kamailio not found (install the kamailio package)"; exit 1; }
[ -n "$SIPP" ] || { echo "Bail out! sipp not found (install the sip-tester package)"; exit 1; }
[ -x "$DANECIDD" ] || { echo "Bail out! $DANECIDD not built"; exit 1; }
command -v ss >/dev/null 2>&1 || { echo "Bail out! ss not found (install iproute2)"; exit 1; }

# Processes this test starts besides NSD and danecidd (lib.sh stops those).
KPID=
K2PID=
UASPID=
kam_cleanup() {
	stop_pid "$UASPID"
	stop_pid "$KPID"
	stop_pid "$K2PID"
	cleanup
}
trap kam_cleanup EXIT

# free_block: print a port B such that B..B+9 are free on 127.0.0.1 for UDP and TCP (SIPp
# takes B for SIP, B+1 for its control socket and B+4.. for media it never uses here).
free_block() {
	t=0
	while [ $t -lt 50 ]; do
		t=$((t + 1))
		ns=$(date +%N | sed 's/^0*//')
		b=$(( ((($$ * 31 + ${ns:-0} / 1000 + t * 7919) % 3000) * 10) + 20000 ))
		if [ -z "$(ss -Hltun "( sport >= :$b and sport <= :$((b + 9)) )" 2>/dev/null)" ]; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# listening PORT: is something bound to 127.0.0.1:PORT (UDP)?
listening() {
	[ -n "$(ss -Hlun "( sport = :$1 )" 2>/dev/null)" ]
}

# start_kamailio VAR_PID LOGFILE VERIFIER_PORT [-A ...]: Kamailio with the example
# configuration on a free port (printed into KPORT); the callee is the SIPp UAS.
start_kamailio() {
	pidvar=$1
	log=$2
	vport=$3
	shift 3
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		KPORT=$(free_block) || break
		mkdir -p "$WORK/kamailio-run"
		"$KAMAILIO" -f "$CFG" -DD -E -m 64 -M 8 -Y "$WORK/kamailio-run" \
			-A "KAM_PORT=$KPORT" -A "VERIFIER_URI=\"sip:127.0.0.1:$vport\"" \
			-A "CALLEE_URI=\"sip:127.0.0.1:$UAS_PORT\"" -A VERIFIER_TIMEOUT=2000 "$@" \
			>"$log" 2>&1 </dev/null &
		kpid=$!
		i=0
		while [ $i -lt 50 ]; do
			if listening "$KPORT" && grep -q "processes (at least)" "$log"; then
				eval "$pidvar=$kpid"
				sleep 0.2
				return 0
			fi
			kill -0 "$kpid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		stop_pid "$kpid"
	done
	echo "Bail out! Kamailio did not start: $(tail -5 "$log")"
	exit 1
}

# call NAME SCENARIO KAMAILIO_PORT FROM [IDENTITY_HEADER_LINE]: one call placed by SIPp
# (caller-answered or caller-rejected) to +14155550100 through Kamailio. The Call-ID starts
# with NAME-; the caller's messages are in $WORK/NAME.msg. Returns SIPp's exit status.
call() {
	name=$1
	scenario=$2
	kport=$3
	from=$4
	identity=${5:-}
	cport=$(free_block) || return 99
	# The whole Identity line goes through -set (a command-line value may hold ';', unlike
	# an injection CSV field).
	"$SIPP" "127.0.0.1:$kport" -sf "$SCEN/$scenario.xml" -m 1 \
		-i 127.0.0.1 -bind_local -p "$cport" -ci 127.0.0.1 -cp $((cport + 1)) \
		-mi 127.0.0.1 -mp $((cport + 4)) -nostdin -timeout 20 -timeout_error \
		-cid_str "$name-%u-%p@%s" -set from "$from" -set to +14155550100 \
		-set identity "$identity" -trace_msg -message_file "$WORK/$name.msg" \
		-trace_err -error_file "$WORK/$name.err" >"$WORK/$name.out" 2>&1 </dev/null
}

# received_invite NAME: the first INVITE of call NAME that reached the callee (empty if none).
received_invite() {
	awk -v cid="Call-ID: $1-" '
		function flush() {
			if (recv && inv && hit && !done) {
				printf "%s", buf
				done = 1
			}
			buf = ""
			recv = inv = hit = 0
		}
		/^-----------------------------------------------/ { flush(); next }
		{ sub(/\r$/, "") }
		/message received/ { recv = 1 }
		/^INVITE / { inv = 1 }
		index($0, cid) == 1 { hit = 1 }
		{ buf = buf $0 "\n" }
		END { flush() }' "$WORK/callee.msg"
}

# final_response NAME: the status line and Reason header of the first final response the
# caller of call NAME received.
final_response() {
	awk '
		function flush() {
			if (recv && status != "" && !done) {
				print status
				if (reason != "") {
					print reason
				}
				done = 1
			}
			recv = 0
			status = reason = ""
		}
		/^-----------------------------------------------/ { flush(); next }
		{ sub(/\r$/, "") }
		/message received/ { recv = 1 }
		/^SIP\/2\.0 [2-6][0-9][0-9] / { status = $0 }
		/^Reason:/ { reason = $0 }
		END { flush() }' "$WORK/$1.msg"
}

# expect_relayed NAME STATUS WANT_PAI: the call was answered, and the callee received it with
# exactly one P-Asserted-Identity, WANT_PAI.
expect_relayed() {
	name=$1
	status=$2
	want=$3
	inv=$(received_invite "$name")
	pai=$(printf '%s\n' "$inv" | grep '^P-Asserted-Identity:')
	if [ "$status" = 0 ] && [ "$pai" = "P-Asserted-Identity: $want" ]; then
		ok "$name: callee gets $want"
	else
		not_ok "$name: callee gets $want" "sipp exit $status: $(cat "$WORK/$name.err" 2>/dev/null)" \
			"caller got: $(final_response "$name" | tr '\n' ' ')" \
			"callee's P-Asserted-Identity lines: $(printf '%s' "$pai" | tr '\n' '|')" \
			"kamailio: $(cat "$WORK"/kamailio*.log | grep -a "$name-" | tail -3 | tr '\n' '|')"
	fi
}

# expect_relayed_re NAME STATUS REGEX: as expect_relayed, the one P-Asserted-Identity value
# matching an extended regular expression.
expect_relayed_re() {
	name=$1
	status=$2
	want=$3
	pai=$(received_invite "$name" | grep '^P-Asserted-Identity:')
	if [ "$status" = 0 ] && [ "$(printf '%s\n' "$pai" | wc -l)" = 1 ] &&
		printf '%s\n' "$pai" | grep -Eq "^P-Asserted-Identity: ($want)\$"; then
		ok "$name: callee gets $pai"
	else
		not_ok "$name: callee gets $want" "sipp exit $status: $(cat "$WORK/$name.err" 2>/dev/null)" \
			"callee's P-Asserted-Identity lines: $(printf '%s' "$pai" | tr '\n' '|')"
	fi
}

# expect_rejected NAME STATUS WANT_STATUS_LINE [WANT_REASON_LINE]: the caller got exactly this
# final response, and the call never reached the callee.
expect_rejected() {
	name=$1
	status=$2
	want=$3
	want_reason=${4:-}
	got=$(final_response "$name")
	want_all=$want
	[ -z "$want_reason" ] || want_all=$(printf '%s\n%s' "$want" "$want_reason")
	if [ "$status" = 0 ] && [ "$got" = "$want_all" ] && [ -z "$(received_invite "$name")" ]; then
		ok "$name: caller gets $want${want_reason:+ ($want_reason)}"
	else
		not_ok "$name: caller gets $want $want_reason" \
			"sipp exit $status: $(cat "$WORK/$name.err" 2>/dev/null)" \
			"caller got: $(printf '%s' "$got" | tr '\n' '|')" \
			"callee received it: $(received_invite "$name" | head -1)"
	fi
}

identity() {
	printf 'Identity: %s' "$(sign "$@" --iat "$(date +%s)" --origid "$(cat /proc/sys/kernel/random/uuid)")"
}

# --- set-up: NSD with the signed tree, danecidd, the callee, Kamailio --------------------------
start_tree
start_daemon "log-level: debug"

UAS_PORT=$(free_block) || { echo "Bail out! no free port"; exit 1; }
"$SIPP" -sf "$SCEN/callee.xml" -i 127.0.0.1 -bind_local -p "$UAS_PORT" \
	-ci 127.0.0.1 -cp $((UAS_PORT + 1)) -mi 127.0.0.1 -mp $((UAS_PORT + 4)) -nostdin \
	-trace_msg -message_file "$WORK/callee.msg" >"$WORK/callee.out" 2>&1 </dev/null &
UASPID=$!
i=0
while ! listening "$UAS_PORT" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
listening "$UAS_PORT" || { echo "Bail out! the SIPp callee did not start: $(cat "$WORK/callee.out")"; exit 1; }

start_kamailio KPID "$WORK/kamailio.log" "$SIP_PORT"
K1=$KPORT

# --- 302 mode (reject-on-fail: no, the default) ----------------------------------------------
call legit caller-answered "$K1" +12025550100 "$(identity alice 12025550100 14155550100)"
expect_relayed legit $? "<tel:+12025550100;verstat=TN-Validation-Passed>"
inv=$(received_invite legit)
if printf '%s\n' "$inv" | grep -q '^INVITE sip:+14155550100@example.org SIP/2.0$' &&
	printf '%s\n' "$inv" | grep -q '^Identity: eyJ.*;info=<dns:_stir\.0\.0\.1\.0\.5\.5\.5\.2\.0\.2\.1\.e164\.test>;alg=ES256;ppt=shaken$'; then
	ok "legit: callee gets the original Request-URI and the Identity header"
else
	not_ok "legit: callee gets the original Request-URI and the Identity header" "$inv"
fi

call block caller-answered "$K1" +12025550123 "$(identity carrier 12025550123 14155550100)"
expect_relayed block $? "<tel:+12025550123;verstat=TN-Validation-Passed>"

call spoofed caller-rejected "$K1" +12025550100 "$(identity mallory 12025550100 14155550100)"
expect_rejected spoofed $? "SIP/2.0 438 Invalid Identity Header" \
	'Reason: SIP ;cause=438 ;text="key-not-authorized"'

call unsigned caller-answered "$K1" +12025550123
expect_relayed unsigned $? "<tel:+12025550123;verstat=No-TN-Validation>"

# A caller that asserts its own verdict: Kamailio keeps only danecidd's.
call forged-pai caller-answered "$K1" +12025550123 \
	"P-Asserted-Identity: <tel:+12025550123;verstat=TN-Validation-Passed>"
expect_relayed forged-pai $? "<tel:+12025550123;verstat=No-TN-Validation>"

call unsigned-require caller-rejected "$K1" +12025550177
expect_rejected unsigned-require $? "SIP/2.0 428 Use Identity Header" \
	'Reason: SIP ;cause=428 ;text="identity-required"'

call stale caller-rejected "$K1" +12025550100 \
	"Identity: $(sign alice 12025550100 14155550100 --iat $(($(date +%s) - 300)))"
expect_rejected stale $? "SIP/2.0 403 Stale Date" 'Reason: SIP ;cause=403 ;text="stale"'

call unregistered caller-answered "$K1" +14155550199 "$(identity mallory 14155550199 14155550100)"
expect_relayed unregistered $? "<tel:+14155550199;verstat=No-TN-Validation>"

# --- reject-on-fail: yes, by SIGHUP: danecidd answers 438 itself, Kamailio relays it ---------
echo "reject-on-fail: yes" >>"$DCONF"
kill -HUP "$DPID"
i=0
while ! grep -q "reloaded:" "$WORK/danecidd.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q "reloaded:" "$WORK/danecidd.log"; then
	ok "danecidd reloads its configuration on SIGHUP"
else
	not_ok "danecidd reloads its configuration on SIGHUP" "$(tail -5 "$WORK/danecidd.log")"
fi

call spoofed-rof caller-rejected "$K1" +12025550100 "$(identity mallory 12025550100 14155550100)"
expect_rejected spoofed-rof $? "SIP/2.0 438 Invalid Identity Header" \
	'Reason: SIP ;cause=438 ;text="key-not-authorized"'
if grep -a "spoofed-rof-" "$WORK/kamailio.log" | grep -q "verifier rejected the call: 438"; then
	ok "spoofed-rof: the 438 came from danecidd itself (reject-on-fail)"
else
	not_ok "spoofed-rof: the 438 came from danecidd itself (reject-on-fail)" \
		"$(grep -a "spoofed-rof-" "$WORK/kamailio.log" | tail -3)"
fi

call legit-rof caller-answered "$K1" +12025550100 "$(identity alice 12025550100 14155550100)"
expect_relayed legit-rof $? "<tel:+12025550100;verstat=TN-Validation-Passed>"

# --- DNS down: danecidd answers No-TN-Validation (dns-unavailable), never a pass -------------
# A number none of the calls above has used: danecidd keeps validated answers for their TTL,
# so a caller it has just looked up would still be answered from its cache.
stop_tree
# (Answered by the deadline, the verdict names no number: danecidd then puts the From URI in
# the P-Asserted-Identity.)
call dns-down caller-answered "$K1" +12025550140 "$(identity carrier 12025550140 14155550100)"
expect_relayed_re dns-down $? \
	'<(tel:\+12025550140|sip:\+12025550140@example\.net);verstat=No-TN-Validation>'
if grep -q "No-TN-Validation.dns-unavailable" "$WORK/danecidd.log"; then
	ok "dns-down: danecidd logs dns-unavailable"
else
	not_ok "dns-down: danecidd logs dns-unavailable" "$(tail -5 "$WORK/danecidd.log")"
fi

# --- the verifier stops: fail closed ---------------------------------------------------------
stop_daemon
st=$?
if [ "$st" = 0 ]; then
	ok "danecidd stops on SIGTERM with status 0"
else
	not_ok "danecidd stops on SIGTERM with status 0" "status $st: $(tail -3 "$WORK/danecidd.log")"
fi

t0=$(date +%s)
call verifier-down caller-rejected "$K1" +12025550100 "$(identity alice 12025550100 14155550100)"
st=$?
t1=$(date +%s)
expect_rejected verifier-down $st "SIP/2.0 503 Caller Verification Unavailable"
if [ $((t1 - t0)) -le 6 ]; then
	ok "verifier-down: rejected after the verifier timer ($((t1 - t0)) s), not the INVITE timer"
else
	not_ok "verifier-down: rejected after the verifier timer" "took $((t1 - t0)) s"
fi

# The same configuration with RELAY_UNVERIFIED: the call goes on, marked No-TN-Validation,
# never Passed, and the caller's own P-Asserted-Identity is gone.
start_kamailio K2PID "$WORK/kamailio-relay.log" "$SIP_PORT" -A RELAY_UNVERIFIED
call relay-unverified caller-answered "$KPORT" +12025550100 \
	"P-Asserted-Identity: <tel:+12025550100;verstat=TN-Validation-Passed>"
expect_relayed relay-unverified $? "<tel:+12025550100;verstat=No-TN-Validation>"
call relay-signed caller-answered "$KPORT" +12025550100 "$(identity alice 12025550100 14155550100)"
expect_relayed relay-signed $? "<tel:+12025550100;verstat=No-TN-Validation>"

done_testing
