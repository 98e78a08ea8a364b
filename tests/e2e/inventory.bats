#!/usr/bin/env bats
# inventory.bats: cirt ps/inspect/top/stats/diff/logs against the real daemon and the lab,
# every field checked against docker inspect and the kernel (ip -j link, /proc).

load helpers
bats_require_minimum_version 1.5.0

LAB_NAMES="lab-bridge lab-custom lab-host lab-none lab-shared lab-beacon lab-beacon-default lab-clean"

setup_file() {
	# a container writing to stdout and stderr, one with a TTY, one with a changed filesystem
	docker rm -f inv-logs inv-tty inv-diff >/dev/null 2>&1 || true
	docker run -d --name inv-logs --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; sleep 600' >/dev/null
	docker run -d -t --name inv-tty --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo ttyline; sleep 600' >/dev/null
	docker run -d --name inv-diff --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo x > /tmp/added.txt; echo y >> /etc/passwd; rm /www/index.html; sleep 600' >/dev/null
	sleep 1
}

teardown_file() {
	docker rm -f inv-logs inv-tty inv-diff >/dev/null 2>&1 || true
}

@test "ps --json lists every lab container with the daemon's IPs, MACs and gateways" {
	run --separate-stderr "$CIRT" ps --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/ps.json"
	for n in $LAB_NAMES; do
		got=$(jq -c --arg n "$n" '.containers[] | select(.name==$n) | [.endpoints[] | [.network, .ipv4, .mac, .gateway]] | sort' "$BATS_TEST_TMPDIR/ps.json")
		[ -n "$got" ] || { echo "missing $n"; false; }
		# container:X has no endpoints of its own in docker: compare with the owner's
		src=$n
		[ "$n" = lab-shared ] && src=lab-bridge
		want=$(docker inspect "$src" | jq -c '[.[0].NetworkSettings.Networks | to_entries[] | select(.value.IPAddress != "") | [.key, .value.IPAddress, .value.MacAddress, .value.Gateway]] | sort')
		[ "$n" = lab-host ] || [ "$n" = lab-none ] || [ "$got" = "$want" ] || { echo "$n: got $got want $want"; false; }
		id=$(jq -r --arg n "$n" '.containers[] | select(.name==$n) | .id' "$BATS_TEST_TMPDIR/ps.json")
		[ "$id" = "$(docker inspect -f '{{.Id}}' "$n")" ]
		pid=$(jq -r --arg n "$n" '.containers[] | select(.name==$n) | .pid' "$BATS_TEST_TMPDIR/ps.json")
		[ "$pid" = "$(container_pid "$n")" ]
	done
}

