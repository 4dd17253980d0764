#!/bin/sh
# dnssec_zoo.sh — the DNSSEC failure zoo: a tree e164.test. (tests/zoo/build-zoo) where each
# child zone carries one DNSSEC defect, served by a real NSD, and a second NSD that plays an
# attacker without the keys (forged denials, minimal responses). Every call is signed by the key
# the number's TLSA pins (or, for the forged denials, by the key of the shorter block), so the
# only reason for a verdict other than a pass is the defect: each case has a control built the
# same way without it, which passes. Asserted: exit status, verstat, reason, sip_code and the
# JSON dnssec field of danecid verify; the same through danecidd over HTTP, asked twice; the
# wall and CPU time of the KeyTrap cases; BIND's delv on the insecure cases when installed.
. "$(dirname "$0")/lib.sh"

need_tools curl drill openssl ldns-keygen ldns-signzone ldns-key2ds ldns-nsec3-hash

bail() {
	echo "Bail out! $*"
	exit 1
}

ZOO=$WORK/zoo
HONEST=$ZOO/honest
ATTACK=$ZOO/attacker
KEYTRAP=$top_builddir/tests/tools/keytrap
[ -x "$KEYTRAP" ] || bail "$KEYTRAP is missing (make check builds it)"
"$top_srcdir/tests/zoo/build-zoo" "$ZOO" "$KEYTRAP" >"$WORK/zoo.log" 2>&1 ||
	bail "build-zoo failed: $(tail -3 "$WORK/zoo.log")"
KEYS=$ZOO/keys
read -r DECOYS JUNK12 JUNK13 KEYTAG <"$ZOO/keytrap.txt"

TREE=$HONEST # lib.sh stops the NSD of $TREE; start_daemon reads $TREE/anchor.ds
cp "$ZOO/anchor.ds" "$HONEST/anchor.ds"
HPORT=$("$top_srcdir/zones/serve" start "$HONEST") ||
	bail "NSD did not start: $(cat "$HONEST/nsd.err" "$HONEST/nsd.log")"
# The attacker's server answers without authority records, as a forger would.
APORT=$(NSD_EXTRA="minimal-responses: yes" "$top_srcdir/zones/serve" start "$ATTACK") ||
	bail "the second NSD did not start: $(cat "$ATTACK/nsd.err" "$ATTACK/nsd.log")"
trap '"$top_srcdir/zones/serve" stop "$ATTACK" >/dev/null 2>&1; cleanup' EXIT

DEST=14155550100
classes=0
classified=0

# call FILE SIGNER NUMBER: an INVITE from +NUMBER whose PASSporT SIGNER's key signed.
call() {
	invite "$1" "sip:+$3@example.net;user=phone" "sip:+$DEST@example.org" \
		"Identity: $(sign "$2" "$3" "$DEST")"
}

# zoo NAME PORT SIGNER NUMBER EXIT VERSTAT REASON SIP_CODE DNSSEC: one class of the zoo through
# danecid verify against the NSD on PORT; counted in the zoo-classes figure.
zoo() {
	z_name=$1 z_port=$2 z_file=$WORK/call.$4.$3.$2
	call "$z_file" "$3" "$4"
	VERIFY="$DANECID verify --apex e164.test --trust-anchor $ZOO/anchor.ds"
	VERIFY="$VERIFY --upstream 127.0.0.1@$z_port --now $NOW"
	z_before=$tap_failed
	EXPECT_JSON="\"dnssec\":\"$9\"" expect "$z_name" "$5" "$6" "$7" "$8" "$z_file"
	classes=$((classes + 1))
	[ "$tap_failed" != "$z_before" ] || classified=$((classified + 1))
}

# The expected outcomes as word lists (split on purpose where used): exit status, verstat,
# reason, sip_code, the JSON dnssec field.
PASS="0 TN-Validation-Passed ok 0 secure"
BOGUS="1 TN-Validation-Failed dnssec-bogus 438 bogus"
INSECURE="2 No-TN-Validation dnssec-insecure 0 insecure"

