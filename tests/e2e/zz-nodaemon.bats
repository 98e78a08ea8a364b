#!/usr/bin/env bats
# zz-nodaemon.bats: cirt --no-daemon against the real lab with the daemon killed (kill -9, the
# lab's dockerd runs with --live-restore so the containers keep running). Named zz- so it runs
# last; the daemon is down only while setup_file runs cirt a few times (a second or two), then
# restarted with tests/lab/lab.sh daemon. Everything asserted was captured in that window.

load helpers

PLANTED=$TOP/tests/lab/planted.sh
eval "$("$PLANTED" env)"

LAB_RUNNING="lab-bridge lab-custom lab-host lab-none lab-shared lab-beacon lab-beacon-default lab-clean"

# wait (bounded) until every lab container is reported running by the daemon again
wait_lab_running() {
	local n
	for _ in $(seq 1 120); do
		n=0
		for c in $LAB_RUNNING; do
			[ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] && n=$((n + 1))
		done
		[ "$n" -eq 8 ] && return 0
		sleep 0.5
	done
	return 1
}

daemon_up() {
	curl -s --max-time 2 --unix-socket /var/run/docker.sock http://x/_ping 2>/dev/null | grep -q OK
}

hidden_cgroup_base() {
	if [ -d /sys/fs/cgroup/pids ]; then echo /sys/fs/cgroup/pids/docker; else echo /sys/fs/cgroup/docker; fi
}

# capture NAME CMD...: stdout, stderr and status into $D/NAME.{json,err,rc}; never fails
capture() {
	local name=$1 rc=0
	shift
	"$@" >"$D/$name.json" 2>"$D/$name.err" || rc=$?
	echo "$rc" >"$D/$name.rc"
	wlog "$name done: exit $rc"
}

# wlog MSG: a timestamped line in $D/window.log (printed by a failing test)
wlog() {
	echo "$(date +%T.%N | cut -c1-12) $*" >>"$D/window.log"
}

setup_file() {
	local dpid dies_pid
	D=$BATS_FILE_TMPDIR
	docker rm -f nd-dies nd-stopped nd-col >/dev/null 2>&1 || true
	"$PLANTED" up >"$D/planted.log" 2>&1
	# a container with every kind of change: added, changed, deleted, a new directory tree
	docker run -d --name nd-col --label cirt.lab=1 --network none "$LAB_IMAGE" sh -c \
		'echo added >/tmp/added; echo x >>/etc/passwd; rm /bin/true; mkdir -p /opt/a/b; echo c >/opt/a/b/c; echo ready; sleep 600' >/dev/null
	for _ in $(seq 1 50); do docker logs nd-col 2>/dev/null | grep -q ready && break; sleep 0.1; done
	docker diff nd-col | sort -k2 >"$D/daemon-diff.txt"
	"$CIRT" scan --json "$PLANTED_RUN" >"$D/daemon-scan-run.json" || true
	"$CIRT" net --json >"$D/daemon-net.json" || true
	"$CIRT" scan --json "$PLANTED_STOPPED" >"$D/daemon-scan-stopped.json" || true
	"$CIRT" scan --json --image "$PLANTED_IMAGE" >"$D/daemon-scan-image.json" || true
	docker run -d --name nd-dies --label cirt.lab=1 --network none "$LAB_IMAGE" sleep 600 >/dev/null
	docker run --name nd-stopped --label cirt.lab=1 --network none "$LAB_IMAGE" true >/dev/null
	dies_pid=$(container_pid nd-dies)
	for c in $LAB_RUNNING nd-dies; do docker inspect -f '{{.Id}}' "$c"; done >"$D/ids"
	"$CIRT" ps --json >"$D/daemon-ps.json"

	dpid=$(cat /var/run/docker.pid 2>/dev/null || true)
	if [ -z "$dpid" ] || [ "$(cat "/proc/$dpid/comm" 2>/dev/null)" != dockerd ]; then
		echo "no local dockerd in /var/run/docker.pid" >"$D/skip"
		return 0
	fi
	# ---- the daemon-down window: kill, capture, restart ----
	local t0
	t0=$(now_ms)
	kill -KILL "$dpid"
	wlog "killed dockerd $dpid"
	# a dead dockerd must be gone (not a zombie) before lab.sh looks for one
	for _ in $(seq 1 100); do [ -d "/proc/$dpid" ] || break; sleep 0.1; done
	wlog "dockerd $dpid gone: $([ -d "/proc/$dpid" ] && echo no || echo yes)"
	# a container whose process dies while the daemon is away
	kill -KILL "$dies_pid" 2>/dev/null || true
	for _ in $(seq 1 50); do [ -d "/proc/$dies_pid" ] || break; sleep 0.1; done
	wlog "nd-dies pid $dies_pid gone: $([ -d "/proc/$dies_pid" ] && echo no || echo yes)"
	wlog "dockerd processes now: $(pgrep -d, -x dockerd || echo none)"
	# all at once: the window stays as short as the slowest of them
	capture down-ps "$CIRT" ps &
	capture nd-ps "$CIRT" --no-daemon ps --json &
	capture nd-psa "$CIRT" --no-daemon ps -a --json &
	capture nd-inspect "$CIRT" --no-daemon inspect lab-beacon lab-shared &
	capture nd-locate "$CIRT" --no-daemon locate "$LAB_C2_IP" --json &
	wait
	capture nd-scan-run "$CIRT" --no-daemon scan --json "$PLANTED_RUN" &
	capture nd-scan-stopped "$CIRT" --no-daemon scan --json "$PLANTED_STOPPED" &
	capture nd-scan-image "$CIRT" --no-daemon scan --json --image "$PLANTED_IMAGE" &
	capture nd-collect "$CIRT" --no-daemon collect --json nd-col -o "$D/bundle" &
	capture nd-net "$CIRT" --no-daemon net --json &
	capture nd-net-plan "$CIRT" --no-daemon net --capture-plan lab-beacon --json &
	capture nd-commit "$CIRT" --no-daemon collect --commit nd-col -o "$D/bundle-commit" &
	wait
	# the daemon is shared: another suite's `lab.sh daemon` may start one while ours is down, and
	# then the answers above were not taken without a daemon
	local others
	others=$(pgrep -d, -x dockerd || true)
	wlog "dockerd processes before the restart: ${others:-none}"
	[ -z "$others" ] || echo "a dockerd ($others) was started by someone else while ours was down: the daemon-down answers are not daemonless" >"$D/interfered"
	"$LAB" daemon >"$D/restart.log" 2>&1 || true
	wlog "restarted"
	echo "$(($(now_ms) - t0))" >"$D/window-ms"
	# ---- end of the window ----
	wait_lab_running || echo "lab not running again after the restart" >"$D/restart-failed"
}

