#!/usr/bin/env bats
# triage.bats: `cirt triage` on the lab (beacons to the C2, the planted container of
# tests/lab/planted.sh, a clean container), its HTML report in headless Chromium (offline, no
# network request, summary and topology in the rendered page), and `cirt report BUNDLE`.
load helpers

PLANTED=$TOP/tests/lab/planted.sh
HOSTILE=tri-hostile
LAYERS=tri-layers

# the lab's own containers: the ranking is checked among them (other suites' fixtures may run)
LAB_NAMES='["lab-bridge","lab-custom","lab-host","lab-none","lab-shared","lab-beacon","lab-beacon-default","lab-clean","planted-run"]'

chromium_run() { # URL OUTDIR ARGS...: headless, fresh profile, in a namespace without network
	local url=$1 out=$2
	shift 2
	timeout 120 unshare -n chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$out")" \
		"$@" "$url" 2>>"$out/chromium.log"
}

setup_file() {
	"$PLANTED" up
	local t=$BATS_FILE_TMPDIR
	# a file whose name is HTML: it reaches the report through the change list
	docker rm -f "$HOSTILE" >/dev/null 2>&1 || true
	docker run -d --name "$HOSTILE" --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'touch "/tmp/<script>alert(1)" "/tmp/<img src=http:x onerror=alert(2)>"; sleep 3600' >/dev/null
	# every kind of change in its writable layer: added, changed, deleted (a whiteout), a
	# directory made again (opaque), a hidden file, a symlink, a copy with nothing changed
	docker rm -f "$LAYERS" >/dev/null 2>&1 || true
	docker run -d --name "$LAYERS" --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'mkdir -p /etc/cron.d /var/tmp/.k; echo x >/etc/cron.d/job; echo y >/var/tmp/.k/z
			rm /bin/ls; ln -s /bin/busybox /tmp/ls2; echo k >/root/.profile; chmod 755 /bin/busybox
			rm -rf /www; mkdir /www; echo n >/www/new; touch /tmp/.hidden; sleep 3600' >/dev/null
	for i in $(seq 1 50); do docker exec "$LAYERS" test -e /tmp/.hidden 2>/dev/null && break; sleep 0.2; done
	printf '# the lab C2\n%s # lab C2\n' "$LAB_C2_IP" >"$t/ioc.txt"
	# both beacons have talked to the C2 (bounded wait: they connect every 2 and 3 s)
	local i ip1 ip2
	ip1=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' lab-beacon)
	ip2=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' lab-beacon-default)
	for i in $(seq 1 30); do
		if conntrack -L -d "$LAB_C2_IP" 2>/dev/null | grep -q "src=$ip1 " &&
			conntrack -L -d "$LAB_C2_IP" 2>/dev/null | grep -q "src=$ip2 "; then
			break
		fi
		sleep 1
	done
	local rc=0
	"$CIRT" triage --ioc "$t/ioc.txt" --html "$t/report.html" --json >"$t/triage.json" 2>"$t/triage.err" || rc=$?
	echo "$rc" >"$t/triage.rc"
	"$CIRT" triage --json >"$t/noioc.json" 2>/dev/null || true
}

teardown_file() {
	docker rm -f "$HOSTILE" "$LAYERS" >/dev/null 2>&1 || true
}

# the summary restricted to the lab's containers, names in rank order
lab_rank() {
	jq -r --argjson lab "$LAB_NAMES" '[.summary[] | select(.container as $c | $lab | index($c))] | .[].container' "$1"
}

@test "triage --ioc: exit 1 and a valid document" {
	[ "$(cat "$BATS_FILE_TMPDIR/triage.rc")" -eq 1 ]
	jq -e '.summary and .connections and .findings and .changes and .containers and .network.oddities and .counts' \
		"$BATS_FILE_TMPDIR/triage.json"
}

@test "triage --ioc: the beacons and the planted container rank first among the lab's containers" {
	run lab_rank "$BATS_FILE_TMPDIR/triage.json"
	echo "$output"
	[ "$(sed -n 1,3p <<<"$output" | sort | tr '\n' ' ')" = "lab-beacon lab-beacon-default planted-run " ]
}

@test "triage --ioc: each beacon's reason is its contact with the C2, with the next commands" {
	local f=$BATS_FILE_TMPDIR/triage.json b
	for b in lab-beacon lab-beacon-default; do
		jq -e --arg b "$b" --arg ip "$LAB_C2_IP" \
			'.summary[] | select(.container == $b) | .why | map(select(.kind == "ioc" and (.text | contains("IOC " + $ip + ":80")))) | length == 1' "$f"
		jq -e --arg b "$b" '.summary[] | select(.container == $b) | .next | index("cirt collect " + $b + " --case " + (.[0] | split(" --case ")[1]))' "$f"
		jq -e --arg b "$b" --arg ip "$LAB_C2_IP" '.summary[] | select(.container == $b) | .next | index("cirt locate " + $ip)' "$f"
		# the flows are in the connections table, marked as IOC, before any flow that is not
		jq -e --arg b "$b" --arg ip "$LAB_C2_IP" \
			'[.connections[] | select(.container == $b and .ioc == $ip and .direction == "out" and .flows >= 1)] | length == 1' "$f"
	done
	jq -e '[.connections[].ioc != null] | . == (sort | reverse)' "$f"
}