# ---- signed child zones, one defect each (+1 202 555 CC00 pins Alice; Alice signs) ----
zoo "01 control: a correctly signed child zone" "$HPORT" alice 12025550100 $PASS
zoo "02 RRSIGs expired a day ago" "$HPORT" alice 12025550200 $BOGUS
zoo "03 RRSIGs valid only from tomorrow" "$HPORT" alice 12025550300 $BOGUS
zoo "04 TLSA served without its RRSIG" "$HPORT" alice 12025550400 $BOGUS
zoo "05 the parent's DS matches no DNSKEY of the child" "$HPORT" alice 12025550500 $BOGUS
zoo "06 the child's DNSKEY set removed" "$HPORT" alice 12025550600 $BOGUS
zoo "07 TLSA signed by a key outside the zone's DNSKEY set" "$HPORT" alice 12025550700 \
	$BOGUS
zoo "27 TLSA signed by a sibling zone's key (signer not an ancestor)" "$HPORT" alice \
	12025552700 $BOGUS
# The parent's ZSK signed the TLSA set as if the name were still in the parent (a replay
# from before the delegation). NSD's answer names the child zone in its authority section,
# which sends the check to the child's keys: bogus. (BIND's delv validates it, with or without
# that section. Replayed without it, the cut is invisible to danecid too, which then takes the
# parent's signature: not asserted here.)
zoo "17 TLSA signed by the parent zone's key" "$HPORT" alice 12025551700 $BOGUS

# ---- 08, 18 forged denials: the node of +1 202 555 CC00 pins Alice, the block 1202555CC pins
# Mallory; Mallory signs. Honestly served, Alice's node decides (key-not-authorized); the
# attacker denies Alice's node without the keys so that the block would decide. ----
zoo "08 honest: the number's own TLSA decides over the block" "$HPORT" mallory \
	12025550800 1 TN-Validation-Failed key-not-authorized 438 secure
zoo "08 honest: the holder's own call" "$HPORT" alice 12025550800 $PASS
zoo "18 honest: the number's own TLSA decides over the block" "$HPORT" mallory \
	12025551800 1 TN-Validation-Failed key-not-authorized 438 secure
zoo "attacker's server: an undisturbed zone still passes" "$APORT" alice 12025550100 $PASS
zoo "08 forged NXDOMAIN without any proof: not the block's pass" "$APORT" mallory \
	12025550800 $BOGUS
zoo "18 forged NXDOMAIN, NSEC3 of other names that do not cover it" "$APORT" mallory \
	12025551800 $BOGUS

# ---- 09 NSEC3 opt-out. The block zone 120255509 is signed with opt-out and pins Mallory at
# its apex; it delegates 12025550900 to an unsigned zone (NS, no DS). +1 202 555 0912 has no
# records: its NXDOMAIN rests on an opt-out NSEC3 covering the next closer name. Such a span
# only says that no *signed* name lies there: an unsigned delegation may (RFC 5155 §6), and the
# name could then exist, unsigned. The denial is not provably secure, so the longer prefix is
# not securely denied and the block must not decide (SPEC §3): INSECURE (like getdns and
# Unbound, which set no AD bit for it), never a pass. The number inside the unsigned
# delegation is insecure: the opt-out span above proves the delegation has no DS. ----
zoo "09 opt-out NXDOMAIN below a block: the block does not decide" "$HPORT" mallory \
	12025550912 $INSECURE
zoo "09 number inside the unsigned delegation of an opt-out span" "$HPORT" alice \
	12025550900 $INSECURE
# ---- 10 an insecure delegation: the apex has NS and no DS for the child zone 12025551x.
zoo "10 insecure delegation (NS without DS)" "$HPORT" alice 12025551000 $INSECURE
# ---- 11 a wildcard *.1.1.5.5.5.2.0.2.1 in the apex pins Mallory: it answers for names that
# do not exist, which is no authorization (SPEC §3); every shorter prefix is denied.
zoo "11 wildcard TLSA for a number that does not exist" "$HPORT" mallory 12025551100 \
	2 No-TN-Validation number-not-registered 0 secure

# ---- 12, 13 KeyTrap: DECOYS keys with one key tag in the child's DNSKEY set; Alice's TLSA set
# carries JUNK12 (zone 12) or JUNK13 (zone 13) garbage RRSIGs with that tag. danecid refuses
# the answer before any validation (more signatures than SIGS_MAX in zone 12; more checks than
# SIG_CHECKS_MAX for the keys sharing the tags in zone 13): bogus, at once. The correctly signed
# number of each zone (CC01) shows that the decoy keys alone change nothing. ----
zoo "12 KeyTrap zone, a correctly signed number (control)" "$HPORT" alice 12025551201 $PASS
zoo "12 KeyTrap: $DECOYS colliding keys x $JUNK12 garbage signatures" "$HPORT" alice \
	12025551200 $BOGUS