teardown() {
	fake_stop
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/window-ms" ] && echo "# the daemon was down for $(cat "$BATS_FILE_TMPDIR/window-ms") ms" >&3
	[ -f "$BATS_FILE_TMPDIR/window.log" ] && sed 's/^/#   /' "$BATS_FILE_TMPDIR/window.log" >&3
	daemon_up || "$LAB" daemon >/dev/null 2>&1 || true
	wait_lab_running || true
	docker rm -f nd-dies nd-stopped nd-col >/dev/null 2>&1 || true
	local cg
	cg=$(cat "$BATS_FILE_TMPDIR/cg" 2>/dev/null || true)
	if [ -n "$cg" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/hidden-pid")" 2>/dev/null || true
		sleep 0.2
		rmdir "$cg" 2>/dev/null || true
	fi
}

setup() {
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	D=$BATS_FILE_TMPDIR
}

# for the tests that assert on the answers captured while the daemon was down
need_window() {
	[ ! -f "$D/interfered" ] || skip "$(cat "$D/interfered")"
}

# on failure: what happened in the window, and what cirt said
explain() {
	cat "$D/window.log"
	for f in "$@"; do echo "== $f"; head -c 3000 "$D/$f"; echo; done
}

@test "daemon killed: cirt ps fails with exit 3 and names --no-daemon" {
	need_window
	[ "$(cat "$D/down-ps.rc")" -eq 3 ] || { explain down-ps.err down-ps.json; false; }
	grep -q -- "--no-daemon ps" "$D/down-ps.err"
	[ "$(wc -l <"$D/down-ps.err")" -eq 1 ]
	[ ! -s "$D/down-ps.json" ]
}

@test "daemon killed: --no-daemon ps names every running lab container with the daemon's ids, pids, IPs, MACs, veths, bridges and modes" {
	[ "$(cat "$D/nd-ps.rc")" -eq 0 ] || { cat "$D/nd-ps.err"; false; }
	for n in $LAB_RUNNING; do
		q='.containers[] | select(.name==$n) | [.id, .pid, .state, .network.mode, .network.shared_with, .image, ([.endpoints[] | [.network, .ipv4, .mac, .gateway, .veth, .veth_ifindex, .bridge]] | sort)]'
		want=$(jq -c --arg n "$n" "$q" "$D/daemon-ps.json")
		got=$(jq -c --arg n "$n" "$q" "$D/nd-ps.json")
		[ -n "$want" ] || { echo "$n missing from the daemon's ps"; false; }
		[ "$got" = "$want" ] || { echo "$n: got $got"; echo "$n: want $want"; false; }
	done
	# the veths are the kernel's: lab-custom's peer index from its own sysfs
	pid=$(jq -r '.containers[] | select(.name=="lab-custom") | .pid' "$D/nd-ps.json")
	[ "$(jq -r '.containers[] | select(.name=="lab-custom") | .endpoints[0].veth_ifindex' "$D/nd-ps.json")" = \
		"$(cat "/proc/$pid/root/sys/class/net/eth0/iflink")" ]
	grep -q "running without the daemon" "$D/nd-ps.err"
	jq -e '.daemonless == true and .docker_host == null' "$D/nd-ps.json"
	jq -e '.warnings | any(test("without the daemon"))' "$D/nd-ps.json"
}

@test "daemon killed: a container whose process died meanwhile is not reported running" {
	need_window
	id=$(sed -n 9p "$D/ids")
	[ "$(jq --arg id "$id" '[.containers[] | select(.id==$id)] | length' "$D/nd-ps.json")" -eq 0 ]
	[ "$(cat "$D/nd-psa.rc")" -eq 0 ]
	[ "$(jq -r --arg id "$id" '.containers[] | select(.id==$id) | .state' "$D/nd-psa.json")" = exited ]
	jq -e --arg id "$id" '.containers[] | select(.id==$id) | .notes | any(test("says running .* no process is in its cgroup"))' "$D/nd-psa.json" ||
		{ explain nd-psa.err; jq --arg id "$id" '.containers[] | select(.id==$id)' "$D/nd-psa.json"; false; }
}

@test "daemon killed: -a lists stopped containers from their records" {
	need_window
	[ "$(jq -r '.containers[] | select(.name=="nd-stopped") | .state' "$D/nd-psa.json")" = exited ]
	[ "$(jq -r '.containers[] | select(.name=="nd-stopped") | .pid' "$D/nd-psa.json")" = null ]
}

@test "daemon killed: --no-daemon inspect gives the record in the inspect shape plus Cirt" {
	[ "$(cat "$D/nd-inspect.rc")" -eq 0 ] || { cat "$D/nd-inspect.err"; false; }
	[ "$(jq -r '.[0].Name' "$D/nd-inspect.json")" = /lab-beacon ]
	[ "$(jq -r '.[0].Config.Image' "$D/nd-inspect.json")" = "$LAB_IMAGE" ]
	[ "$(jq -r '.[0].Id' "$D/nd-inspect.json")" = "$(docker inspect -f '{{.Id}}' lab-beacon)" ]
	[ "$(jq -r '.[0].State.Status' "$D/nd-inspect.json")" = running ]
	[ "$(jq -r '.[0].Cirt.pid' "$D/nd-inspect.json")" = "$(container_pid lab-beacon)" ]
	[ "$(jq -r '.[0].GraphDriver.Data.UpperDir' "$D/nd-inspect.json")" = "$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' lab-beacon)" ]
	[ "$(jq -r '.[0].GraphDriver.Data.LowerDir' "$D/nd-inspect.json")" = "$(docker inspect -f '{{.GraphDriver.Data.LowerDir}}' lab-beacon)" ]
	[ "$(jq -r '.[1].Cirt.network.shared_with' "$D/nd-inspect.json")" = lab-bridge ]
}

@test "the daemon is back and reports the lab running" {
	[ ! -f "$D/restart-failed" ] || { cat "$D/restart.log"; false; }
	run "$CIRT" ps --json
	[ "$status" -eq 0 ]
	for n in $LAB_RUNNING; do
		[ "$(echo "$output" | jq -r --arg n "$n" '.containers[] | select(.name==$n) | .state')" = running ]
	done
}

@test "--no-daemon agrees with the daemon on the lab while both answer" {
	run "$CIRT" ps -a --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/d.json"
	run_split "$CIRT" --no-daemon ps -a --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/n.json"
	for n in $LAB_RUNNING nd-stopped; do
		q='.containers[] | select(.name==$n) | del(.notes)'
		want=$(jq -S -c --arg n "$n" "$q" "$BATS_TEST_TMPDIR/d.json")
		got=$(jq -S -c --arg n "$n" "$q" "$BATS_TEST_TMPDIR/n.json")
		[ "$got" = "$want" ] || { echo "$n: got $got"; echo "$n: want $want"; false; }
	done
}

@test "--no-daemon: a process in a container cgroup with no record is still found" {
	id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$BATS_FILE_TMPDIR/hidden-pid"
	cg=$(hidden_cgroup_base)/$id
	mkdir -p "$cg"
	echo "$cg" >"$BATS_FILE_TMPDIR/cg"
	echo "$pid" >"$cg/cgroup.procs"
	run_split "$CIRT" --no-daemon ps --json
	kill "$pid"
	[ "$status" -eq 0 ]
	c=$(echo "$output" | jq -c --arg id "$id" '.containers[] | select(.id==$id)')
	[ -n "$c" ] || { echo "$output" | jq -c '.containers[] | [.id, .name]'; false; }
	[ "$(echo "$c" | jq -r .pid)" = "$pid" ]
	[ "$(echo "$c" | jq -r .state)" = running ]
	# it shares the host's network namespace: mode host, not a guess
	[ "$(echo "$c" | jq -r .network.mode)" = host ]
	echo "$c" | jq -e '.notes | any(test("no daemon record: found through the cgroup of pid"))'
	for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
	rmdir "$cg"
	rm -f "$BATS_FILE_TMPDIR/cg"
}

@test "a hung daemon: exit 5, the error names --no-daemon" {
	fake_start hang
	run_split "$CIRT" --host "unix://$FAKE_SOCK" inspect lab-bridge
	fake_stop
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"did not answer within"*"cirt --no-daemon inspect"* ]]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
}

