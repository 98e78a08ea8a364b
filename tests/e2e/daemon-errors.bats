#!/usr/bin/env bats
# daemon-errors.bats: a missing, refusing, hung or lying daemon gives one clear line and the
# documented exit code, fast. The fake daemon is only for answers a real one cannot give.

load helpers

teardown() {
	fake_stop
}

# elapsed_ms CMD...: run and record wall time in $elapsed. The bounds below are not speed
# measurements: 9 s is under the 10 s default request timeout, so they fail only when cirt waits
# for that default (or forever) instead of the 2 s probe or the --timeout given, and they hold
# on a loaded 2-core machine running the sanitizer build.
timed() {
	local t0 t1
	t0=$(now_ms)
	run "$@"
	t1=$(now_ms)
	elapsed=$((t1 - t0))
}

@test "no socket: exit 3 at once, says dockerd is not running, for every command" {
	for c in "ps" "inspect x" "top x" "stats" "diff x" "logs x"; do
		# shellcheck disable=SC2086
		timed "$CIRT" --host "unix://$BATS_TEST_TMPDIR/nothing.sock" $c
		[ "$status" -eq 3 ]
		[[ "$output" == *"no such socket (is dockerd running?"* ]]
		[ "$(echo "$output" | wc -l)" -eq 1 ]
		[ "$elapsed" -lt 9000 ]
	done
}

@test "DOCKER_HOST is honoured and --host overrides it" {
	DOCKER_HOST="unix://$BATS_TEST_TMPDIR/env.sock" run "$CIRT" ps
	[ "$status" -eq 3 ]
	[[ "$output" == *"env.sock"* ]]
	DOCKER_HOST="unix://$BATS_TEST_TMPDIR/env.sock" run "$CIRT" --host unix:///var/run/docker.sock ps
	[ "$status" -eq 0 ]
	run "$CIRT" --host ssh://example ps
	[ "$status" -eq 2 ]
	[[ "$output" == *"unsupported scheme"* ]]
}

@test "connection refused on tcp://: exit 3" {
	timed "$CIRT" --host tcp://127.0.0.1:1 ps
	[ "$status" -eq 3 ]
	[[ "$output" == *"refused"* ]]
}

@test "a socket file that is not listening: exit 3" {
	python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('$BATS_TEST_TMPDIR/dead.sock')" 2>/dev/null ||
		skip "python3 missing"
	run "$CIRT" --host "unix://$BATS_TEST_TMPDIR/dead.sock" ps
	[ "$status" -eq 3 ]
}

@test "permission denied on the real socket: exit 4" {
	command -v setpriv >/dev/null || skip "setpriv missing"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$CIRT" ps
	[ "$status" -eq 4 ]
	[[ "$output" == *"permission denied"* ]]
}

@test "hung daemon (accepts, never answers): exit 5 before the default timeout, for every command" {
	fake_start hang
	for c in "ps" "inspect x" "stats" "logs x"; do
		# shellcheck disable=SC2086
		timed "$CIRT" --host "unix://$FAKE_SOCK" $c
		[ "$status" -eq 5 ]
		[[ "$output" == *"did not answer within"* ]]
		[ "$(echo "$output" | wc -l)" -eq 1 ]
		[ "$elapsed" -lt 9000 ]
	done
}

@test "daemon that never accepts: exit 5 before the default timeout" {
	fake_start noaccept
	timed "$CIRT" --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 5 ]
	[ "$elapsed" -lt 9000 ]
}

@test "answers after the probe hang: the request timeout applies" {
	fake_start drip
	timed "$CIRT" --timeout 1 --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 5 ]
	[ "$elapsed" -lt 9000 ]
}

@test "non-JSON answer: exit 7" {
	fake_start garbage
	run "$CIRT" --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 7 ]
	[[ "$output" == *"not JSON"* ]]
}

@test "truncated answer: exit 7" {
	fake_start truncated
	run "$CIRT" --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 7 ]
	[[ "$output" == *"truncated"* ]]
}

@test "HTTP error: exit 6 with the daemon's own message" {
	fake_start error500
	run "$CIRT" --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 6 ]
	[[ "$output" == *"fake daemon error: something broke"* ]]
}

@test "wrong types everywhere: no crash" {
	fake_start wrongtypes
	run "$CIRT" --host "unix://$FAKE_SOCK" ps --json
	# a list entry without a usable Id is skipped with a warning, not a crash
	[ "$status" -eq 0 ] || [ "$status" -eq 7 ]
	[ "$status" -lt 9 ]
}

@test "huge answer: refused with bounded memory" {
	fake_start huge
	run "$CIRT" --host "unix://$FAKE_SOCK" ps
	[ "$status" -eq 7 ]
	[[ "$output" == *"larger than"* ]]
}

@test "names full of escape sequences never reach the terminal raw" {
	fake_start escapes
	run "$CIRT" --host "unix://$FAKE_SOCK" ps -a
	[ "$status" -eq 0 ]
	[[ "$output" == *'evil\e[31mRED'* ]]
	! printf '%s' "$output" | grep -q $'\033'
	! printf '%s' "$output" | grep -q $'\a'
	run "$CIRT" --host "unix://$FAKE_SOCK" ps -a --json
	[ "$status" -eq 0 ]
	! printf '%s' "$output" | grep -q $'\033'
	echo "$output" | jq -e '.containers[0].name | contains("\u001b")'
}

@test "API version: the daemon's, capped to what cirt knows; paths are versioned" {
	fake_start oldapi
	run "$CIRT" --host "unix://$FAKE_SOCK" ps --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .api_version)" = 1.24 ]
	grep -q 'GET /v1.24/containers/json' "$BATS_TEST_TMPDIR/fake-oldapi.log"
	run "$CIRT" ps --json
	[ "$(echo "$output" | jq -r .api_version)" = "$(curl -s --unix-socket /var/run/docker.sock http://x/version | jq -r .ApiVersion)" ]
}

@test "one keep-alive connection serves many requests" {
	fake_start ok
	run "$CIRT" --host "unix://$FAKE_SOCK" ps -a
	[ "$status" -eq 0 ]
	# the probe and the list travel over the same connection
	reqs=$(grep -c 'GET ' "$BATS_TEST_TMPDIR/fake-ok.log")
	conns=$(grep -c 'accepted a connection' "$BATS_TEST_TMPDIR/fake-ok.log")
	[ "$reqs" -ge 2 ]
	[ "$conns" -eq 1 ]
}
