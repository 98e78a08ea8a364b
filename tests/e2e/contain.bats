#!/usr/bin/env bats
# contain.bats: cirt contain / release on containers of this file's own (ct-*), never on the
# shared lab containers. Beacons go only to the lab's C2 host (10.66.0.2), bounded in count.
# What is checked is what a responder would check: the C2 host's conntrack flows and httpd log,
# same-bridge reachability, the cgroup freezer, the daemon's view, and the whole ruleset
# (iptables-save and nft list ruleset) before and after.

load helpers
bats_require_minimum_version 1.5.0

CT_ALL="ct-beacon ct-other ct-peer ct-pause ct-disc ct-disc2 ct-restart ct-stop ct-hostnet ct-shared"
CT_NET2=ct-subnet-net

# a bounded beacon: one short HTTP request to the C2 host every second, 900 at most; plus an
# httpd on 8080 so that other containers can try to reach it
beacon_cmd() {
	printf '%s' 'httpd -p 8080 -h /www; i=0; while [ $i -lt 900 ]; do printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.66.0.2 80 >/dev/null 2>&1; i=$((i+1)); sleep 1; done'
}

ct_run() { # NAME DOCKER-RUN-ARGS...
	local n=$1
	shift
	docker run -d --name "$n" --label cirt.lab=1 "$@" >/dev/null
}

ct_ip() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
ct_id() { docker inspect -f '{{.Id}}' "$1"; }

# a free /24 for a network with a user-configured subnet (routes and docker networks checked)
free_subnet() {
	local x used
	used=$(
		ip -4 route show table all
		docker network inspect $(docker network ls -q) -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}'
	)
	for x in $(seq 71 120); do
		grep -q "10\.213\.$x\." <<<"$used" || {
			echo "10.213.$x.0/24"
			return 0
		}
	done
	return 1
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	# network safety: the C2 address must leave through the lab's own veth
	ip -4 route get "$LAB_C2_IP" | grep -q "dev $LAB_C2_HOST_IF" || {
		echo "route to $LAB_C2_IP does not leave via $LAB_C2_HOST_IF" >&2
		return 1
	}
	export CIRT_STATE_DIR=$BATS_FILE_TMPDIR/state
	# the daemon is shared with other suites (one of them restarts it): wait for it, bounded
	local i
	for i in $(seq 1 120); do
		docker version >/dev/null 2>&1 && break
		sleep 1
	done
	local n
	for n in $CT_ALL; do docker rm -f "$n" >/dev/null 2>&1 || true; done
	docker network rm "$CT_NET2" >/dev/null 2>&1 || true
	ct_run ct-peer --network "$LAB_NET" "$LAB_IMAGE" httpd -f -p 80 -h /www
	ct_run ct-beacon --network "$LAB_NET" "$LAB_IMAGE" sh -c "$(beacon_cmd)"
	ct_run ct-other --network "$LAB_NET" "$LAB_IMAGE" sh -c "$(beacon_cmd)"
	ct_run ct-pause --network "$LAB_NET" "$LAB_IMAGE" sh -c "$(beacon_cmd)"
	ct_run ct-restart --network "$LAB_NET" "$LAB_IMAGE" sh -c "$(beacon_cmd)"
	ct_run ct-disc --network "$LAB_NET" --network-alias ct-disc-alias "$LAB_IMAGE" sleep 900
	ct_run ct-stop --stop-timeout 1 --network "$LAB_NET" "$LAB_IMAGE" sleep 900
	ct_run ct-hostnet --network host "$LAB_IMAGE" sleep 900
	ct_run ct-shared --network container:ct-peer "$LAB_IMAGE" sleep 900
	local sub
	sub=$(free_subnet) || {
		echo "no free subnet for $CT_NET2" >&2
		return 1
	}
	docker network create --label cirt.lab=1 --subnet "$sub" "$CT_NET2" >/dev/null
	ct_run ct-disc2 --network "$CT_NET2" --network-alias ct-disc2-alias "$LAB_IMAGE" sleep 900
	sleep 3
}

