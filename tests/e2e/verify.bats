#!/usr/bin/env bats
# verify.bats: cirt ps --verify against real disagreements: a hidden "container" (a process in its
# own network namespace, in a docker cgroup the daemon knows nothing of, with a veth on docker0)
# and a lying daemon (fakedockerd --mode lying).

load helpers

# the hidden container's cgroup: the v1 pids hierarchy where there is one, else cgroup v2
hidden_cgroup_base() {
	if [ -d /sys/fs/cgroup/pids ]; then echo /sys/fs/cgroup/pids/docker; else echo /sys/fs/cgroup/docker; fi
}

setup_file() {
	local id pid cg
	id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$id" >"$BATS_FILE_TMPDIR/id"
	ip link del cirtvfy-h 2>/dev/null || true
	ip link add cirtvfy-h type veth peer name cirtvfy-c
	ip link set cirtvfy-h master docker0
	unshare --net sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$BATS_FILE_TMPDIR/pid"
	# unshare execs sleep once the namespace is made: wait until pid has its own netns
	for _ in $(seq 1 50); do
		[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	ip link set cirtvfy-c netns "$pid"
	cg=$(hidden_cgroup_base)/$id
	mkdir -p "$cg"
	echo "$pid" >"$cg/cgroup.procs"
	echo "$cg" >"$BATS_FILE_TMPDIR/cg"
}

teardown_file() {
	local pid cg
	pid=$(cat "$BATS_FILE_TMPDIR/pid" 2>/dev/null || true)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do [ -n "$pid" ] && [ -d "/proc/$pid" ] || break; sleep 0.1; done
	cg=$(cat "$BATS_FILE_TMPDIR/cg" 2>/dev/null || true)
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null || true
	ip link del cirtvfy-h 2>/dev/null || true
}

teardown() {
	fake_stop
}

@test "ps --verify: a process in a docker cgroup the daemon does not list, exit 1" {
	id=$(cat "$BATS_FILE_TMPDIR/id")
	pid=$(cat "$BATS_FILE_TMPDIR/pid")
	run_split "$CIRT" ps --verify --json
	[ "$status" -eq 1 ]
	echo "$output" >"$BATS_TEST_TMPDIR/v.json"
	got=$(jq -r --arg id "$id" '.disagreements[] | select(.kind=="unlisted-process" and .container_id==$id) | .pid' "$BATS_TEST_TMPDIR/v.json")
	[ "$got" = "$pid" ] || { echo "got '$got' want $pid"; cat "$BATS_TEST_TMPDIR/v.json"; false; }
	jq -e --arg id "$id" '.disagreements[] | select(.container_id==$id and .kind=="unlisted-process") | .detail | test("sleep")' "$BATS_TEST_TMPDIR/v.json"
}

@test "ps --verify: a veth on docker0 that belongs to no container, its peer traced to the hidden namespace" {
	id=$(cat "$BATS_FILE_TMPDIR/id")
	pid=$(cat "$BATS_FILE_TMPDIR/pid")
	run_split "$CIRT" ps --verify --json
	[ "$status" -eq 1 ]
	d=$(echo "$output" | jq -c '.disagreements[] | select(.kind=="orphan-veth" and .veth=="cirtvfy-h")')
	[ -n "$d" ] || { echo "$output"; false; }
	[ "$(echo "$d" | jq -r .bridge)" = docker0 ]
	[ "$(echo "$d" | jq -r .veth_ifindex)" = "$(cat /sys/class/net/cirtvfy-h/ifindex)" ]
	[ "$(echo "$d" | jq -r .container_id)" = "$id" ]
	[ "$(echo "$d" | jq -r .pid)" = "$pid" ]
	echo "$d" | jq -e '.detail | test("peer is cirtvfy-c")'
}

@test "ps --verify: the table names both, the summary goes to stderr, no lab container disagrees" {
	run_split "$CIRT" ps --verify
	[ "$status" -eq 1 ]
	[[ "$output" == *orphan-veth*cirtvfy-h* ]]
	[[ "$output" == *unlisted-process* ]]
	[[ "$stderr" == *"against the host:"*disagreement* ]]
	run_split "$CIRT" ps --verify --json
	[ "$(echo "$output" | jq '[.disagreements[] | select((.name // "") | startswith("lab-"))] | length')" -eq 0 ]
}

@test "ps --verify: a lying daemon (invented container, wrong pid, real containers hidden)" {
	real=$(docker inspect -f '{{.Id}}' lab-clean)
	bridge_id=$(docker inspect -f '{{.Id}}' lab-bridge)
	FAKE_REAL_ID=$real fake_start lying
	run_split "$CIRT" --host "unix://$FAKE_SOCK" ps --verify --json
	[ "$status" -eq 1 ]
	echo "$output" >"$BATS_TEST_TMPDIR/v.json"
	jq -e '.disagreements[] | select(.kind=="no-process" and .name=="invented")' "$BATS_TEST_TMPDIR/v.json"
	jq -e --arg id "$real" '.disagreements[] | select(.kind=="pid-outside-cgroup" and .container_id==$id and .pid==1)' "$BATS_TEST_TMPDIR/v.json"
	jq -e --arg id "$bridge_id" '.disagreements[] | select(.kind=="unlisted-process" and .container_id==$id)' "$BATS_TEST_TMPDIR/v.json"
	# lab-clean's veth is on docker0 but the lie gives it no endpoint: an orphan
	jq -e '.disagreements[] | select(.kind=="orphan-veth" and .bridge=="docker0")' "$BATS_TEST_TMPDIR/v.json"
}

@test "ps --verify: refuses filters and --no-daemon (exit 2)" {
	run "$CIRT" ps --verify --name 'lab-*'
	[ "$status" -eq 2 ]
	[[ "$output" == *"takes no filter"* ]]
	run "$CIRT" --no-daemon ps --verify
	[ "$status" -eq 2 ]
	[[ "$output" == *"--no-daemon"* ]]
}

@test "ps --verify as a docker-group user: cgroups still checked, unreadable namespaces are warned about, not reported" {
	command -v setpriv >/dev/null || skip "setpriv missing"
	gid=$(getent group docker | cut -d: -f3)
	[ -n "$gid" ] || skip "no docker group"
	id=$(cat "$BATS_FILE_TMPDIR/id")
	run_split setpriv --reuid=65534 --regid=65534 --groups="$gid" "$CIRT" ps --verify --json
	[ "$status" -eq 1 ]
	echo "$output" | jq -e --arg id "$id" '.disagreements[] | select(.kind=="unlisted-process" and .container_id==$id)'
	[ "$(echo "$output" | jq '[.disagreements[] | select(.kind=="orphan-veth" or .kind=="missing-interface")] | length')" -eq 0 ]
	echo "$output" | jq -e '.warnings | any(test("not checked: .*CAP_SYS_PTRACE and CAP_SYS_ADMIN"))'
}

@test "ps --verify: once the hidden container is gone, so are its disagreements" {
	id=$(cat "$BATS_FILE_TMPDIR/id")
	pid=$(cat "$BATS_FILE_TMPDIR/pid")
	kill "$pid"
	for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
	rmdir "$(cat "$BATS_FILE_TMPDIR/cg")"
	ip link del cirtvfy-h 2>/dev/null || true
	run_split "$CIRT" ps --verify --json
	[ "$status" -le 1 ]
	[ "$(echo "$output" | jq --arg id "$id" '[.disagreements[] | select(.container_id==$id or .veth=="cirtvfy-h")] | length')" -eq 0 ]
}