@test "triage --ioc: the planted container's reasons are its quick-check findings" {
	local f=$BATS_FILE_TMPDIR/triage.json
	jq -e '.summary[] | select(.container == "planted-run") | .score >= 100' "$f"
	jq -e '[.summary[] | select(.container == "planted-run") | .why[] | select(.kind == "finding")] | length >= 3' "$f"
	# the quick checks: runtime traces, escape, backdoor locations; no content scan (no webshell, no secrets)
	jq -e '[.findings[] | select(.container == "planted-run") | .rule] | (index("runtime.miner_process") and index("escape.runtime_socket") and index("backdoor.cron.reverse_shell"))' "$f"
	jq -e '[.findings[] | select(.container == "planted-run") | .check] | (index("webshell") or index("secrets") or index("malware")) | not' "$f"
	# its changed files: the SSH key added at run time
	jq -e '.changes[] | select(.container == "planted-run") | .sensitive | index("A /root/.ssh/authorized_keys")' "$f"
}

@test "triage --ioc: the clean container is not flagged" {
	local f=$BATS_FILE_TMPDIR/triage.json
	jq -e '[.summary[] | select(.container == "lab-clean")] | length == 0' "$f"
	jq -e '.containers[] | select(.name == "lab-clean") | .score == 0 and .level == null' "$f"
	jq -e '[.findings[] | select(.container == "lab-clean")] | length == 0' "$f"
}

@test "triage without --ioc: the beacons are flagged for connecting to the same peer again and again" {
	local f=$BATS_FILE_TMPDIR/noioc.json b
	jq -e '.ioc == null' "$f"
	for b in lab-beacon lab-beacon-default; do
		jq -e --arg b "$b" --arg ip "$LAB_C2_IP" \
			'.summary[] | select(.container == $b) | .why | map(select(.kind == "beacon" and (.text | contains($ip + ":80")))) | length == 1' "$f"
	done
	jq -e '[.summary[] | select(.container == "lab-clean")] | length == 0' "$f"
}

@test "triage: the network oddities name the host-mode container and the port published on every address" {
	local f=$BATS_FILE_TMPDIR/triage.json
	jq -e '.network.oddities[] | select(.kind == "host_network" and .container == "lab-host")' "$f"
	jq -e '.network.oddities[] | select(.kind == "published_all_addresses" and .container == "lab-bridge")' "$f"
}

@test "triage: the terminal page starts with the ranked summary and its reasons" {
	"$CIRT" triage --ioc "$BATS_FILE_TMPDIR/ioc.txt" >"$BATS_TEST_TMPDIR/out.txt" 2>"$BATS_TEST_TMPDIR/err.txt" || status=$?
	[ "${status:-0}" -eq 1 ]
	output=$(cat "$BATS_TEST_TMPDIR/out.txt")
	[ "$(sed -n 4p <<<"$output")" = "LOOK AT FIRST" ]
	grep -q "talked to IOC $LAB_C2_IP:80 (lab C2)" <<<"$output"
	grep -qE '^ *next: cirt collect ' <<<"$output"
	grep -q '^CONNECTIONS' <<<"$output"
	grep -q '^CONTAINERS' <<<"$output"
}

daemon_changes() { # ID: the daemon's change list (docker diff), as "KIND PATH" lines sorted by path
	curl -sf --unix-socket /var/run/docker.sock "http://x/containers/$1/changes" |
		jq -r '(. // [])[] | "\(.Kind) \(.Path)"' | sort -k2
}

