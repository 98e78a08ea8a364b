#!/usr/bin/env bats
# deadbox.bats: cirt --root DIR on a real disk image of a Docker host. The fixture
# (tests/lab/deadbox.sh) builds it once for the whole file: a loop-mounted ext4 file holds the
# data root of a SECOND dockerd (its own data root, exec root, pidfile, socket and bridge; never
# the lab's daemon), lab containers run on it, an intruder plants changes in a known order, a
# beacon talks to a listener on the same custom network, a container that held an address is
# removed, cirt watch journals into the image; the live answers are recorded; the daemon stops,
# the file is unmounted and mounted read-only elsewhere. The --root answers must equal the live
# ones. A copy with one container record and libnetwork's store corrupted still gives the rest,
# with notes. Everything is torn down at the end (bounded).

load helpers

DB=$TOP/tests/lab/deadbox.sh
eval "$("$DB" env)"

W() { echo "$BATS_FILE_TMPDIR/db"; }
RO() { echo "$BATS_FILE_TMPDIR/db/ro"; }
BAD() { echo "$BATS_FILE_TMPDIR/db/bad"; }
HOSTILE() { echo "$BATS_FILE_TMPDIR/db/hostile"; }
L() { echo "$BATS_FILE_TMPDIR/db/live"; }
off() { "$CIRT" --root "$(RO)" "$@"; }
id_of() { awk -v n="$1" '$1 == n {print $2}' "$(L)/names.txt"; }

setup_file() {
	local w
	w=$(W)
	export CIRT
	timeout 300 "$DB" build "$w" >"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/build.log" >&2
		return 1
	}
	"$DB" mount-ro "$w" "$(RO)"
	sha256sum "$w/disk.img" | cut -d' ' -f1 >"$w/disk.sha256"
	# the damaged copy: db-web's record cut short, the bolt file's meta pages overwritten
	cp --sparse=always "$w/disk.img" "$w/bad.img"
	mkdir -p "$w/badrw"
	mount -o loop "$w/bad.img" "$w/badrw"
	truncate -s 100 "$w/badrw$DB_DATA/containers/$(id_of db-web)/config.v2.json"
	dd if=/dev/zero of="$w/badrw$DB_DATA/network/files/local-kv.db" bs=4096 count=2 conv=notrunc 2>/dev/null
	umount "$w/badrw"
	mkdir -p "$(BAD)"
	mount -o loop,ro "$w/bad.img" "$(BAD)"
	# the hostile copy: a name with an escape sequence and a newline, the daemon's log a symlink
	# to /etc/shadow, a symlink loop in a writable layer, db-c2's writable layer gone
	cp --sparse=always "$w/disk.img" "$w/hostile.img"
	mount -o loop "$w/hostile.img" "$w/badrw"
	local d=$w/badrw$DB_DATA
	jq -c '.Name = "/db-\u001b[31mevil\nname"' "$d/containers/$(id_of db-web)/config.v2.json" >"$w/cfg"
	cp "$w/cfg" "$d/containers/$(id_of db-web)/config.v2.json"
	local web c2
	web=$(cat "$d/image/overlay2/layerdb/mounts/$(id_of db-web)/mount-id")
	c2=$(cat "$d/image/overlay2/layerdb/mounts/$(id_of db-c2)/mount-id")
	ln -s loop2 "$d/overlay2/$web/diff/loop1"
	ln -s loop1 "$d/overlay2/$web/diff/loop2"
	rm -rf "$d/overlay2/$c2/diff"
	mv "$w/badrw/var/log/docker.log" "$w/badrw/var/log/docker.log.1"
	ln -s /etc/shadow "$w/badrw/var/log/docker.log"
	umount "$w/badrw"
	mkdir -p "$(HOSTILE)"
	mount -o loop,ro "$w/hostile.img" "$(HOSTILE)"
}

teardown_file() {
	timeout 120 "$DB" clean "$(W)" || true
}

# ------------------------------------------------------------------ the fixture itself

@test "deadbox: the second daemon is gone and the lab's daemon never saw its containers" {
	[ ! -S "$DB_SOCK" ]
	! pgrep -f -- "--exec-root /run/cirtdb-exec" >/dev/null
	run docker ps -a --filter name=db- --format '{{.Names}}'
	[ -z "$output" ]
	ip link show docker0 >/dev/null
	docker ps --format '{{.Names}}' | grep -q '^lab-'
	findmnt -n -o OPTIONS "$(RO)" | grep -q '^ro'
}

# ------------------------------------------------------------------ ps, inspect, net

