#!/bin/sh
# compare.sh — DANE (keys pinned in DNSSEC TLSA records) and the x509 method (RFC 8226
# certificates fetched from x5u over HTTPS) measured on the same calls: caller +12025550100,
# callee +12025550199, one machine, one run. Real servers on loopback: NSD serving the signed
# example tree, nginx serving the test STI PKI's x5u documents.
#
# usage: compare.sh [--update-doc FILE] [--no-netns]
#
# Prints a Markdown table (also written to ./compare.md) and writes ./compare.json. With
# --update-doc FILE the text between <!-- compare:begin --> and <!-- compare:end --> in FILE
# is replaced by the table and a line naming the date, the machine and the versions.
#
# How each number is measured:
#  - rows 1-4: tests/tools/compare, the library in one process (danecid_verify_request(), as
#    danecidd's HTTP front-end calls it), the two methods taking turns run by run. Cold: a
#    new context per verification (no DNS answer, no x5u document, no TLS session kept).
#    Warm: one context per method, 500 distinct PASSporTs each.
#  - rows 5-6: a long-running danecidd asked over HTTP with curl (curl's time_total).
#  - network counters are those of a private network namespace (unshare -n as root, a user
#    namespace otherwise) when one can be had, so that only this run's packets are counted;
#    --no-netns measures in the shared one.
#  - with two CPUs or more the verifier runs on CPU 0, NSD and nginx on CPU 1.
#
# Tunables (environment): COMPARE_COLD_RUNS (30), COMPARE_WARM_RUNS (500),
# COMPARE_CLI_RUNS (10).
set -u

usage() {
	echo "usage: compare.sh [--update-doc FILE] [--no-netns]" >&2
	exit 64
}

DOC=
NETNS=yes
while [ $# -gt 0 ]; do
	case $1 in
	--update-doc)
		[ $# -ge 2 ] || usage
		DOC=$2
		shift 2
		;;
	--no-netns)
		NETNS=no
		shift
		;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
if [ -n "$DOC" ]; then
	case $DOC in /*) ;; *) DOC=$(pwd)/$DOC ;; esac
	if [ ! -w "$DOC" ] || ! grep -q '<!-- compare:begin -->' "$DOC" ||
		! grep -q '<!-- compare:end -->' "$DOC"; then
		echo "compare.sh: $DOC must be writable and hold <!-- compare:begin --> and <!-- compare:end -->" >&2
		exit 64
	fi
fi

# A private network namespace: loopback counters then count this run's packets only. The
# script runs again inside it. root: unshare -n; others: a user namespace that maps them to
# root to bring lo up, then back to themselves (nginx run as root would chown its temp dirs
# to an unmapped user).
if [ "$(id -u)" = 0 ]; then
	NS_OUTER="unshare -n"
	NS_INNER=
else
	NS_OUTER="unshare -rn"
	NS_INNER="unshare --map-user=$(id -u) --map-group=$(id -g)"
fi
if [ "$NETNS" = yes ] && [ -z "${COMPARE_IN_NETNS:-}" ] && command -v unshare >/dev/null &&
	command -v ip >/dev/null && $NS_OUTER sh -c "ip link set lo up && $NS_INNER true" 2>/dev/null; then
	COMPARE_IN_NETNS=1
	export COMPARE_IN_NETNS
	if [ -n "$DOC" ]; then
		exec $NS_OUTER sh -c "ip link set lo up && exec $NS_INNER \"\$@\"" sh sh "$0" --update-doc "$DOC"
	fi
	exec $NS_OUTER sh -c "ip link set lo up && exec $NS_INNER \"\$@\"" sh sh "$0"
fi
[ -n "${COMPARE_IN_NETNS:-}" ] || COMPARE_IN_NETNS=0

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_builddir/src/cli/danecid" ] || [ ! -x "$top_srcdir/build/src/cli/danecid" ] ||
		top_builddir=$top_srcdir/build
fi
export top_srcdir top_builddir
TOOL="$top_builddir/tests/tools/compare"
for f in "$TOOL" "$top_builddir/src/cli/danecid" "$top_builddir/src/daemon/danecidd"; do
	[ -x "$f" ] || { echo "compare.sh: $f not built (run make compare in the build dir)" >&2; exit 1; }
done
OUT_DIR=$(pwd)
COLD_N=${COMPARE_COLD_RUNS:-30}
WARM_N=${COMPARE_WARM_RUNS:-500}
CLI_N=${COMPARE_CLI_RUNS:-10}

. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pki.sh"

ORIG=12025550100
DEST=12025550199
NGINX_STOPPED=

# Everything started here goes on exit, failure included: a stopped nginx is resumed first,
# then pki.sh's cleanup stops nginx and calls lib.sh's (danecidd, NSD, the work dir).
compare_cleanup() {
	trap '' INT TERM # a second signal must not cut the cleanup short
	[ -z "$NGINX_STOPPED" ] || kill -CONT "$NGINX_STOPPED" 2>/dev/null
	x5u_cleanup
}
trap compare_cleanup EXIT

say() { printf 'compare: %s\n' "$*" >&2; }
die() {
	say "FAILED: $*"
	for f in "$WORK/danecidd.log" "$TREE/nsd.log" "$PKI/error.log"; do
		[ -s "$f" ] && { say "--- tail of $f"; tail -n 5 "$f" >&2; }
	done
	exit 1
}
now_ms() { date +%s%3N; }
# fmt NUMBER [DECIMALS]
fmt() { awk -v x="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, x }'; }
# div A B [DECIMALS]
div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, b ? a / b : 0 }'; }
# kv FILE KEY: the value of "KEY VALUE" in the tool's output
kv() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }
# ms_of FILE KEY: a microsecond value of the tool's output, in ms
ms_of() { awk -v k="$2" '$1 == k { printf "%.2f", $2 / 1000; exit }' "$1"; }

# ---- pinning: the verifier on CPU 0, the servers on CPU 1 (with two or more CPUs) ----
NCPU=$(nproc 2>/dev/null || echo 1)
PIN_TOOL=
pin_servers() {
	[ "$NCPU" -ge 2 ] && command -v taskset >/dev/null || return 0
	for p in $(nsd_pids) ${X5U_PID:-}; do
		taskset -a -p -c 1 "$p" >/dev/null 2>&1
	done
}
if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_TOOL="taskset -c 0"
fi

# ---- set-up: the signed tree on NSD, the test PKI on nginx ----
say "signing the tree, making the PKI, starting NSD and nginx"
start_tree
PKI="$WORK/pki"
pki_make "$PKI" || die "pki_make failed"
x5u_start() {
	x5u_server_start "$PKI" || die "nginx did not start"
	trap compare_cleanup EXIT # x5u_server_start sets its own
	pin_servers
}
x5u_start
URL="$X5U_BASE/one.pem"

# The TLS version libcurl negotiates with this nginx (the same libcurl danecid links).
TLS_VERSION=$(curl -sv -o /dev/null -A x5u-ready --cacert "$PKI/tls-ca.pem" "$URL" 2>&1 |
	sed -n 's/.*SSL connection using \(TLSv[0-9.]*\).*/\1/p' | head -n 1)