@test "daemon killed: --no-daemon locate still names the beaconing containers" {
	# exit 1: found; the beacons of the lab are named from the host's records and conntrack
	[ "$(cat "$D/nd-locate.rc")" -eq 1 ] || { cat "$D/nd-locate.err"; false; }
	jq -e '.found == true' "$D/nd-locate.json"
	jq -e '[.containers[].name] | index("lab-beacon") and index("lab-beacon-default")' "$D/nd-locate.json" ||
		{ jq '.containers' "$D/nd-locate.json"; false; }
	# a container that never talked to the C2 host is not named
	jq -e '[.containers[].name] | index("lab-clean") | not' "$D/nd-locate.json"
	grep -q "running without the daemon" "$D/nd-locate.err"
}

@test "--no-daemon: commands that need the daemon refuse it (exit 2); logs and diff read the disk" {
	for c in "top lab-bridge" "stats"; do
		# shellcheck disable=SC2086
		run "$CIRT" --no-daemon $c
		[ "$status" -eq 2 ]
		[[ "$output" == *"needs the Docker daemon"* ]]
	done
	# the json-file log and the writable layer answer without the daemon
	run_split "$CIRT" --no-daemon logs lab-bridge
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"running without the daemon"* ]]
	run_split "$CIRT" --no-daemon diff lab-bridge --json
	[ "$status" -eq 0 ]
	jq -e '.changes | type == "array"' <<<"$output" >/dev/null
}