@test "deadbox: ps -a --root gives the live containers, ids, images and addresses" {
	run_split off ps -a --json
	[ "$status" -eq 0 ]
	q='[.containers[] | {name, id, image, ips: [.endpoints[]?.ipv4], ports}] | sort_by(.name)'
	diff <(jq -S "$q" "$(L)/ps.json") <(jq -S "$q" <<<"$output")
	[ "$(jq -r '.offline.offline' <<<"$output")" = true ]
	[ "$(jq -r '.offline.data_root' <<<"$output")" = "$DB_DATA" ]
	[[ $stderr == *"offline view of the disk image at '$(RO)'"* ]]
	# what the records say last: every container exited (the daemon stopped them)
	[ "$(jq -r '[.containers[] | select(.state != "exited")] | length' <<<"$output")" = 0 ]
}

@test "deadbox: ps --ip on the image is exact" {
	run_split off ps --ip "$DB_C2_IP" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.containers[].name] | join(",")' <<<"$output")" = db-c2 ]
	run_split off ps --ip "${DB_C2_IP%0}" --json
	[ "$(jq -r '.containers | length' <<<"$output")" = 0 ]
}

@test "deadbox: inspect --root: last state, exit code, times, address and published port" {
	run_split off inspect db-web
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = exited ]
	[ "$(jq -r '.[0].State.StartedAt' <<<"$output")" != 0001-01-01T00:00:00Z ]
	[ "$(jq -r '.[0].State.FinishedAt' <<<"$output")" != 0001-01-01T00:00:00Z ]
	[ "$(jq -r '.[0].HostConfig.PortBindings["8080/tcp"][0].HostPort' <<<"$output")" = "$DB_PORT" ]
	live_ip=$(jq -r '.containers[] | select(.name == "db-web") | .endpoints[0].ipv4' "$(L)/ps.json")
	[ "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress' <<<"$output")" = "$live_ip" ]
	run_split off inspect db-stopped
	[ "$(jq -r '.[0].State.ExitCode' <<<"$output")" = 3 ]
}

@test "deadbox: net --root: the live networks, subnets and members, the published port" {
	run_split off net --json
	[ "$status" -eq 0 ]
	# live listed running containers only; the image has db-stopped on "none" as well
	q='[.networks[] | {name, id, subnets, containers: ([.containers[] | select(. != "db-stopped")])}] | sort_by(.name)'
	diff <(jq -S "$q" "$(L)/net.json") <(jq -S "$q" <<<"$output")
	run_split off ps -a --json
	[ "$(jq -r '.containers[] | select(.name == "db-web") | .ports[] | select(.host_port != null) | "\(.host_ip):\(.host_port)->\(.container_port)"' <<<"$output")" = "127.0.0.1:$DB_PORT->8080" ]
}

# ------------------------------------------------------------------ locate

@test "deadbox: locate --root: the listener held the address; the beacon's flows are the live ones" {
	run_split off locate "$DB_C2_IP" --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.holders | join(",")' <<<"$output")" = db-c2 ]
	# every window of db-c2 starts before the first beacon line and ends after the last
	first=$(jq -r '.[0].time' <(jq -s . "$(L)/logs-beacon.json"))
	[ "$(jq -r --arg t "$first" '[.held[] | select(.from != null and .from > $t)] | length' <<<"$output")" = 0 ]
	# the live answer's containers: the beacon talked to it, the listener held it
	for c in $(jq -r '.containers[].name' "$(L)/locate.json"); do
		jq -e --arg c "$c" '(.holders | index($c)) or ([.mentions[].container] | index($c))' <<<"$output" >/dev/null
	done
	# the five flows cirt watch journaled into the image are the live conntrack's (source ports of
	# the beacon's connections to the listener)
	live=$(jq -r '[.findings[] | select(.container.name == "db-beacon" and .flow.original.dport == 4444) | .flow.original.sport] | unique | join(",")' "$(L)/locate.json")
	img=$(jq -r '[.mentions[] | select(.kind == "journal" and .container == "db-beacon") | .detail | capture(":(?<p>[0-9]+) ->").p | tonumber] | unique | join(",")' <<<"$output")
	[ -n "$live" ]
	[ "$live" = "$img" ] || {
		echo "live: $live image: $img"
		jq -c '.mentions[] | select(.kind == "journal")' <<<"$output"
		false
	}
	# the beacon's own log lines name it
	[ "$(jq -r '[.mentions[] | select(.kind == "container-log" and .container == "db-beacon")] | length' <<<"$output")" = 5 ]
	[ "$(jq -r '.journal_lines > 0' <<<"$output")" = true ]
}