[ -n "$TLS_VERSION" ] || TLS_VERSION=unknown

cat >"$WORK/dane.conf" <<EOF
methods: dane
apex: e164.test
trust-anchor: $TREE/anchor.ds
upstream: 127.0.0.1@$PORT
EOF
cat >"$WORK/x509.conf" <<EOF
methods: x509
ca-file: $PKI/root.pem
crl-file: $PKI/crl.pem
x5u-tls-ca-file: $PKI/tls-ca.pem
x5u-allow-private: yes
EOF

# ---- rows 1-4: the library, cold and warm, methods taking turns ----
say "cold: $COLD_N verifications per method, a new context each"
f0=$(x5u_fetch_count "$PKI" /one.pem)
# shellcheck disable=SC2086
$PIN_TOOL "$TOOL" cold -D "$WORK/dane.conf" -K "$KEYS/alice.pem" -X "$WORK/x509.conf" \
	-C "$PKI/one.key" -u "$URL" -o $ORIG -d $DEST -n "$COLD_N" -w 1 -j "$WORK/cold.json" \
	>"$WORK/cold.txt" 2>"$WORK/tool.err" || die "cold runs: $(cat "$WORK/tool.err" "$WORK/cold.txt" | grep -e failure -e compare)"
f1=$(x5u_fetch_count "$PKI" /one.pem)
NGINX_COLD=$(div $((f1 - f0)) $((COLD_N + 1)) 2) # the warm-up run fetched too

say "warm: $WARM_N verifications per method on one context each"
# shellcheck disable=SC2086
$PIN_TOOL "$TOOL" warm -D "$WORK/dane.conf" -K "$KEYS/alice.pem" -X "$WORK/x509.conf" \
	-C "$PKI/one.key" -u "$URL" -o $ORIG -d $DEST -n "$WARM_N" -w 1 -j "$WORK/warm.json" \
	>"$WORK/warm.txt" 2>"$WORK/tool.err" || die "warm runs: $(cat "$WORK/tool.err" "$WORK/warm.txt" | grep -e failure -e compare)"
