#!/usr/bin/env bats
# watch.bats: `cirt watch` records a beaconing container's flows and its life into the journal;
# after the container is removed, `cirt locate --since` still names it (and not the container that
# got its address next) and `cirt timeline` shows its exec. The oracle for "no flow lost" is the
# kernel's own conntrack table. Fixtures are named wt-*; the beacon talks only to the lab's C2
# host 10.66.0.2, a bounded number of times. The daemon restart is a fake daemon's (the shared
# dockerd is never restarted).

load helpers

NET=wt-net
SUBNET=10.213.99.0/24
IP=10.213.99.10
BEACONS=10

fixtures_down() {
	docker rm -f wt-beacon wt-reuse wt-reuse-renamed >/dev/null 2>&1 || true
	docker network rm "$NET" >/dev/null 2>&1 || true
}

# wait_for FILE PATTERN [TRIES]: poll (0.25 s) until FILE contains PATTERN
wait_for() {
	local i
	for i in $(seq 1 "${3:-120}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.25
	done
	echo "timed out waiting for '$2' in $1" >&2
	return 1
}

# source ports of the TCP flows from the fixture address to the C2 host that conntrack holds
kernel_sports() {
	conntrack -L -p tcp -s "$IP" -d "$LAB_C2_IP" --dport 80 2>/dev/null |
		sed -n 's/.*sport=\([0-9]*\) dport=80 .*/\1/p' | sort -u
}

journal_lines() {
	cat "$J"/journal-*.ndjson
}

setup_file() {
	fixtures_down
	export J=$BATS_FILE_TMPDIR/journal
	export IOC=$BATS_FILE_TMPDIR/ioc.txt
	printf '# lab C2\n%s/32  # the lab C2 host\n' "$LAB_C2_IP" >"$IOC"
	docker network create --label cirt.lab=1 --subnet "$SUBNET" "$NET" >/dev/null
	# network safety: a packet of the beacon must leave through the lab's C2 veth, nowhere else
	local br="br-$(docker network inspect -f '{{.Id}}' "$NET" | cut -c1-12)"
	ip route get "$LAB_C2_IP" from "$IP" iif "$br" | grep -q "dev $LAB_C2_HOST_IF" ||
		{ echo "route to $LAB_C2_IP from $NET does not stay in the lab" >&2; return 1; }

	"$CIRT" watch --journal "$J" --ioc "$IOC" --max-size 64M >"$BATS_FILE_TMPDIR/watch.out" \
		2>"$BATS_FILE_TMPDIR/watch.err" &
	echo $! >"$BATS_FILE_TMPDIR/watch.pid"
	wait_for "$BATS_FILE_TMPDIR/watch.err" "watching:"
	local t_start
	t_start=$(date -u +%s)
	echo "$t_start" >"$BATS_FILE_TMPDIR/t_start"

	# flows of this address still in conntrack from an earlier run (TIME_WAIT lasts 120 s) are
	# not this run's
	kernel_sports >"$BATS_FILE_TMPDIR/pre.sports"
	# the beacon: BEACONS requests to the C2 host, one a second, then idle
	docker run -d --name wt-beacon --label cirt.lab=1 --network "$NET" --ip "$IP" "$LAB_IMAGE" sh -c \
		"i=0; while [ \$i -lt $BEACONS ]; do printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $LAB_C2_IP 80 >/dev/null 2>&1; i=\$((i+1)); echo beacon \$i; sleep 1; done; echo done; sleep 600" >/dev/null
	local i
	for i in $(seq 1 60); do
		docker logs wt-beacon 2>/dev/null | grep -qx done && break
		sleep 0.5
	done
	docker logs wt-beacon | grep -qx done
	docker exec wt-beacon sh -c 'echo wt-exec-marker >/dev/null; id -u' >/dev/null
	# what the kernel saw: the source ports of the beacon's flows (TIME_WAIT keeps them 120 s)
	kernel_sports | comm -23 - "$BATS_FILE_TMPDIR/pre.sports" >"$BATS_FILE_TMPDIR/kernel.sports"
	docker inspect -f '{{.Id}}' wt-beacon >"$BATS_FILE_TMPDIR/beacon.id"
	docker rm -f wt-beacon >/dev/null
	sleep 1
	# the next holder of the same address, with one flow of its own
	docker run -d --name wt-reuse --label cirt.lab=1 --network "$NET" --ip "$IP" "$LAB_IMAGE" sh -c \
		"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $LAB_C2_IP 80 >/dev/null 2>&1; echo done; sleep 600" >/dev/null
	for i in $(seq 1 40); do
		docker logs wt-reuse 2>/dev/null | grep -qx done && break
		sleep 0.5
	done
	kernel_sports | comm -23 - "$BATS_FILE_TMPDIR/pre.sports" >"$BATS_FILE_TMPDIR/kernel.sports.after"
	docker inspect -f '{{.Id}}' wt-reuse >"$BATS_FILE_TMPDIR/reuse.id"
	docker rename wt-reuse wt-reuse-renamed
	# the flows of the last second are still on their way: SIGTERM must not lose them
	kill -TERM "$(cat "$BATS_FILE_TMPDIR/watch.pid")"
	local st=0
	wait "$(cat "$BATS_FILE_TMPDIR/watch.pid")" || st=$?
	echo "$st" >"$BATS_FILE_TMPDIR/watch.status"
}

teardown_file() {
	local p
	p=$(cat "$BATS_FILE_TMPDIR/watch.pid" 2>/dev/null) && kill -TERM "$p" 2>/dev/null || true
	fixtures_down
	fake_stop
}

teardown() {
	fake_stop
}

@test "watch: exits 0 on SIGTERM, its last line says so, journal private (0700, files 0600)" {
	[ "$(cat "$BATS_FILE_TMPDIR/watch.status")" -eq 0 ]
	grep -q 'stopped (SIGTERM)' "$BATS_FILE_TMPDIR/watch.err"
	journal_lines | tail -1 | jq -e '.type == "watch" and .action == "stop" and .signal == "SIGTERM" and .overruns == 0' >/dev/null
	journal_lines | head -1 | jq -e '.type == "watch" and .action == "start"' >/dev/null
	[ "$(stat -c %a "$J")" = 700 ]
	for f in "$J"/journal-*.ndjson; do [ "$(stat -c %a "$f")" = 600 ]; done
	# every line is one JSON object that starts with its UTC time
	journal_lines | jq -e -s 'all(.[]; (.t | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$")))' >/dev/null
	journal_lines | grep -v -c '^{"t":"' | grep -qx 0
}

@test "watch: every beacon flow the kernel saw is in the journal, attributed to wt-beacon and its image (no line lost on SIGTERM)" {
	[ -s "$BATS_FILE_TMPDIR/kernel.sports" ]
	[ "$(wc -l <"$BATS_FILE_TMPDIR/kernel.sports")" -ge "$BEACONS" ]
	id=$(cat "$BATS_FILE_TMPDIR/beacon.id")
	journal_lines | jq -r --arg ip "$IP" --arg c2 "$LAB_C2_IP" --arg id "$id" \
		'select(.type == "flow" and .event == "new" and .flow.original.src == $ip and .flow.original.dst == $c2 and .src_container.id == $id) | .flow.original.sport' |
		sort -u >"$BATS_TEST_TMPDIR/journal.sports"
	diff "$BATS_FILE_TMPDIR/kernel.sports" "$BATS_TEST_TMPDIR/journal.sports"
	journal_lines | jq -e -s --arg ip "$IP" --arg img "$LAB_IMAGE" \
		'[.[] | select(.type == "flow" and .event == "new" and .flow.original.src == $ip and .src_container.name == "wt-beacon")] | length > 0 and all(.[]; .src_container.image == $img and .flow.nat == true and .flow.reply.dst == "'"$LAB_C2_HOST_IP"'")' >/dev/null
	# the flows after the reuse count too: every source port conntrack had, in the journal
	journal_lines | jq -r --arg ip "$IP" --arg c2 "$LAB_C2_IP" \
		'select(.type == "flow" and .event == "new" and .flow.original.src == $ip and .flow.original.dst == $c2) | .flow.original.sport' |
		sort -u >"$BATS_TEST_TMPDIR/all.sports"
	comm -23 "$BATS_FILE_TMPDIR/kernel.sports.after" "$BATS_TEST_TMPDIR/all.sports" | grep -c . | grep -qx 0
}

@test "watch --ioc: an alert line on stdout for the beacon's flow to the listed address" {
	run grep -c "ALERT wt-beacon ($LAB_IMAGE, " "$BATS_FILE_TMPDIR/watch.out"
	[ "$output" -ge "$BEACONS" ]
	grep -q "ALERT wt-beacon .* tcp $IP:[0-9]* -> $LAB_C2_IP:80 matches ioc $LAB_C2_IP/32 (line 2: the lab C2 host)" "$BATS_FILE_TMPDIR/watch.out"
	grep -q "ALERT wt-reuse " "$BATS_FILE_TMPDIR/watch.out"
	# nothing else was alerted: every alert is about the C2 address (any port: the lab's C2 also
	# serves DNS on :53, and other tests' lookups may still be in conntrack's table at start)
	[ "$(grep -c ALERT "$BATS_FILE_TMPDIR/watch.out")" -eq "$(grep -c " -> $LAB_C2_IP:[0-9]* matches ioc" "$BATS_FILE_TMPDIR/watch.out")" ]
	journal_lines | jq -e -s '[.[] | select(.ioc == "'"$LAB_C2_IP"'/32")] | length > 0' >/dev/null
}

@test "locate --since: the removed container is named, with its image and the times of its flows" {
	run_split "$CIRT" --json locate "$LAB_C2_IP" --since 10m --journal "$J"
	[ "$status" -eq 1 ]
	id=$(cat "$BATS_FILE_TMPDIR/beacon.id")
	echo "$output" | jq -e --arg id "$id" --arg img "$LAB_IMAGE" \
		'[.containers[] | select(.name == "wt-beacon")] | length == 1 and .[0].id == $id and .[0].image == $img and .[0].journal_flows >= '"$BEACONS" >/dev/null
	echo "$output" | jq -e '.sources.journal.ok == true and .sources.journal.files >= 1' >/dev/null
	# each flow has its time; first_seen within the run, ended ones with last_seen
	t0=$(cat "$BATS_FILE_TMPDIR/t_start")
	echo "$output" | jq -e --argjson t0 "$t0" \
		'[.findings[] | select(.container.name == "wt-beacon")] | length >= '"$BEACONS"' and all(.[]; (.sources | index("journal")) and .flow.first_seen != null and ((.flow.first_seen | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) >= $t0 - 1) and .flow.original.dport == 80)' >/dev/null
	# the same in the table: the name, and what it was
	run_split "$CIRT" locate "$LAB_C2_IP" --since 10m --journal "$J"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wt-beacon ("*"journal "*"not running now, image $LAB_IMAGE, id ${id:0:12}"* ]]
}

@test "locate --since: the container that got the address afterwards is not blamed for the earlier flows" {
	run_split "$CIRT" --json locate "$IP" --since 10m --journal "$J"
	[ "$status" -eq 1 ]
	reuse=$(cat "$BATS_FILE_TMPDIR/reuse.id")
	reuse_started=$(docker inspect -f '{{.State.StartedAt}}' "$reuse" | sed 's/\.[0-9]*Z$/Z/')
	# every beacon source port the kernel saw belongs to wt-beacon, none to wt-reuse
	for p in $(cat "$BATS_FILE_TMPDIR/kernel.sports"); do
		echo "$output" | jq -e --argjson p "$p" --arg c2 "$LAB_C2_IP" \
			'[.findings[] | select(.flow.original.sport == $p and .flow.original.dst == $c2)] | length >= 1 and all(.[]; .container.name == "wt-beacon")' >/dev/null ||
			{ echo "port $p: $(echo "$output" | jq -c --argjson p "$p" '[.findings[] | select(.flow.original.sport == $p) | .container.name]')"; false; }
	done
	# wt-reuse has its own flow, and nothing that began before it started
	echo "$output" | jq -e --arg id "$reuse" '[.findings[] | select(.container.id == $id and (.sources | index("journal")))] | length >= 1' >/dev/null
	echo "$output" | jq -e --arg s "$reuse_started" --arg id "$reuse" \
		'all(.findings[] | select(.container.id == $id and .flow.first_seen != null); (.flow.first_seen | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) >= ($s | fromdateiso8601) - 1)' >/dev/null
	# without --since, the journal is not read
	run_split "$CIRT" --json locate "$IP"
	echo "$output" | jq -e '.sources.journal == null and ([.findings[] | select(.container.name == "wt-beacon")] | length == 0)' >/dev/null
}

@test "timeline: docker exec into the container is recorded with its command, in order with its life" {
	run_split "$CIRT" timeline wt-beacon --journal "$J" --no-flows
	[ "$status" -eq 0 ]
	[[ "$output" == *"exec_start"*"sh -c echo wt-exec-marker >/dev/null; id -u"* ]]
	run_split "$CIRT" --json timeline wt-beacon --journal "$J"
	[ "$status" -eq 0 ]
	echo "$output" | jq -c '.entries[] | select(.type == "docker" and .action == "exec_start")'
	# the command is the event's own; user, privileges and argv come from the exec's inspect,
	# which a busy daemon may have forgotten by the time it is asked (then a note says why)
	echo "$output" | jq -e '[.entries[] | select(.type == "docker" and .action == "exec_start")] | length == 1 and .[0].command == "sh -c echo wt-exec-marker >/dev/null; id -u" and ((.[0].argv[0] == "sh" and .[0].privileged == false) or (.[0].note | type == "string"))' >/dev/null
	# create, network connect (with its address), start, exec, kill, die, destroy: in this order
	order=$(echo "$output" | jq -r '.entries[] | select(.type == "docker") | .action' | tr '\n' ' ')
	[[ "$order" == *"create "*"network_connect "*"start "*"exec_create "*"exec_start "*"kill "*"die "*"destroy "* ]]
	echo "$output" | jq -e --arg ip "$IP" '[.entries[] | select(.action == "network_connect")][0].addresses == [$ip]' >/dev/null
	# the flows are in it too, and the times never go back
	echo "$output" | jq -e '[.entries[] | select(.type == "flow")] | length >= '"$BEACONS" >/dev/null
	echo "$output" | jq -e '[.entries[].t] | . == sort' >/dev/null
	# the other container is not in wt-beacon's timeline
	! echo "$output" | jq -e '[.entries[] | select(.container.name == "wt-reuse" or .src_container.name == "wt-reuse")] | length > 0' >/dev/null
	# a renamed container: by its new name or its old one, the lines from before the rename too
	for n in wt-reuse-renamed wt-reuse; do
		run_split "$CIRT" --json timeline "$n" --journal "$J"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '([.entries[] | select(.type == "flow" and .src_container.name == "wt-reuse")] | length >= 1) and ([.entries[] | select(.action == "rename")] | length == 1 and .[0].old_name == "wt-reuse" and .[0].container.name == "wt-reuse-renamed")' >/dev/null
	done
	# by id prefix too
	id=$(cat "$BATS_FILE_TMPDIR/beacon.id")
	run_split "$CIRT" timeline "${id:0:12}" --journal "$J" --no-flows
	[ "$status" -eq 0 ]
	[[ "$output" == *"exec_start"* ]]
}

@test "timeline and locate --since: bad input and missing journals give clear errors" {
	run_split "$CIRT" timeline no-such-container --journal "$J"
	[ "$status" -eq 8 ]
	[[ "$stderr" == *"no container 'no-such-container' in the journal"* ]]
	run_split "$CIRT" timeline --journal "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 8 ]
	[[ "$stderr" == *"no such directory (run 'cirt watch --journal"* ]]
	run_split "$CIRT" timeline --since yesterday --journal "$J"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--since: 'yesterday' is not a duration"* ]]
	run_split "$CIRT" timeline --since 1m --until 2m --journal "$J"
	[ "$status" -eq 2 ]
	run_split "$CIRT" locate "$LAB_C2_IP" --until 5m
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--until needs --since"* ]]
	run_split "$CIRT" locate "$LAB_C2_IP" --since 10q
	[ "$status" -eq 2 ]
	# a journal that does not exist: a warning, the live sources still answer
	run_split "$CIRT" --json locate "$LAB_C2_IP" --since 10m --journal "$BATS_TEST_TMPDIR/none"
	echo "$output" | jq -e '.sources.journal.ok == false' >/dev/null
	[[ "$stderr" == *"no such directory"* ]]
	# a time range before the journal: nothing from it
	run_split "$CIRT" --json timeline --until 2001-01-01T00:00:00Z --journal "$J"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.entries == []' >/dev/null
}

@test "watch: bad options and a journal already in use are refused with the usage exit code" {
	run_split "$CIRT" watch --max-size 12Q --journal "$BATS_TEST_TMPDIR/j"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--max-size: '12Q' is not a size"* ]]
	printf '10.0.0.1\nnot-an-ip\n' >"$BATS_TEST_TMPDIR/bad.ioc"
	run_split "$CIRT" watch --ioc "$BATS_TEST_TMPDIR/bad.ioc" --journal "$BATS_TEST_TMPDIR/j"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"line 2: 'not-an-ip' is not an address or CIDR"* ]]
	run_split "$CIRT" watch --ioc "$BATS_TEST_TMPDIR/missing.ioc"
	[ "$status" -eq 2 ]
	run_split "$CIRT" watch extra-arg
	[ "$status" -eq 2 ]
	# a file where the directory should be
	touch "$BATS_TEST_TMPDIR/afile"
	run_split "$CIRT" watch --journal "$BATS_TEST_TMPDIR/afile"
	[ "$status" -eq 9 ]
	[ ! -e "$BATS_TEST_TMPDIR/j" ]
}