@test "ps --json: host-side veth and bridge agree with ip -j link and the container's iflink" {
	run --separate-stderr "$CIRT" ps --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/ps.json"
	ip -j link show >"$BATS_TEST_TMPDIR/links.json"
	for n in lab-bridge lab-custom lab-beacon lab-beacon-default lab-clean; do
		veth=$(jq -r --arg n "$n" '.containers[] | select(.name==$n) | .endpoints[0].veth' "$BATS_TEST_TMPDIR/ps.json")
		bridge=$(jq -r --arg n "$n" '.containers[] | select(.name==$n) | .endpoints[0].bridge' "$BATS_TEST_TMPDIR/ps.json")
		vidx=$(jq -r --arg n "$n" '.containers[] | select(.name==$n) | .endpoints[0].veth_ifindex' "$BATS_TEST_TMPDIR/ps.json")
		# the container's own sysfs tells the host ifindex of its peer (DESIGN: verified facts)
		pid=$(container_pid "$n")
		iflink=$(cat "/proc/$pid/root/sys/class/net/eth0/iflink")
		[ "$vidx" = "$iflink" ] || { echo "$n: veth_ifindex $vidx, iflink $iflink"; false; }
		kname=$(jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .ifname' "$BATS_TEST_TMPDIR/links.json")
		kmaster=$(jq -r --argjson i "$iflink" '.[] | select(.ifindex==$i) | .master' "$BATS_TEST_TMPDIR/links.json")
		[ "$veth" = "$kname" ] || { echo "$n: veth $veth, kernel $kname"; false; }
		[ "$bridge" = "$kmaster" ] || { echo "$n: bridge $bridge, kernel $kmaster"; false; }
	done
	# the default network hangs on docker0, the custom one on its own br- bridge
	[ "$(jq -r '.containers[] | select(.name=="lab-bridge") | .endpoints[0].bridge' "$BATS_TEST_TMPDIR/ps.json")" = docker0 ]
	netid=$(docker network inspect -f '{{.Id}}' "$LAB_NET")
	[ "$(jq -r '.containers[] | select(.name=="lab-custom") | .endpoints[0].bridge' "$BATS_TEST_TMPDIR/ps.json")" = "br-${netid:0:12}" ]
}

@test "ps: network modes for bridge, custom, host, none and container:X" {
	run --separate-stderr "$CIRT" ps --json
	[ "$status" -eq 0 ]
	mode() { echo "$output" | jq -r --arg n "$1" '.containers[] | select(.name==$n) | .network.mode'; }
	[ "$(mode lab-bridge)" = bridge ]
	[ "$(mode lab-custom)" = custom ]
	[ "$(mode lab-host)" = host ]
	[ "$(mode lab-none)" = none ]
	[ "$(mode lab-shared)" = container ]
	[ "$(echo "$output" | jq -r '.containers[] | select(.name=="lab-shared") | .network.shared_with')" = lab-bridge ]
	# a shared namespace is the owner's: same netns inode as the kernel shows for both
	a=$(echo "$output" | jq -r '.containers[] | select(.name=="lab-shared") | .network.netns_inode')
	b=$(stat -L -c %i "/proc/$(container_pid lab-bridge)/ns/net")
	[ "$a" = "$b" ]
	# host mode: no veth; none: no address
	[ "$(echo "$output" | jq -r '.containers[] | select(.name=="lab-host") | [.endpoints[].veth | select(.)] | length')" = 0 ]
	[ "$(echo "$output" | jq -r '.containers[] | select(.name=="lab-none") | [.endpoints[].ipv4 | select(.)] | length')" = 0 ]
	# the table says it in words too
	run "$CIRT" ps --name 'lab-*'
	[ "$status" -eq 0 ]
	echo "$output" | grep -E '^lab-shared .* container:lab-bridge '
	echo "$output" | grep -E "^lab-custom .* custom:$LAB_NET "
	echo "$output" | grep -E '^lab-host .* host '
}

@test "ps: published ports, mounts and cgroup" {
	run --separate-stderr "$CIRT" ps --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --argjson p "$LAB_PUBLISHED_PORT" '.containers[] | select(.name=="lab-bridge") | .ports[] | select(.host_port==$p and .container_port==80 and .proto=="tcp")'
	cg=$(echo "$output" | jq -r '.containers[] | select(.name=="lab-clean") | .cgroup')
	id=$(docker inspect -f '{{.Id}}' lab-clean)
	[[ "$cg" == *"$id"* ]]
}

@test "ps --ip is an exact match: .2 never matches .20-.29" {
	ip=$(docker inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' lab-bridge)
	run --separate-stderr "$CIRT" ps --ip "$ip" --json
	[ "$status" -eq 0 ]
	names=$(echo "$output" | jq -r '[.containers[].name] | sort | join(",")')
	[ "$names" = "lab-bridge,lab-shared" ]
	# an address that is a prefix of another container's address finds nothing
	run --separate-stderr "$CIRT" ps --ip "${ip%.*}.$(( ${ip##*.} ))0" --json
	[ "$status" -eq 0 ]
	for n in $(echo "$output" | jq -r '.containers[].name'); do
		docker inspect "$n" | jq -e --arg ip "${ip%.*}.$(( ${ip##*.} ))0" '[.[0].NetworkSettings.Networks[].IPAddress] | index($ip)'
	done
	# IPv4-mapped IPv6 is the same address
	run --separate-stderr "$CIRT" ps --ip "::ffff:$ip" --json
	[ "$(echo "$output" | jq -r '[.containers[].name] | sort | join(",")')" = "lab-bridge,lab-shared" ]
}

@test "ps --ip: an invalid address is a usage error" {
	run "$CIRT" ps --ip 172.19.0
	[ "$status" -eq 2 ]
	[[ "$output" == *"not an IPv4 or IPv6 address"* ]]
	run "$CIRT" ps --bogus
	[ "$status" -eq 2 ]
}

@test "ps --network and -a" {
	run --separate-stderr "$CIRT" ps --network "$LAB_NET" --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.containers[].name] | sort | join(",")' | tr ',' '\n' | grep -c '^lab-')" -ge 2 ]
	echo "$output" | jq -e '.containers[] | select(.name=="lab-custom")'
	echo "$output" | jq -e '[.containers[] | select(.name=="lab-bridge")] | length == 0'
	docker create --name inv-stopped --label cirt.lab=1 "$LAB_IMAGE" true >/dev/null
	run --separate-stderr "$CIRT" ps --json
	docker rm -f inv-stopped >/dev/null
	echo "$output" | jq -e '[.containers[] | select(.name=="inv-stopped")] | length == 0'
	docker create --name inv-stopped --label cirt.lab=1 "$LAB_IMAGE" true >/dev/null
	run --separate-stderr "$CIRT" ps -a --json
	docker rm -f inv-stopped >/dev/null
	echo "$output" | jq -e '.containers[] | select(.name=="inv-stopped" and .state=="created")'
}

@test "inspect: the daemon's inspect plus derived facts; name, id and prefix" {
	id=$(docker inspect -f '{{.Id}}' lab-custom)
	for ref in lab-custom "$id" "${id:0:12}"; do
		run --separate-stderr "$CIRT" inspect "$ref"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | jq -r '.[0].Id')" = "$id" ]
	done
	echo "$output" | jq -e '.[0].Config.Image == "cirt-lab/busybox:1"'
	upper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' lab-custom)
	[ "$(echo "$output" | jq -r '.[0].Cirt.upper_dir')" = "$upper" ]
	[ "$(echo "$output" | jq -r '.[0].Cirt.network.netns_inode')" = "$(stat -L -c %i "/proc/$(container_pid lab-custom)/ns/net")" ]
	echo "$output" | jq -e '.[0].Cirt.endpoints[0].veth | startswith("veth")'
}