@test "--no-daemon as an unprivileged user: records unreadable, containers still found through their cgroups" {
	command -v setpriv >/dev/null || skip "setpriv missing"
	run_split setpriv --reuid=65534 --regid=65534 --clear-groups "$CIRT" --no-daemon ps --json
	[ "$status" -eq 0 ]
	for n in lab-bridge lab-beacon; do
		id=$(docker inspect -f '{{.Id}}' "$n")
		[ "$(echo "$output" | jq -r --arg id "$id" '.containers[] | select(.id==$id) | .pid')" = "$(container_pid "$n")" ]
	done
	[[ "$stderr" == *"Permission denied"* ]]
}

# findings of a saved scan as sorted "rule path" lines, the host target left out
scan_pairs() {
	jq -r '.targets[] | select(.kind != "host") | .findings[] | "\(.rule) \(.path // "-") \(.origin // "-")"' "$1" | sort
}

@test "daemon killed: --no-daemon scan gives the daemon's findings for a running, a stopped container and an image" {
	need_window
	for v in run stopped image; do
		rc=$(cat "$D/nd-scan-$v.rc")
		[ "$rc" -eq 1 ] || { explain "nd-scan-$v.err"; false; } # 1: found (high or worse)
		want=$(scan_pairs "$D/daemon-scan-$v.json")
		got=$(scan_pairs "$D/nd-scan-$v.json")
		[ "$(echo "$want" | wc -l)" -gt 20 ] || { echo "daemon scan of $v: $want"; false; }
		[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); false; }
	done
	# the image's build history came from the image store's config, not the daemon
	jq -e '[.targets[].findings[] | select(.rule == "history.image.download_exec")] | length == 1' "$D/nd-scan-image.json"
	jq -e '.targets[0].how | test("from the image store on disk")' "$D/nd-scan-image.json"
	grep -q "running without the daemon" "$D/nd-scan-run.err"
}