@test "triage: change lists from the overlay layers are the daemon's, for every lab container" {
	local n=0 c id want got
	# the lab's own containers and this file's (others' may change files meanwhile)
	for c in $(docker ps -a --filter label=cirt.lab=1 --format '{{.Names}}' | grep -E '^(lab-|planted-|tri-)' | grep -v '^lab-many-'); do
		id=$(docker inspect -f '{{.Id}}' "$c" 2>/dev/null) || continue # removed meanwhile
		[ "$(docker inspect -f '{{.GraphDriver.Name}}' "$id")" = overlay2 ] || continue
		want=$(daemon_changes "$id")
		got=$("$CIRT" diff --from-layers --json "$id" | jq -r '.changes[] | "\({"C": 0, "A": 1, "D": 2}[.kind]) \(.path)"')
		[ "$got" = "$want" ] || { echo "$c:"; diff <(echo "$want") <(echo "$got"); false; }
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
	# the layered container shows every kind, and triage counted the same
	want=$(daemon_changes "$LAYERS")
	grep -q '^2 /bin/ls$' <<<"$want"
	grep -q '^1 /tmp/ls2$' <<<"$want"
	grep -q '^1 /tmp/.hidden$' <<<"$want"
	grep -q '^2 /www/index.html$' <<<"$want"
	! grep -q ' /bin/busybox$' <<<"$want" || false
	jq -e --arg c "$LAYERS" --argjson a "$(grep -c '^1 ' <<<"$want")" --argjson ch "$(grep -c '^0 ' <<<"$want")" \
		--argjson d "$(grep -c '^2 ' <<<"$want")" \
		'.changes[] | select(.container == $c) | .added == $a and .changed == $ch and .deleted == $d' \
		"$BATS_FILE_TMPDIR/triage.json"
	# and took them from the layers: no container's list came from the daemon
	[ "$(jq '[.notes[] | select(test("changed files of"))] | length' "$BATS_FILE_TMPDIR/triage.json")" = 0 ]
}

@test "triage: bad input is a usage error" {
	run_split "$CIRT" triage --ioc "$BATS_FILE_TMPDIR/missing.txt"
	[ "$status" -eq 2 ]
	grep -q "missing.txt" <<<"$stderr"
	printf 'not-an-address\n' >"$BATS_TEST_TMPDIR/bad.txt"
	run_split "$CIRT" triage --ioc "$BATS_TEST_TMPDIR/bad.txt"
	[ "$status" -eq 2 ]
	grep -q "line 1: 'not-an-address'" <<<"$stderr"
	run_split "$CIRT" triage extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "cirt: triage: unexpected argument 'extra'" ]
	run_split "$CIRT" triage --since yesterday-ish
	[ "$status" -eq 2 ]
}

@test "html: self-contained: no external script, style, font or link; a strict CSP" {
	local h=$BATS_FILE_TMPDIR/report.html
	[ -s "$h" ]
	[ "$(stat -c %a "$h")" = 600 ]
	grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$h"
	! grep -Eiq '<(script|img|link|iframe)[^>]*(src|href)=' "$h"
	! grep -Eiq '(src|href)="(https?:)?//' "$h"
	! grep -Eiq '@import|url\((https?:)?//' "$h"
	[ "$(grep -ao '<script' "$h" | wc -l)" -eq 1 ]
	[ "$(tr -cd '\000' <"$h" | wc -c)" -eq 0 ]
}

@test "html: Chromium renders the summary, counts and topology offline, and makes no network request" {
	local out=$BATS_TEST_TMPDIR h=$BATS_FILE_TMPDIR/report.html
	chromium_run "file://$h" "$out" --log-net-log="$out/net.json" --dump-dom >"$out/dom.html"
	grep -q '<section id="summary">' "$out/dom.html"
	grep -q 'Summary: look at these first' "$out/dom.html"
	grep -q '<div class="stats" id="counts">' "$out/dom.html"
	grep -q '<section id="topology">' "$out/dom.html"
	grep -q '<svg' "$out/dom.html"
	# the topology holds the lab's containers and bridges
	grep -q 'lab-beacon-default' "$out/dom.html"
	grep -q 'docker0' "$out/dom.html"
	# the sortable tables were rendered, and the page's own script ran (no CSP violation)
	grep -q '<table class="data" id="connections">' "$out/dom.html"
	# every request in the net log is Chromium's own (updater, clock: "not an origin"); a
	# request of the page would carry its origin ("null" for a file) as initiator
	[ -s "$out/net.json" ]
	run jq '[.events[] | .params.initiator? // empty | select(. != "not an origin")] | length' "$out/net.json"
	[ "$output" = 0 ]
	# the check can fail: a page that loads an image from the lab C2 (no network here: unshare -n)
	printf '<!DOCTYPE html><img src="http://%s/x.png">' "$LAB_C2_IP" >"$out/control.html"
	chromium_run "file://$out/control.html" "$out" --log-net-log="$out/net2.json" --dump-dom >/dev/null
	run jq '[.events[] | .params.initiator? // empty | select(. != "not an origin")] | length' "$out/net2.json"
	[ "$output" -gt 0 ]
}

@test "html: a hostile file name stays text in the rendered page" {
	local out=$BATS_TEST_TMPDIR h=$BATS_FILE_TMPDIR/report.html
	grep -q '&lt;script&gt;alert(1)' "$h"
	chromium_run "file://$h" "$out" --dump-dom >"$out/dom.html"
	# the page's own script is the only one; no image element came from a name
	[ "$(grep -o '<script' "$out/dom.html" | wc -l)" -eq 1 ]
	! grep -q '<img' "$out/dom.html"
	grep -q '&lt;img src=http:x onerror=alert(2)&gt;' "$out/dom.html"
}

