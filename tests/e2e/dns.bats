#!/usr/bin/env bats
# dns.bats: the DNS capture source (src/sources/dnscap.c, through tests/probe/dnscap_probe) on the
# lab: lookups of the lab's C2 names (dnsmasq on 10.66.0.2, tests/lab/lab.sh) from a
# default-bridge container, a custom-network one (through Docker's embedded resolver,
# 127.0.0.11), a host-network one, over UDP and TCP, hostile answers, and namespaces added and
# removed while the capture runs. Containers of its own: dns-*, label cirt.lab=1.

load helpers

PROBE=$CIRT_BUILD/tests/probe/dnscap_probe
NAMES="dns-bridge dns-custom dns-host dns-evil dns-gone"

ip_of() {
	docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

netns_of() {
	stat -L -c %i "/proc/$(container_pid "$1")/ns/net"
}

# route_via_lab ARGS...: `ip route get ARGS` leaves through the lab's C2 veth
route_via_lab() {
	ip -4 route get "$@" | grep -q " dev $LAB_C2_HOST_IF "
}

setup_file() {
	docker rm -f $NAMES >/dev/null 2>&1 || true
	# network safety: the C2 host is reached through the lab, and its DNS server runs
	route_via_lab "$LAB_C2_IP" || { echo "ip route get $LAB_C2_IP does not leave via $LAB_C2_HOST_IF" >&2; return 1; }
	"$LAB" status | grep -q '^C2 DNS: pid' || { echo "the lab's C2 DNS server is not running (tests/lab/lab.sh up)" >&2; return 1; }
	docker run -d --name dns-bridge --label cirt.lab=1 --dns "$LAB_C2_IP" "$LAB_IMAGE" sleep 900 >/dev/null
	docker run -d --name dns-custom --label cirt.lab=1 --network "$LAB_NET" --dns "$LAB_C2_IP" "$LAB_IMAGE" sleep 900 >/dev/null
	docker run -d --name dns-host --label cirt.lab=1 --network host "$LAB_IMAGE" sleep 900 >/dev/null
	docker run -d --name dns-evil --label cirt.lab=1 "$LAB_IMAGE" sleep 900 >/dev/null
	# and as forwarded from each container's bridge
	local br
	br=br-$(docker network inspect -f '{{.Id}}' "$LAB_NET" | cut -c1-12)
	route_via_lab "$LAB_C2_IP" from "$(ip_of dns-bridge)" iif docker0 || { echo "dns-bridge's lookups would not go via the lab" >&2; return 1; }
	route_via_lab "$LAB_C2_IP" from "$(ip_of dns-custom)" iif "$br" || { echo "dns-custom's lookups would not go via the lab" >&2; return 1; }
}

teardown_file() {
	docker rm -f $NAMES >/dev/null 2>&1 || true
}

teardown() {
	probe_stop || true
}

# probe_start ARGS...: the probe in the background, commands through a FIFO, its JSON lines in
# $PROBE_OUT; returns once it is capturing
probe_start() {
	PROBE_OUT=$BATS_TEST_TMPDIR/probe.out
	PROBE_ERR=$BATS_TEST_TMPDIR/probe.err
	rm -f "$BATS_TEST_TMPDIR/probe.in"
	mkfifo "$BATS_TEST_TMPDIR/probe.in"
	"$PROBE" --seconds 120 "$@" <"$BATS_TEST_TMPDIR/probe.in" >"$PROBE_OUT" 2>"$PROBE_ERR" 3>&- &
	PROBE_PID=$!
	exec {PROBE_IN}>"$BATS_TEST_TMPDIR/probe.in"
	wait_json '.event == "ready"' >/dev/null
}

probe_cmd() {
	printf '%s\n' "$*" >&"$PROBE_IN"
}

# probe_stop: "quit", then its exit status (0) and a clean stderr (no sanitizer report)
probe_stop() {
	[[ -n ${PROBE_PID:-} ]] || return 0
	probe_cmd quit 2>/dev/null || true
	local st=0
	wait "$PROBE_PID" || st=$?
	PROBE_PID=
	exec {PROBE_IN}>&-
	[ "$st" -eq 0 ] || { echo "dnscap_probe exited $st" >&2; cat "$PROBE_ERR" >&2; return 1; }
	if grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$PROBE_ERR"; then return 1; fi
}

# wait_json FILTER: the first line of the probe's output matching the jq FILTER, waiting for it
# (bounded: 30 s)
wait_json() {
	local i m
	for ((i = 0; i < 150; i++)); do
		m=$(jq -c "select($1)" "$PROBE_OUT" 2>/dev/null | head -n 1)
		if [[ -n $m ]]; then
			printf '%s\n' "$m"
			return 0
		fi
		sleep 0.2
	done
	echo "no line matching '$1' in $PROBE_OUT:" >&2
	cat "$PROBE_OUT" "$PROBE_ERR" >&2
	return 1
}

# a DNS message selected by kind, question name and type (and more jq conditions)
dns_sel() {
	printf '.event == "dns" and .kind == "%s" and .questions[0].name == "%s" and .questions[0].type == "%s"%s' \
		"$1" "$2" "$3" "${4:+ and $4}"
}

@test "dns: busybox nslookup in the lab image resolves the lab's C2 names (A, CNAME chain, NXDOMAIN)" {
	run docker exec dns-bridge nslookup "$LAB_C2_DNS_NAME"
	[ "$status" -eq 0 ]
	grep -A1 "^Name:.*$LAB_C2_DNS_NAME" <<<"$output" | grep -q "Address: $LAB_C2_IP"
	run docker exec dns-bridge nslookup "cdn.$LAB_C2_DNS_DOMAIN"
	[[ $output == *"cdn.$LAB_C2_DNS_DOMAIN"*"canonical name = www.$LAB_C2_DNS_DOMAIN"* ]]
	[[ $output == *"Address: $LAB_C2_IP"* ]]
	run docker exec dns-bridge nslookup "nx.$LAB_C2_DNS_DOMAIN"
	[[ $output == *NXDOMAIN* ]]
}

@test "dns: a default-bridge container's lookup is recorded in its namespace with name, answer, TTL, resolver and client" {
	probe_start --pid "$(container_pid dns-bridge)"
	docker exec dns-bridge nslookup "$LAB_C2_DNS_NAME" >/dev/null
	local r q ip ns
	r=$(wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A)")
	q=$(wait_json "$(dns_sel query "$LAB_C2_DNS_NAME" A)")
	probe_stop
	ip=$(ip_of dns-bridge)
	ns=$(netns_of dns-bridge)
	[ "$(jq -r .netns <<<"$r")" = "$ns" ]
	[ "$(jq -r .where <<<"$r")" = "container namespace" ]
	[ "$(jq -r .iface <<<"$r")" = eth0 ]
	[ "$(jq -r .proto <<<"$r")" = udp ]
	[ "$(jq -r .server <<<"$r")" = "$LAB_C2_IP:53" ]
	[[ $(jq -r .client <<<"$r") == "$ip:"* ]]
	[ "$(jq -r .client <<<"$q")" = "$(jq -r .client <<<"$r")" ]
	[ "$(jq -r .rcode <<<"$r")" = NOERROR ]
	[ "$(jq -r '.answers[0].address' <<<"$r")" = "$LAB_C2_IP" ]
	[ "$(jq -r '.answers[0].ttl' <<<"$r")" = "$LAB_C2_DNS_TTL" ]
	[ "$(jq -r '.addresses | join(",")' <<<"$r")" = "$LAB_C2_IP" ]
	[ "$(jq -r .t <<<"$r")" \> "$(date -u -d '-2 min' +%Y-%m-%dT%H:%M:%S)" ]
	[ "$(jq -r '[.embedded_resolver, .forwarded, .cut] | map(tostring) | join(",")' <<<"$r")" = "false,false,false" ]
}

@test "dns: a custom-network container's lookup is recorded as the query to 127.0.0.11 and as the forwarded one" {
	probe_start --pid "$(container_pid dns-custom)"
	local name=cdn.$LAB_C2_DNS_DOMAIN
	docker exec dns-custom nslookup "$name" >/dev/null
	local eq er fq fr ip
	eq=$(wait_json "$(dns_sel query "$name" A '.embedded_resolver')")
	er=$(wait_json "$(dns_sel response "$name" A '.embedded_resolver')")
	fq=$(wait_json "$(dns_sel query "$name" A '(.embedded_resolver | not)')")
	fr=$(wait_json "$(dns_sel response "$name" A '(.embedded_resolver | not)')")
	probe_stop
	ip=$(ip_of dns-custom)
	# the container asked 127.0.0.11:53 on its lo (the DNAT's port is kept apart)
	[ "$(jq -r .server <<<"$eq")" = "127.0.0.11:53" ]
	[ "$(jq -r .iface <<<"$eq")" = lo ]
	[[ $(jq -r .client <<<"$eq") == 127.0.0.1:* ]]
	[ "$(jq -r '.server_port_seen | type' <<<"$eq")" = number ]
	[ "$(jq -r .forwarded <<<"$eq")" = false ]
	# Docker's resolver asked the configured server from the container's namespace
	[ "$(jq -r .server <<<"$fq")" = "$LAB_C2_IP:53" ]
	[ "$(jq -r .iface <<<"$fq")" = eth0 ]
	[[ $(jq -r .client <<<"$fq") == "$ip:"* ]]
	[ "$(jq -r .forwarded <<<"$fq")" = true ]
	[ "$(jq -r .id <<<"$fq")" = "$(jq -r .id <<<"$eq")" ]
	# both answers carry the chain and the address
	for r in "$er" "$fr"; do
		[ "$(jq -r '.cname_chain | join(" ")' <<<"$r")" = "$name www.$LAB_C2_DNS_DOMAIN $LAB_C2_DNS_NAME" ]
		[ "$(jq -r '.addresses | join(",")' <<<"$r")" = "$LAB_C2_IP" ]
		[ "$(jq -r .netns <<<"$r")" = "$(netns_of dns-custom)" ]
	done
	[ "$(jq -r .forwarded <<<"$fr")" = true ]
}

@test "dns: a host-network container's lookup is recorded in the host namespace, a bridge container's is not" {
	probe_start --host --pid "$(container_pid dns-bridge)"
	local hostns www=www.$LAB_C2_DNS_DOMAIN
	hostns=$(stat -L -c %i /proc/self/ns/net)
	[ "$(wait_json '.event == "added" and .host' | jq -r .netns)" = "$hostns" ]
	# the bridge container first: its packets cross the host namespace too (veth, docker0,
	# and masqueraded on the lab's veth), before the host-network lookup's
	docker exec dns-bridge nslookup "$LAB_C2_DNS_NAME" >/dev/null
	wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A)" >/dev/null
	docker exec dns-host nslookup "$www" "$LAB_C2_IP" >/dev/null
	local r
	r=$(wait_json "$(dns_sel response "$www" A '.where == "host namespace"')")
	probe_stop
	[ "$(jq -r .netns <<<"$r")" = "$hostns" ]
	[ "$(jq -r .iface <<<"$r")" = "$LAB_C2_HOST_IF" ]
	[[ $(jq -r .client <<<"$r") == "$LAB_C2_HOST_IP:"* ]]
	[ "$(jq -r .server <<<"$r")" = "$LAB_C2_IP:53" ]
	[ "$(jq -r '.addresses | join(",")' <<<"$r")" = "$LAB_C2_IP" ]
	# the bridge container's lookup: in its own namespace only, never the host's
	run jq -c "select($(dns_sel response "$LAB_C2_DNS_NAME" A) and .where == \"host namespace\")" "$PROBE_OUT"
	[ -z "$output" ]
	run jq -c "select($(dns_sel query "$LAB_C2_DNS_NAME" A) and .netns == $(netns_of dns-bridge))" "$PROBE_OUT"
	[ -n "$output" ]
	[ "$(jq -r 'select(.event == "stats") | .host_passing > 0' "$PROBE_OUT")" = true ]
}