teardown_file() {
	local n id i
	for i in $(seq 1 120); do
		docker version >/dev/null 2>&1 && break
		sleep 1
	done
	for n in $CT_ALL; do
		id=$(docker inspect -f '{{.Id}}' "$n" 2>/dev/null) || continue
		"$CIRT" release "$id" >/dev/null 2>&1 || true
	done
	for n in $CT_ALL; do
		id=$(docker inspect -f '{{.Id}}' "$n" 2>/dev/null) || continue
		docker images -q --filter "label=cirt.source-container=$id" | xargs -r docker rmi -f >/dev/null 2>&1 || true
	done
	for n in $CT_ALL; do docker rm -f "$n" >/dev/null 2>&1 || true; done
	docker network rm "$CT_NET2" >/dev/null 2>&1 || true
}

# The whole ruleset, counters removed. Left out: lines about bridges, Docker's per-container
# DOCKER chains, the hairpin MASQUERADE of published ports and the content of the lab's guard
# chain: other suites may create containers and networks on this shared daemon meanwhile, or
# run `lab.sh up` (which rebuilds its guard chain), and those are none of cirt's doing.
ruleset() {
	echo "== iptables-save"
	iptables-save | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//' |
		grep -vE '^-A (DOCKER|CIRT-LAB-GUARD) ' | grep -vE "br-[0-9a-f]{12}" | grep -v '^:DOCKER ' |
		grep -vE '^-A POSTROUTING -s ([0-9.]+)/32 -d \1/32 .*-j MASQUERADE$' || true
	echo "== nft list ruleset"
	nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/' |
		awk '/^\tchain (DOCKER|CIRT-LAB-GUARD) \{/ {skip=1} skip && /^\t\}/ {skip=0; next} !skip' |
		grep -vE '"br-[0-9a-f]{12}"' |
		grep -vE 'ip saddr ([0-9.]+) ip daddr \1 .* masquerade$' || true
}

# NEW conntrack flows from ADDR to the C2 host during SECONDS seconds (an observation window,
# not a timing assertion)
new_flows() { # ADDR SECONDS
	timeout "$2" conntrack -E -e NEW -p tcp -s "$1" -d "$LAB_C2_IP" 2>/dev/null | grep -c '\[NEW\]' || true
}

# Sources (container addresses) of the C2 httpd log lines after line FROM: the log shows only
# the masqueraded 10.66.0.1:PORT; conntrack's reply tuple maps that port back to the container.
c2_sources_since() { # FROM
	local ports
	ports=$(tail -n +"$(($1 + 1))" "$LAB_C2_LOG" | sed -nE 's/^\[[^]]*\]:([0-9]+): .*/\1/p' | sort -u)
	[ -n "$ports" ] || return 0
	conntrack -L -p tcp -d "$LAB_C2_IP" 2>/dev/null | awk -v want="$(echo $ports)" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) p[w[i]] = 1 }
		{ src = ""; last = ""
		  for (i = 1; i <= NF; i++) { if ($i ~ /^src=/ && src == "") src = substr($i, 5); if ($i ~ /^dport=/) last = substr($i, 7) }
		  if (last in p) print src }' | sort | uniq -c
}

c2_lines() { wc -l <"$LAB_C2_LOG"; }

# `! cmd` never fails a bats test (errexit ignores negated commands): this does
refute() {
	if "$@"; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
	return 0
}

# try an HTTP GET from container FROM to ADDR:PORT; succeeds when an answer came back
reach() { # FROM ADDR PORT
	docker exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -w 2 $2 $3 2>/dev/null | head -n 1" | grep -q '200 OK'
}