zoo "13 KeyTrap zone, a correctly signed number (control)" "$HPORT" alice 12025551301 $PASS
zoo "13 KeyTrap: $DECOYS colliding keys x $JUNK13 garbage signatures" "$HPORT" alice \
	12025551300 $BOGUS

# ---- what BIND's validator says of the insecure cases (a second opinion: NOTES-deps) ----
# quickstart installs bind9-dnsutils: without delv this part fails, it is not skipped.
check "delv (bind9-dnsutils) is installed" sh -c 'command -v delv >/dev/null'
if command -v delv >/dev/null 2>&1; then
	awk '{ printf "trust-anchors { %s static-ds %s %s %s \"%s\"; };\n", $1, $5, $6, $7, $8 }' \
		"$ZOO/anchor.ds" >"$WORK/anchors.conf"
	# delv_says NAME: the first line of delv's verdict on the TLSA set of NAME.
	delv_says() {
		delv -a "$WORK/anchors.conf" -p "$HPORT" @127.0.0.1 "$1" TLSA +root=e164.test 2>&1 |
			grep -m1 '^; '
	}
	for n in _stir.0.0.0.1.5.5.5.2.0.2.1.e164.test _stir.0.0.9.0.5.5.5.2.0.2.1.e164.test; do
		said=$(delv_says "$n")
		check "delv agrees: $n is an unsigned answer (insecure)" [ "$said" = "; unsigned answer" ]
	done
	said=$(delv_says _stir.0.0.1.0.5.5.5.2.0.2.1.e164.test)
	check "delv agrees: the control is fully validated" [ "$said" = "; fully validated" ]
	# Not asserted: BIND counts an opt-out NXDOMAIN as validated; danecid does not let it
	# decide (above).
	echo "# delv on the opt-out NXDOMAIN of 09: $(delv_says _stir.2.1.9.0.5.5.5.2.0.2.1.e164.test)"
fi

# ---- KeyTrap: how long danecid verify takes, wall and CPU ----
# cpu_ms FILE: the CPU time (user + system, ms) of the shell's finished children, from the
# output of the times builtin saved in FILE.
cpu_ms() {
	awk 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m")
			sub("s", "", a[2])
			t += a[1] * 60000 + a[2] * 1000
		}
		printf "%d\n", t
	}' "$1"
}
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
# bounded WALL_MS CPU_MS: "yes" when within 1500 ms of wall time and 500 ms of CPU.
bounded() {
	if [ "$1" -le 1500 ] && [ "$2" -le 500 ]; then echo yes; else echo no; fi
}
# timed_cli NAME NUMBER: danecid verify on Alice's call from +NUMBER, alone and timed: it must
# say dnssec-bogus within 1500 ms (the default deadline) using at most 500 ms of CPU. Sets
# T_WALL and T_CPU.
timed_cli() {
	t_file=$WORK/timed.$2
	call "$t_file" alice "$2"
	VERIFY="$DANECID verify --apex e164.test --trust-anchor $ZOO/anchor.ds"
	VERIFY="$VERIFY --upstream 127.0.0.1@$HPORT --now $NOW"
	times >"$WORK/times.0"
	t0=$(now_ms)
	$VERIFY "$t_file" >"$WORK/timed.out" 2>&1
	t_st=$?
	t1=$(now_ms)
	times >"$WORK/times.1"
	T_WALL=$((t1 - t0))
	T_CPU=$(($(cpu_ms "$WORK/times.1") - $(cpu_ms "$WORK/times.0")))
	t_reason=$(json_field "$(head -n 1 "$WORK/timed.out")" reason)
	check "$1: danecid verify says dnssec-bogus in $T_WALL ms, $T_CPU ms CPU (bound 1500, 500)" \
		[ "$t_st:$t_reason:$(bounded "$T_WALL" "$T_CPU")" = '1:"dnssec-bogus":yes' ]
}
diag() { echo "exit $t_st: $(head -c 300 "$WORK/timed.out")"; }
timed_cli "12 KeyTrap ($DECOYS keys x $JUNK12 signatures)" 12025551200
echo "# figure keytrap-cli-wall-ms: $T_WALL"
echo "# figure keytrap-cli-cpu-ms: $T_CPU"
timed_cli "13 KeyTrap ($DECOYS keys x $JUNK13 signatures)" 12025551300
echo "# figure keytrap13-cli-wall-ms: $T_WALL"
echo "# figure keytrap13-cli-cpu-ms: $T_CPU"
diag() { :; }