@test "watch: survives the daemon going away and coming back (fake daemon), records the gap, one writer per journal, SIGHUP reloads the ioc list" {
	fake_start events
	local jd=$BATS_TEST_TMPDIR/fj
	echo "10.66.0.2" >"$BATS_TEST_TMPDIR/hup.ioc"
	"$CIRT" --host "unix://$FAKE_SOCK" watch --journal "$jd" --max-size 64K --no-dump --ioc "$BATS_TEST_TMPDIR/hup.ioc" \
		>"$BATS_TEST_TMPDIR/w.out" 2>"$BATS_TEST_TMPDIR/w.err" &
	local wp=$!
	wait_for "$BATS_TEST_TMPDIR/w.err" "watching:"
	# SIGHUP reloads the ioc list; a broken one is refused and the loaded one kept
	printf '10.66.0.2\n10.66.0.0/24 # lab\n' >"$BATS_TEST_TMPDIR/hup.ioc"
	kill -HUP "$wp"
	wait_for "$BATS_TEST_TMPDIR/w.err" "SIGHUP: reloaded 2 ioc entries"
	echo "nonsense" >"$BATS_TEST_TMPDIR/hup.ioc"
	kill -HUP "$wp"
	wait_for "$BATS_TEST_TMPDIR/w.err" "line 1: 'nonsense' is not an address or CIDR.*keeping the 2 entries"
	for i in $(seq 1 40); do
		cat "$jd"/journal-*.ndjson 2>/dev/null | grep -q '"exec_start"' && break
		sleep 0.25
	done
	# a second watcher on the same journal is refused while the first runs
	run_split "$CIRT" --host "unix://$FAKE_SOCK" watch --journal "$jd"
	[ "$status" -eq 9 ]
	[[ "$stderr" == *"is in use by another cirt watch (pid $wp)"* ]]
	# the daemon goes away...
	kill "$(cat "$BATS_TEST_TMPDIR/fake-events.pid")"
	for i in $(seq 1 40); do
		[ -e "$FAKE_SOCK" ] || break
		sleep 0.25
	done
	wait_for "$BATS_TEST_TMPDIR/w.err" "daemon lost"
	sleep 1
	# ... and comes back on the same socket
	fake_start events
	wait_for "$BATS_TEST_TMPDIR/w.err" "daemon answers again"
	for i in $(seq 1 40); do
		[ "$(cat "$jd"/journal-*.ndjson | grep -c '"exec_start"')" -ge 2 ] && break
		sleep 0.25
	done
	kill -TERM "$wp"
	wait "$wp"
	cat "$jd"/journal-*.ndjson | jq -e -s '
		([.[] | select(.type == "daemon" and .action == "lost")] | length == 1) and
		([.[] | select(.type == "daemon" and .action == "back")] | length == 1 and .[0].gap_seconds >= 1) and
		([.[] | select(.type == "docker" and .action == "exec_start")] | length == 2 and
			all(.[]; .container.name == "fake-ev" and .command == "fake-cmd --flag" and .user == "root" and .privileged == true)) and
		(.[-1].type == "watch" and .[-1].daemon_gaps == 1)' >/dev/null
	# the timeline shows the gap between the two execs
	run_split "$CIRT" timeline --journal "$jd" --no-flows
	[ "$status" -eq 0 ]
	[[ "$output" == *"exec_start"*"daemon lost"*"daemon back"*"gap of "*"exec_start"* ]]
}