f2=$(x5u_fetch_count "$PKI" /one.pem)
NGINX_WARM=$((f2 - f1 - 1)) # requests after the warm-up's fetch
[ "$NGINX_WARM" -ge 0 ] || NGINX_WARM=0

# The whole CLI process, cold (exec, library start-up, context, one verification).
say "cold CLI: $CLI_N danecid verify processes per method"
T0=$(date +%s)
"$DANECID" sign --key "$KEYS/alice.pem" --orig $ORIG --dest $DEST --iat "$T0" >"$WORK/id-dane" ||
	die "danecid sign"
"$DANECID" sign --key "$PKI/one.key" --orig $ORIG --dest $DEST --iat "$T0" --x5u "$URL" \
	>"$WORK/id-x509" || die "danecid sign"
invite "$WORK/cli-dane" "sip:+$ORIG@example.net" "sip:+$DEST@example.org" "Identity: $(cat "$WORK/id-dane")"
invite "$WORK/cli-x509" "sip:+$ORIG@example.net" "sip:+$DEST@example.org" "Identity: $(cat "$WORK/id-x509")"
: >"$WORK/cli-dane.ms"
: >"$WORK/cli-x509.ms"
i=0
while [ $i -lt "$CLI_N" ]; do
	i=$((i + 1))
	for m in dane x509; do
		a=$(date +%s%N)
		"$DANECID" verify --config "$WORK/$m.conf" --now "$T0" "$WORK/cli-$m" \
			>"$WORK/cli.out" 2>&1 || die "CLI $m: $(cat "$WORK/cli.out")"
		b=$(date +%s%N)
		echo $(((b - a) / 1000)) >>"$WORK/cli-$m.ms"
	done
done
cli_median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'; }
CLI_DANE=$(cli_median "$WORK/cli-dane.ms")
CLI_X509=$(cli_median "$WORK/cli-x509.ms")

# ---- danecidd over HTTP ----
# pool NAME KEY [URL]: a fresh file of PASSporTs (iat now, own origids) to take from.
pool() {
	# shellcheck disable=SC2086
	"$TOOL" sign -k "$2" -o $ORIG -d $DEST ${3:+-u "$3"} -n 400 >"$WORK/pool-$1" ||
		die "signing a pool"
	eval "POOL_$1=0"
}
# take NAME: ID = the pool's next PASSporT
take() {
	eval "n=\$POOL_$1"
	n=$((n + 1))
	[ "$n" -le 400 ] || die "pool $1 used up"
	eval "POOL_$1=$n"
	ID=$(sed -n "${n}p" "$WORK/pool-$1")
}
# dcall NAME: POST the pool's next PASSporT to danecidd; D_MS (curl's time_total), D_REASON
dcall() {
	take "$1"
	atis_req "+$ORIG" "+$DEST" "" "\"$ID\"" >"$WORK/req.json"
	t=$(curl -sS -m 10 -o "$WORK/resp.json" -w '%{time_total}' -H 'Content-Type: application/json' \
		--data-binary @"$WORK/req.json" "$BASE" 2>>"$WORK/curl.err")
	D_MS=$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')
	D_REASON=$(grep -o '"reasontext":"[^"]*"' "$WORK/resp.json" | head -n 1 | cut -d'"' -f4)
	[ -n "$D_REASON" ] || D_REASON="no answer"
	D_VERSTAT=$(grep -o '"verstat":"[^"]*"' "$WORK/resp.json" | head -n 1 | cut -d'"' -f4)
	D_CODE=$(grep -o '"reasoncode":[0-9]*' "$WORK/resp.json" | head -n 1 | cut -d: -f2)
	if [ "${D_CODE:-0}" = 0 ]; then
		D_VERDICT="$D_VERSTAT ($D_REASON)"
	else
		D_VERDICT="$D_VERSTAT ($D_CODE $D_REASON)"
	fi
}
# want NAME REASON WHAT: dcall that must give REASON
want() {
	dcall "$1"
	[ "$D_REASON" = "$2" ] || die "$3: want $2, got $D_REASON: $(cat "$WORK/resp.json")"
}
dane_daemon() {
	start_daemon "methods: dane"
	BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}
x509_daemon() {
	start_daemon "methods: x509" "ca-file: $PKI/root.pem" "crl-file: $PKI/crl.pem" \
		"x5u-tls-ca-file: $PKI/tls-ca.pem" "x5u-allow-private: yes"
	BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
}
# poll_until_failed METHOD: a fresh call to danecidd every 20 ms until its verdict is a failure
# (a reload gap would be No-TN-Validation, not a failure); sets polls.
poll_until_failed() {
	polls=0
	while :; do
		polls=$((polls + 1))
		dcall "$1"
		[ "$D_VERSTAT" != TN-Validation-Failed ] || break
		[ $polls -lt 390 ] || die "$1 revocation not seen after $polls verifications"
		sleep 0.02
	done
}

