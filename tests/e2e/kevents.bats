#!/usr/bin/env bats
# kevents.bats: the kernel-events source (src/sources/kevents.c) on this real kernel, through
# tests/probe/kevents_probe (events as JSON lines): execs started by a container's own shell, nc's
# TCP connect with its 5-tuple (checked against conntrack), a `--network container:X` sidecar
# attributed to itself, UDP connect and send, an IPv6 loopback listen/connect/accept, the cgroup
# v2 and raw-syscall variants, the forced fallback (proc connector + sock_diag), and drops counted
# when a tiny ring overflows. Fixtures are kev-* from the lab image; traffic goes only to the
# lab's C2 host 10.66.0.2:80 (checked with `ip route get` first), a bounded number of times.

load helpers

PROBE=$CIRT_BUILD/tests/probe/kevents_probe

fixtures_down() {
	docker rm -f kev-x kev-side kev-nc kev-six kev-fb kev-burst kev-v2 kev-raw >/dev/null 2>&1 || true
}

# probe_start NAME ARGS...: run the probe in the background into $BATS_FILE_TMPDIR/NAME.jsonl and
# wait until it says it is attached
probe_start() {
	local name=$1 i
	shift
	"$PROBE" --seconds 300 "$@" >"$BATS_FILE_TMPDIR/$name.jsonl" 2>"$BATS_FILE_TMPDIR/$name.err" &
	echo $! >"$BATS_FILE_TMPDIR/$name.pid"
	for i in $(seq 1 120); do
		head -1 "$BATS_FILE_TMPDIR/$name.jsonl" 2>/dev/null | grep -q '"ready":true' && return 0
		kill -0 "$(cat "$BATS_FILE_TMPDIR/$name.pid")" 2>/dev/null || break
		sleep 0.25
	done
	echo "probe $name did not start:" >&2
	cat "$BATS_FILE_TMPDIR/$name.err" >&2
	return 1
}

# probe_stop NAME: end it (SIGTERM); its last line is the statistics
probe_stop() {
	local f=$BATS_FILE_TMPDIR/$1.pid
	[ -f "$f" ] || return 0
	kill -TERM "$(cat "$f")" 2>/dev/null || true
	local i
	for i in $(seq 1 80); do
		kill -0 "$(cat "$f")" 2>/dev/null || break
		sleep 0.25
	done
	rm -f "$f"
}

# events NAME JQ-FILTER: the events of probe NAME that match (compact JSON, one a line)
events() {
	jq -c "select(.kind != null) | select($2)" "$BATS_FILE_TMPDIR/$1.jsonl" 2>/dev/null
}

# wait_event NAME JQ-FILTER: poll (0.25 s, at most 40 s) until an event matches; prints it
wait_event() {
	local i out
	for i in $(seq 1 160); do
		out=$(events "$1" "$2" | head -1)
		if [ -n "$out" ]; then
			echo "$out"
			return 0
		fi
		sleep 0.25
	done
	echo "no event of probe $1 matches: $2" >&2
	return 1
}

cid() {
	docker inspect -f '{{.Id}}' "$1"
}

netns_of() {
	stat -L -c %i "/proc/$(container_pid "$1")/ns/net"
}

setup_file() {
	fixtures_down
	# network safety: the C2 host must be reached through the lab's own veth, nowhere else
	ip route get "$LAB_C2_IP" | grep -q "dev $LAB_C2_HOST_IF" ||
		{ echo "route to $LAB_C2_IP does not stay in the lab" >&2; return 1; }
	probe_start bpf --mount-tracefs
	# a container whose own shell starts a process (no docker exec), then serves as the
	# namespace a sidecar joins
	docker run -d --name kev-x --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'sleep 1; /bin/echo kev-own-shell-marker >/dev/null; while true; do sleep 1; done' >/dev/null
	# the sidecar in kev-x's network namespace makes its own connection to the C2 host
	docker run -d --name kev-side --label cirt.lab=1 --network container:kev-x "$LAB_IMAGE" sh -c \
		'sleep 2; printf "GET /kev-side HTTP/1.0\r\n\r\n" | nc -w 3 '"$LAB_C2_IP"' 80 >/dev/null; sleep 600' >/dev/null
	# one TCP request, one UDP connect (nslookup), one UDP datagram without connect (tftp)
	docker run -d --name kev-nc --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'sleep 1; printf "GET /kev-nc HTTP/1.0\r\n\r\n" | nc -w 3 '"$LAB_C2_IP"' 80 >/dev/null;
		 timeout 3 nslookup -timeout=1 -retry=1 kev.test '"$LAB_C2_IP"':80 >/dev/null 2>&1;
		 timeout 3 tftp -g -r kevfile -l /tmp/kevfile '"$LAB_C2_IP"' 80 >/dev/null 2>&1;
		 echo done; sleep 600' >/dev/null
}

