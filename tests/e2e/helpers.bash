# helpers.bash: shared setup for the end-to-end tests (loaded by every .bats file).
# CIRT is the binary under test (tests/run sets it to the sanitizer build).
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CIRT=${CIRT:-$TOP/build/cirt}
CIRT_BUILD=${CIRT_BUILD:-$(dirname "$CIRT")}
FAKED=$CIRT_BUILD/tests/fakedockerd/fakedockerd
LAB=$TOP/tests/lab/lab.sh
eval "$("$LAB" env)"

# run cirt, capturing stdout and stderr apart: $output/$status from bats run, $stderr too
cirt() {
	"$CIRT" "$@"
}

# run_split CMD...: like bats' run, but keeps stderr in $stderr and stdout in $output
run_split() {
	local errf
	errf=$(mktemp)
	# "|| status=$?" keeps bats' ERR trap from failing the test on a non-zero status
	status=0
	output=$("$@" 2>"$errf") || status=$?
	stderr=$(cat "$errf")
	rm -f "$errf"
}

# start a fake daemon in MODE; sets FAKE_SOCK
fake_start() {
	FAKE_SOCK=$BATS_TEST_TMPDIR/fake-$1.sock
	"$FAKED" --socket "$FAKE_SOCK" --mode "$1" --pidfile "$BATS_TEST_TMPDIR/fake-$1.pid" \
		2>"$BATS_TEST_TMPDIR/fake-$1.log" &
	local i
	for i in $(seq 1 50); do
		[ -f "$BATS_TEST_TMPDIR/fake-$1.pid" ] && return 0
		sleep 0.1
	done
	echo "fake daemon did not start" >&2
	return 1
}

fake_stop() {
	local f
	for f in "$BATS_TEST_TMPDIR"/fake-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# container_pid NAME
container_pid() {
	docker inspect -f '{{.State.Pid}}' "$1"
}

# milliseconds since epoch
now_ms() {
	date +%s%3N
}

# flush_stale_c2_flows: forget conntrack entries to the C2 host whose source address no running
# container holds any more (fixtures of earlier test files that beaconed and were removed), so
# a fixture created now and given such an address does not inherit their flows
flush_stale_c2_flows() {
	local held src
	held=$(docker ps -q | xargs -r docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' | tr ' ' '\n' | grep . | sort -u)
	for src in $(conntrack -L -d "$LAB_C2_IP" 2>/dev/null | sed -n 's/^[^=]* src=\([0-9.]*\) .*/\1/p' | sort -u); do
		grep -qxF "$src" <<<"$held" || conntrack -D -s "$src" -d "$LAB_C2_IP" >/dev/null 2>&1 || true
	done
}

# at_privdrop CMD...: run CMD with CIRT_TEST_STOP_AFTER=privdrop (cirt stops itself right after
# dropping its capabilities; PRIVDROP_POINT=privdrop-thread for a worker thread's drop), save its
# /proc/<pid>/status as it was then in $BATS_TEST_TMPDIR/privdrop.status (every thread's in
# privdrop.tasks), let it go on, and leave its exit code in $status and its stdout in
# $BATS_TEST_TMPDIR/privdrop.out. The status file is empty when it never stopped.
at_privdrop() {
	local pid st=$BATS_TEST_TMPDIR/privdrop.status
	: >"$st"
	: >"$BATS_TEST_TMPDIR/privdrop.tasks"
	CIRT_TEST_STOP_AFTER=${PRIVDROP_POINT:-privdrop} "$@" >"$BATS_TEST_TMPDIR/privdrop.out" 2>"$BATS_TEST_TMPDIR/privdrop.err" &
	pid=$!
	for _ in $(seq 1 300); do
		if grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; then
			cat "/proc/$pid/status" >"$st"
			cat "/proc/$pid"/task/*/status >"$BATS_TEST_TMPDIR/privdrop.tasks"
			break
		fi
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	kill -CONT "$pid" 2>/dev/null || true
	status=0
	wait "$pid" || status=$?
}

# dropped_to_reading: the status at_privdrop saved shows the reading set alone (1<<2
# dac_read_search | 1<<3 fowner | 1<<19 sys_ptrace) in the effective, permitted and bounding sets,
# nothing inheritable, and no_new_privs
dropped_to_reading() {
	local st=$BATS_TEST_TMPDIR/privdrop.status
	[ -s "$st" ] || { echo "cirt never stopped at the drop"; return 1; }
	grep -qx $'CapEff:\t000000000008000c' "$st" &&
		grep -qx $'CapPrm:\t000000000008000c' "$st" &&
		grep -qx $'CapBnd:\t000000000008000c' "$st" &&
		grep -qx $'CapInh:\t0000000000000000' "$st" &&
		grep -qx $'NoNewPrivs:\t1' "$st" || { grep -E '^(Cap|NoNew)' "$st"; return 1; }
}