@test "dns: a lookup over TCP is reassembled and recorded" {
	probe_start --pid "$(container_pid dns-bridge)"
	# id 0x1234, c2.cirt-lab.test A IN, with its 2-byte length (34)
	local q='\000\042\022\064\001\000\000\001\000\000\000\000\000\000\002c2\010cirt-lab\004test\000\000\001\000\001'
	docker exec dns-bridge sh -c "printf '$q' | nc -w 3 $LAB_C2_IP 53 >/dev/null"
	local r
	r=$(wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A '.proto == "tcp"')")
	wait_json "$(dns_sel query "$LAB_C2_DNS_NAME" A '.proto == "tcp"')" >/dev/null
	probe_stop
	[ "$(jq -r .id <<<"$r")" = 4660 ]
	[ "$(jq -r '.answers[0].address' <<<"$r")" = "$LAB_C2_IP" ]
	[ "$(jq -r .error <<<"$r")" = null ]
	[ "$(jq -r 'select(.event == "stats") | .tcp_lost' "$PROBE_OUT")" = 0 ]
}

@test "dns: hostile and truncated answers (pointer loops, cut records, oversized labels, escapes) are recorded as errors, never a crash" {
	local evil_pid bridge_ip evil_ip d=$BATS_TEST_TMPDIR
	evil_pid=$(container_pid dns-evil)
	bridge_ip=$(ip_of dns-bridge)
	evil_ip=$(ip_of dns-evil)
	# answers "from port 53", sent between two containers of this test only
	/usr/bin/python3 - "$d" <<'EOF'
import struct, sys
d = sys.argv[1]
def hdr(qd, an=0, ident=0xbad0):
    return struct.pack('>HHHHHH', ident, 0x8180, qd, an, 0, 0)
q = b'\x02c2\x08cirt-lab\x04test\x00\x00\x01\x00\x01'
msgs = {
    'loop': hdr(1, ident=0xbad1) + b'\xc0\x0c\x00\x01\x00\x01',
    'cut': hdr(1, 1, 0xbad2) + q + b'\xc0\x0c\x00\x01\x00',
    'label': hdr(1, ident=0xbad3) + b'\x40' + b'A' * 64 + b'\x00\x00\x01\x00\x01',
    'escape': hdr(1, ident=0xbad5) + b'\x0b\x1b]0;pwned\x07\x1b' + b'\x04test\x00\x00\x01\x00\x01',
}
chain = hdr(80, ident=0xbad4)
prev = len(chain)
chain += b'\x00\x00\x01\x00\x01'
for i in range(79):
    here = len(chain)
    chain += struct.pack('>H', 0xc000 | prev) + b'\x00\x01\x00\x01'
    prev = here
msgs['hops'] = chain
for k, v in msgs.items():
    open(f'{d}/{k}.bin', 'wb').write(v)
open(f'{d}/tcp.bin', 'wb').write(struct.pack('>H', len(msgs['loop'])) + msgs['loop'])
EOF
	probe_start --pid "$(container_pid dns-bridge)" --pid "$evil_pid"
	local k
	for k in loop cut label hops escape; do
		nsenter -t "$evil_pid" -n socat -u "OPEN:$d/$k.bin,rdonly" "UDP-SENDTO:$bridge_ip:40000,sourceport=53"
	done
	# a TCP "server" in dns-evil that answers with a looping message
	nsenter -t "$evil_pid" -n timeout 20 socat -u "OPEN:$d/tcp.bin,rdonly" "TCP-LISTEN:53,reuseaddr" &
	local sp=$!
	local i
	for i in $(seq 1 50); do
		nsenter -t "$evil_pid" -n ss -Hltn 'sport = :53' | grep -q . && break
		sleep 0.1
	done
	docker exec dns-bridge sh -c "printf 'x' | nc -w 2 $evil_ip 53 >/dev/null" || true
	wait "$sp" || true
	# the capture still works: a real lookup after all that
	docker exec dns-bridge nslookup "$LAB_C2_DNS_NAME" >/dev/null
	wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A)" >/dev/null
	local loop cut label hops tcp esc
	loop=$(wait_json '.event == "dns" and .id == 47825 and .netns == '"$(netns_of dns-bridge)")
	cut=$(wait_json '.event == "dns" and .id == 47826')
	label=$(wait_json '.event == "dns" and .id == 47827')
	hops=$(wait_json '.event == "dns" and .id == 47828')
	esc=$(wait_json '.event == "dns" and .id == 47829')
	tcp=$(wait_json '.event == "dns" and .proto == "tcp" and .id == 47825')
	# the sender's namespace saw them too
	wait_json '.event == "dns" and .id == 47825 and .netns == '"$(netns_of dns-evil)" >/dev/null
	probe_stop
	[ "$(jq -r .error <<<"$loop")" = "compression pointer forward, looping or out of range" ]
	[ "$(jq -r .error_section <<<"$loop")" = question ]
	[ "$(jq -r .kind <<<"$loop")" = response ]
	[ "$(jq -r .server <<<"$loop")" = "$evil_ip:53" ]
	[ "$(jq -r .error <<<"$cut")" = "message cut short" ]
	[ "$(jq -r .error_section <<<"$cut")" = answer ]
	[ "$(jq -r '.questions[0].name' <<<"$cut")" = "$LAB_C2_DNS_NAME" ]
	[ "$(jq -r .error <<<"$label")" = "unknown label type" ]
	[ "$(jq -r .error <<<"$hops")" = "too many compression pointers" ]
	[ "$(jq -r '.questions | length' <<<"$hops")" = 4 ]
	[ "$(jq -r .error <<<"$tcp")" = "compression pointer forward, looping or out of range" ]
	# a name with terminal escapes: kept as bytes, escaped in JSON, never raw in the output
	[ "$(jq -r '.questions[0].name' <<<"$esc")" = $'\e]0;pwned\a\e.test' ]
	run grep -c $'\e' "$PROBE_OUT"
	[ "$output" = 0 ]
	[ "$(jq -r 'select(.event == "stats") | .parse_errors >= 6' "$PROBE_OUT")" = true ]
}