@test "watch: conntrack accounting is left alone unless --enable-acct, which says what it changed" {
	local acct ts
	acct=$(sysctl -n net.netfilter.nf_conntrack_acct)
	ts=$(sysctl -n net.netfilter.nf_conntrack_timestamp)
	fake_start events
	local jd=$BATS_TEST_TMPDIR/aj
	"$CIRT" --host "unix://$FAKE_SOCK" watch --journal "$jd" --no-dump 2>"$BATS_TEST_TMPDIR/a.err" &
	local wp=$!
	wait_for "$BATS_TEST_TMPDIR/a.err" "watching:"
	kill -TERM "$wp"
	wait "$wp"
	[ "$(sysctl -n net.netfilter.nf_conntrack_acct)" = "$acct" ]
	[ "$(sysctl -n net.netfilter.nf_conntrack_timestamp)" = "$ts" ]
	if [ "$acct" != 1 ]; then
		grep -q "accounting .*off: flows are recorded without byte counts.*--enable-acct" "$BATS_TEST_TMPDIR/a.err"
	fi
	[ "$acct" = 1 ] && [ "$ts" = 1 ] && skip "accounting already on: --enable-acct would change nothing"
	# the host-wide switch, turned back off right after (other tests read conntrack too)
	"$CIRT" --host "unix://$FAKE_SOCK" watch --journal "$jd" --no-dump --enable-acct 2>"$BATS_TEST_TMPDIR/b.err" &
	wp=$!
	local on_acct on_ts
	wait_for "$BATS_TEST_TMPDIR/b.err" "watching:"
	on_acct=$(sysctl -n net.netfilter.nf_conntrack_acct)
	on_ts=$(sysctl -n net.netfilter.nf_conntrack_timestamp)
	kill -TERM "$wp"
	wait "$wp"
	sysctl -qw net.netfilter.nf_conntrack_acct="$acct" net.netfilter.nf_conntrack_timestamp="$ts"
	[ "$on_acct" = 1 ]
	[ "$on_ts" = 1 ]
	grep -q "enable-acct: set net.netfilter.nf_conntrack_acct=1 (was $acct) and net.netfilter.nf_conntrack_timestamp=1 (was $ts)" "$BATS_TEST_TMPDIR/b.err"
	cat "$jd"/journal-*.ndjson | jq -e -s '[.[] | select(.type == "watch" and .action == "start")] | .[-1].acct == true and .[-1].timestamps == true' >/dev/null
}

