#!/usr/bin/env bats
# locate.bats: `cirt conns` and `cirt locate` against the lab's real beacons, conntrack, NAT and
# bridges. Oracles are the kernel's own tools (conntrack -L, ss inside the namespace, tcpdump).
# Fixture containers are named locate-*; traffic goes only to the lab's C2 host 10.66.0.2.

load helpers

FIXTURES=(locate-hold locate-hostnet locate-nat-a locate-nat-b locate-exit)

setup_file() {
	docker rm -f "${FIXTURES[@]}" >/dev/null 2>&1 || true
	flush_stale_c2_flows
	# an open connection to the C2 host, held for 30 s at a time (nc waits on stdin)
	docker run -d --name locate-hold --label cirt.lab=1 --network "$LAB_NET" "$LAB_IMAGE" \
		sh -c 'i=0; while [ $i -lt 100 ]; do sleep 30 | nc 10.66.0.2 80 >/dev/null 2>&1; i=$((i+1)); done' >/dev/null
	# a host-network container listening on the host's loopback
	docker run -d --name locate-hostnet --label cirt.lab=1 --network host "$LAB_IMAGE" \
		httpd -f -p 127.0.0.1:39123 -h /www >/dev/null
	# two containers on two bridges that will use the same source port (NAT must translate one)
	docker run -d --name locate-nat-a --label cirt.lab=1 --network "$LAB_NET" "$LAB_IMAGE" sleep 600 >/dev/null
	docker run -d --name locate-nat-b --label cirt.lab=1 "$LAB_IMAGE" sleep 600 >/dev/null
	local i pid
	pid=$(docker inspect -f '{{.State.Pid}}' locate-hold)
	for i in $(seq 1 40); do
		nsenter -t "$pid" -n ss -Htn state established dst "$LAB_C2_IP" | grep -q . && break
		sleep 0.5
	done
	for i in $(seq 1 40); do
		ss -Hltn 'sport = :39123' | grep -q . && break
		sleep 0.5
	done
}

teardown_file() {
	docker rm -f "${FIXTURES[@]}" >/dev/null 2>&1 || true
}

ip_of() {
	docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" | awk '{print $1}'
}