@test "deadbox: locate --root: a removed container's address, with its window, and --until before it" {
	run_split off locate "$DB_OLD_IP" --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.held[] | select(.container == "db-old" and .removed and .from != null and .until != null)] | length' <<<"$output")" -ge 1 ]
	from=$(jq -r '[.held[] | select(.container == "db-old")][0].from' <<<"$output")
	run_split off locate "$DB_OLD_IP" --until 2000-01-01T00:00:00Z --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.held | length' <<<"$output")" = 0 ]
	run_split off locate "$DB_OLD_IP" --since "$from" --json
	[ "$(jq -r '.holders | join(",")' <<<"$output")" = db-old ]
	run_split off locate "$DB_OLD_IP" --capture 5
	[ "$status" -eq 2 ]
}

# ------------------------------------------------------------------ diff, logs, scan, collect

@test "deadbox: diff and logs --root equal the live answers" {
	run_split off diff db-intruder --json
	[ "$status" -eq 0 ]
	diff <(jq -S '.changes | sort_by(.path)' "$(L)/diff.json") <(jq -S '.changes | sort_by(.path)' <<<"$output")
	run_split off logs db-beacon --json
	[ "$status" -eq 0 ]
	diff "$(L)/logs-beacon.json" <(echo "$output")
	# the local log driver
	run_split off logs db-intruder --json
	diff "$(L)/logs-intruder.json" <(echo "$output")
}

@test "deadbox: scan --all --root finds what the live scan found, and scans the image store" {
	run_split off scan --all --json --no-progress
	[ "$status" -eq 1 ]
	q='[.targets[] | select(.kind == "container") | .target as $t | .findings[] | "\($t) \(.rule) \(.path)"] | sort'
	diff <(jq -r "$q" "$(L)/scan.json") <(jq -r "$q" <<<"$output")
	jq -e '[.targets[] | select(.target == "db-intruder") | .findings[] | .path] | index("/var/www/html/up.php")' <<<"$output" >/dev/null
	jq -e '[.targets[].target] | index("cirt-lab/busybox:1")' <<<"$output" >/dev/null
}

@test "deadbox: collect --root: a verified bundle whose custody log says it came from the image" {
	b=$BATS_FILE_TMPDIR/bundle
	run_split off collect db-intruder -o "$b"
	[ "$status" -eq 0 ]
	grep -q "source: a disk image of a host, mounted at $(RO)" "$b/custody.log"
	[ -f "$b/files/var/www/html/up.php" ]
	[ -f "$b/container/logs/local.log" ]
	run "$CIRT" verify "$b"
	[ "$status" -eq 0 ]
}

# ------------------------------------------------------------------ timeline

@test "deadbox: timeline --root orders the planted changes as they were made" {
	run_split off timeline db-intruder --json
	[ "$status" -eq 0 ]
	order=$(jq -r '[.events[] | select(.source == "file" and (.macb | startswith("m"))) | .path
		| select(IN("/tmp/.x/dropper.sh", "/etc/passwd", "/var/www/html/up.php", "/bin/true", "/var/spool/cron/crontabs/root"))] | join(" ")' <<<"$output")
	[ "$order" = "/tmp/.x/dropper.sh /etc/passwd /var/www/html/up.php /bin/true /var/spool/cron/crontabs/root" ]
	# the deletion is a D, the record's life cycle and the intruder's own log lines are there
	[ "$(jq -r '.events[] | select(.path == "/bin/true") | .event' <<<"$output" | sort -u)" = D ]
	jq -e '[.events[] | select(.source == "record") | .event] | index("create") and index("start") and index("stop")' <<<"$output" >/dev/null
	steps=$(jq -r '[.events[] | select(.source == "log") | .detail | select(startswith("step"))] | join(" ")' <<<"$output")
	[ "$steps" = "step1 step2 step3 step4 step5" ]
	# times only go forward
	jq -e '[.events[].time] as $t | $t == ($t | sort)' <<<"$output" >/dev/null
}

@test "deadbox: timeline --root: the removed container's life from the daemon's log, the journal's flows" {
	run_split off timeline --json
	[ "$status" -eq 0 ]
	jq -e '[.events[] | select(.source == "daemon-log" and .container == "db-old") | .event] | index("api: create") and index("api: remove")' <<<"$output" >/dev/null
	[ "$(jq -r '[.events[] | select(.source == "journal" and .event == "flow new" and .container == "db-beacon")] | length' <<<"$output")" = 5 ]
	run_split off timeline --json --since 2000-01-01T00:00:00Z --until 2000-01-02T00:00:00Z
	[ "$(jq -r '.events | length' <<<"$output")" = 0 ]
}