@test "inspect: unknown name and ambiguous prefix are clear errors (exit 8)" {
	run "$CIRT" inspect no-such-container-xyz
	[ "$status" -eq 8 ]
	[[ "$output" == *"no such container: 'no-such-container-xyz'"* ]]
	# find a one-character prefix shared by two containers
	p=$(docker ps -aq --no-trunc | cut -c1 | sort | uniq -d | head -1)
	[ -n "$p" ] || skip "no two containers share a first id character"
	run "$CIRT" inspect "$p"
	[ "$status" -eq 8 ]
	[[ "$output" == *ambiguous* ]]
}

@test "top shows the container's processes with host PIDs" {
	run "$CIRT" top lab-beacon
	[ "$status" -eq 0 ]
	[[ "$output" == *"nc -w 2 $LAB_C2_IP"* ]]
	run --separate-stderr "$CIRT" top --json lab-custom
	[ "$status" -eq 0 ]
	pid=$(container_pid lab-custom)
	echo "$output" | jq -e --arg p "$pid" '.processes[] | select(.PID == $p) | .CMD | contains("httpd")'
}

@test "stats: one snapshot of every running container, or the named ones" {
	run --separate-stderr "$CIRT" stats --json
	[ "$status" -eq 0 ]
	for n in lab-bridge lab-beacon lab-clean; do
		echo "$output" | jq -e --arg n "$n" '.stats[] | select(.name==$n) | .pids >= 1 and .mem_bytes > 0'
	done
	run --separate-stderr "$CIRT" stats --json lab-beacon
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.stats | length')" = 1 ]
	# the beacon has sent packets
	echo "$output" | jq -e '.stats[0].net_tx_bytes > 0'
}

@test "diff lists A/C/D like docker diff, with a filter" {
	run --separate-stderr "$CIRT" diff inv-diff --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.changes[] | select(.kind=="A" and .path=="/tmp/added.txt")'
	echo "$output" | jq -e '.changes[] | select(.kind=="C" and .path=="/etc/passwd")'
	echo "$output" | jq -e '.changes[] | select(.kind=="D" and .path=="/www/index.html")'
	want=$(docker diff inv-diff | sort)
	got=$(echo "$output" | jq -r '.changes[] | "\(.kind) \(.path)"' | sort)
	[ "$got" = "$want" ]
	run "$CIRT" diff --kind A inv-diff
	[ "$status" -eq 0 ]
	[[ "$output" == *"/tmp/added.txt"* ]]
	[[ "$output" != *"/etc/passwd"* ]]
	run "$CIRT" diff --kind X inv-diff
	[ "$status" -eq 2 ]
}