teardown_file() {
	local p
	for p in bpf fb burst v2 raw; do probe_stop "$p"; done
	fixtures_down
}

@test "kevents: BPF mode attaches every tracepoint on this kernel and says what it cannot see" {
	local ready
	ready=$(head -1 "$BATS_FILE_TMPDIR/bpf.jsonl")
	[ "$(jq -r .mode <<<"$ready")" = bpf ]
	[ "$(jq -r .why <<<"$ready")" = null ]
	# nothing is missing here: no limit names a tracepoint
	! jq -r '.limits[]' <<<"$ready" | grep -q tracepoint
	jq -r '.notes[]' <<<"$ready" | grep -q 'classic syscall tracepoints'
	jq -r '.limits[]' <<<"$ready" | grep -q 'argv is cut after 2048 bytes'
}

@test "kevents: a process started by a container's own shell is an exec with its argv, parent and container" {
	local id shpid ev pid
	id=$(cid kev-x)
	shpid=$(container_pid kev-x)
	ev=$(wait_event bpf ".kind == \"exec\" and .container == \"$id\" and (.argv | index(\"kev-own-shell-marker\"))")
	[ "$(jq -c .argv <<<"$ev")" = '["/bin/echo","kev-own-shell-marker"]' ]
	[ "$(jq -r .exe <<<"$ev")" = /bin/echo ]
	[ "$(jq -r .ppid <<<"$ev")" = "$shpid" ]
	[ "$(jq -r .uid <<<"$ev")" = 0 ]
	# attributed by the v1 cgroup (this host's hierarchy), whose name is the container id
	[ "$(jq -r .cgname <<<"$ev")" = "$id" ]
	pid=$(jq -r .pid <<<"$ev")
	# its fork by the shell, and its exit, are events too
	wait_event bpf ".kind == \"fork\" and .pid == $pid and .parent == $shpid and .container == \"$id\""
	wait_event bpf ".kind == \"exit\" and .pid == $pid and .exit_code == 0 and .container == \"$id\""
	# the shell itself: the container's pid 1
	wait_event bpf ".kind == \"exec\" and .pid == $shpid and .vpid == 1 and .container == \"$id\""
}

@test "kevents: nc's connect to the C2 host names the process, its pid and the 5-tuple the kernel used" {
	local id ip ev pid sport
	id=$(cid kev-nc)
	ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' kev-nc)
	ev=$(wait_event bpf ".kind == \"connect\" and .container == \"$id\" and .proto == \"tcp\" and .dst == \"$LAB_C2_IP\"")
	[ "$(jq -r .comm <<<"$ev")" = nc ]
	[ "$(jq -r .src <<<"$ev")" = "$ip" ]
	[ "$(jq -r .dport <<<"$ev")" = 80 ]
	[ "$(jq -r .ret <<<"$ev")" = 0 ]
	[ "$(jq -r .sock_netns <<<"$ev")" = "$(netns_of kev-nc)" ]
	pid=$(jq -r .pid <<<"$ev")
	sport=$(jq -r .sport <<<"$ev")
	[ "$sport" -gt 0 ]
	# the same pid exec'd nc with this argv
	wait_event bpf ".kind == \"exec\" and .pid == $pid and .argv == [\"nc\",\"-w\",\"3\",\"$LAB_C2_IP\",\"80\"]"
	# the kernel's own record of the flow has this source port (TIME_WAIT keeps it 120 s)
	conntrack -L -p tcp -s "$ip" -d "$LAB_C2_IP" --dport 80 2>/dev/null | grep -q "sport=$sport dport=80 "
}

@test "kevents: a --network container:X sidecar's connect is its own, not X's" {
	local x side ev
	x=$(cid kev-x)
	side=$(cid kev-side)
	ev=$(wait_event bpf ".kind == \"connect\" and .comm == \"nc\" and .dst == \"$LAB_C2_IP\" and .sock_netns == $(netns_of kev-x) and .proto == \"tcp\"")
	[ "$(jq -r .container <<<"$ev")" = "$side" ]
	[ "$(jq -r .container <<<"$ev")" != "$x" ]
	[ "$(jq -r .cgname <<<"$ev")" = "$side" ]
	# the socket is in X's namespace, with X's address
	[ "$(jq -r .src <<<"$ev")" = "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' kev-x)" ]
	# and no connect to the C2 host in that namespace is blamed on X
	[ -z "$(events bpf ".kind == \"connect\" and .container == \"$x\" and .dst == \"$LAB_C2_IP\"")" ]
}