# ---- row 6: infrastructure down ----
say "outage: NSD stopped / killed, nginx stopped / frozen"
dane_daemon
pool dane "$KEYS/alice.pem"
want dane ok "danecidd (dane) before the outage"
nsd_signal STOP
dcall dane
DOWN_DANE_SILENT="$D_VERDICT"
DOWN_DANE_SILENT_MS=$D_MS
nsd_signal CONT
want dane ok "danecidd (dane) after NSD resumed"
UP_DANE_MS=$D_MS
stop_tree >/dev/null
dcall dane
DOWN_DANE_CLOSED="$D_VERDICT"
DOWN_DANE_CLOSED_MS=$D_MS
stop_daemon
PORT=$("$top_srcdir/zones/serve" start "$TREE") || die "NSD did not start again"
pin_servers

x509_daemon
pool x509 "$PKI/one.key" "$URL"
want x509 ok "danecidd (x509) before the outage (fetches the x5u)"
want x509 ok "danecidd (x509) before the outage (cached x5u)"
x5u_server_stop "$PKI"
want x509 ok "danecidd (x509), nginx stopped, cached x5u"
DOWN_X509_WARM_MS=$D_MS
pool x509cold "$PKI/one.key" "$URL?cold"
dcall x509cold
DOWN_X509_CLOSED="$D_VERDICT"
DOWN_X509_CLOSED_MS=$D_MS
# frozen: the port is open (the kernel completes the TCP handshake), nothing answers
x5u_start
URL2="$X5U_BASE/one.pem"
NGINX_STOPPED=$X5U_PID
kill -STOP "$X5U_PID"
pool x509frozen "$PKI/one.key" "$URL2"
dcall x509frozen
DOWN_X509_SILENT="$D_VERDICT"
DOWN_X509_SILENT_MS=$D_MS
want x509 ok "danecidd (x509), nginx frozen, cached x5u"
DOWN_X509_WARM2_MS=$D_MS
kill -CONT "$X5U_PID"
NGINX_STOPPED=
stop_daemon
URL=$URL2

# ---- row 5: revocation ----
say "revocation: alice's TLSA record removed / the leaf 'one' revoked"
# DANE: the TLSA line goes, the zone is signed again with the same keys (NSEC3, as
# zones/sign-tree does), NSD reloads on SIGHUP (it rereads a zone file whose mtime changed).
TTL=$(awk '$1 == "_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test." && $4 == "TLSA" { print $2; exit }' \
	"$TREE/e164.test.zone.signed")
NEG_TTL=$(awk '$4 == "SOA" { print $NF; exit }' "$TREE/e164.test.zone.signed")
# danecidd keeps a validated answer for its TTL: capped here at REV_MAX_TTL seconds, so that
# the row measures the mechanism in seconds rather than the tree's 300 s TTL.
REV_MAX_TTL=3
start_daemon "methods: dane" "dns-cache-max-ttl: $REV_MAX_TTL"
BASE="http://127.0.0.1:$HTTP_PORT/stir/v1/verification"
pool dane "$KEYS/alice.pem"
want dane ok "danecidd (dane) before the revocation"
METRIC_DNSQ=$(metric danecid_dns_questions_total) # one passing call so far
t0=$(now_ms)
awk '$1 == "_stir.0.0.1.0.5.5.5.2.0.2.1" && $3 == "TLSA" { next }
	$3 == "SOA" { $6 = $6 + 1 }
	{ print }' "$TREE/e164.test.zone" >"$TREE/e164.test.zone.new" &&
	mv "$TREE/e164.test.zone.new" "$TREE/e164.test.zone" || die "editing the zone"
ksk=$(cd "$TREE/dnssec" && grep -l 'IN[[:space:]]*DNSKEY[[:space:]]*257' K*.key | sed 's/\.key$//')
zsk=$(cd "$TREE/dnssec" && grep -l 'IN[[:space:]]*DNSKEY[[:space:]]*256' K*.key | sed 's/\.key$//')
[ -n "$ksk" ] && [ -n "$zsk" ] || die "no DNSSEC keys in $TREE/dnssec"
(cd "$TREE/dnssec" && ldns-signzone -n -i "$(date -u -d '1 day ago' +%Y%m%d%H%M%S)" \
	-e "$(date -u -d '30 days' +%Y%m%d%H%M%S)" -f "$TREE/e164.test.zone.signed.new" \
	"$TREE/e164.test.zone" "$zsk" "$ksk") >"$WORK/resign.log" 2>&1 || die "ldns-signzone: $(cat "$WORK/resign.log")"