# names of running containers owning an address that conntrack shows talking to the C2 host
conntrack_talkers() {
	local srcs name ip
	srcs=$(conntrack -L -d "$LAB_C2_IP" 2>/dev/null | grep -o 'src=[0-9.]*' | sort -u | sed 's/src=//')
	for name in $(docker ps --format '{{.Names}}'); do
		for ip in $(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$name"); do
			grep -qxF "$ip" <<<"$srcs" && echo "$name"
		done
	done | sort -u
}

@test "locate: the beacons are found through conntrack, each separately, and nothing else" {
	# a beacon's flow that only conntrack still knows: the connection is over and its socket
	# gone (TIME_WAIT lasts 60 s in the container, 120 s in conntrack); a freshly started lab
	# has none yet, so wait for one (bounded)
	for i in $(seq 1 20); do
		before=$(conntrack_talkers)
		run_split "$CIRT" --json locate "$LAB_C2_IP"
		after=$(conntrack_talkers)
		echo "$output" | jq -e '[.findings[] | select(.container.name == "lab-beacon" and .sources == ["conntrack"])] | length > 0' >/dev/null && break
		sleep 5
	done
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.found == true and .sources.conntrack.ok == true' >/dev/null
	names=$(echo "$output" | jq -r '.containers[].name // empty' | sort)
	# the custom-network beacon and the default-bridge beacon are two entries
	grep -qx lab-beacon <<<"$names"
	grep -qx lab-beacon-default <<<"$names"
	echo "$output" | jq -e '[.findings[] | select(.container.name == "lab-beacon" and .sources == ["conntrack"] and .flow.state == "TIME_WAIT" and .process == null)] | length > 0' >/dev/null
	echo "$output" | jq -e '[.findings[] | select(.container.name == "lab-beacon-default" and (.sources | index("conntrack")))] | length > 0' >/dev/null
	# every flow is attributed to the container that owns its original source address
	b=$(ip_of lab-beacon)
	d=$(ip_of lab-beacon-default)
	echo "$output" | jq -e --arg b "$b" '[.findings[] | select(.container.name == "lab-beacon") | .flow.original.src] | all(. == $b)' >/dev/null
	echo "$output" | jq -e --arg d "$d" '[.findings[] | select(.container.name == "lab-beacon-default") | .flow.original.src] | all(. == $d)' >/dev/null
	# the masqueraded view is the C2 host's answer address
	echo "$output" | jq -e --arg h "$LAB_C2_HOST_IP" '[.findings[] | select(.container.name == "lab-beacon") | .flow.reply.dst] | all(. == $h)' >/dev/null
	# no other container: every name reported is one the kernel shows talking to the C2 host
	for n in $names; do
		grep -qx "$n" <<<"$before"$'\n'"$after" || { echo "reported but not in conntrack: $n"; false; }
	done
	# (fixtures of an earlier run may have had the addresses now given to locate-*: their flows
	# are older than these containers and belong to none of them)
	for n in lab-bridge lab-custom lab-host lab-none lab-shared lab-clean locate-nat-a locate-nat-b locate-hostnet; do
		! grep -qx "$n" <<<"$names" || { echo "wrongly reported: $n"; false; }
	done
}

@test "locate: the table says which source found which container" {
	run_split "$CIRT" locate "$LAB_C2_IP"
	[ "$status" -eq 1 ]
	echo "$output" | head -1 | grep -q '^CONTAINER  *SOURCES'
	echo "$output" | grep -E '^lab-beacon +[a-z+]*conntrack' >/dev/null
	echo "$output" | grep -E '^lab-beacon-default +[a-z+]*conntrack' >/dev/null
	echo "$output" | grep -q '^found: .*lab-beacon (.*lab-beacon-default ('
}

@test "locate: an open connection is found through its socket, with the process that holds it" {
	pid=$(container_pid locate-hold)
	# the connection is renewed every 30 s: ask again if it was renewed between the two looks
	for i in 1 2 3; do
		# the kernel's own answer: ss inside the namespace names the process
		line=$(nsenter -t "$pid" -n ss -Htnp state established dst "$LAB_C2_IP" | head -1)
		want=$(grep -o 'pid=[0-9]*' <<<"$line" | head -1 | cut -d= -f2)
		run_split "$CIRT" --json locate "$LAB_C2_IP:80"
		f=$(echo "$output" | jq -c '[.findings[] | select(.container.name == "locate-hold" and (.sources | index("socket")) and .flow.state == "ESTABLISHED")][0]')
		[ -n "$want" ] && [ "$(jq -r .process.pid <<<"$f")" = "$want" ] && break
		sleep 1
	done
	[ "$status" -eq 1 ]
	[ "$f" != null ]
	[ "$(jq -r .process.pid <<<"$f")" = "$want" ]
	[ "$(jq -r .process.comm <<<"$f")" = nc ]
	[ "$(jq -r .process.exe <<<"$f")" = /bin/busybox ]
	[ "$(jq -r .process.user <<<"$f")" = root ]
	jq -e '.process.ns_pid > 1' <<<"$f" >/dev/null
	[ "$(jq -r .flow.original.src <<<"$f")" = "$(ip_of locate-hold)" ]
	# an open socket is matched to its conntrack entry: the translated view comes with it
	[ "$(jq -r .flow.reply.dst <<<"$f")" = "$LAB_C2_HOST_IP" ]
}

@test "locate: matching is exact, and v4-mapped IPv6 is the same address" {
	run_split "$CIRT" --json locate 10.66.0.20
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.found == false and (.findings | length) == 0' >/dev/null
	run_split "$CIRT" locate 10.66.0.20
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^nothing found'
	run_split "$CIRT" --json locate "::ffff:$LAB_C2_IP"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.query.addr == "10.66.0.2"' >/dev/null
	echo "$output" | jq -r '.containers[].name // empty' | grep -qx lab-beacon
	# a port the C2 host does not use
	run_split "$CIRT" --json locate "$LAB_C2_IP" --port 81
	[ "$status" -eq 0 ]
	run_split "$CIRT" --json locate "$LAB_C2_IP" --proto udp
	[ "$status" -eq 0 ]
}

@test "locate: the sensor's view (host address and translated port) maps back to the container" {
	# above the ephemeral range, so that no flow of the lab's beacons holds the same translated
	# address and port (10.66.0.1:PORT -> C2:80) and A keeps its port (failed 1 run in ~100)
	read -r _ hi </proc/sys/net/ipv4/ip_local_port_range
	if [ "$hi" -lt 64000 ]; then port=$((hi + 1 + RANDOM % (65000 - hi))); else port=$((40000 + RANDOM % 20000)); fi
	# busybox nc cannot choose its source port: curl does, run inside each namespace
	nsenter -t "$(container_pid locate-nat-a)" -n curl -s -o /dev/null --max-time 5 --local-port "$port" "http://$LAB_C2_IP/"
	nsenter -t "$(container_pid locate-nat-b)" -n curl -s -o /dev/null --max-time 5 --local-port "$port" "http://$LAB_C2_IP/"
	a=$(ip_of locate-nat-a)
	b=$(ip_of locate-nat-b)
	# the kernel's answer: B's flow got another source port after MASQUERADE
	ctb=$(conntrack -L -p tcp -s "$b" -d "$LAB_C2_IP" 2>/dev/null | grep "sport=$port " | head -1)
	[ -n "$ctb" ]
	tb=$(grep -o 'dport=[0-9]*' <<<"$ctb" | tail -1 | cut -d= -f2)
	[ "$tb" != "$port" ]
	# what an IDS outside saw for B: 10.66.0.1:<translated> -> 10.66.0.2:80
	run_split "$CIRT" --json locate --seen-from "$LAB_C2_HOST_IP:$tb" "$LAB_C2_IP"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.containers[].name] == ["locate-nat-b"]' >/dev/null
	f=$(echo "$output" | jq -c '.findings[0]')
	[ "$(jq -r .flow.original.src <<<"$f")" = "$b" ]
	[ "$(jq -r .flow.original.sport <<<"$f")" = "$port" ]
	[ "$(jq -r .flow.reply.dport <<<"$f")" = "$tb" ]
	[ "$(jq -r .seen_from_outside_as <<<"$f")" = "$LAB_C2_HOST_IP:$tb -> $LAB_C2_IP:80" ]
	# the same pair given as ADDR:PORT
	run_split "$CIRT" --json locate "$LAB_C2_HOST_IP:$tb"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.containers[].name] == ["locate-nat-b"]' >/dev/null
	# and the untranslated port is A's (its entry came first and kept the port)
	run_split "$CIRT" --json locate --seen-from "$LAB_C2_HOST_IP:$port"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.containers[].name] == ["locate-nat-a"]' >/dev/null
	[ "$(echo "$output" | jq -r '.findings[0].flow.original.src')" = "$a" ]
	# a translated port nobody used
	run_split "$CIRT" --json locate --seen-from "$LAB_C2_HOST_IP:1"
	[ "$status" -eq 0 ]
}