@test "contain: help lists every option; bad input is a usage error with a clear message" {
	run "$CIRT" contain --help
	[ "$status" -eq 0 ]
	for o in --pause --isolate --allow --disconnect --disconnect-all --force --stop --dry-run --reason --status --reapply --backend; do
		grep -q -- "$o" <<<"$output" || {
			echo "missing $o"
			false
		}
	done
	run --separate-stderr "$CIRT" contain ct-beacon
	[ "$status" -eq 2 ]
	[[ $stderr == *"say what to do"* ]]
	run --separate-stderr "$CIRT" contain ct-beacon --allow 10.66.0.2
	[ "$status" -eq 2 ]
	[[ $stderr == *"--allow goes with --isolate"* ]]
	run --separate-stderr "$CIRT" contain ct-beacon --isolate --allow 10.66.0.300
	[ "$status" -eq 2 ]
	[[ $stderr == *"'10.66.0.300' is not an address"* ]]
	run --separate-stderr "$CIRT" contain ct-beacon --isolate --allow 0.0.0.0/0
	[ "$status" -eq 2 ]
	run --separate-stderr "$CIRT" contain ct-beacon --isolate --backend iptablez
	[ "$status" -eq 2 ]
	run --separate-stderr "$CIRT" contain ct-no-such-container --isolate
	[ "$status" -eq 8 ]
	[[ $stderr == *"no such container: 'ct-no-such-container'"* ]]
	run --separate-stderr "$CIRT" release ct-no-such-container
	[ "$status" -eq 8 ]
	run --separate-stderr "$CIRT" release
	[ "$status" -eq 2 ]
	# a refusal changes nothing: host network and a shared namespace cannot be isolated alone
	run --separate-stderr "$CIRT" contain ct-hostnet --isolate
	[ "$status" -eq 2 ]
	[[ $stderr == *"host's network stack"* ]]
	run --separate-stderr "$CIRT" contain ct-shared --isolate
	[ "$status" -eq 2 ]
	[[ $stderr == *"shares the network namespace of 'ct-peer'"* ]]
	[ ! -s "$CIRT_STATE_DIR/contain.json" ] || [ "$(jq '.containers | length' "$CIRT_STATE_DIR/contain.json")" -eq 0 ]
}

@test "isolate: beacons stop at the C2 host, other containers still reach it, same-bridge blocked both ways, it keeps running" {
	local ip other peer id before
	ip=$(ct_ip ct-beacon)
	other=$(ct_ip ct-other)
	peer=$(ct_ip ct-peer)
	id=$(ct_id ct-beacon)
	# before: it beacons, and its neighbours reach it
	[ "$(new_flows "$ip" 4)" -ge 2 ]
	reach ct-beacon "$peer" 80
	reach ct-peer "$ip" 8080
	ruleset >"$BATS_FILE_TMPDIR/ruleset.before"

	run --separate-stderr "$CIRT" contain ct-beacon --isolate --reason "beaconing to C2"
	[ "$status" -eq 0 ]
	[[ $output == *"ct-beacon"*"isolate"*"applied"* ]]
	[[ $output == *"$ip"* ]]
	sleep 1
	before=$(c2_lines)
	# no new flow from it, none in conntrack, while ct-other keeps beaconing
	[ "$(new_flows "$ip" 5)" -eq 0 ]
	[ "$(new_flows "$other" 4)" -ge 2 ]
	run conntrack -L -s "$ip" -d "$LAB_C2_IP"
	refute grep -q "src=$ip " <<<"$output"
	# the C2 host's own log: new lines, all from other containers, some from ct-other
	src=$(c2_sources_since "$before")
	echo "C2 log sources since isolation: $src"
	refute grep -qw "$ip" <<<"$src"
	grep -qw "$other" <<<"$src"
	# same bridge, both ways
	refute reach ct-beacon "$peer" 80
	refute reach ct-peer "$ip" 8080
	reach ct-other "$peer" 80
	# it keeps running, and cirt can still look at it
	[ "$(docker inspect -f '{{.State.Status}}' ct-beacon)" = running ]
	run "$CIRT" top ct-beacon
	[ "$status" -eq 0 ]
	[[ $output == *httpd* ]]
	if "$CIRT" collect --help >/dev/null 2>&1; then
		run "$CIRT" collect ct-beacon -o "$BATS_TEST_TMPDIR/bundle"
		[ "$status" -eq 0 ]
	fi
	# the rules are exactly the documented ones, tagged with its id
	run nft list table bridge "cirt-$id"
	[ "$status" -eq 0 ]
	[[ $output == *"comment \"cirt:$id\""* ]]
	iptables -S DOCKER-USER | grep -q -- "-s $ip/32 .*cirt:$id.* -j CIRT-${id:0:20}"
	iptables -S INPUT | grep -q "cirt:$id"
	iptables -S OUTPUT | grep -q -- "-d $ip/32 .*cirt:$id"
	iptables -S "CIRT-${id:0:20}" | grep -q -- "-j DROP"
	# the bridge layer sees its frames first (priority -200, before br_netfilter hands them to
	# iptables): its drop counter grew with the beacons
	nft list chain bridge "cirt-$id" from_container | grep -E 'counter packets [1-9]'
}