mv "$TREE/e164.test.zone.signed.new" "$TREE/e164.test.zone.signed"
t1=$(now_ms)
kill -HUP "$(cat "$TREE/nsd.pid")"
poll_until_failed dane
t2=$(now_ms)
REV_DANE_REASON="$D_VERDICT"
REV_DANE_SIGN=$((t1 - t0))
REV_DANE_RELOAD=$((t2 - t1))
REV_DANE_TOTAL=$((t2 - t0))
REV_DANE_POLLS=$polls
stop_daemon

# x509: openssl ca revokes the leaf in the intermediate's database, the intermediate's CRL is
# made again (lastUpdate a minute ago, nextUpdate in 30 days, as pki.sh does), crl.pem is put
# together again, danecidd reloads on SIGHUP (crl-file is read at start and on SIGHUP).
x509_daemon
pool x509 "$PKI/one.key" "$URL"
want x509 ok "danecidd (x509) before the revocation (fetches the x5u)"
want x509 ok "danecidd (x509) before the revocation (cached x5u)"
METRIC_FETCHES=$(metric danecid_x5u_fetches_total) # two passing calls so far
fetch0=$(x5u_fetch_count "$PKI" /one.pem)
t0=$(now_ms)
ts=$(date +%s)
openssl ca -batch -config "$PKI/ca-inter/ca.cnf" -revoke "$PKI/one.pem" \
	-crl_reason keyCompromise >"$WORK/revoke.log" 2>&1 || die "openssl ca -revoke: $(cat "$WORK/revoke.log")"
openssl ca -batch -config "$PKI/ca-inter/ca.cnf" -gencrl \
	-crl_lastupdate "$(date -u -d "@$((ts - 60))" +%Y%m%d%H%M%SZ)" \
	-crl_nextupdate "$(date -u -d "@$((ts + 30 * 86400))" +%Y%m%d%H%M%SZ)" \
	-out "$PKI/crl-inter.pem" >>"$WORK/revoke.log" 2>&1 || die "openssl ca -gencrl: $(cat "$WORK/revoke.log")"
cat "$PKI/crl-inter.pem" "$PKI/crl-root.pem" >"$PKI/crl.pem.new" && mv "$PKI/crl.pem.new" "$PKI/crl.pem"
t1=$(now_ms)
kill -HUP "$DPID"
poll_until_failed x509
t2=$(now_ms)
REV_X509_REASON="$D_VERDICT"
REV_X509_DETAIL=$(grep -o 'certificate revoked' "$WORK/resp.json" | head -n 1)
REV_X509_SIGN=$((t1 - t0))
REV_X509_RELOAD=$((t2 - t1))
REV_X509_TOTAL=$((t2 - t0))
REV_X509_POLLS=$polls
REV_X509_REFETCH=$(($(x5u_fetch_count "$PKI" /one.pem) - fetch0))
NEXT_UPDATE=$(openssl crl -in "$PKI/crl-inter.pem" -noout -nextupdate 2>/dev/null | sed 's/^nextUpdate=//')
stop_daemon

# ---- the table ----
# shellcheck disable=SC2154 # the COLD_*, WARM_*, CTX_* values are assigned through eval
c="$WORK/cold.txt"
w="$WORK/warm.txt"
for m in dane x509; do
	eval "COLD_MED_$m=\$(ms_of $c $m.lat_median_us)"
	eval "COLD_P90_$m=\$(ms_of $c $m.lat_p90_us)"
	eval "CTX_$m=\$(ms_of $c $m.ctx_median_us)"
	eval "WARM_MEAN_$m=\$(awk -v k=$m.lat_mean_us '\$1 == k { printf \"%.3f\", \$2 / 1000 }' $w)"
	eval "WARM_RATE_$m=\$(fmt \$(kv $w $m.rate_wall) 0)"
	eval "WARM_CPU_$m=\$(awk -v k=$m.cpu_us '\$1 == k { printf \"%.3f\", \$2 / 1000 }' $w)"
	eval "WARM_RATECPU_$m=\$(fmt \$(kv $w $m.rate_cpu) 0)"
	for k in dns_questions udp_datagrams tcp_connections lo_bytes lo_packets x5u_fetches; do
		eval "COLD_${k}_$m=\$(kv $c $m.$k)"
		eval "WARM_${k}_$m=\$(kv $w $m.$k)"
	done