@test "dns: namespaces are added and removed while the capture runs, by pid, shared and gone" {
	probe_start
	local bns ino
	bns=$(netns_of dns-bridge)
	probe_cmd add "$(container_pid dns-bridge)"
	ino=$(wait_json '.event == "added"' | jq -r .netns)
	[ "$ino" = "$bns" ]
	docker exec dns-bridge nslookup "$LAB_C2_DNS_NAME" >/dev/null
	wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A ".netns == $bns")" >/dev/null
	# a second container in the same namespace (container:X) shares the handle
	probe_cmd add "$(container_pid dns-bridge)"
	probe_cmd remove "$bns"
	[ "$(wait_json '.event == "removed"' | jq -r .still_captured)" = true ]
	probe_cmd remove "$bns"
	[ "$(wait_json '.event == "removed" and (.still_captured | not)' | jq -r .ok)" = true ]
	probe_cmd remove "$bns"
	wait_json '.event == "removed" and (.ok | not)' >/dev/null
	# a container that goes away while captured
	docker run -d --name dns-gone --label cirt.lab=1 --dns "$LAB_C2_IP" "$LAB_IMAGE" sleep 900 >/dev/null
	local gns
	gns=$(netns_of dns-gone)
	probe_cmd add "$(container_pid dns-gone)"
	wait_json ".event == \"added\" and .netns == $gns" >/dev/null
	docker exec dns-gone nslookup "$LAB_C2_DNS_NAME" >/dev/null
	wait_json "$(dns_sel response "$LAB_C2_DNS_NAME" A ".netns == $gns")" >/dev/null
	docker rm -f dns-gone >/dev/null
	probe_cmd add "$(container_pid dns-custom)"
	wait_json ".event == \"added\" and .netns == $(netns_of dns-custom)" >/dev/null
	docker exec dns-custom nslookup "www.$LAB_C2_DNS_DOMAIN" >/dev/null
	wait_json "$(dns_sel response "www.$LAB_C2_DNS_DOMAIN" A ".netns == $(netns_of dns-custom)")" >/dev/null
	probe_cmd remove "$gns"
	wait_json ".event == \"removed\" and .netns == $gns and .ok" >/dev/null
	probe_cmd stats
	[ "$(wait_json '.event == "stats"' | jq -r .netns)" = 1 ]
	# a pid that is no process: an error, and the capture goes on
	probe_cmd add 999999999
	wait_json '.event == "error"' >/dev/null
	probe_stop
}