@test "logs keeps stdout and stderr apart, with timestamps" {
	run_split "$CIRT" logs inv-logs
	[ "$status" -eq 0 ]
	[[ "$output" == *out1* && "$output" == *out2* ]]
	[[ "$output" != *err1* ]]
	[[ "$stderr" == *err1* && "$stderr" == *err2* ]]
	[[ "$stderr" != *out1* ]]
	# RFC 3339 timestamps from the daemon
	echo "$output" | head -1 | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z out1$'
	run --separate-stderr "$CIRT" logs --json inv-logs
	[ "$status" -eq 0 ]
	echo "$output" | jq -s -e 'map(select(.stream=="stderr") | .line) == ["err1","err2"]'
	echo "$output" | jq -s -e 'map(select(.stream=="stdout") | .line) == ["out1","out2"]'
	echo "$output" | jq -s -e 'all(.time | test("^[0-9]{4}-"))'
	run_split "$CIRT" logs --no-timestamps --stream stderr inv-logs
	[ "$stderr" = "$(printf 'err1\nerr2')" ]
	[ -z "$output" ]
	# --tail counts lines of both streams together, as the daemon does
	run --separate-stderr "$CIRT" logs --json --tail 1 inv-logs
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	# a TTY container has no multiplexing headers
	run_split "$CIRT" logs --no-timestamps inv-tty
	[ "$status" -eq 0 ]
	[[ "$output" == *ttyline* ]]
}

@test "every command has --help, and docs/reference.md is generated from the same tables" {
	for c in ps inspect top stats diff logs; do
		run "$CIRT" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == "usage: cirt $c"* ]]
	done
	run "$CIRT" help --markdown
	[ "$status" -eq 0 ]
	diff <(echo "$output") "$TOP/docs/reference.md"
	# each command once, in the help and in the reference
	[ -z "$(echo "$output" | grep '^## cirt ' | sort | uniq -d)" ]
	run "$CIRT" --help
	cmds=$(echo "$output" | sed -n '/^commands:/,/^$/p' | awk 'NF {print $1}' | grep -v '^commands:')
	[ "$(echo "$cmds" | wc -l)" -ge 18 ]
	[ -z "$(echo "$cmds" | sort | uniq -d)" ]
}

@test "the exit codes: one table gives the help, the reference and the README's copy" {
	run "$CIRT" help --markdown
	[ "$status" -eq 0 ]
	gen=$(echo "$output" | sed -n '/^## Exit status/,$p' | grep '^| [0-9]')
	[ "$(echo "$gen" | wc -l)" -eq 10 ]
	readme=$(sed -n '/^## Exit codes/,/^## /p' "$TOP/README.md" | grep '^| [0-9]')
	diff <(echo "$gen") <(echo "$readme")
	run "$CIRT" --help
	[[ "$output" == *"  8  no such container, or an ambiguous id prefix"* ]]
}

@test "global options work after the command too" {
	# --no-daemon after the command: the same containers as before it (the lab's: others may
	# come and go between the two runs)
	local lab='[.containers[] | select(.name | startswith("lab-") and (startswith("lab-many-") | not)) | .id] | sort'
	run --separate-stderr "$CIRT" --no-daemon ps --json
	[ "$status" -eq 0 ]
	before=$(echo "$output" | jq -c "$lab")
	[ "$before" != "[]" ]
	run --separate-stderr "$CIRT" ps --json --no-daemon
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"running without the daemon"* ]]
	[ "$(echo "$output" | jq -c "$lab")" = "$before" ]
	# --host after the operand: the same unreachable daemon, the same exit status
	run --separate-stderr "$CIRT" --host unix:///nonexistent.sock locate 10.66.0.2
	[ "$status" -eq 3 ]
	first=$stderr
	run --separate-stderr "$CIRT" locate 10.66.0.2 --host unix:///nonexistent.sock
	[ "$status" -eq 3 ]
	[ "$stderr" = "$first" ]
	# -t after the command is checked as before it
	run --separate-stderr "$CIRT" ps -t nope
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: --timeout: 'nope' is not a number of seconds" ]
	# a command that needs the daemon refuses --no-daemon in either place
	run --separate-stderr "$CIRT" stats --no-daemon
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'stats' needs the Docker daemon"* ]]
	# no command's own option takes a global option's name or letter
	for c in $("$CIRT" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/commands:/ {print $1}'); do
		own=$("$CIRT" "$c" --help | sed -n '/^options:/,/^  global options/p' | grep -v -e '--json' -e '--help')
		! echo "$own" | grep -E -e '(^| )-[Ht],' -e '--(host|timeout|no-color|no-daemon)( |$)'
	done
}