done
# questions on the wire: every UDP datagram of the namespace, query and answer each once
WIRE_Q_COLD_dane=$(div "$COLD_udp_datagrams_dane" 2 1)
WIRE_Q_WARM_dane=$(div "$WARM_udp_datagrams_dane" 2 1)
WIRE_Q_COLD_x509=$(div "$COLD_udp_datagrams_x509" 2 1)
WIRE_Q_WARM_x509=$(div "$WARM_udp_datagrams_x509" 2 1)
case $TLS_VERSION in
TLSv1.3) TLS_RTT=1 ;;
*) TLS_RTT=2 ;;
esac
RTT_X509=$(awk -v c="$COLD_tcp_connections_x509" -v t="$TLS_RTT" 'BEGIN { printf "%g", c * (2 + t) }')
if [ "$COMPARE_IN_NETNS" = 1 ]; then
	NETNOTE="a private network namespace: only this run's packets"
else
	NETNOTE="the shared network namespace: other traffic on loopback would be counted too"
fi
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
[ -n "$CPU_MODEL" ] || CPU_MODEL=unknown
V_DANECID=$("$DANECID" --version 2>/dev/null | head -n 1)
V_NSD=$("${NSD:-nsd}" -v 2>&1 | head -n 1 | sed 's/NSD version //')
[ -n "$V_NSD" ] || V_NSD=$(/usr/sbin/nsd -v 2>&1 | head -n 1 | sed 's/NSD version //')
V_NGINX=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
V_OPENSSL=$(openssl version | awk '{ print $2 }')
V_CURL=$(curl --version | head -n 1 | sed 's/.*libcurl\/\([^ ]*\).*/\1/')
V_GETDNS=$(pkg-config --modversion getdns 2>/dev/null || echo unknown)
V_LDNS=$(pkg-config --modversion ldns 2>/dev/null || echo unknown)
V_KERNEL=$(uname -r)
DATE=$(date -u +%Y-%m-%d)
PIN_NOTE="not pinned"
[ -z "$PIN_TOOL" ] || PIN_NOTE="verifier pinned to CPU 0, NSD and nginx to CPU 1"

