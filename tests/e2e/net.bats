#!/usr/bin/env bats
# net.bats: cirt net against the real daemon, the lab and the kernel: networks, bridges and veths
# (checked against docker and ip -j), mode lines, NAT and filter rules (nf_tables on the host,
# legacy and native nftables in scratch network namespaces), published ports, a stray rule,
# capture plans whose tcpdump commands are run and read back, and the DOT/SVG picture.

load helpers

LAB_NAMES="lab-bridge lab-custom lab-host lab-none lab-shared lab-beacon lab-beacon-default lab-clean"
PUB_PORT=18431
STRAY_CHAIN=CIRT-NET-STRAY
NS_LEGACY=cirt-net-legacy
NS_NFT=cirt-net-nft

ip_of() {
	docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

stray_down() {
	iptables -w -t nat -D PREROUTING -s 10.66.0.250/32 -p tcp --dport 4444 -j "$STRAY_CHAIN" 2>/dev/null || true
	iptables -w -t nat -F "$STRAY_CHAIN" 2>/dev/null || true
	iptables -w -t nat -X "$STRAY_CHAIN" 2>/dev/null || true
}

setup_file() {
	docker rm -f net-chatter net-pub net-stopped >/dev/null 2>&1 || true
	stray_down
	ip netns del "$NS_LEGACY" 2>/dev/null || true
	ip netns del "$NS_NFT" 2>/dev/null || true
	local target
	target=$(ip_of lab-custom)
	# traffic between two containers of the custom network (lab containers only, bounded): the
	# capture filter for lab-beacon must keep it out
	docker run -d --name net-chatter --label cirt.lab=1 --network "$LAB_NET" "$LAB_IMAGE" sh -c \
		"i=0; while [ \$i -lt 400 ]; do printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $target 80 >/dev/null 2>&1; i=\$((i + 1)); sleep 1; done" >/dev/null
	# a published port on the custom network, bound to one host address
	docker run -d --name net-pub --label cirt.lab=1 --network "$LAB_NET" -p "127.0.0.1:$PUB_PORT:80" \
		"$LAB_IMAGE" httpd -f -p 80 -h /www >/dev/null
	docker create --name net-stopped --label cirt.lab=1 --network none "$LAB_IMAGE" true >/dev/null
}

teardown_file() {
	docker rm -f net-chatter net-pub net-stopped >/dev/null 2>&1 || true
	stray_down
	ip netns del "$NS_LEGACY" 2>/dev/null || true
	ip netns del "$NS_NFT" 2>/dev/null || true
}

@test "net --json: every network with driver, subnet, gateway and bridge, as docker says" {
	run_split "$CIRT" net --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	# other tests create and remove networks meanwhile: check the ones cirt saw and that still exist
	for id in $(jq -r '.networks[].id' "$BATS_TEST_TMPDIR/net.json"); do
		docker network inspect "$id" >"$BATS_TEST_TMPDIR/n.json" 2>/dev/null || continue
		name=$(jq -r '.[0].Name' "$BATS_TEST_TMPDIR/n.json")
		want=$(jq -c '.[0] | [.Driver, [.IPAM.Config[]?.Subnet]]' "$BATS_TEST_TMPDIR/n.json")
		got=$(jq -c --arg n "$name" '.networks[] | select(.name==$n) | [.driver, .subnets]' "$BATS_TEST_TMPDIR/net.json")
		[ "$got" = "$want" ] || { echo "$name: got $got want $want"; false; }
	done
	for n in bridge host none "$LAB_NET"; do
		jq -e --arg n "$n" '[.networks[].name] | index($n) != null' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	done
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	[ "$(jq -r --arg n "$LAB_NET" '.networks[] | select(.name==$n) | .bridge' "$BATS_TEST_TMPDIR/net.json")" = "br-${netid:0:12}" ]
	[ "$(jq -r '.networks[] | select(.name=="bridge") | .bridge' "$BATS_TEST_TMPDIR/net.json")" = docker0 ]
	# the default network's gateway is docker0's own address (the daemon leaves it out)
	gw=$(ip -j -4 addr show dev docker0 | jq -r '.[0].addr_info[0].local')
	[ "$(jq -r '.networks[] | select(.name=="bridge") | .gateways[0]' "$BATS_TEST_TMPDIR/net.json")" = "$gw" ]
	[ "$(jq -r --arg n "$LAB_NET" '.networks[] | select(.name==$n) | .gateways[0]' "$BATS_TEST_TMPDIR/net.json")" = \
		"$(docker network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "$LAB_NET")" ]
}

@test "net --json: each bridge's member veths are the kernel's, with the containers behind them" {
	# containers of other tests come and go: compare exactly only when the kernel did not change
	ip -j link show | jq -c '[.[] | select(.master) | [.master, .ifname]] | sort' >"$BATS_TEST_TMPDIR/before.json"
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	ip -j link show >"$BATS_TEST_TMPDIR/links.json"
	jq -c '[.[] | select(.master) | [.master, .ifname]] | sort' "$BATS_TEST_TMPDIR/links.json" >"$BATS_TEST_TMPDIR/after.json"
	got=$(jq -c '[.bridges[] | .name as $b | .members[] | [$b, .interface]] | sort' "$BATS_TEST_TMPDIR/net.json")
	if cmp -s "$BATS_TEST_TMPDIR/before.json" "$BATS_TEST_TMPDIR/after.json"; then
		[ "$got" = "$(cat "$BATS_TEST_TMPDIR/after.json")" ] || { echo "got $got, kernel $(cat "$BATS_TEST_TMPDIR/after.json")"; false; }
	else
		# every port cirt listed existed before or after
		echo "$got" | jq -e --slurpfile a "$BATS_TEST_TMPDIR/before.json" --slurpfile b "$BATS_TEST_TMPDIR/after.json" \
			'all(.[]; . as $p | ($a[0] + $b[0]) | index([$p]) != null)' >/dev/null
	fi
	# every bridged lab container sits behind the veth whose ifindex its own eth0 names (iflink)
	for n in lab-bridge lab-custom lab-beacon lab-beacon-default lab-clean net-chatter; do
		iflink=$(cat "/proc/$(container_pid "$n")/root/sys/class/net/eth0/iflink")
		veth=$(jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .ifname' "$BATS_TEST_TMPDIR/links.json")
		master=$(jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .master' "$BATS_TEST_TMPDIR/links.json")
		jq -e --arg b "$master" --arg v "$veth" --arg n "$n" \
			'.bridges[] | select(.name==$b) | .members[] | select(.interface==$v) | .containers | index($n) != null' \
			"$BATS_TEST_TMPDIR/net.json" >/dev/null || { echo "$n not behind $veth on $master"; false; }
	done
	# lab-shared has no veth of its own: it is listed behind lab-bridge's
	lb=$(jq -r '.containers[] | select(.name=="lab-bridge") | .endpoints[0].veth' "$BATS_TEST_TMPDIR/net.json")
	jq -e --arg v "$lb" '.bridges[].members[] | select(.interface==$v) | .containers == ["lab-bridge","lab-shared"]' \
		"$BATS_TEST_TMPDIR/net.json" >/dev/null
}

@test "net --json: the list-only loader wires every lab container exactly as ps's full inspect does" {
	run "$CIRT" ps --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -S '[.containers[] | {name, mode: .network.mode, eps: .endpoints}]' >"$BATS_TEST_TMPDIR/ps.json"
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -S '[.containers[] | {name, mode, eps: .endpoints}]' >"$BATS_TEST_TMPDIR/net.json"
	for n in $LAB_NAMES net-chatter net-pub; do
		a=$(jq -c --arg n "$n" '.[] | select(.name==$n)' "$BATS_TEST_TMPDIR/ps.json")
		b=$(jq -c --arg n "$n" '.[] | select(.name==$n)' "$BATS_TEST_TMPDIR/net.json")
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "$n: ps $a, net $b"; false; }
	done
}

@test "net --json: host NICs, their addresses and the default route agree with ip -j" {
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	ip -j addr show >"$BATS_TEST_TMPDIR/addrs.json"
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	for ifn in lo docker0 "br-${netid:0:12}" "$LAB_C2_HOST_IF" "$(ip -j -4 route show default | jq -r '.[0].dev')"; do
		want=$(jq -c --arg i "$ifn" '[.[] | select(.ifname==$i) | .addr_info[] | "\(.local)/\(.prefixlen)"] | sort' "$BATS_TEST_TMPDIR/addrs.json")
		got=$(jq -c --arg i "$ifn" '[.host.interfaces[] | select(.name==$i) | .addresses[]] | sort' "$BATS_TEST_TMPDIR/net.json")
		[ "$got" = "$want" ] || { echo "$ifn: got $got, kernel $want"; false; }
		[ "$got" != "[]" ] || { echo "$ifn: no address"; false; }
	done
	# container veths are not host NICs; the lab's C2 veth is
	jq -e '[.host.interfaces[].name] | index("cirt-c2h") != null' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	lb=$(jq -r '.containers[] | select(.name=="lab-bridge") | .endpoints[0].veth' "$BATS_TEST_TMPDIR/net.json")
	jq -e --arg v "$lb" '[.host.interfaces[].name] | index($v) == null' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	want=$(ip -j -4 route show default | jq -c '[.[0].gateway, .[0].dev]')
	got=$(jq -c '[.host.default_routes[] | select(.family==4)][0] | [.gateway, .dev]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "$want" ] || { echo "default route: got $got, kernel $want"; false; }
}

@test "net: one line per container explains bridge, custom, host, none and container:X" {
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	line() { echo "$output" | jq -r --arg n "$1" '.containers[] | select(.name==$n) | .explanation'; }
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	lbveth=$(echo "$output" | jq -r '.containers[] | select(.name=="lab-bridge") | .endpoints[0].veth')
	[[ "$(line lab-bridge)" == "bridge: default network: eth0 $(ip_of lab-bridge)/16 -> veth $lbveth -> docker0"* ]]
	l=$(line lab-custom)
	[[ "$l" == "custom network $LAB_NET: eth0 $(ip_of lab-custom)/"* ]]
	[[ "$l" == *"br-${netid:0:12}, its own bridge, never docker0"* ]]
	[[ "$l" == *"resolve it by name"* ]]
	[[ "$(line lab-host)" == "host: shares the host's network stack: no veth"* ]]
	[[ "$(line lab-none)" == "none: its own namespace with loopback only"* ]]
	l=$(line lab-shared)
	[[ "$l" == "container:lab-bridge: shares lab-bridge's network namespace: same addresses ($(ip_of lab-bridge)) and the same veth $lbveth on docker0" ]]
	# the table prints the same lines
	run "$CIRT" net
	[ "$status" -eq 0 ]
	[[ "$output" =~ container:lab-bridge\ +container:lab-bridge:\ shares\ lab-bridge\'s\ network\ namespace ]]
}

@test "net: nf_tables backend on this host, MASQUERADE per network, DOCKER-USER and isolation chains" {
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	[ "$(jq -r '.firewall.backend' "$BATS_TEST_TMPDIR/net.json")" = "iptables-nft (nf_tables)" ]
	jq -e '.firewall.backends[] | select(.name=="iptables-nft") | .read and .docker' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	jq -e '.firewall.backends[] | select(.name=="iptables-legacy") | .docker | not' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	sub=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$LAB_NET")
	got=$(jq -c --arg n "$LAB_NET" '.firewall.masquerade[] | select(.network==$n) | [.source, .exempt_interface]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "[\"$sub\",\"br-${netid:0:12}\"]" ] || { echo "got $got"; false; }
	got=$(jq -c '.firewall.masquerade[] | select(.network=="bridge") | [.source, .exempt_interface]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = '["172.17.0.0/16","docker0"]' ] || { echo "got $got"; false; }
	# the rule text is iptables-save's own line
	iptables-save -t nat | grep -qxF -- "$(jq -r --arg n "$LAB_NET" '.firewall.masquerade[] | select(.network==$n) | .rule' "$BATS_TEST_TMPDIR/net.json")"
	# DOCKER-USER holds the lab's guard jump; isolation names both bridges
	jq -e '[.firewall.docker_user[].rule] | index("-A DOCKER-USER -d 10.66.0.0/24 -j CIRT-LAB-GUARD") != null' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	for b in docker0 "br-${netid:0:12}"; do
		jq -e --arg b "$b" '[.firewall.isolation[].rule] | map(select(test("-o " + $b + " -j DROP"))) | length == 1' \
			"$BATS_TEST_TMPDIR/net.json" >/dev/null || { echo "no isolation drop for $b"; false; }
	done
	# the lab guard chain is reported, as not Docker's
	jq -e '[.firewall.other[].rule] | map(select(startswith("-A CIRT-LAB-GUARD"))) | length == 3' "$BATS_TEST_TMPDIR/net.json" >/dev/null
}

@test "net: published ports: DNAT host port and container address from the rules, cross-checked with the daemon" {
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	# lab-bridge: 0.0.0.0:18080 -> its address:80, rule and daemon agree
	got=$(jq -c --argjson p "$LAB_PUBLISHED_PORT" '.firewall.published[] | select(.container=="lab-bridge" and .family==4 and .host_port==$p) | [.container_ip, .container_port, .in_daemon, .status]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "[\"$(ip_of lab-bridge)\",80,true,\"ok\"]" ] || { echo "got $got"; false; }
	rule=$(jq -r --argjson p "$LAB_PUBLISHED_PORT" '.firewall.published[] | select(.container=="lab-bridge" and .family==4 and .host_port==$p) | .rule.rule' "$BATS_TEST_TMPDIR/net.json")
	iptables-save -t nat | grep -qxF -- "$rule"
	[[ "$rule" == *"--dport $LAB_PUBLISHED_PORT -j DNAT --to-destination $(ip_of lab-bridge):80" ]]
	# net-pub: bound to 127.0.0.1 only, on the custom network
	got=$(jq -c --argjson p "$PUB_PORT" '.firewall.published[] | select(.host_port==$p) | [.container, .host_ip, .container_ip, .container_port, .status]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "[\"net-pub\",\"127.0.0.1\",\"$(ip_of net-pub)\",80,\"ok\"]" ] || { echo "got $got"; false; }
	# IPv6 (::): the daemon publishes it, no ip6tables rule exists, docker-proxy serves it
	pp=$(pgrep -f -x "/usr/sbin/docker-proxy -proto tcp -host-ip :: -host-port $LAB_PUBLISHED_PORT .*" | head -1)
	[ -n "$pp" ]
	got=$(jq -c --argjson p "$LAB_PUBLISHED_PORT" '.firewall.published[] | select(.container=="lab-bridge" and .family==6 and .host_port==$p) | [.status, .proxy_pid]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "[\"proxy only\",$pp]" ] || { echo "got $got"; false; }
	# none of these rules is taken for a stray (other tests may add rules of their own meanwhile)
	[ "$(jq --arg a "$(ip_of lab-bridge)" --arg b "$(ip_of net-pub)" '[.firewall.stray[] | select(.rule | contains($a) or contains($b))] | length' "$BATS_TEST_TMPDIR/net.json")" -eq 0 ] || {
		jq '.firewall.stray' "$BATS_TEST_TMPDIR/net.json"
		false
	}
}

@test "net: a hand-added stray DNAT to an unknown address is flagged, and is gone once removed" {
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.firewall.stray[] | select(.rule | contains("10.66.0.99"))] | length')" -eq 0 ]
	# lab-only: its own chain, entered only from an address nothing uses, for a port nothing uses
	iptables -w -t nat -N "$STRAY_CHAIN"
	iptables -w -t nat -A "$STRAY_CHAIN" -p tcp --dport 4444 -j DNAT --to-destination 10.66.0.99:4444
	iptables -w -t nat -I PREROUTING -s 10.66.0.250/32 -p tcp --dport 4444 -j "$STRAY_CHAIN"
	run "$CIRT" net --json
	stray_down
	[ "$status" -eq 0 ]
	got=$(echo "$output" | jq -c '[.firewall.stray[] | select(.rule | contains("10.66.0.99"))] | map([.backend, .table, .chain, .reason])')
	[ "$got" = '[["iptables-nft","nat","CIRT-NET-STRAY","DNAT to 10.66.0.99:4444, an address no running container has"]]' ] || {
		echo "got $got"
		false
	}
	# and in the table, under STRAY RULES
	iptables -w -t nat -N "$STRAY_CHAIN"
	iptables -w -t nat -A "$STRAY_CHAIN" -p tcp --dport 4444 -j DNAT --to-destination 10.66.0.99:4444
	run "$CIRT" net
	stray_down
	[ "$status" -eq 0 ]
	[[ "$output" == *"STRAY RULES"*"-A CIRT-NET-STRAY -p tcp -m tcp --dport 4444 -j DNAT --to-destination 10.66.0.99:4444"*"not reached from any hook: inert for now"* ]]
	run "$CIRT" net --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.firewall.stray[] | select(.rule | contains("10.66.0.99"))] | length')" -eq 0 ]
}

@test "capture plan of the custom-network container: its br- bridge, never docker0, the second situation" {
	run_split "$CIRT" net --capture-plan lab-beacon --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	br="br-${netid:0:12}"
	ip=$(ip_of lab-beacon)
	echo "$output" | jq -e '[.captures[].interface] | index("docker0") == null' >/dev/null
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .interface')" = "$br" ]
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .filter')" = "host $ip" ]
	iflink=$(cat "/proc/$(container_pid lab-beacon)/root/sys/class/net/eth0/iflink")
	veth=$(ip -j link show | jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .ifname')
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="veth") | .interface')" = "$veth" ]
	[ "$(echo "$output" | jq -r '.command')" = "tcpdump -i $br -nn -U -w lab-beacon-$br.pcap 'host $ip'" ]
	[[ "$(echo "$output" | jq -r '.situation')" == *"never cross docker0"*"second situation"* ]]
	# the outside (default route) sees the host's address after MASQUERADE
	dev=$(ip -j -4 route show default | jq -r '.[0].dev')
	[ "$(echo "$output" | jq -r '.outside.egress_interface')" = "$dev" ]
	[ "$(echo "$output" | jq -r '.outside.nat')" = true ]
	[ "$(echo "$output" | jq -r '.outside.source_address')" = "$(ip -j -4 addr show dev "$dev" | jq -r '.[0].addr_info[0].local')" ]
}

@test "capture plan: the printed tcpdump command captures lab-beacon's packets and no other container's" {
	run "$CIRT" net --capture-plan lab-beacon --json
	[ "$status" -eq 0 ]
	cmd=$(echo "$output" | jq -r '.command')
	vcmd=$(echo "$output" | jq -r '.captures[] | select(.stage=="veth") | .command')
	br=$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .interface')
	ip=$(ip_of lab-beacon)
	chatter=$(ip_of net-chatter)
	d=$BATS_TEST_TMPDIR/cap
	mkdir -p "$d"
	# the printed commands as printed, plus an unfiltered control on the same bridge, for 7 s
	(cd "$d" && timeout -s INT 7 sh -c "exec $cmd" 2>/dev/null) &
	(cd "$d" && timeout -s INT 7 sh -c "exec $vcmd" 2>/dev/null) &
	(cd "$d" && timeout -s INT 7 tcpdump -i "$br" -nn -U -w control.pcap 2>/dev/null) &
	wait
	pcap=$d/lab-beacon-$br.pcap
	[ -s "$pcap" ]
	tcpdump -r "$pcap" -nn 2>/dev/null >"$d/filtered.txt"
	cat "$d/filtered.txt" | head -5
	# the beacon's calls to the C2 host are there
	grep -q "IP $ip\.[0-9]* > $LAB_C2_IP\.$LAB_C2_PORT: Flags \[S\]" "$d/filtered.txt"
	# every packet is lab-beacon's
	n=$(grep -c . "$d/filtered.txt")
	m=$(grep -cE "(^| )$ip[. ,:]" "$d/filtered.txt")
	[ "$n" -eq "$m" ] || { grep -vE "(^| )$ip[. ,:]" "$d/filtered.txt" | head; false; }
	# the control shows what the filter kept out: net-chatter talking to lab-custom
	tcpdump -r "$d/control.pcap" -nn 2>/dev/null | grep -q "IP $chatter\."
	# (ARP broadcasts of net-chatter reach every bridge port; its IP packets must not)
	if grep -qF "IP $chatter." "$d/filtered.txt"; then false; fi
	# on its veth, no filter is needed: only lab-beacon's namespace is there
	vp=$(ls "$d"/lab-beacon-veth*.pcap)
	tcpdump -r "$vp" -nn 2>/dev/null >"$d/veth.txt"
	grep -q "IP $ip\.[0-9]* > $LAB_C2_IP\.$LAB_C2_PORT:" "$d/veth.txt"
	if grep -qF "IP $chatter." "$d/veth.txt"; then false; fi
}

@test "capture plan --dst: the route to the C2 host leaves by cirt-c2h, and conntrack's reply tuple shows the same NAT source" {
	run "$CIRT" net --capture-plan lab-beacon --dst "$LAB_C2_IP" --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.outside.egress_interface')" = "$LAB_C2_HOST_IF" ]
	[ "$(echo "$output" | jq -r '.outside.source_address')" = "$LAB_C2_HOST_IP" ]
	[ "$(echo "$output" | jq -r '.outside.nat')" = true ]
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="egress") | .filter')" = "host $LAB_C2_HOST_IP and host $LAB_C2_IP" ]
	ip=$(ip_of lab-beacon)
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .filter')" = "host $ip and host $LAB_C2_IP" ]
	# the kernel's NAT agrees: the beacon's flows are answered to the address cirt named
	conntrack -L -p tcp -s "$ip" -d "$LAB_C2_IP" 2>/dev/null | grep -q "src=$LAB_C2_IP dst=$LAB_C2_HOST_IP "
}

@test "capture plan: default bridge (docker0, first situation), container:X, host and none" {
	run "$CIRT" net --capture-plan lab-beacon-default --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .interface')" = docker0 ]
	[[ "$(echo "$output" | jq -r '.situation')" == *"first situation"* ]]
	run "$CIRT" net --capture-plan lab-shared --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.shared_with')" = lab-bridge ]
	iflink=$(cat "/proc/$(container_pid lab-bridge)/root/sys/class/net/eth0/iflink")
	veth=$(ip -j link show | jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .ifname')
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="veth") | .interface')" = "$veth" ]
	[ "$(echo "$output" | jq -r '.captures[] | select(.stage=="bridge") | .filter')" = "host $(ip_of lab-bridge)" ]
	run "$CIRT" net --capture-plan lab-host --json
	[ "$status" -eq 0 ]
	dev=$(ip -j -4 route show default | jq -r '.[0].dev')
	[ "$(echo "$output" | jq -r '[.captures[].stage] | join(",")')" = host ]
	[ "$(echo "$output" | jq -r '.captures[0].interface')" = "$dev" ]
	[ "$(echo "$output" | jq -r '.outside.nat')" = false ]
	run "$CIRT" net --capture-plan lab-none --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.command')" = "nsenter -t $(container_pid lab-none) -n tcpdump -i lo -nn -U -w lab-none-lo.pcap" ]
	[ "$(echo "$output" | jq -r '.outside.source_address')" = null ]
}

@test "legacy backend: Docker's rules replayed into iptables-legacy in a scratch namespace are read and labelled legacy" {
	ip netns add "$NS_LEGACY"
	# the host's real rules (written by this daemon), loaded through the legacy x_tables interface
	iptables-save | grep -v '^#' >"$BATS_TEST_TMPDIR/rules.v4"
	ip netns exec "$NS_LEGACY" iptables-legacy-restore <"$BATS_TEST_TMPDIR/rules.v4"
	ip netns exec "$NS_LEGACY" iptables-legacy-save | grep -q -- '-j DNAT --to-destination'
	run_split ip netns exec "$NS_LEGACY" "$CIRT" net --json
	ip netns del "$NS_LEGACY"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	[ "$(jq -r '.firewall.backend' "$BATS_TEST_TMPDIR/net.json")" = iptables-legacy ]
	jq -e '.firewall.backends[] | select(.name=="iptables-legacy") | .read and .docker' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	jq -e '.firewall.backends[] | select(.name=="iptables-nft") | .docker | not' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	# (other tests' networks may be there too)
	jq -e --arg n "$LAB_NET" '[.firewall.masquerade[] | select(.backend=="iptables-legacy") | .network] | index("bridge") != null and index($n) != null' \
		"$BATS_TEST_TMPDIR/net.json" >/dev/null
	jq -e '[.firewall.masquerade[] | select(.backend != "iptables-legacy")] | length == 0' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	got=$(jq -c --argjson p "$LAB_PUBLISHED_PORT" '.firewall.published[] | select(.container=="lab-bridge" and .family==4 and .host_port==$p) | [.rule.backend, .status]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = '["iptables-legacy","ok"]' ] || { echo "got $got"; false; }
}

@test "nftables backend: an Engine-29 docker-bridges table in a scratch namespace is read with nft -j" {
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	br="br-${netid:0:12}"
	sub=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$LAB_NET")
	lb=$(ip_of lab-bridge)
	np=$(ip_of net-pub)
	# the layout Engine 29's nftables firewall backend writes (moby's nftablesdoc), with this
	# host's bridges, subnets and published ports
	cat >"$BATS_TEST_TMPDIR/docker.nft" <<EOF
table ip docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "docker0" : jump filter-forward-in__docker0, "$br" : jump filter-forward-in__$br }
	}
	map nat-postrouting-out-jumps {
		type ifname : verdict
		elements = { "docker0" : jump nat-postrouting-out__docker0, "$br" : jump nat-postrouting-out__$br }
	}
	chain filter-forward-in__docker0 {
		ct state established,related counter accept
		iifname "docker0" counter accept comment "ICC"
		ip daddr $lb tcp dport 80 counter accept
		counter drop comment "UNPUBLISHED PORT DROP"
	}
	chain filter-forward-in__$br {
		ct state established,related counter accept
		iifname "$br" counter accept comment "ICC"
		ip daddr $np tcp dport 80 counter accept
		counter drop comment "UNPUBLISHED PORT DROP"
	}
	chain nat-postrouting-out__docker0 {
		oifname != "docker0" ip saddr 172.17.0.0/16 counter masquerade comment "MASQUERADE"
	}
	chain nat-postrouting-out__$br {
		oifname != "$br" ip saddr $sub counter masquerade comment "MASQUERADE"
	}
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		oifname vmap @filter-forward-in-jumps
	}
	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		iifname vmap @nat-postrouting-out-jumps
	}
	chain nat-prerouting-and-output {
		iifname != "docker0" tcp dport $LAB_PUBLISHED_PORT counter dnat to $lb:80 comment "DNAT"
		ip daddr 127.0.0.1 iifname != "$br" tcp dport $PUB_PORT counter dnat to $np:80 comment "DNAT"
	}
	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}
}
table inet cirt-net-intruder {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 4445 dnat ip to 10.66.0.98:4445
	}
}
EOF
	ip netns add "$NS_NFT"
	ip netns exec "$NS_NFT" nft -f "$BATS_TEST_TMPDIR/docker.nft"
	run_split ip netns exec "$NS_NFT" "$CIRT" net --json
	ip netns del "$NS_NFT"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	echo "$output" >"$BATS_TEST_TMPDIR/net.json"
	[ "$(jq -r '.firewall.backend' "$BATS_TEST_TMPDIR/net.json")" = "nftables (docker-bridges table)" ]
	got=$(jq -c --arg n "$LAB_NET" '.firewall.masquerade[] | select(.network==$n) | [.backend, .source, .exempt_interface]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = "[\"nftables\",\"$sub\",\"$br\"]" ] || { echo "got $got"; false; }
	got=$(jq -c --argjson p "$LAB_PUBLISHED_PORT" '.firewall.published[] | select(.container=="lab-bridge" and .family==4 and .host_port==$p) | [.rule.backend, .rule.chain, .status]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = '["nftables","nat-prerouting-and-output","ok"]' ] || { echo "got $got"; false; }
	got=$(jq -c --argjson p "$PUB_PORT" '.firewall.published[] | select(.host_port==$p) | [.container, .host_ip, .status]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = '["net-pub","127.0.0.1","ok"]' ] || { echo "got $got"; false; }
	# per-bridge forward filters are the isolation of the nftables layout
	jq -e --arg b "filter-forward-in__$br" '[.firewall.isolation[].chain] | index($b) != null' "$BATS_TEST_TMPDIR/net.json" >/dev/null
	# a NAT table of its own, invisible to iptables-save, with a DNAT to an unknown address
	got=$(jq -c '[.firewall.stray[] | [.backend, .table, .chain, .reason]]' "$BATS_TEST_TMPDIR/net.json")
	[ "$got" = '[["nftables","cirt-net-intruder","pre","DNAT to 10.66.0.98:4445, an address no running container has"]]' ] || {
		echo "got $got"
		false
	}
}

@test "net --format dot/svg: a Graphviz picture holding every lab container's name" {
	run_split "$CIRT" net --format svg
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	[[ "$output" == "<?xml"* ]]
	[[ "$output" == *"</svg>" ]]
	# graphviz writes '-' as &#45; in text
	echo "$output" | sed 's/&#45;/-/g' >"$BATS_TEST_TMPDIR/net.svg"
	for n in $LAB_NAMES net-chatter net-pub; do
		grep -q ">$n</text>" "$BATS_TEST_TMPDIR/net.svg" || { echo "$n missing from the SVG"; false; }
	done
	grep -q ">MASQUERADE 172.17.0.0/16</text>" "$BATS_TEST_TMPDIR/net.svg"
	run "$CIRT" net --format dot
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/net.dot"
	# the DOT is valid for Graphviz's own tool, and shows the published port and the shared namespace
	dot -Tsvg "$BATS_TEST_TMPDIR/net.dot" >/dev/null
	grep -q "label=\"DNAT 0.0.0.0:$LAB_PUBLISHED_PORT -> 80/tcp\"" "$BATS_TEST_TMPDIR/net.dot"
	grep -q 'label="shares netns"' "$BATS_TEST_TMPDIR/net.dot"
	# --name draws (and lists) only the matching containers
	run "$CIRT" net --name 'lab-*' --format svg
	[ "$status" -eq 0 ]
	echo "$output" | sed 's/&#45;/-/g' >"$BATS_TEST_TMPDIR/lab.svg"
	grep -q ">lab-beacon</text>" "$BATS_TEST_TMPDIR/lab.svg"
	if grep -q ">net-chatter</text>" "$BATS_TEST_TMPDIR/lab.svg"; then false; fi
	run "$CIRT" net --name 'net-*' --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.containers[].name] | sort')" = '["net-chatter","net-pub"]' ]
}

@test "net: bad input gives a clear error and the documented exit code" {
	run_split "$CIRT" net --capture-plan no-such-container-net
	[ "$status" -eq 8 ]
	[[ "$stderr" == *"'no-such-container-net'"* ]]
	run_split "$CIRT" net --capture-plan net-stopped
	[ "$status" -eq 9 ]
	[ "$stderr" = "cirt: net: --capture-plan: container 'net-stopped' is not running: no packets to capture" ]
	run_split "$CIRT" net --format png
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: net: --format: 'png' is not one of table, json, dot, svg" ]
	run_split "$CIRT" net --dst 10.66.0.2
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: net: --dst needs --capture-plan" ]
	run_split "$CIRT" net --capture-plan lab-beacon --dst 10.66.0.300
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: net: --dst: '10.66.0.300' is not an IPv4 or IPv6 address" ]
	run_split "$CIRT" net --capture-plan lab-beacon --format svg
	[ "$status" -eq 2 ]
	run_split "$CIRT" net extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: net: unexpected argument 'extra'" ]
}

@test "net --no-firewall: no rules read, the map is still complete" {
	run "$CIRT" net --no-firewall --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.firewall')" = null ]
	for n in $LAB_NAMES; do
		echo "$output" | jq -e --arg n "$n" '.containers[] | select(.name==$n) | .explanation | length > 0' >/dev/null
	done
}