@test "locate --capture: per-container pcap files that tcpdump reads, holding only that container" {
	dir=$BATS_TEST_TMPDIR/pcap
	mkdir "$dir"
	run_split "$CIRT" --json locate "$LAB_C2_IP" --capture 7 --pcap-dir "$dir"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.sources.capture.ok == true' >/dev/null
	# every bridge with containers, never only docker0
	br="br-$(docker network inspect -f '{{.Id}}' "$LAB_NET" | cut -c1-12)"
	echo "$output" | jq -e --arg br "$br" '[.sources.capture.interfaces[].name] | index($br) and index("docker0")' >/dev/null
	echo "$output" | jq -e '[.findings[] | select(.container.name == "lab-beacon" and (.sources | index("capture")))] | length > 0' >/dev/null
	echo "$output" | jq -e '[.findings[] | select(.container.name == "lab-beacon-default" and (.sources | index("capture")))] | length > 0' >/dev/null
	for name in lab-beacon lab-beacon-default; do
		f=$dir/$name.pcap
		[ -f "$f" ]
		[ "$(stat -c %a "$f")" = 600 ]
		ip=$(ip_of "$name")
		tcpdump -nr "$f" >"$BATS_TEST_TMPDIR/$name.txt" 2>/dev/null
		n=$(wc -l <"$BATS_TEST_TMPDIR/$name.txt")
		[ "$n" -gt 0 ]
		# each packet is between this container and the C2 host, and no other container
		bad=$(grep -v -e " $ip\.[0-9]* > $LAB_C2_IP\.80:" -e " $LAB_C2_IP\.80 > $ip\.[0-9]*:" "$BATS_TEST_TMPDIR/$name.txt" || true)
		[ -z "$bad" ] || { echo "foreign packets in $f:"; echo "$bad"; false; }
		# the JSON names the same file with the same count
		echo "$output" | jq -e --arg n "$name" --arg f "$f" --argjson c "$n" \
			'.sources.capture.files[] | select(.container == $n) | .file == $f and .packets == $c' >/dev/null
	done
	# no file for a container that did not talk to the C2 host
	[ ! -e "$dir/lab-clean.pcap" ]
	[ ! -e "$dir/lab-custom.pcap" ]
}