# ---- danecidd over HTTP: the fast path and the cache; each case asked twice, and the second
# answer must be the same (a failure is never cached into a pass) ----
answers=0
answered=0
# fresh SIGNER ORIG: an Identity header value signed now, with its own origid.
fresh() {
	sign "$1" "$2" "$DEST" --iat "$(date +%s)" --origid "$(cat /proc/sys/kernel/random/uuid)"
}
# ask NAME NUMBER SIGNER VERSTAT CODE REASON DNSSEC: one HTTP verification, counted.
ask() {
	a_before=$tap_failed
	http "$1" "$4" "$5" "$6" "$(atis_req "+$2" "+$DEST" "" "\"$(fresh "$3" "$2")\"")" \
		"\"dnssec\":\"$7\""
	answers=$((answers + 1))
	[ "$tap_failed" != "$a_before" ] || answered=$((answered + 1))
}
# twice NAME NUMBER SIGNER VERSTAT CODE REASON DNSSEC: ask, then ask again.
twice() {
	t_name=$1
	shift
	ask "$t_name (danecidd, first)" "$@"
	ask "$t_name (danecidd, again)" "$@"
}
# daemon_cpu_ms: CPU time (user + system) danecidd has used so far, in ms.
TICK=$(getconf CLK_TCK)
daemon_cpu_ms() {
	awk -v tick="$TICK" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / tick }' \
		"/proc/$DPID/stat"
}

PORT=$HPORT
start_daemon "deadline: 4000"
BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
twice "01 control" 12025550100 alice TN-Validation-Passed 0 ok secure
twice "02 expired RRSIGs" 12025550200 alice TN-Validation-Failed 438 dnssec-bogus bogus
twice "04 stripped RRSIG" 12025550400 alice TN-Validation-Failed 438 dnssec-bogus bogus
twice "05 DS mismatch" 12025550500 alice TN-Validation-Failed 438 dnssec-bogus bogus
twice "12 KeyTrap control" 12025551201 alice TN-Validation-Passed 0 ok secure
c0=$(daemon_cpu_ms)
w0=$(now_ms)
ask "12 KeyTrap (danecidd, first)" 12025551200 alice TN-Validation-Failed 438 dnssec-bogus bogus
w1=$(now_ms)
c1=$(daemon_cpu_ms)
D_WALL=$((w1 - w0))
D_CPU=$((c1 - c0))
check "12 KeyTrap: danecidd answered in $D_WALL ms, $D_CPU ms CPU (bound 1500, 500)" \
	[ "$(bounded "$D_WALL" "$D_CPU")" = yes ]
ask "12 KeyTrap (danecidd, again)" 12025551200 alice TN-Validation-Failed 438 dnssec-bogus bogus
twice "13 KeyTrap" 12025551300 alice TN-Validation-Failed 438 dnssec-bogus bogus
check "danecidd stops cleanly on SIGTERM" stop_daemon
echo "# figure keytrap-daemon-wall-ms: $D_WALL"
echo "# figure keytrap-daemon-cpu-ms: $D_CPU"

# the attacker's server behind danecidd
PORT=$APORT
start_daemon "deadline: 4000"
BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
twice "attacker's server, undisturbed zone" 12025550100 alice TN-Validation-Passed 0 ok secure
twice "08 forged NXDOMAIN without proof" 12025550800 mallory TN-Validation-Failed 438 \
	dnssec-bogus bogus
twice "18 forged NXDOMAIN, NSEC3 of other names" 12025551800 mallory TN-Validation-Failed 438 \
	dnssec-bogus bogus
check "danecidd stops cleanly on SIGTERM" stop_daemon

echo "# figure zoo-classes: $classified/$classes classified as expected"
echo "# figure zoo-daemon-answers: $answered/$answers as expected"
echo "# figure keytrap-colliding-keys: $DECOYS"
echo "# figure keytrap-junk-signatures: $JUNK12"
echo "# figure keytrap-checks-refused: $((DECOYS * JUNK12))"
echo "# figure keytrap-key-tag: $KEYTAG"
done_testing
