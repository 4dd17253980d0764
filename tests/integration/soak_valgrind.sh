#!/bin/sh
# soak_valgrind.sh — danecidd under valgrind memcheck through a soak at a low rate (the same
# mix as soak.sh: valid, spoofed, malformed and replayed calls over HTTP, SIP/UDP and SIP/TCP,
# clients that leave early) for SOAK_VG_SECONDS (default 30) with a SIGHUP (reload) every 5 s,
# then SIGTERM. Asserts: valgrind reports no error and no definitely lost byte
# (--errors-for-leak-kinds=definite makes a leak an error), the daemon exits 0, every request
# answered with its expected verdict, /metrics counting exactly what was sent, every reload
# done. Not in a sanitizer build (valgrind and ASan do not mix): there it is skipped.
. "$(dirname "$0")/lib.sh"

SOAK="$top_builddir/tests/tools/soak"
[ -x "$SOAK" ] || {
	echo "Bail out! $SOAK not built"
	exit 1
}
# (gcc links libasan; clang builds it in)
if ldd "$DANECIDD" 2>/dev/null | grep -q 'libasan' || grep -q '__asan_init' "$DANECIDD"; then
	echo "1..0 # SKIP danecidd is built with AddressSanitizer: valgrind cannot run it"
	exit 0
fi
need_tools valgrind curl

SECONDS_RUN=${SOAK_VG_SECONDS:-30}
RATE=${SOAK_VG_RATE:-60}
# a window long enough for what memcheck makes slow (answers took up to 8 s on a busy machine):
# a replay is sent while the PASSporT has half of it left
FRESHNESS=30
SUPP="$top_srcdir/tests/integration/soak_valgrind.supp"
VGLOG="$WORK/valgrind.log"

# danecidd started by start_daemon is this wrapper: valgrind in the same process (exec), so
# DPID is valgrind's and SIGTERM reaches the daemon.
REAL_DANECIDD=$DANECIDD
DANECIDD="$WORK/danecidd-valgrind"
{
	echo '#!/bin/sh'
	printf 'exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full '
	printf -- '--errors-for-leak-kinds=definite --show-leak-kinds=definite '
	printf -- '--track-origins=yes --num-callers=30 --suppressions=%s ' "$SUPP"
	printf -- '--log-file=%s %s "$@"\n' "$VGLOG" "$REAL_DANECIDD"
} >"$DANECIDD"
chmod +x "$DANECIDD"

start_tree
# Under memcheck everything runs many times slower: a cold walk (getdns validating the chain)
# must still finish within the deadline, so both are raised; the verdicts do not change.
start_daemon "freshness: $FRESHNESS" "timeout: 10000" "deadline: 20000" "workers: 2"
T=$WORK

# 2 HTTP connections, 1 SIP/UDP socket, 1 SIP/TCP connection sharing RATE; one HTTP and one
# SIP/TCP client that leave right after each request, 5 a second each.
"$SOAK" -p "$HTTP_PORT" -s "$SIP_PORT" -k "$KEYS" -d "$SECONDS_RUN" -r "$RATE" -c 2 -u 1 -T 1 \
	-a 1 -A 1 -R 5 -F "$FRESHNESS" -S "${SOAK_SEED:-20240602}" -t 30 \
	>"$T/soak.out" 2>"$T/soak.err" &
soak_pid=$!
# a SIGHUP every 5 s: reloads under load, under memcheck too
t0=$(date +%s)
hups=0
while kill -0 "$soak_pid" 2>/dev/null; do
	sleep 1
	now=$(($(date +%s) - t0))
	if [ $((now % 5)) -eq 4 ] && [ "$now" -lt "$((SECONDS_RUN - 2))" ] &&
		[ "$now" != "${last_hup:-}" ]; then
		kill -HUP "$DPID" && hups=$((hups + 1))
		last_hup=$now
	fi
done
wait "$soak_pid"
soak_status=$?