@test "kevents: UDP connect (nslookup) and a datagram without connect (tftp) to the C2 host" {
	local id ev
	id=$(cid kev-nc)
	ev=$(wait_event bpf ".kind == \"connect\" and .container == \"$id\" and .proto == \"udp\"")
	[ "$(jq -r .comm <<<"$ev")" = nslookup ]
	[ "$(jq -r .dst <<<"$ev")" = "$LAB_C2_IP" ]
	[ "$(jq -r .dport <<<"$ev")" = 80 ]
	[ "$(jq -r .src <<<"$ev")" = "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' kev-nc)" ]
	ev=$(wait_event bpf ".kind == \"send\" and .container == \"$id\" and .proto == \"udp\"")
	[ "$(jq -r .comm <<<"$ev")" = tftp ]
	[ "$(jq -r .dst <<<"$ev")" = "$LAB_C2_IP" ]
	[ "$(jq -r .dport <<<"$ev")" = 80 ]
	[ "$(jq -r .sport <<<"$ev")" -gt 0 ]
	# one datagram event per socket and destination: tftp retried, still one
	[ "$(events bpf ".kind == \"send\" and .container == \"$id\"" | wc -l)" -eq 1 ]
}

@test "kevents: IPv6 loopback listen, connect and accept inside a container" {
	[ -d /proc/sys/net/ipv6 ] || skip "this kernel has no IPv6"
	docker run -d --name kev-six --label cirt.lab=1 --sysctl net.ipv6.conf.all.disable_ipv6=0 \
		--sysctl net.ipv6.conf.lo.disable_ipv6=0 "$LAB_IMAGE" sh -c \
		'(nc -l -p 8086 >/dev/null &); sleep 1; echo hi | nc -w 1 ::1 8086; sleep 600' >/dev/null
	local id l c a
	id=$(cid kev-six)
	l=$(wait_event bpf ".kind == \"listen\" and .container == \"$id\" and .sport == 8086")
	[ "$(jq -r .src <<<"$l")" = "::" ]
	c=$(wait_event bpf ".kind == \"connect\" and .container == \"$id\" and .dst == \"::1\" and .dport == 8086")
	[ "$(jq -r .src <<<"$c")" = "::1" ]
	[ "$(jq -r .ret <<<"$c")" = 0 ]
	a=$(wait_event bpf ".kind == \"accept\" and .container == \"$id\" and .sport == 8086")
	# the accepting process is the listener; the peer is the connecting socket
	[ "$(jq -r .pid <<<"$a")" = "$(jq -r .pid <<<"$l")" ]
	[ "$(jq -r .dport <<<"$a")" = "$(jq -r .sport <<<"$c")" ]
	[ "$(jq -r .dst <<<"$a")" = "::1" ]
}

@test "kevents: the unified hierarchy's cgroup ids and the raw syscall tracepoints attribute the same" {
	probe_start v2 --cgroup-v2 --raw-syscalls --kinds exec,connect
	jq -r '.notes[]' <(head -1 "$BATS_FILE_TMPDIR/v2.jsonl") | grep -q 'unified hierarchy'
	jq -r '.notes[]' <(head -1 "$BATS_FILE_TMPDIR/v2.jsonl") | grep -q 'raw sys_enter'
	docker run -d --name kev-v2 --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'sleep 1; timeout 3 nslookup -timeout=1 -retry=1 kev.test '"$LAB_C2_IP"':80 >/dev/null 2>&1;
		 /bin/echo kev-v2-marker >/dev/null; sleep 600' >/dev/null
	local id ev
	id=$(cid kev-v2)
	ev=$(wait_event v2 ".kind == \"exec\" and (.argv | index(\"kev-v2-marker\"))")
	[ "$(jq -r .container <<<"$ev")" = "$id" ]
	[ "$(jq -r .cgid_v1 <<<"$ev")" = 0 ]
	# the id is the kernfs id (inode) of the container's cgroup in the unified hierarchy
	local mount path
	mount=$(head -1 "$BATS_FILE_TMPDIR/v2.jsonl" | jq -r '.notes[]' | sed -n 's/^cgroups: the unified hierarchy (\(.*\))$/\1/p')
	path=$(sed -n 's/^0:://p' "/proc/$(container_pid kev-v2)/cgroup")
	[ "$(jq -r .cgid <<<"$ev")" = "$(stat -c %i "$mount$path")" ]
	# UDP connect comes from the raw sys_enter/sys_exit tracepoints here
	ev=$(wait_event v2 ".kind == \"connect\" and .container == \"$id\" and .proto == \"udp\"")
	[ "$(jq -r .comm <<<"$ev")" = nslookup ]
	probe_stop v2
}