@test "isolate twice says so and changes nothing; status holds; state and audit log record who, why and what" {
	local id
	id=$(ct_id ct-beacon)
	ruleset >"$BATS_TEST_TMPDIR/r1"
	run --separate-stderr "$CIRT" contain ct-beacon --isolate --reason "again"
	[ "$status" -eq 0 ]
	[[ $output == *"already"*"already isolated since"* ]]
	ruleset >"$BATS_TEST_TMPDIR/r2"
	diff "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
	run "$CIRT" contain --status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg id "$id" '.contained[] | select(.id==$id) | .holds' <<<"$output")" = true ]
	[ "$(jq -r --arg id "$id" '.contained[] | select(.id==$id) | .actions[0].type' <<<"$output")" = isolate ]
	run "$CIRT" contain --status
	[[ $output == *"ct-beacon"*"isolate"*"yes"* ]]
	# the state file: valid JSON, the record with the veth and the address
	jq -e --arg id "$id" '.containers[$id].actions[0].veths | length == 1' "$CIRT_STATE_DIR/contain.json"
	[ "$(stat -c %a "$CIRT_STATE_DIR/contain.json")" = 600 ]
	# the audit log: one JSON line per step, who (uid, user), when, why and the exact rules
	jq -e -s --arg id "$id" 'map(select(.container.id==$id and .action=="isolate")) | length >= 2' "$CIRT_STATE_DIR/audit.log"
	jq -e -s --arg id "$id" 'map(select(.container.id==$id and .result=="applied"))[0] |
		.reason == "beaconing to C2" and .uid == 0 and (.time | test("^[0-9]{4}-")) and
		(.changes | map(.stdin // "") | join("") | contains("-j DROP"))' "$CIRT_STATE_DIR/audit.log"
}

@test "release restores the beacons, removes every rule (ruleset identical), twice is fine, never-contained is fine" {
	local ip id before
	ip=$(ct_ip ct-beacon)
	id=$(ct_id ct-beacon)
	cp "$CIRT_STATE_DIR/audit.log" "$BATS_TEST_TMPDIR/audit.before"
	run --separate-stderr "$CIRT" release ct-beacon --reason "contained enough"
	[ "$status" -eq 0 ]
	[[ $output == *"isolate"*"released"* ]]
	before=$(c2_lines)
	[ "$(new_flows "$ip" 5)" -ge 2 ]
	src=$(c2_sources_since "$before")
	echo "C2 log sources since release: $src"
	grep -qw "$ip" <<<"$src"
	reach ct-beacon "$(ct_ip ct-peer)" 80
	ruleset >"$BATS_TEST_TMPDIR/ruleset.after"
	diff "$BATS_FILE_TMPDIR/ruleset.before" "$BATS_TEST_TMPDIR/ruleset.after"
	refute nft list table bridge "cirt-$id" >/dev/null 2>&1
	refute grep -q "cirt:$id" < <(iptables -S)
	# the audit log only grew
	cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/audit.before")" "$BATS_TEST_TMPDIR/audit.before" "$CIRT_STATE_DIR/audit.log"
	[ "$(wc -l <"$CIRT_STATE_DIR/audit.log")" -gt "$(wc -l <"$BATS_TEST_TMPDIR/audit.before")" ]
	# twice, and a container cirt never contained: success, and it says so
	run --separate-stderr "$CIRT" release ct-beacon
	[ "$status" -eq 0 ]
	[[ $output == *"not contained"* ]]
	run --separate-stderr "$CIRT" release ct-peer
	[ "$status" -eq 0 ]
	[[ $output == *"not contained"*"nothing to release"* ]]
	run "$CIRT" contain --status
	[ "$status" -eq 0 ]
}

@test "isolate --allow lets exactly that address through, both ways" {
	local ip peer other
	ip=$(ct_ip ct-beacon)
	peer=$(ct_ip ct-peer)
	run "$CIRT" contain ct-beacon --isolate --allow "$peer"
	[ "$status" -eq 0 ]
	[[ $output == *"allowed: $peer/32"* ]]
	reach ct-beacon "$peer" 80
	reach ct-peer "$ip" 8080
	refute reach ct-other "$ip" 8080
	[ "$(new_flows "$ip" 4)" -eq 0 ]
	# changing the allow list re-applies: now the C2 host is the one address let through
	run "$CIRT" contain ct-beacon --isolate --allow "$LAB_C2_IP"
	[ "$status" -eq 0 ]
	[[ $output == *"re-applied"* ]]
	[ "$(new_flows "$ip" 4)" -ge 2 ]
	refute reach ct-beacon "$peer" 80
	run "$CIRT" release ct-beacon
	[ "$status" -eq 0 ]
	ruleset >"$BATS_TEST_TMPDIR/ruleset.after"
	diff "$BATS_FILE_TMPDIR/ruleset.before" "$BATS_TEST_TMPDIR/ruleset.after"
}

@test "isolate with the nft backend (a table of cirt's own) blocks the same, release leaves the ruleset identical" {
	local ip id
	ip=$(ct_ip ct-beacon)
	id=$(ct_id ct-beacon)
	run "$CIRT" contain ct-beacon --isolate --backend nft
	[ "$status" -eq 0 ]
	nft list table inet "cirt-$id" | grep -q "ip saddr $ip"
	refute grep -q "cirt:$id" < <(iptables -S)
	[ "$(new_flows "$ip" 4)" -eq 0 ]
	refute reach ct-peer "$ip" 8080
	run --separate-stderr "$CIRT" contain ct-beacon --isolate --backend iptables
	[ "$status" -eq 2 ]
	[[ $stderr == *"already isolated with the nft backend"* ]]
	run "$CIRT" release ct-beacon
	[ "$status" -eq 0 ]
	[ "$(new_flows "$ip" 4)" -ge 2 ]
	ruleset >"$BATS_TEST_TMPDIR/ruleset.after"
	diff "$BATS_FILE_TMPDIR/ruleset.before" "$BATS_TEST_TMPDIR/ruleset.after"
}

@test "pause freezes every process (cgroup freezer FROZEN, beacon stops), release resumes them" {
	local ip id fz
	ip=$(ct_ip ct-pause)
	id=$(ct_id ct-pause)
	fz=/sys/fs/cgroup/freezer/docker/$id/freezer.state
	[ -f "$fz" ] || fz=$(dirname "$(grep -l "$id" /sys/fs/cgroup/freezer/*/*/tasks 2>/dev/null | head -1)")/freezer.state
	[ "$(cat "$fz")" = THAWED ]
	run "$CIRT" contain ct-pause --pause --reason "freeze it"
	[ "$status" -eq 0 ]
	[[ $output == *"pause"*"applied"*"FROZEN"* ]]
	[ "$(cat "$fz")" = FROZEN ]
	[ "$(docker inspect -f '{{.State.Status}}' ct-pause)" = paused ]
	[ "$(new_flows "$ip" 4)" -eq 0 ]
	run "$CIRT" contain ct-pause --pause
	[ "$status" -eq 0 ]
	[[ $output == *"already paused by cirt"* ]]
	run "$CIRT" release ct-pause
	[ "$status" -eq 0 ]
	[[ $output == *"resumed"* ]]
	[ "$(cat "$fz")" = THAWED ]
	[ "$(docker inspect -f '{{.State.Status}}' ct-pause)" = running ]
	[ "$(new_flows "$ip" 4)" -ge 2 ]
}

@test "disconnect needs --force unless collected first; then release reconnects with the same address and aliases" {
	local ip
	ip=$(ct_ip ct-disc)
	run --separate-stderr "$CIRT" contain ct-disc --disconnect "$LAB_NET"
	[ "$status" -eq 2 ]
	[[ $stderr == *"has not been collected"*"--force"* ]]
	[ "$(ct_ip ct-disc)" = "$ip" ]
	# collected (with the evidence image): no --force needed, still the warning
	run "$CIRT" collect ct-disc --commit -o "$BATS_TEST_TMPDIR/bundle"
	[ "$status" -eq 0 ]
	run --separate-stderr "$CIRT" contain ct-disc --disconnect "$LAB_NET" --reason "cut it off"
	[ "$status" -eq 0 ]
	[[ $stderr == *"destroys its veth"* ]]
	[ "$(docker inspect -f '{{len .NetworkSettings.Networks}}' ct-disc)" -eq 0 ]
	run "$CIRT" contain ct-disc --disconnect "$LAB_NET" --force
	[ "$status" -eq 0 ]
	[[ $output == *"already disconnected"* ]]
	run "$CIRT" release ct-disc
	[ "$status" -eq 0 ]
	[[ $output == *"same address $ip"* ]]
	[ "$(ct_ip ct-disc)" = "$ip" ]
	docker inspect -f '{{json .NetworkSettings.Networks}}' ct-disc | jq -e --arg n "$LAB_NET" '.[$n].Aliases | index("ct-disc-alias")'
}

@test "disconnect-all on a network with a user-configured subnet: release asks for the same address" {
	local ip
	ip=$(ct_ip ct-disc2)
	run "$CIRT" contain ct-disc2 --disconnect-all --force
	[ "$status" -eq 0 ]
	[ "$(docker inspect -f '{{len .NetworkSettings.Networks}}' ct-disc2)" -eq 0 ]
	run "$CIRT" release ct-disc2 --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"\"IPv4Address\":\"$ip\""* ]]
	[ "$(docker inspect -f '{{len .NetworkSettings.Networks}}' ct-disc2)" -eq 0 ]
	run "$CIRT" release ct-disc2
	[ "$status" -eq 0 ]
	[[ $output == *"same address $ip"* ]]
	[ "$(ct_ip ct-disc2)" = "$ip" ]
	docker inspect -f '{{json .NetworkSettings.Networks}}' ct-disc2 | jq -e --arg n "$CT_NET2" '.[$n].IPAMConfig.IPv4Address == "'"$ip"'" and (.[$n].Aliases | index("ct-disc2-alias"))'
}