@test "html: Chromium takes a screenshot" {
	local out=$BATS_TEST_TMPDIR
	chromium_run "file://$BATS_FILE_TMPDIR/report.html" "$out" --window-size=1280,1600 --screenshot="$out/shot.png"
	[ "$(head -c 8 "$out/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(stat -c %s "$out/shot.png")" -gt 20000 ]
}

@test "report BUNDLE: the same report from an evidence bundle, IOC first, integrity checked" {
	local b=$BATS_TEST_TMPDIR/bundle
	"$CIRT" collect lab-beacon -o "$b" --case TRI-1 >/dev/null 2>&1
	run_split "$CIRT" report --ioc "$BATS_FILE_TMPDIR/ioc.txt" --json "$b"
	[ "$status" -eq 1 ]
	jq -e '.source == "bundle" and .bundle.verified == true and .bundle.case == "TRI-1"' <<<"$output"
	jq -e --arg ip "$LAB_C2_IP" '.summary[0].container == "lab-beacon" and (.summary[0].why[0].kind == "ioc") and (.summary[0].why[0].text | contains($ip))' <<<"$output"
	"$CIRT" report --ioc "$BATS_FILE_TMPDIR/ioc.txt" -o "$BATS_TEST_TMPDIR/r.html" "$b" || [ $? -eq 1 ]
	grep -q '<section id="summary">' "$BATS_TEST_TMPDIR/r.html"
	grep -q 'every file matches its manifest' "$BATS_TEST_TMPDIR/r.html"
	# tampered evidence: the report says so and exits 1
	printf 'x' >>"$b/container/inspect.json"
	run_split "$CIRT" report --json "$b"
	[ "$status" -eq 1 ]
	jq -e '.bundle.verified == false and (.notes | map(select(contains("does not verify: changed container/inspect.json"))) | length == 1)' <<<"$output"
}

@test "report BUNDLE: an archive bundle of the planted container" {
	local b=$BATS_TEST_TMPDIR/planted.tar.gz
	"$CIRT" collect planted-run -o "$b" --case TRI-2 >/dev/null 2>&1 || true
	[ -s "$b" ]
	run_split "$CIRT" report --json "$b"
	[ "$status" -eq 1 ]
	jq -e '.bundle.verified == true and .summary[0].container == "planted-run"' <<<"$output"
	jq -e '[.summary[0].why[] | select(.kind == "evidence" and (.text | contains("deleted from disk")))] | length == 1' <<<"$output"
	jq -e '[.findings[] | .rule] | index("escape.runtime_socket")' <<<"$output"
}

@test "report: a directory that is not a bundle is a usage error" {
	run_split "$CIRT" report "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ $stderr == *"no readable manifest.json of cirt collect"* ]]
	run_split "$CIRT" report
	[ "$status" -eq 2 ]
}

@test "triage: the threads that read container files drop to dac_read_search, fowner and sys_ptrace; the main thread keeps what conntrack needs" {
	PRIVDROP_POINT=privdrop-thread at_privdrop "$CIRT" triage --json
	[ "$status" -le 1 ] || { cat "$BATS_TEST_TMPDIR/privdrop.err"; false; }
	[ -s "$BATS_TEST_TMPDIR/privdrop.status" ] || { echo "cirt never stopped at a drop"; false; }
	# the main thread (the process's status) still holds net_admin (1<<12) and sys_admin (1<<21)
	eff=$(awk '/^CapEff:/ {print $2}' "$BATS_TEST_TMPDIR/privdrop.status")
	[ $((0x$eff & (1 << 12))) -ne 0 ] && [ $((0x$eff & (1 << 21))) -ne 0 ] || { echo "main CapEff $eff"; false; }
	# one worker has given up everything else, bounding set and no_new_privs included
	grep -qx $'CapEff:\t000000000008000c' "$BATS_TEST_TMPDIR/privdrop.tasks" || { grep -E 'Cap(Eff|Bnd)' "$BATS_TEST_TMPDIR/privdrop.tasks"; false; }
	grep -qx $'CapBnd:\t000000000008000c' "$BATS_TEST_TMPDIR/privdrop.tasks"
	grep -qx $'NoNewPrivs:\t1' "$BATS_TEST_TMPDIR/privdrop.tasks"
	# and the quick checks still read the planted container's files (a backdoor finding)
	jq -e '[.findings[] | select(.container == "planted-run" and .check == "backdoor")] | length > 0' "$BATS_TEST_TMPDIR/privdrop.out"
}