@test "locate --capture --first: stops at the first packet" {
	dir=$BATS_TEST_TMPDIR/first
	mkdir "$dir"
	run_split "$CIRT" --json locate "$LAB_C2_IP" --capture 30 --first --pcap-dir "$dir"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq '[.sources.capture.files[].packets] | add')" -eq 1 ]
	total=0
	for f in "$dir"/*.pcap; do
		total=$((total + $(tcpdump -nr "$f" 2>/dev/null | wc -l)))
	done
	[ "$total" -eq 1 ]
}

@test "locate: a container that exits during the scan is skipped with a warning" {
	docker rm -f locate-exit >/dev/null 2>&1 || true
	docker run -d --name locate-exit --label cirt.lab=1 "$LAB_IMAGE" sh -c \
		'i=0; while [ $i -lt 300 ]; do printf "GET / HTTP/1.0\r\n\r\n" | nc -w 1 10.66.0.2 80 >/dev/null 2>&1; i=$((i+1)); sleep 0.3; done' >/dev/null
	sleep 1
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
	"$CIRT" --json locate "$LAB_C2_IP" --capture 12 >"$out" 2>"$err" &
	cpid=$!
	for i in $(seq 1 100); do
		grep -q 'capturing for' "$err" && break
		sleep 0.2
	done
	grep -q 'capturing for' "$err"
	sleep 2
	# gone while the capture still runs: SIGKILL, then wait for its process to disappear
	epid=$(container_pid locate-exit)
	docker kill locate-exit >/dev/null
	for i in $(seq 1 50); do
		[ -d "/proc/$epid" ] || break
		sleep 0.2
	done
	[ ! -d "/proc/$epid" ]
	set +e
	wait "$cpid"
	status=$?
	set -e
	cat "$err"
	[ "$status" -eq 1 ]
	grep -q "warning: container 'locate-exit' exited during the scan: skipped" "$err"
	# what it sent before it went is still reported, and the others still answer
	jq -e '[.findings[] | select(.container.name == "locate-exit")] | length > 0' "$out" >/dev/null
	jq -r '.containers[].name // empty' "$out" | grep -qx lab-beacon
}

@test "locate: conntrack unavailable is a warning and the sockets still answer" {
	run_split setpriv --bounding-set -net_admin "$CIRT" --json locate "$LAB_C2_IP"
	[ "$status" -eq 1 ]
	grep -q 'warning: conntrack .*permission denied' <<<"$stderr"
	echo "$output" | jq -e '.sources.conntrack.ok == false' >/dev/null
	echo "$output" | jq -e '[.findings[] | select(.container.name == "locate-hold" and .sources == ["socket"])] | length > 0' >/dev/null
	# no capture privilege: said so, the rest still answers
	run_split setpriv --bounding-set -net_admin,-net_raw "$CIRT" --json locate "$LAB_C2_IP" --capture 1
	[ "$status" -eq 1 ]
	grep -q 'capture: permission denied' <<<"$stderr"
	echo "$output" | jq -e '.sources.capture.ok == false' >/dev/null
}

@test "locate: bad input is a usage error" {
	run_split "$CIRT" locate 10.66.0
	[ "$status" -eq 2 ]
	[[ $stderr == *"'10.66.0' is not an IPv4 or IPv6 address"* ]]
	run_split "$CIRT" locate 10.66.0.2:70000
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate 10.66.0.2 10.66.0.3
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate 10.66.0.2 --proto icmp
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate 10.66.0.2 --capture 0
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate 10.66.0.2 --first
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate 10.66.0.2 --capture 1 --pcap-dir /nonexistent/dir
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate --seen-from 10.66.0.1:x
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate --seen-from 10.66.0.1:40000 --capture 1
	[ "$status" -eq 2 ]
	[[ $stderr != *. ]]
}

@test "conns: a scratch-image container's listening httpd and the process that owns it" {
	pid=$(container_pid lab-custom)
	run_split "$CIRT" --json conns lab-custom
	[ "$status" -eq 0 ]
	s=$(echo "$output" | jq -c '[.containers[0].sockets[] | select(.state == "LISTEN" and .local_port == 80)][0]')
	[ "$s" != null ]
	[ "$(jq -r .process.pid <<<"$s")" = "$pid" ]
	[ "$(jq -r .process.ns_pid <<<"$s")" = 1 ]
	[ "$(jq -r .process.comm <<<"$s")" = httpd ]
	[ "$(jq -r .process.exe <<<"$s")" = /bin/busybox ]
	[ "$(jq -r .process.cmdline <<<"$s")" = "httpd -f -p 80 -h /www" ]
	[ "$(jq -r .process.user <<<"$s")" = root ]
	# the same socket as the kernel's ss reports inside that namespace
	ino=$(jq -r .inode <<<"$s")
	nsenter -t "$pid" -n ss -Hltne 'sport = :80' | grep -q "ino:$ino "
	# the table
	run_split "$CIRT" conns lab-custom --listen
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^lab-custom +tcp6? +LISTEN +\[?::\]?:80 .* $pid +1 +httpd +root +/bin/busybox" >/dev/null
	! echo "$output" | grep -q ESTABLISHED
}

@test "conns: a shared namespace is read once and each socket goes to its process's container" {
	run_split "$CIRT" --json conns lab-bridge lab-shared
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.namespaces_read == 1' >/dev/null
	echo "$output" | jq -e '.containers[] | select(.name == "lab-bridge") | .sockets[] | select(.local_port == 80 and .state == "LISTEN") | .process.comm == "httpd"' >/dev/null
	echo "$output" | jq -e '.containers[] | select(.name == "lab-shared") | .shared_with == "lab-bridge"' >/dev/null
	echo "$output" | jq -e '[.containers[] | select(.name == "lab-bridge" or .name == "lab-shared") | .netns_inode] | unique | length == 1' >/dev/null
}

@test "conns: a host-network container gets only the host sockets its own processes hold" {
	pid=$(container_pid locate-hostnet)
	run_split "$CIRT" --json conns locate-hostnet lab-host
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.containers[] | select(.name == "locate-hostnet") | .network_mode == "host" and ([.sockets[] | select(.local == "127.0.0.1:39123" and .state == "LISTEN" and .process.comm == "httpd")] | length == 1)' >/dev/null
	[ "$(echo "$output" | jq '.containers[] | select(.name == "locate-hostnet") | .sockets | length')" -eq 1 ]
	[ "$(echo "$output" | jq -r '.containers[] | select(.name == "locate-hostnet") | .sockets[0].process.pid')" = "$pid" ]
	# lab-host runs only sleep: none of the host's own sockets is given to it
	[ "$(echo "$output" | jq '.containers[] | select(.name == "lab-host") | .sockets | length')" -eq 0 ]
}

@test "conns: filters, all containers, and errors" {
	run_split "$CIRT" --json conns --established
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '[.containers[].sockets[].state] | all(. == "ESTABLISHED")' >/dev/null
	echo "$output" | jq -e '[.containers[] | select(.name == "locate-hold") | .sockets[] | select(.remote == "10.66.0.2:80")] | length > 0' >/dev/null
	run_split "$CIRT" --json conns --proto udp lab-custom
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '[.containers[].sockets[].proto] | all(. == "udp")' >/dev/null
	run_split "$CIRT" conns no-such-container-xyz
	[ "$status" -eq 8 ]
	run_split "$CIRT" conns --proto sctp
	[ "$status" -eq 2 ]
	run_split "$CIRT" conns lab-none
	[ "$status" -eq 0 ]
}