{
	echo "| Measured on the same call (+$ORIG → +$DEST) | DANE (TLSA in DNSSEC) | x509 (RFC 8226, x5u over HTTPS) | How |"
	echo "|---|---|---|---|"
	echo "| 1. Cold verification, median / p90 (n=$COLD_N) | $COLD_MED_dane / $COLD_P90_dane ms | $COLD_MED_x509 / $COLD_P90_x509 ms | library, a new context per verification (context set-up not included: $CTX_dane / $CTX_x509 ms more); DANE walks the tree validating against NSD, x509 fetches the x5u over a new TLS connection, parses and validates the chain with the CRL |"
	echo "| 1b. Cold, whole \`danecid verify\` process, median (n=$CLI_N) | $CLI_DANE ms | $CLI_X509 ms | wall time seen from the shell: exec, library start-up, context, one verification |"
	echo "| 2. Warm verification, mean (n=$WARM_N) | $WARM_MEAN_dane ms | $WARM_MEAN_x509 ms | one context per method, a fresh PASSporT (origid) each; DANE takes the walk's answers from its DNS cache (validated once, kept for their TTL) and the key from its key cache; x509 takes the chain from the x5u cache (validated again each time, CRL included) |"
	echo "| 2b. Warm verifications/s, one thread (CPU-bound) | $WARM_RATE_dane/s ($WARM_RATECPU_dane/s) | $WARM_RATE_x509/s ($WARM_RATECPU_x509/s) | sequential calls on one thread; in brackets 1 / CPU time of the verifier per verification ($WARM_CPU_dane / $WARM_CPU_x509 ms), i.e. one core kept busy by concurrent calls; NSD's and nginx's CPU not counted |"
	echo "| 3a. DNS questions per verification, cold / warm | $(fmt "$COLD_dns_questions_dane") / $(fmt "$WARM_dns_questions_dane") asked by danecid; $WIRE_Q_COLD_dane / $WIRE_Q_WARM_dane on the wire | $WIRE_Q_COLD_x509 / $WIRE_Q_WARM_x509 | danecid's counter (danecid_dns_questions_total: the apex's DNSKEY set once per context, then TLSA and TXT of the node, each answer checked with those keys); on the wire = UDP datagrams / 2 |"
	echo "| 3b. x5u fetches (TLS connections) per verification, cold / warm | 0 / 0 | $(fmt "$COLD_x5u_fetches_x509" 2) / $(fmt "$WARM_x5u_fetches_x509" 3) (nginx log: $NGINX_COLD / $NGINX_WARM in $WARM_N) | library counter (danecid_x5u_fetches_total) and nginx's access log; TCP connections opened: $(fmt "$COLD_tcp_connections_x509" 2) / $(fmt "$WARM_tcp_connections_x509" 3) |"
	echo "| 3c. Bytes on the wire per verification, cold / warm | $(fmt "$COLD_lo_bytes_dane" 0) / $(fmt "$WARM_lo_bytes_dane" 0) B ($(fmt "$COLD_lo_packets_dane" 1) / $(fmt "$WARM_lo_packets_dane" 1) packets) | $(fmt "$COLD_lo_bytes_x509" 0) / $(fmt "$WARM_lo_bytes_x509" 0) B ($(fmt "$COLD_lo_packets_x509" 1) / $(fmt "$WARM_lo_packets_x509" 1) packets) | /proc/net/dev lo rx_bytes around the calls; loopback counts each packet once, headers included; $NETNOTE |"
	echo "| 4. Round trips per cold verification | $WIRE_Q_COLD_dane (one per DNS question over UDP; getdns may overlap some) | $RTT_X509 (per connection: TCP 1 + $TLS_VERSION $TLS_RTT + HTTP 1) | TLS version is what curl (same libcurl/OpenSSL) negotiates with this nginx; a real x5u host name adds its DNS lookup |"
	echo "| 5. Revocation: change → first failing verdict | $REV_DANE_TOTAL ms: edit + re-sign $REV_DANE_SIGN ms, then call $REV_DANE_POLLS after NSD's SIGHUP failed, $REV_DANE_RELOAD ms later: $REV_DANE_REASON — the answer cached by danecidd lives out its TTL (${TTL:-?} s in the tree, capped in this run by dns-cache-max-ttl: $REV_MAX_TTL s); a caching resolver in between adds up to the TTL again | $REV_X509_TOTAL ms: revoke + new CRL $REV_X509_SIGN ms, then call $REV_X509_POLLS after danecidd's SIGHUP failed, $REV_X509_RELOAD ms later: $REV_X509_REASON. In the field: up to the CRL's publication interval (nextUpdate, 30 days in this PKI) + how often crl-file is fetched and danecidd reloaded | a long-running danecidd asked over HTTP (curl, a fresh PASSporT each) until the verdict changes; one call is the resolution. x509: the cached x5u was not fetched again ($REV_X509_REFETCH fetches), the new CRL applies to it |"
	echo "| 6a. Infrastructure silent (NSD / nginx SIGSTOP); DANE warm, x509 cold | $DOWN_DANE_SILENT after $DOWN_DANE_SILENT_MS ms | $DOWN_X509_SILENT after $DOWN_X509_SILENT_MS ms | danecidd, defaults: DNS timeout and deadline 1500 ms, x5u-timeout 1000 ms |"
	echo "| 6b. Infrastructure gone (port closed); DANE warm, x509 cold | $DOWN_DANE_CLOSED after $DOWN_DANE_CLOSED_MS ms (NSD killed) | $DOWN_X509_CLOSED after $DOWN_X509_CLOSED_MS ms (nginx stopped: connection refused) | |"
	echo "| 6c. Infrastructure down; DANE cold, x509 warm | a number whose answers are not cached yet: No-TN-Validation (dns-unavailable) at the deadline, never a pass (tests/integration/daemon.sh, \"silent DNS\"; kamailio.sh, \"dns-down\") | TN-Validation-Passed after $DOWN_X509_WARM_MS ms (nginx stopped), $DOWN_X509_WARM2_MS ms (frozen): the cached x5u still passes | DANE warm = the number was just verified: its answers are in danecidd's DNS cache for their TTL; x509 cold = an x5u URL not yet in the cache |"
	echo
	echo "Measured $DATE on $NCPU × $CPU_MODEL ($PIN_NOTE), Linux $V_KERNEL; $V_DANECID, NSD $V_NSD, getdns $V_GETDNS, ldns $V_LDNS, nginx $V_NGINX, OpenSSL $V_OPENSSL, libcurl $V_CURL. All servers on loopback: real round trips would add network latency to every DNS question and every x5u connection."
} >"$WORK/table.md"

cp "$WORK/table.md" "$OUT_DIR/compare.md"
cat "$WORK/table.md"