@test "daemon killed: --no-daemon collect keeps a verifiable bundle with the daemon's change list, the records and the log file" {
	need_window
	[ "$(cat "$D/nd-collect.rc")" -eq 0 ] || { explain nd-collect.err nd-collect.json; false; }
	jq -e '.complete == true' "$D/nd-collect.json"
	b=$D/bundle
	# the change list from the layers is the one `docker diff` gave with the daemon up
	got=$(jq -r '.changes[] | "\(.kind) \(.path)"' "$b/container/changes.json" | sort -k2)
	[ "$got" = "$(cat "$D/daemon-diff.txt")" ] || { diff "$D/daemon-diff.txt" <(echo "$got"); false; }
	# the changed files themselves were copied
	[ "$(cat "$b/files/tmp/added")" = added ]
	[ "$(cat "$b/files/opt/a/b/c")" = c ]
	# the daemon's records byte for byte, the image config that hashes to the image id
	id=$(docker inspect -f '{{.Id}}' nd-col)
	[ "$(jq -r .ID "$b/container/config.v2.json")" = "$id" ]
	[ "$(jq -r .NetworkMode "$b/container/hostconfig.json")" = none ]
	[ "sha256:$(sha256sum <"$b/container/image-config.json" | cut -c1-64)" = "$(docker inspect -f '{{.Image}}' nd-col)" ]
	grep -q '"log":"ready\\n"' "$b/container/logs/json-file.log"
	grep -q "docker: not contacted (--no-daemon)" "$b/custody.log"
	grep -q "running without the daemon" "$D/nd-collect.err"
	grep -q "change list: computed from the writable layer" "$b/custody.log"
	run "$CIRT" verify "$b"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "daemon killed: --no-daemon collect --commit refuses (exit 2) and writes nothing" {
	need_window
	[ "$(cat "$D/nd-commit.rc")" -eq 2 ]
	grep -q -- "--commit needs the daemon" "$D/nd-commit.err"
	[ ! -e "$D/bundle-commit" ]
}

@test "daemon killed: --no-daemon net gives the daemon's networks (from its store), bridges, veths and each lab container's mode" {
	need_window
	[ "$(cat "$D/nd-net.rc")" -eq 0 ] || { explain nd-net.err; false; }
	q='.networks | map(del(.containers)) | sort_by(.name)'
	want=$(jq -S -c "$q" "$D/daemon-net.json")
	got=$(jq -S -c "$q" "$D/nd-net.json")
	[ "$(echo "$want" | jq 'length')" -ge 4 ]
	[ "$got" = "$want" ] || { echo "got  $got"; echo "want $want"; false; }
	jq -e '.notes | any(test("networks: from the daemon.s store on disk"))' "$D/nd-net.json"
	for n in $LAB_RUNNING; do
		q='.containers[] | select(.name==$n) | [.mode, .explanation, .endpoints]'
		want=$(jq -S -c --arg n "$n" "$q" "$D/daemon-net.json")
		got=$(jq -S -c --arg n "$n" "$q" "$D/nd-net.json")
		[ -n "$want" ] && [ "$got" = "$want" ] || { echo "$n: got $got"; echo "$n: want $want"; false; }
	done
	# the bridges with the lab's veths on them
	q='[.bridges[] | {name, network, members: [.members[] | .containers] | flatten | map(select(startswith("lab-"))) | sort}] | sort_by(.name)'
	[ "$(jq -S -c "$q" "$D/nd-net.json")" = "$(jq -S -c "$q" "$D/daemon-net.json")" ]
	grep -q "running without the daemon" "$D/nd-net.err"
}

@test "daemon killed: --no-daemon net --capture-plan names the custom network's bridge for the beacon" {
	need_window
	[ "$(cat "$D/nd-net-plan.rc")" -eq 0 ] || { explain nd-net-plan.err nd-net-plan.json; false; }
	br=br-$(docker network inspect -f '{{.Id}}' "$LAB_NET" | cut -c1-12)
	jq -e --arg br "$br" '[.. | strings | select(contains($br))] | length > 0' "$D/nd-net-plan.json" ||
		{ cat "$D/nd-net-plan.json"; false; }
}