@test "kevents: the fallback forced sees exec, fork, exit and the sockets, and says what it cannot" {
	probe_start fb --no-bpf --poll-ms 200
	local ready
	ready=$(head -1 "$BATS_FILE_TMPDIR/fb.jsonl")
	[ "$(jq -r .mode <<<"$ready")" = fallback ]
	jq -r .why <<<"$ready" | grep -q 'asked'
	jq -r '.limits[]' <<<"$ready" | grep -q 'polled every 200 ms'
	jq -r '.limits[]' <<<"$ready" | grep -q 'racing the process'
	# the marker lives 2.4 s: /proc is read while it runs (a process gone before its exec is
	# read loses its argv: the fallback races it, and says so). The connection stays open 6 s:
	# polls see it even when this machine is loaded (a poll walks every process's descriptors)
	docker run -d --name kev-fb --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'sleep 1; /bin/sleep 2.417;
		 (sleep 6; printf "GET /kev-fb HTTP/1.0\r\n\r\n") | nc -w 10 '"$LAB_C2_IP"' 80 >/dev/null;
		 echo nc=$?; sleep 600' >/dev/null
	local id shpid ev pid i
	id=$(cid kev-fb)
	shpid=$(container_pid kev-fb)
	ev=$(wait_event fb ".kind == \"exec\" and .argv == [\"/bin/sleep\",\"2.417\"]")
	[ "$(jq -r .container <<<"$ev")" = "$id" ]
	[ "$(jq -r .ppid <<<"$ev")" = "$shpid" ]
	jq -r '.flags[]' <<<"$ev" | grep -qx procfs
	pid=$(jq -r .pid <<<"$ev")
	wait_event fb ".kind == \"fork\" and .pid == $pid and .parent == $shpid and .container == \"$id\""
	wait_event fb ".kind == \"exit\" and .pid == $pid and .exit_code == 0 and .container == \"$id\""
	for i in $(seq 1 80); do
		docker logs kev-fb 2>/dev/null | grep -q '^nc=' && break
		sleep 0.25
	done
	docker logs kev-fb | grep -qx 'nc=0' || { echo "nc could not reach the C2 host: $(docker logs kev-fb)"; false; }
	ev=$(wait_event fb ".kind == \"connect\" and .container == \"$id\" and .dst == \"$LAB_C2_IP\" and .dport == 80") ||
		{ echo "connects seen:"; events fb '.kind == "connect"'; tail -1 "$BATS_FILE_TMPDIR/fb.jsonl"; false; }
	[ "$(jq -r .comm <<<"$ev")" = nc ]
	[ "$(jq -r .via <<<"$ev")" = poll ]
	[ "$(jq -r .src <<<"$ev")" = "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' kev-fb)" ]
	wait_event fb ".kind == \"exec\" and .pid == $(jq -r .pid <<<"$ev") and .argv[0] == \"nc\""
	probe_stop fb
	tail -1 "$BATS_FILE_TMPDIR/fb.jsonl" | jq -e '.end and .mode == "fallback" and .stats.polls > 5'
}

@test "kevents: without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN the fallback runs by itself and says why" {
	run_split setpriv --bounding-set -sys_admin,-bpf,-perfmon "$PROBE" --seconds 1 --kinds exec
	[ "$status" -eq 0 ]
	local ready
	ready=$(head -1 <<<"$output")
	[ "$(jq -r .mode <<<"$ready")" = fallback ]
	jq -r .why <<<"$ready" | grep -q '^BPF could not load: load: Operation not permitted'
	tail -1 <<<"$output" | jq -e '.end and .mode == "fallback"'
}

@test "kevents: a tiny ring overflowed by a burst of execs counts every exec it lost" {
	local n=300
	# 4 KiB hold about 15 exec records; the probe reads nothing for 8 s while the burst runs
	probe_start burst --ring-kb 4 --stall-ms 8000 --kinds exec
	docker run -d --name kev-burst --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'i=0; while [ $i -lt '"$n"' ]; do /bin/true kev-burst; i=$((i+1)); done; echo done; sleep 600' >/dev/null
	local i
	for i in $(seq 1 60); do
		docker logs kev-burst 2>/dev/null | grep -qx done && break
		sleep 0.5
	done
	docker logs kev-burst | grep -qx done
	# the stall ends, what the ring held is read; then the counters
	sleep 9
	probe_stop burst
	local fin seen dropped
	fin=$(tail -1 "$BATS_FILE_TMPDIR/burst.jsonl")
	jq -e .end <<<"$fin"
	seen=$(events burst ".kind == \"exec\" and .argv == [\"/bin/true\",\"kev-burst\"]" | wc -l)
	dropped=$(jq -r .stats.drops.exec <<<"$fin")
	echo "burst of $n execs: $seen delivered, $dropped exec records dropped (all processes)"
	[ "$dropped" -gt 0 ]
	# every exec of the burst was either delivered or counted as lost
	[ $((seen + dropped)) -ge "$n" ]
	[ "$(jq -r .stats.bad <<<"$fin")" = 0 ]
}