sed -n '/^class /,/^total /p' "$T/soak.out" | sed 's/^/# /'
head -n 12 "$T/soak.err" | sed 's/^/# /'

kv() {
	sed -n "s/^$1=//p" "$T/soak.out"
}

diag() { tail -n 3 "$T/soak.err"; }
check "soak under valgrind ($SECONDS_RUN s at $RATE/s): nothing lost, no wrong verdict" \
	[ "$soak_status" -eq 0 ]
check "every answer as expected" test "$(kv total.expected)" = "$(kv total.sent)" -a \
	"$(kv total.sent)" -gt 0

curl -sS -m 10 -o "$T/metrics" "http://127.0.0.1:$HTTP_PORT/metrics"
soak_metrics "$T/soak.out" "$T/metrics"
diag() { echo "$bad" | tr '|' '\n' | head -n 10; }
check "metrics: requests, rejections and verdicts equal what was sent and answered" \
	test -z "$bad" -a -s "$T/metrics"
diag() { grep -E '^danecid_reloads_total' "$T/metrics"; }
check "metrics: the $hups SIGHUPs sent during the run were $hups reloads, none failed" sh -c "
	grep -qx 'danecid_reloads_total{result=\"ok\"} $hups' '$T/metrics' &&
	grep -qx 'danecid_reloads_total{result=\"failed\"} 0' '$T/metrics'"

# SIGTERM; memcheck's leak search at exit takes a while.
t0=$(date +%s)
kill -TERM "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$DPID" 2>/dev/null; then
	kill -KILL "$DPID"
fi
wait "$DPID"
st=$?
DPID=
diag() { tail -n 20 "$VGLOG"; }
check "SIGTERM: danecidd under valgrind exits 0 in $(($(date +%s) - t0)) s (99: valgrind found an error)" \
	[ "$st" -eq 0 ]

sed -n '/HEAP SUMMARY/,$p' "$VGLOG" | sed 's/^==[0-9]*== */# valgrind: /' | grep -v ': $'

errors=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VGLOG" | tail -n 1)
# "definitely lost: N bytes in M blocks", or no leak summary at all when every block was freed
definite=$(sed -n 's/^==[0-9]*==[[:space:]]*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$VGLOG" |
	tail -n 1 | tr -d ,)
if [ -z "$definite" ] && grep -q 'All heap blocks were freed' "$VGLOG"; then
	definite=0
fi
diag() {
	grep -v '^==[0-9]*== \(Memcheck\|Copyright\|Using Valgrind\|Command\|Parent PID\|$\)' "$VGLOG" |
		head -n 40
}
check "valgrind: 0 errors (got ${errors:-none})" [ "${errors:-x}" = 0 ]
check "valgrind: 0 bytes definitely lost (got ${definite:-none})" [ "${definite:-x}" = 0 ]
leaks() {
	sed -n "s/^==[0-9]*==[[:space:]]*$1: \\([0-9,]*\\) bytes.*/\\1/p" "$VGLOG" | tail -n 1
}
suppressed=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: .*suppressed: \([0-9]*\) from.*/\1/p' \
	"$VGLOG" | tail -n 1)

echo "# figure soak-valgrind-requests: $(kv total.sent) sent in $(kv seconds) s ($(kv rate)/s), $(kv total.expected) as expected, $(kv total.lost) lost"
echo "# figure soak-valgrind-abandoned: $(kv abandoned.http) HTTP requests and $(kv abandoned.sip) SIP/TCP INVITEs whose client left within 3 ms"
echo "# figure soak-valgrind-errors: ${errors:-none} (suppressed: ${suppressed:-0})"
echo "# figure soak-valgrind-leaks: definitely lost ${definite:-none} bytes, indirectly $(leaks 'indirectly lost'), possibly $(leaks 'possibly lost'), still reachable $(leaks 'still reachable')"
echo "# figure soak-valgrind-latency: p50 $(kv total.p50_ms) ms, p99 $(kv total.p99_ms) ms, max $(kv total.max_ms) ms"

done_testing
