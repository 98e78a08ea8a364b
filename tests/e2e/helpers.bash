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