@test "deadbox: timeline --root --bodyfile: eleven fields a line, the planted files with their times" {
	run_split off timeline --bodyfile
	[ "$status" -eq 0 ]
	[ -z "$(awk -F'|' 'NF != 11' <<<"$output")" ]
	line=$(grep -F "|db-intruder:/var/www/html/up.php|" <<<"$output")
	[ -n "$line" ]
	IFS='|' read -r md5 name inode mode uid gid size atime mtime ctime crtime <<<"$line"
	[ "$mode" = "r/rrw-r--r--" ]
	[ "$mtime" -gt 0 ]
	# the same second as the JSON's mtime
	t=$(off timeline db-intruder --json 2>/dev/null | jq -r '[.events[] | select(.path == "/var/www/html/up.php")][0].mtime')
	[ "$mtime" = "$(date -u -d "$t" +%s)" ]
	grep -q '^0|\[record\] db-stopped: stop: last stop, exit code 3|' <<<"$output"
}

# ------------------------------------------------------------------ damage, confinement

@test "deadbox: a damaged copy (one record cut short, the bolt file overwritten) still gives the rest, with notes" {
	run_split "$CIRT" --root "$(BAD)" ps -a --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.containers[].name] | sort | join(",")' <<<"$output")" = db-beacon,db-c2,db-intruder,db-stopped ]
	[[ $stderr == *"$(id_of db-web | cut -c1-12)"*"config.v2.json"* ]]
	run_split "$CIRT" --root "$(BAD)" net --json
	[ "$status" -eq 0 ]
	[[ $stderr == *"local-kv.db"* ]]
	jq -e '[.networks[].name] | index("cirtdb-net")' <<<"$output" >/dev/null
	run_split "$CIRT" --root "$(BAD)" locate "$DB_C2_IP" --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.holders | join(",")' <<<"$output")" = db-c2 ]
	jq -e '.notes | map(select(test("local-kv.db"))) | length > 0' <<<"$output" >/dev/null
	run_split "$CIRT" --root "$(BAD)" timeline --json
	[ "$status" -eq 0 ]
	jq -e '[.events[] | select(.container == "db-intruder")] | length > 0' <<<"$output" >/dev/null
}

@test "deadbox: a hostile copy: an escaped name, a log symlinked out of the image, a loop, a missing layer" {
	h() { "$CIRT" --root "$(HOSTILE)" "$@"; }
	run_split h ps
	[ "$status" -eq 0 ]
	[[ $output == *'db-\e[31mevil\nname'* ]]
	[[ $output != *$'\e'* ]]
	[ "$(wc -l <<<"$output")" -eq 6 ]
	# /var/log/docker.log -> /etc/shadow is not followed (not even to the image's own)
	run_split h timeline --json
	[ "$status" -eq 0 ]
	jq -e '.notes | map(select(test("docker.log.*symbolic links"))) | length == 1' <<<"$output" >/dev/null
	jq -e '.notes | map(select(test("writable layer of .db-c2.*No such file"))) | length == 1' <<<"$output" >/dev/null
	jq -e '[.events[] | select(.source == "file") | .path] | index("/loop1") and index("/loop2")' <<<"$output" >/dev/null
	jq -e '[.events[] | select(.container == "db-intruder" and .source == "file")] | length > 5' <<<"$output" >/dev/null
	# the rotated daemon log is still read: db-old's window
	run_split h locate "$DB_OLD_IP" --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.holders | join(",")' <<<"$output")" = db-old ]
	run_split h diff db-c2
	[ "$status" -ne 0 ]
	[[ $stderr == *"No such file"* ]]
}

@test "deadbox: --root refuses what needs the running machine" {
	run_split "$CIRT" --root "$(RO)" -H "unix://$DB_SOCK" ps
	[ "$status" -eq 2 ]
	run_split off top db-web
	[ "$status" -eq 2 ]
	[[ $stderr == *"does not work with --root"* ]]
	run_split off timeline --bodyfile --root "$(RO)"
	[ "$status" -eq 0 ]
	run_split "$CIRT" timeline --bodyfile
	[ "$status" -eq 2 ]
}

@test "deadbox: the image was only read" {
	[ "$(sha256sum "$(W)/disk.img" | cut -d' ' -f1)" = "$(cat "$(W)/disk.sha256")" ]
}