@test "watch: an overrun (the kernel drops conntrack events, ENOBUFS) is a journal line and a warning, and watching goes on" {
	# network safety: the burst goes to the lab's C2 host only, through the lab's veth
	ip route get "$LAB_C2_IP" | grep -q "dev $LAB_C2_HOST_IF" || { echo "route to $LAB_C2_IP leaves the lab"; false; }
	local jd=$BATS_TEST_TMPDIR/oj
	CIRT_TEST_RCVBUF=4096 "$CIRT" watch --journal "$jd" --no-dump \
		>"$BATS_TEST_TMPDIR/o.out" 2>"$BATS_TEST_TMPDIR/o.err" &
	local wp=$!
	wait_for "$BATS_TEST_TMPDIR/o.err" "watching:"
	# stopped, it reads nothing: 300 new UDP flows (a new source port each; the host's own, which
	# it reads and leaves out) overflow its 4 KiB
	kill -STOP "$wp"
	for _ in $(seq 1 300); do echo x 2>/dev/null >"/dev/udp/$LAB_C2_IP/9" || true; done
	kill -CONT "$wp"
	wait_for "$BATS_TEST_TMPDIR/o.err" "conntrack events lost"
	# it still watches: the lab's beacons (every 2 and 3 s) have flows after the overrun
	after='(map(select(.type == "overrun")) | .[0].t) as $o | any(.[]; .type == "flow" and .t > $o and .flow.original.dst == $c2)'
	for _ in $(seq 1 60); do
		cat "$jd"/journal-*.ndjson | jq -e -s --arg c2 "$LAB_C2_IP" "$after" >/dev/null 2>&1 && break
		sleep 0.25
	done
	kill -TERM "$wp"
	wait "$wp"
	cat "$jd"/journal-*.ndjson | jq -e -s --arg c2 "$LAB_C2_IP" '
		([.[] | select(.type == "overrun" and .source == "conntrack")] | length >= 1) and
		'"$after" >/dev/null ||
		{ cat "$BATS_TEST_TMPDIR/o.err"; cat "$jd"/journal-*.ndjson | jq -c 'select(.type != "flow")' | head; false; }
}