@test "stop with the daemon's grace period; release starts it again" {
	run "$CIRT" contain ct-stop --stop
	[ "$status" -eq 0 ]
	[[ $output == *"stopped (grace period 1 s)"* ]]
	[ "$(docker inspect -f '{{.State.Running}}' ct-stop)" = false ]
	run "$CIRT" contain --status
	[[ $output == *"ct-stop"*"stop"*"yes"* ]]
	run "$CIRT" release ct-stop
	[ "$status" -eq 0 ]
	[ "$(docker inspect -f '{{.State.Running}}' ct-stop)" = true ]
}

@test "dry-run prints the exact rules and API calls and changes nothing (ruleset, daemon, state)" {
	local id
	id=$(ct_id ct-beacon)
	ruleset >"$BATS_TEST_TMPDIR/r1"
	docker inspect ct-beacon | jq -S '.[0] | {State, N: .NetworkSettings.Networks}' >"$BATS_TEST_TMPDIR/d1"
	ls -la "$CIRT_STATE_DIR" >"$BATS_TEST_TMPDIR/s1"
	md5sum "$CIRT_STATE_DIR"/* >>"$BATS_TEST_TMPDIR/s1"
	run --separate-stderr "$CIRT" contain ct-beacon --pause --isolate --allow 10.66.0.9 --disconnect-all --force --stop --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"would change (nothing was changed)"* ]]
	[[ $output == *"POST /containers/$id/pause"* ]]
	[[ $output == *"iptables-restore -w 10 --noflush"* ]]
	[[ $output == *"-A CIRT-${id:0:20} -s $(ct_ip ct-beacon)/32 -d 10.66.0.9/32"*"-j RETURN"* ]]
	[[ $output == *"table bridge cirt-$id"* ]]
	[[ $output == *"/disconnect"* ]]
	[[ $output == *"POST /containers/$id/stop"* ]]
	run "$CIRT" contain ct-beacon --isolate --dry-run --json
	[ "$status" -eq 0 ]
	jq -e '.dry_run and (.steps[0].result == "would apply")' <<<"$output"
	ruleset >"$BATS_TEST_TMPDIR/r2"
	diff "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
	docker inspect ct-beacon | jq -S '.[0] | {State, N: .NetworkSettings.Networks}' >"$BATS_TEST_TMPDIR/d2"
	diff "$BATS_TEST_TMPDIR/d1" "$BATS_TEST_TMPDIR/d2"
	ls -la "$CIRT_STATE_DIR" >"$BATS_TEST_TMPDIR/s2"
	md5sum "$CIRT_STATE_DIR"/* >>"$BATS_TEST_TMPDIR/s2"
	diff "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
	# and a dry-run release of something contained changes nothing either
	run "$CIRT" contain ct-beacon --isolate
	[ "$status" -eq 0 ]
	ruleset >"$BATS_TEST_TMPDIR/r3"
	run "$CIRT" release ct-beacon --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"would release"* ]]
	ruleset >"$BATS_TEST_TMPDIR/r4"
	diff "$BATS_TEST_TMPDIR/r3" "$BATS_TEST_TMPDIR/r4"
	run "$CIRT" release ct-beacon
	[ "$status" -eq 0 ]
}

@test "a restart gives a new veth: --status says the isolation no longer holds, --reapply restores it" {
	local ip
	run "$CIRT" contain ct-restart --isolate
	[ "$status" -eq 0 ]
	[ "$(new_flows "$(ct_ip ct-restart)" 4)" -eq 0 ]
	docker restart -t 1 ct-restart >/dev/null
	ip=$(ct_ip ct-restart)
	# its address may be the same (the address rules then still hold): the veth rules do not
	run "$CIRT" contain --status
	[ "$status" -eq 1 ]
	[[ $output == *"ct-restart"*"NO"*"now uses veth"* ]]
	run "$CIRT" contain --status --json ct-restart
	[ "$status" -eq 1 ]
	jq -e '.holds == false and (.contained[0].actions[0].problems | length > 0)' <<<"$output"
	run "$CIRT" contain --reapply ct-restart
	[ "$status" -eq 0 ]
	[[ $output == *"re-applied"* ]]
	run "$CIRT" contain --status
	[ "$status" -eq 0 ]
	[ "$(new_flows "$ip" 4)" -eq 0 ]
	refute reach ct-peer "$ip" 8080
	run "$CIRT" release --all
	[ "$status" -eq 0 ]
	[ "$(new_flows "$ip" 4)" -ge 2 ]
	ruleset >"$BATS_TEST_TMPDIR/ruleset.after"
	diff "$BATS_FILE_TMPDIR/ruleset.before" "$BATS_TEST_TMPDIR/ruleset.after"
	run "$CIRT" release --all
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to release"* ]]
}
