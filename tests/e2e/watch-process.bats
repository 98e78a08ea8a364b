#!/usr/bin/env bats
# watch-process.bats: `cirt watch` with the kernel's events (real BPF on this kernel, then the
# fallback with --no-bpf) and the DNS capture: flow lines name the process that made them (a
# beacon's nc, its pid and its parent shell, for flows that have all closed), a container:X
# sidecar's flows are the sidecar's with X named as the namespace's owner, a process started by a
# container's own shell is an exec line and is in `timeline` and `timeline --tree`, DNS lookups
# from a default-bridge and a custom-network container are dns lines with their container, and a
# tiny ring buffer under a burst gives an overrun line. Containers of its own: kw-*, label
# cirt.lab=1; traffic only to the lab's C2 host 10.66.0.2 (HTTP and its DNS server), bounded.

load helpers

NAMES="kw-beacon kw-x kw-side kw-shell kw-dns-b kw-dns-c kw-fb kw-fb-side kw-fb-dns kw-burst"
HTTP_GET='printf "GET / HTTP/1.0\r\n\r\n"'

ip_of() {
	docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

# route_via_lab ARGS...: `ip route get ARGS` leaves through the lab's C2 veth
route_via_lab() {
	ip -4 route get "$@" | grep -q " dev $LAB_C2_HOST_IF "
}

# wait_for FILE PATTERN [TRIES]: poll (0.25 s) until FILE contains PATTERN
wait_for() {
	local i
	for i in $(seq 1 "${3:-240}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.25
	done
	echo "timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	return 1
}

# wait_done NAME...: each container's log says "done" (bounded: 90 s)
wait_done() {
	local n i
	for n in "$@"; do
		for i in $(seq 1 180); do
			docker logs "$n" 2>/dev/null | grep -qx done && break
			sleep 0.5
		done
		docker logs "$n" 2>/dev/null | grep -qx done || { echo "$n never said done" >&2; docker logs "$n" >&2; return 1; }
	done
}

# watch_start JOURNAL ARGS...: cirt watch in the background; returns once it watches
watch_start() {
	local j=$1
	shift
	"$CIRT" watch --journal "$j" --max-size 64M "$@" >"$j.out" 2>"$j.err" &
	echo $! >"$j.pid"
	wait_for "$j.err" "watching:"
}

# watch_stop JOURNAL: SIGTERM, exit 0, no sanitizer report
watch_stop() {
	local j=$1 st=0
	kill -TERM "$(cat "$j.pid")"
	wait "$(cat "$j.pid")" || st=$?
	echo "$st" >"$j.status"
	rm -f "$j.pid"
}

lines() {
	cat "$1"/journal-*.ndjson
}

# the source ports of the TCP flows from ADDR to the C2 host's port 80 that conntrack holds
kernel_sports() {
	conntrack -L -p tcp -s "$1" -d "$LAB_C2_IP" --dport 80 2>/dev/null |
		sed -n 's/.*sport=\([0-9]*\) dport=80 .*/\1/p' | sort -u
}

setup_file() {
	docker rm -f $NAMES >/dev/null 2>&1 || true
	route_via_lab "$LAB_C2_IP" || { echo "ip route get $LAB_C2_IP does not leave via $LAB_C2_HOST_IF" >&2; return 1; }
	"$LAB" status | grep -q '^C2 DNS: pid' || { echo "the lab's C2 DNS server is not running" >&2; return 1; }
	local br
	br=br-$(docker network inspect -f '{{.Id}}' "$LAB_NET" | cut -c1-12)
	export J=$BATS_FILE_TMPDIR/bpf F=$BATS_FILE_TMPDIR/fallback

	# --- BPF: the watcher first, then the containers, so that their processes are events
	watch_start "$J"
	docker run -d --name kw-x --label cirt.lab=1 "$LAB_IMAGE" sleep 900 >/dev/null
	local xip
	xip=$(ip_of kw-x)
	route_via_lab "$LAB_C2_IP" from "$xip" iif docker0 || { echo "kw-x would not reach $LAB_C2_IP via the lab" >&2; return 1; }
	# network safety of the beacon and the lookups: the same default bridge, and the lab network
	route_via_lab "$LAB_C2_IP" from "$xip" iif "$br" || true
	docker run -d --name kw-beacon --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		"sleep 1; i=0; while [ \$i -lt 6 ]; do $HTTP_GET | nc -w 2 $LAB_C2_IP 80 >/dev/null 2>&1; i=\$((i+1)); sleep 1; done; echo done; sleep 900" >/dev/null
	docker run -d --name kw-side --label cirt.lab=1 --network container:kw-x "$LAB_IMAGE" sh -c \
		"sleep 1; i=0; while [ \$i -lt 3 ]; do $HTTP_GET | nc -w 2 $LAB_C2_IP 80 >/dev/null 2>&1; i=\$((i+1)); sleep 1; done; echo done; sleep 900" >/dev/null
	# a process its own shell starts (not docker exec), one level down, with an escape and an
	# invalid byte in its argv (sleep refuses them: the exec is what counts); "; true" keeps the
	# inner sh from exec'ing sleep in its own place
	docker run -d --name kw-shell --label cirt.lab=1 --network none "$LAB_IMAGE" sh -c \
		'sleep 2; sh -c "cat /etc/hostname >/dev/null; sleep \"$(printf "\033[31m\377")\"; true" 2>/dev/null; echo done; sleep 900' >/dev/null
	docker run -d --name kw-dns-b --label cirt.lab=1 --dns "$LAB_C2_IP" "$LAB_IMAGE" sh -c \
		"i=0; while [ \$i -lt 5 ]; do sleep 1; nslookup $LAB_C2_DNS_NAME >/dev/null 2>&1; i=\$((i+1)); done; echo done; sleep 900" >/dev/null
	docker run -d --name kw-dns-c --label cirt.lab=1 --network "$LAB_NET" --dns "$LAB_C2_IP" "$LAB_IMAGE" sh -c \
		"i=0; while [ \$i -lt 5 ]; do sleep 1; nslookup $LAB_C2_DNS_NAME >/dev/null 2>&1; i=\$((i+1)); done; echo done; sleep 900" >/dev/null
	route_via_lab "$LAB_C2_IP" from "$(ip_of kw-dns-c)" iif "$br" || { echo "kw-dns-c would not reach $LAB_C2_IP via the lab" >&2; return 1; }
	wait_done kw-beacon kw-side kw-shell kw-dns-b kw-dns-c
	ip_of kw-beacon >"$BATS_FILE_TMPDIR/beacon.ip"
	kernel_sports "$(cat "$BATS_FILE_TMPDIR/beacon.ip")" >"$BATS_FILE_TMPDIR/beacon.sports"
	container_pid kw-beacon >"$BATS_FILE_TMPDIR/beacon.shpid"
	# every flow closed: conntrack forgets them now rather than after TIME_WAIT, so that their
	# ends are in the journal too (these are this file's own containers' flows only)
	conntrack -D -s "$(cat "$BATS_FILE_TMPDIR/beacon.ip")" -d "$LAB_C2_IP" >/dev/null 2>&1 || true
	conntrack -D -s "$xip" -d "$LAB_C2_IP" >/dev/null 2>&1 || true
	sleep 1
	watch_stop "$J"
	"$CIRT" timeline kw-shell --journal "$J" >"$BATS_FILE_TMPDIR/shell.timeline" 2>&1 || true
	"$CIRT" timeline kw-beacon --tree --journal "$J" >"$BATS_FILE_TMPDIR/beacon.tree" 2>&1 || true

	# --- the fallback: what it can see (long connections, execs, DNS by namespace)
	watch_start "$F" --no-bpf
	docker run -d --name kw-fb --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		"sleep 2; i=0; while [ \$i -lt 2 ]; do (sleep 4; $HTTP_GET) | nc -w 6 $LAB_C2_IP 80 >/dev/null 2>&1; i=\$((i+1)); done; echo done; sleep 900" >/dev/null
	docker run -d --name kw-fb-side --label cirt.lab=1 --network container:kw-x "$LAB_IMAGE" sh -c \
		"sleep 2; (sleep 4; $HTTP_GET) | nc -w 6 $LAB_C2_IP 80 >/dev/null 2>&1; echo done; sleep 900" >/dev/null
	docker run -d --name kw-fb-dns --label cirt.lab=1 --dns "$LAB_C2_IP" "$LAB_IMAGE" sh -c \
		"i=0; while [ \$i -lt 5 ]; do sleep 1; nslookup $LAB_C2_DNS_NAME >/dev/null 2>&1; i=\$((i+1)); done; echo done; sleep 900" >/dev/null
	wait_done kw-fb kw-fb-side kw-fb-dns
	sleep 2
	watch_stop "$F"
	docker rm -f $NAMES >/dev/null 2>&1 || true
}

teardown_file() {
	local j
	for j in "$BATS_FILE_TMPDIR"/*.pid; do
		[ -f "$j" ] && kill -TERM "$(cat "$j")" 2>/dev/null || true
	done
	docker rm -f $NAMES >/dev/null 2>&1 || true
}

@test "watch (bpf): exits 0, the start line names the mode, its limits and the DNS namespaces; the stop line counts" {
	[ "$(cat "$J.status")" -eq 0 ]
	! grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$J.err"
	grep -q "kernel events bpf, DNS in [0-9]* namespaces" "$J.err"
	lines "$J" | head -1 | jq -e '.type == "watch" and .action == "start" and .kernel_events.mode == "bpf" and
		.kernel_events.why == null and (.kernel_events.limits | length > 0) and .dns.namespaces >= 1' >/dev/null
	lines "$J" | tail -1 | jq -e '.action == "stop" and .flows_process > 0 and .execs > 0 and .dns_lines > 0 and
		.kernel_events.mode == "bpf" and .kernel_events.events.exec > 0 and .kernel_events.events.connect > 0 and
		.dns.messages > 0' >/dev/null
	# every line is one JSON object
	lines "$J" | jq -e -s 'length > 0' >/dev/null
}

@test "beacon: every flow the kernel saw names nc, its pid and its parent shell, at its start and at its end" {
	local ip sh
	ip=$(cat "$BATS_FILE_TMPDIR/beacon.ip")
	sh=$(cat "$BATS_FILE_TMPDIR/beacon.shpid")
	[ "$(wc -l <"$BATS_FILE_TMPDIR/beacon.sports")" -ge 6 ]
	# the journal's new lines of the beacon, each with its process
	lines "$J" | jq -r --arg ip "$ip" --arg c2 "$LAB_C2_IP" --argjson sh "$sh" \
		'select(.type == "flow" and .event == "new" and .flow.original.src == $ip and .flow.original.dst == $c2 and
			.src_container.name == "kw-beacon" and .by == "process" and .process.argv[0] == "nc" and
			.process.ppid == $sh and .process.parents[0].pid == $sh and .process.parents[0].comm == "sh") |
		.flow.original.sport' | sort -u >"$BATS_TEST_TMPDIR/journal.sports"
	diff "$BATS_FILE_TMPDIR/beacon.sports" "$BATS_TEST_TMPDIR/journal.sports"
	# the pid is nc's: an exec line of the same pid ran nc
	lines "$J" | jq -e -s --arg ip "$ip" '
		([.[] | select(.type == "exec" and .container.name == "kw-beacon" and .argv[0] == "nc") | .pid]) as $pids |
		[.[] | select(.type == "flow" and .flow.original.src == $ip and .process != null)] |
		length > 0 and all(.[]; .process.pid as $p | $pids | index($p) != null)' >/dev/null
	# the flows are all closed: their ends name the same process as their begins
	lines "$J" | jq -e -s --arg ip "$ip" '
		[.[] | select(.type == "flow" and .flow.original.src == $ip and .flow.original.dport == 80)] |
		group_by(.flow.conntrack_id) | map(select(length == 2)) |
		length >= 6 and all(.[]; .[0].event == "new" and .[1].event == "end" and .[0].process.pid == .[1].process.pid and
			.[1].process.argv[0] == "nc" and .[1].by == "process")' >/dev/null
}

@test "own shell: a process its container's shell starts is an exec line with its parents, escaped, and in timeline" {
	# sleep, started by an inner sh, started by the container's own shell (no docker exec); the
	# chain of parents ends at the container's init (its shell), never runc's processes. busybox
	# runs its applets through /proc/self/exe: their comm is "exe", argv[0] says which one
	lines "$J" | jq -e -s '
		[.[] | select(.type == "exec" and .container.name == "kw-shell")] as $e |
		[$e[] | select(.argv[0] == "sh" and (.argv[2] // "" | startswith("cat ")))] as $inner |
		[$e[] | select(.argv[0] == "sleep" and .argv[1] == "\u001b[31m\\xff")] as $s |
		[$e[] | select(.argv[0] == "sh" and .pid == $inner[0].ppid)] as $init |
		($inner | length) == 1 and ($s | length) == 1 and ($init | length) == 1 and
		$s[0].via == "bpf" and $s[0].ppid == $inner[0].pid and ($s[0].parents | length) == 2 and
		$s[0].parents[0].pid == $inner[0].pid and $s[0].parents[1].pid == $init[0].pid and
		$s[0].parents[1].comm == "sh" and $inner[0].parents == [$s[0].parents[1]] and
		$init[0].parents == [] and ($s[0].netns | type) == "number"' >/dev/null
	lines "$J" | jq -e -s '[.[] | select(.type == "exec" and .container.name == "kw-shell" and .argv[0] == "cat")] | length == 1' >/dev/null
	# no docker exec was involved
	! lines "$J" | jq -e -s '[.[] | select(.type == "docker" and .container.name == "kw-shell" and (.action | startswith("exec")))] | length > 0' >/dev/null
	# timeline shows it, escaped for the terminal
	# (the journal holds the invalid byte as the text \xff; the terminal doubles its backslash)
	grep -qE 'kw-shell .* exec +sleep \(pid [0-9]+\): sleep \\e\[31m\\\\?xff \(parent [^,]+, pid [0-9]+\)' "$BATS_FILE_TMPDIR/shell.timeline"
	# only kw-shell's lines (and the watcher's own): no other container's execs
	[ -z "$(grep -E '^[0-9T:.Z-]+ +[a-z]' "$BATS_FILE_TMPDIR/shell.timeline" | grep -vE '^[0-9T:.Z-]+ +kw-shell ')" ]
	! grep -q $'\033' "$BATS_FILE_TMPDIR/shell.timeline"
	run_split "$CIRT" --json timeline kw-shell --journal "$J"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '[.entries[] | select(.type == "exec")] | length >= 3' >/dev/null
	# as a tree: sleep under the inner sh, under the container's shell
	run_split "$CIRT" --json timeline kw-shell --tree --journal "$J"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.trees | length == 1 and .[0].container.name == "kw-shell" and
		([.. | objects | select(.argv? and .argv[0] == "sleep" and .argv[1] == "\u001b[31m\\xff")] | length == 1) and
		([.[0].processes[] | .. | objects | select(.children? and any(.children[]; .argv[1] == "\u001b[31m\\xff"))] |
			length == 1 and .[0].argv[0] == "sh" and .[0].argv[1] == "-c") and
		any(.[0].processes[]; .argv[0] == "sh" and any(.children[]; .argv[0] == "sh" and any(.children[]; .argv[0] == "sleep")))' >/dev/null
}

@test "timeline --tree: the beacon's nc processes under its shell, each with its connection" {
	local sh
	sh=$(cat "$BATS_FILE_TMPDIR/beacon.shpid")
	grep -q "kw-beacon ($LAB_IMAGE, " "$BATS_FILE_TMPDIR/beacon.tree"
	# the shell, then nc one level down, then its connection one more level down
	grep -qE "^- +  $sh sh( |$)" "$BATS_FILE_TMPDIR/beacon.tree" ||
		grep -qE "^[0-9T:.Z-]+ +  $sh sh" "$BATS_FILE_TMPDIR/beacon.tree"
	grep -qE "^[0-9T:.Z-]+ +    [0-9]+ nc -w 2 $LAB_C2_IP 80" "$BATS_FILE_TMPDIR/beacon.tree"
	grep -qE "^[0-9T:.Z-]+ +      connection tcp [0-9.]+:[0-9]+ -> $LAB_C2_IP:80" "$BATS_FILE_TMPDIR/beacon.tree"
}

@test "sidecar: a container:X sidecar's flows are the sidecar's, with X as the namespace's owner, never X's" {
	lines "$J" | jq -e -s --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "flow" and .event == "new" and .flow.original.dst == $c2 and .process.argv[0] == "nc" and
			(.src_container.name == "kw-side" or .src_container.name == "kw-x"))] |
		length >= 3 and all(.[]; .src_container.name == "kw-side" and .by == "process" and .netns_owner.name == "kw-x")' >/dev/null
	# the ends too
	lines "$J" | jq -e -s --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "flow" and .event == "end" and .flow.original.dst == $c2 and
			(.src_container.name == "kw-side" or .src_container.name == "kw-x"))] |
		length >= 3 and all(.[]; .src_container.name == "kw-side" and .netns_owner.name == "kw-x")' >/dev/null
}

@test "dns: lookups from a default-bridge and a custom-network container are dns lines with their container and process" {
	# default bridge: nslookup asks the C2 host's DNS server from the container's namespace
	lines "$J" | jq -e -s --arg n "$LAB_C2_DNS_NAME" --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "dns" and .container.name == "kw-dns-b" and .qname == $n and .qtype == "A")] |
		length >= 1 and any(.[]; .by == "process" and .process.argv[0] == "nslookup" and .server == ($c2 + ":53") and
			.forwarded == false and .rcode == "NOERROR" and any(.answers[]; .type == "A" and .data == $c2 and .ttl > 0))' >/dev/null
	# custom network: through Docker's embedded resolver, and its forwarded question
	lines "$J" | jq -e -s --arg n "$LAB_C2_DNS_NAME" --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "dns" and .container.name == "kw-dns-c" and .qname == $n and .qtype == "A")] |
		any(.[]; .server == "127.0.0.11:53" and .by == "process" and .process.argv[0] == "nslookup" and
			any(.answers[]; .data == $c2)) and
		any(.[]; .forwarded == true and .by == "netns" and .process == null)' >/dev/null
	# the namespace inode is the container's
	lines "$J" | jq -e -s '[.[] | select(.type == "dns" and .container.name == "kw-dns-b")] | all(.[]; .netns > 0)' >/dev/null
	# and timeline shows them
	run_split "$CIRT" timeline kw-dns-b --journal "$J"
	[ "$status" -eq 0 ]
	[[ "$output" == *"dns"*"A $LAB_C2_DNS_NAME: $LAB_C2_IP (NOERROR, server $LAB_C2_IP:53) by nslookup (pid "* ]]
}

@test "watch --no-bpf: the fallback's start line says why; execs, long connections with their process, the sidecar, DNS by namespace" {
	[ "$(cat "$F.status")" -eq 0 ]
	grep -q "kernel events fallback" "$F.err"
	grep -q "kernel events: the fallback (BPF not used (asked for the fallback))" "$F.err"
	lines "$F" | head -1 | jq -e '.kernel_events.mode == "fallback" and (.kernel_events.why | test("asked")) and
		any(.kernel_events.limits[]; test("polled"))' >/dev/null
	# the proc connector's execs (details read from /proc)
	lines "$F" | jq -e -s '[.[] | select(.type == "exec" and .container.name == "kw-fb" and .via == "proc_connector")] | length >= 1' >/dev/null
	# a connection that lives across polls has its process
	lines "$F" | jq -e -s --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "flow" and .event == "new" and .src_container.name == "kw-fb" and .flow.original.dst == $c2)] |
		length >= 1 and any(.[]; .by == "process" and .process.comm != null and .process.pid > 0)' >/dev/null
	# the sidecar's long connection is the sidecar's
	lines "$F" | jq -e -s --arg c2 "$LAB_C2_IP" '
		[.[] | select(.type == "flow" and .event == "new" and .flow.original.dst == $c2 and .by == "process" and
			(.src_container.name == "kw-fb-side" or .src_container.name == "kw-x"))] |
		length >= 1 and all(.[]; .src_container.name == "kw-fb-side" and .netns_owner.name == "kw-x")' >/dev/null
	# DNS: by the namespace (the fallback does not see the datagram's process)
	lines "$F" | jq -e -s --arg n "$LAB_C2_DNS_NAME" '
		[.[] | select(.type == "dns" and .container.name == "kw-fb-dns" and .qname == $n)] | length >= 1 and all(.[]; .by == "netns")' >/dev/null
}

@test "watch: argv, comm and names from containers stay escaped in the journal (valid JSON, no raw control bytes)" {
	! lines "$J" | grep -q $'\033'
	lines "$J" | jq -e -s 'length > 0' >/dev/null
	lines "$F" | jq -e -s 'length > 0' >/dev/null
}

@test "watch: a tiny ring buffer under a burst of execs gives an overrun line with counts per kind, and a warning" {
	local j=$BATS_TEST_TMPDIR/ring
	# a one-page ring and a reader that waits 200 ms before each read: the burst must overrun it
	CIRT_TEST_KEV_RING_KB=4 CIRT_TEST_KEV_STALL_MS=200 watch_start "$j" --no-dns
	docker run -d --name kw-burst --label cirt.lab=1 --network none "$LAB_IMAGE" sh -c \
		'i=0; while [ $i -lt 1500 ]; do sleep 0; i=$((i+1)); done; echo done; sleep 900' >/dev/null
	wait_done kw-burst
	docker rm -f kw-burst >/dev/null
	sleep 1
	watch_stop "$j"
	[ "$(cat "$j.status")" -eq 0 ]
	lines "$j" | jq -e -s '
		([.[] | select(.type == "overrun" and .source == "kernel_events")] | length >= 1 and
			all(.[]; (.lost | to_entries | map(.value) | add) > 0)) and
		(.[-1].kernel_events.drops | to_entries | map(.value) | add) > 0 and .[-1].overruns >= 1' >/dev/null
	grep -q "kernel event.* lost" "$j.err"
	# it kept recording: execs of the burst are in the journal
	lines "$j" | jq -e -s '[.[] | select(.type == "exec" and .container.name == "kw-burst")] | length > 0' >/dev/null
}