# ---- JSON ----
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
{
	printf '{"date":%s,"machine":{"nproc":%s,"cpu_model":%s,"kernel":%s,"pinning":%s,"private_netns":%s},\n' \
		"$(jstr "$DATE")" "$NCPU" "$(jstr "$CPU_MODEL")" "$(jstr "$V_KERNEL")" "$(jstr "$PIN_NOTE")" \
		"$([ "$COMPARE_IN_NETNS" = 1 ] && echo true || echo false)"
	printf '"versions":{"danecid":%s,"nsd":%s,"getdns":%s,"ldns":%s,"nginx":%s,"openssl":%s,"libcurl":%s},\n' \
		"$(jstr "$V_DANECID")" "$(jstr "$V_NSD")" "$(jstr "$V_GETDNS")" "$(jstr "$V_LDNS")" \
		"$(jstr "$V_NGINX")" "$(jstr "$V_OPENSSL")" "$(jstr "$V_CURL")"
	printf '"call":{"orig":"+%s","dest":"+%s"},\n' $ORIG $DEST
	printf '"cold":%s,\n' "$(cat "$WORK/cold.json")"
	printf '"warm":%s,\n' "$(cat "$WORK/warm.json")"
	printf '"cli_cold_ms_median":{"dane":%s,"x509":%s,"n":%s},\n' "$CLI_DANE" "$CLI_X509" "$CLI_N"
	printf '"dns_questions_on_wire_per_verification":{"cold":{"dane":%s,"x509":%s},"warm":{"dane":%s,"x509":%s}},\n' \
		"$WIRE_Q_COLD_dane" "$WIRE_Q_COLD_x509" "$WIRE_Q_WARM_dane" "$WIRE_Q_WARM_x509"
	printf '"nginx_requests_per_verification":{"cold":%s,"warm_total":%s,"warm_n":%s},\n' \
		"$NGINX_COLD" "$NGINX_WARM" "$WARM_N"
	printf '"danecidd_metrics":{"dns_questions_total_after_one_passing_dane_call":%s,"x5u_fetches_total_after_two_passing_x509_calls":%s},\n' \
		"${METRIC_DNSQ:-null}" "${METRIC_FETCHES:-null}"
	printf '"round_trips_cold":{"dane":%s,"x509":%s,"tls_version":%s},\n' \
		"$WIRE_Q_COLD_dane" "$RTT_X509" "$(jstr "$TLS_VERSION")"
	printf '"revocation":{"dane":{"total_ms":%s,"edit_and_sign_ms":%s,"reload_to_failure_ms":%s,"polls":%s,"verdict":%s,"ttl_s":%s,"negative_ttl_s":%s},' \
		"$REV_DANE_TOTAL" "$REV_DANE_SIGN" "$REV_DANE_RELOAD" "$REV_DANE_POLLS" "$(jstr "$REV_DANE_REASON")" \
		"${TTL:-null}" "${NEG_TTL:-null}"
	printf '"x509":{"total_ms":%s,"revoke_and_crl_ms":%s,"reload_to_failure_ms":%s,"polls":%s,"verdict":%s,"detail":%s,"x5u_refetches":%s,"crl_next_update":%s}},\n' \
		"$REV_X509_TOTAL" "$REV_X509_SIGN" "$REV_X509_RELOAD" "$REV_X509_POLLS" "$(jstr "$REV_X509_REASON")" \
		"$(jstr "$REV_X509_DETAIL")" "$REV_X509_REFETCH" "$(jstr "$NEXT_UPDATE")"
	printf '"outage":{"dane":{"silent":{"verdict":%s,"ms":%s},"closed":{"verdict":%s,"ms":%s},"recovered_ms":%s},' \
		"$(jstr "$DOWN_DANE_SILENT")" "$DOWN_DANE_SILENT_MS" "$(jstr "$DOWN_DANE_CLOSED")" \
		"$DOWN_DANE_CLOSED_MS" "$UP_DANE_MS"
	printf '"x509":{"silent_cold":{"verdict":%s,"ms":%s},"closed_cold":{"verdict":%s,"ms":%s},"warm_closed_ms":%s,"warm_silent_ms":%s}},\n' \
		"$(jstr "$DOWN_X509_SILENT")" "$DOWN_X509_SILENT_MS" "$(jstr "$DOWN_X509_CLOSED")" \
		"$DOWN_X509_CLOSED_MS" "$DOWN_X509_WARM_MS" "$DOWN_X509_WARM2_MS"
	printf '"daemon_defaults":{"timeout_ms":1500,"deadline_ms":1500,"x5u_timeout_ms":1000}}\n'
} >"$OUT_DIR/compare.json"
say "wrote $OUT_DIR/compare.md and $OUT_DIR/compare.json"

if [ -n "$DOC" ]; then
	awk -v f="$WORK/table.md" '
		/<!-- compare:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- compare:end -->/ { skip = 0 }
		!skip { print }' "$DOC" >"$DOC.compare-new" && cat "$DOC.compare-new" >"$DOC" &&
		rm -f "$DOC.compare-new" || die "could not update $DOC"
	say "updated $DOC"
fi
exit 0
