#!/usr/bin/env bats
# collect.bats: cirt collect and cirt verify on a compromised fixture container: a process run
# from a binary that was then deleted, holding a connection to the lab's C2 host (10.66.0.2:80),
# files an intruder added, and traps (a symlink to /etc/shadow, a FIFO named like a log, a 10 GB
# sparse file). Every claim is checked against the kernel, docker or sha256sum.

load helpers

IMPLANT=col-implant
SMALL=col-small

# The intruder: copies busybox to /tmp/nc (made unique by a marker), prints its hash, runs it as nc
# to the C2 host with a held-open request (one header line every 20 s, bounded to 200), deletes
# it, drops files, sets the traps, then idles.
implant_script() {
	cat <<'EOF'
cat /bin/busybox > /tmp/nc
echo "cirt-implant-marker" >> /tmp/nc
chmod 755 /tmp/nc
sha256sum /tmp/nc
(printf 'GET /implant HTTP/1.0\r\n'; i=0; while [ $i -lt 200 ]; do printf 'X-Keep: %d\r\n' $i; sleep 20; i=$((i+1)); done) | /tmp/nc 10.66.0.2 80 >/dev/null 2>&1 &
sleep 1
rm /tmp/nc
mkdir -p /root/.ssh /var/log /data
echo "ssh-ed25519 AAAAC3Nza-attacker-key attacker@c2" > /root/.ssh/authorized_keys
printf '#!/bin/sh\necho dropped\n' > /tmp/dropper.sh
ln -s /etc/shadow /var/log/shadow.log
ln -s /etc /tmp/hostetc
mkfifo /var/log/app.log
truncate -s 10G /data/disk.img
touch "/tmp/evil$(printf '\033[2J\nname')"
echo "to stderr" >&2
echo ready
exec sleep 86400
EOF
}

wait_log() { # NAME TEXT: bounded wait for TEXT in the container's stdout
	local i
	for i in $(seq 1 100); do
		docker logs "$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 0.1
	done
	echo "$1 never printed '$2'" >&2
	return 1
}

setup_file() {
	# network safety: the implant may only reach the lab's C2 namespace
	ip route get "$LAB_C2_IP" | grep -q "dev $LAB_C2_HOST_IF" || {
		echo "route to $LAB_C2_IP does not leave via $LAB_C2_HOST_IF: refusing" >&2
		return 1
	}
	docker rm -f "$IMPLANT" "$SMALL" col-exit col-stopped >/dev/null 2>&1 || true
	docker run -d --name "$IMPLANT" --label cirt.lab=1 --network "$LAB_NET" \
		-e IMPLANT_KEY=s3cr3t-marker "$LAB_IMAGE" sh -c "$(implant_script)" >/dev/null
	docker run -d --name "$SMALL" --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo small > /tmp/small.txt; echo ready; exec sleep 86400' >/dev/null
	wait_log "$IMPLANT" ready
	wait_log "$SMALL" ready
	local d=$BATS_FILE_TMPDIR
	docker logs "$IMPLANT" 2>/dev/null | awk '/\/tmp\/nc$/ {print $1}' >"$d/implant.sha256"
	id=$(docker inspect -f '{{.Id}}' "$IMPLANT")
	echo "$id" >"$d/implant.id"
	ncpid=
	for p in $(pgrep -f '^/tmp/nc 10.66.0.2 80'); do
		grep -q "$id" "/proc/$p/cgroup" && ncpid=$p
	done
	echo "$ncpid" >"$d/nc.pid"
	upper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$IMPLANT")
	echo "$upper" >"$d/upper"
	stat -c %X "$upper/root/.ssh/authorized_keys" >"$d/atime.before"
	changes "$IMPLANT" >"$d/diff.before"
	# one collection that most tests read
	"$CIRT" collect "$IMPLANT" -o "$d/bundle" --case "IR-42/x" --memory "$ncpid" >"$d/collect.out" 2>"$d/collect.err"
	echo $? >"$d/collect.status"
}

teardown_file() {
	docker rm -f "$IMPLANT" "$SMALL" col-exit col-stopped >/dev/null 2>&1 || true
	for i in $(docker images -q --filter label=cirt.source-name="$IMPLANT" | sort -u); do
		docker rmi -f "$i" >/dev/null 2>&1 || true
	done
	if mountpoint -q "$BATS_FILE_TMPDIR/full" 2>/dev/null; then umount "$BATS_FILE_TMPDIR/full"; fi
}

B() { echo "$BATS_FILE_TMPDIR/bundle"; }

changes() { # the daemon's change list (docker diff), sorted, as JSON
	curl -sf --unix-socket /var/run/docker.sock "http://x/containers/$1/changes" | jq -S 'sort_by(.Path)'
}

@test "collect: exit 0, a complete manifest, the printed sha256 is the manifest's" {
	[ -s "$BATS_FILE_TMPDIR/nc.pid" ] || { echo "fixture: nc process not found"; false; }
	cat "$BATS_FILE_TMPDIR/collect.out" "$BATS_FILE_TMPDIR/collect.err"
	[ "$(cat "$BATS_FILE_TMPDIR/collect.status")" -eq 0 ]
	[ "$(jq -r .complete "$(B)/manifest.json")" = true ]
	[ "$(jq -r .format "$(B)/manifest.json")" = cirt-bundle/1 ]
	[ "$(jq -r .case "$(B)/manifest.json")" = "IR-42/x" ]
	[ "$(jq -r .container.id "$(B)/manifest.json")" = "$(cat "$BATS_FILE_TMPDIR/implant.id")" ]
	sha=$(sha256sum "$(B)/manifest.json" | cut -d' ' -f1)
	grep -q "^sha256: *$sha" "$BATS_FILE_TMPDIR/collect.out"
	# every manifest entry exists with its size and hash
	jq -r '.files[] | "\(.sha256)  \(.path)"' "$(B)/manifest.json" >"$BATS_TEST_TMPDIR/sums"
	(cd "$(B)" && sha256sum --quiet -c "$BATS_TEST_TMPDIR/sums")
}

@test "collect: the deleted binary is recovered through /proc/PID/exe with the right hash" {
	want=$(cat "$BATS_FILE_TMPDIR/implant.sha256")
	[ ${#want} -eq 64 ]
	ncpid=$(cat "$BATS_FILE_TMPDIR/nc.pid")
	# the kernel agrees the binary is gone from disk
	readlink "/proc/$ncpid/exe" | grep -q '(deleted)'
	p=$(jq -c --argjson p "$ncpid" '.processes[] | select(.pid==$p)' "$(B)/volatile/processes.json")
	[ "$(echo "$p" | jq -r .exe.deleted)" = true ]
	[ "$(echo "$p" | jq -r .exe.link)" = "/tmp/nc (deleted)" ]
	[ "$(echo "$p" | jq -r .exe.sha256)" = "$want" ]
	copy=$(echo "$p" | jq -r .exe.copy)
	[ "$(sha256sum "$(B)/$copy" | cut -d' ' -f1)" = "$want" ]
	tail -c 20 "$(B)/$copy" | grep -q cirt-implant-marker
	grep -q "runs a deleted binary" "$BATS_FILE_TMPDIR/collect.out"
	grep -q "deleted binary" "$(B)/custody.log"
}

@test "collect: the socket to the C2 host, owned by the deleted binary, and its conntrack entry" {
	ncpid=$(cat "$BATS_FILE_TMPDIR/nc.pid")
	s=$(jq -c '.sockets[] | select(.proto=="tcp" and .remote_address=="10.66.0.2" and .remote_port==80 and .state=="ESTABLISHED")' "$(B)/volatile/sockets.json")
	[ -n "$s" ]
	[ "$(echo "$s" | jq -r '.owners[0].pid')" = "$ncpid" ]
	[ "$(echo "$s" | jq -r '.owners[0].exe')" = "/tmp/nc (deleted)" ]
	# the same socket as the kernel's inode of the nc's descriptor
	ino=$(echo "$s" | jq -r .inode)
	ls -l "/proc/$ncpid/fd" | grep -q "socket:\[$ino\]"
	ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$IMPLANT")
	[ "$(echo "$s" | jq -r .local_address)" = "$ip" ]
	port=$(echo "$s" | jq -r .local_port)
	# conntrack: the original tuple has the container's address, the reply the masqueraded one
	e=$(jq -c --arg ip "$ip" --argjson port "$port" '.entries[] | select(.original.src==$ip and .original.sport==$port and .original.dst=="10.66.0.2")' "$(B)/volatile/conntrack.json")
	[ -n "$e" ]
	[ "$(echo "$e" | jq -r .reply.dst)" = "$LAB_C2_HOST_IP" ]
	[ "$(echo "$e" | jq -r .tcp_state)" = ESTABLISHED ]
	conntrack -L -s "$ip" -p tcp --sport "$port" 2>/dev/null | grep -q "dst=10.66.0.2"
	grep -q "sport=$port dport=80" "$(B)/volatile/conntrack.txt"
}

@test "collect: environment, command lines, credentials, namespaces and the process tree" {
	ncpid=$(cat "$BATS_FILE_TMPDIR/nc.pid")
	p=$(jq -c --argjson p "$ncpid" '.processes[] | select(.pid==$p)' "$(B)/volatile/processes.json")
	echo "$p" | jq -e '.environ | index("IMPLANT_KEY=s3cr3t-marker")'
	[ "$(echo "$p" | jq -c .cmdline)" = '["/tmp/nc","10.66.0.2","80"]' ]
	[ "$(echo "$p" | jq -r .namespaces.net)" = "$(readlink "/proc/$ncpid/ns/net")" ]
	[ "$(echo "$p" | jq -r '.Uid[1]')" = 0 ]
	echo "$p" | jq -e '.fds[] | select(.fd==3) | .socket_inode'
	# the raw /proc files are kept beside, byte for byte
	tr '\0' '\n' <"$(B)/volatile/proc/$ncpid/environ" | grep -qx IMPLANT_KEY=s3cr3t-marker
	cmp "$(B)/volatile/proc/$ncpid/cmdline" "/proc/$ncpid/cmdline"
	# the init process, the held-open pipeline and the implant, each once
	init=$(container_pid "$IMPLANT")
	for p in "$init" "$ncpid"; do
		[ "$(jq --argjson p "$p" '[.processes[] | select(.pid==$p)] | length' "$(B)/volatile/processes.json")" -eq 1 ]
	done
	[ "$(jq '.processes | length' "$(B)/volatile/processes.json")" -ge 3 ]
	grep -q "^$init " "$(B)/volatile/proctree.txt"
	grep -q "/tmp/nc 10.66.0.2 80" "$(B)/volatile/proctree.txt"
	[ -s "$(B)/volatile/stats.json" ]
	jq -e .Processes "$(B)/volatile/top.json" >/dev/null
}

@test "collect --memory: the readable regions of the process, with the maps and an index" {
	ncpid=$(cat "$BATS_FILE_TMPDIR/nc.pid")
	[ -s "$(B)/memory/$ncpid.mem" ]
	[ -s "$(B)/memory/$ncpid.maps" ]
	# the environment block lives on the process's stack
	grep -qa "IMPLANT_KEY=s3cr3t-marker" "$(B)/memory/$ncpid.mem"
	# the index accounts for every byte of the memory file
	sum=$(jq '[.regions[] | .bytes // 0] | add' "$(B)/memory/$ncpid.regions.json")
	[ "$sum" -eq "$(stat -c %s "$(B)/memory/$ncpid.mem")" ]
	jq -e '.regions[] | select(.path=="[stack]") | .bytes > 0' "$(B)/memory/$ncpid.regions.json"
}

@test "collect: the intruder's files are copied with their content; deletions and directories listed" {
	want="ssh-ed25519 AAAAC3Nza-attacker-key attacker@c2"
	[ "$(cat "$(B)/files/root/.ssh/authorized_keys")" = "$want" ]
	[ "$(cat "$(B)/files/tmp/dropper.sh")" = "$(printf '#!/bin/sh\necho dropped')" ]
	# (the originals are not read here: a later test checks their access times are untouched)
	e=$(jq -c '.changes[] | select(.path=="/root/.ssh/authorized_keys")' "$(B)/container/changes.json")
	[ "$(echo "$e" | jq -r .kind)" = A ]
	[ "$(echo "$e" | jq -r .sha256)" = "$(echo "$want" | sha256sum | cut -d' ' -f1)" ]
	[ "$(echo "$e" | jq -r .mode)" = 0644 ]
	[ "$(jq -r '.changes[] | select(.path=="/root/.ssh") | .type' "$(B)/container/changes.json")" = directory ]
	# the change list is docker diff's
	diff <(jq -S '[.changes[] | {Kind: ({"C": 0, "A": 1, "D": 2}[.kind]), Path: .path}] | sort_by(.Path)' "$(B)/container/changes.json") \
		"$BATS_FILE_TMPDIR/diff.before"
}

@test "collect: traps are recorded as skipped and no host file leaks into the bundle" {
	m=$(B)/manifest.json
	jq -e '.skipped[] | select(.source=="container:/var/log/shadow.log") | .reason | test("symlink to ./etc/shadow.*not followed")' "$m"
	jq -e '.skipped[] | select(.source=="container:/tmp/hostetc") | .reason | test("symlink")' "$m"
	jq -e '.skipped[] | select(.source=="container:/var/log/app.log") | .reason | test("^fifo")' "$m"
	jq -e '.skipped[] | select(.source=="container:/data/disk.img") | .reason | test("10.0GiB exceeds --max-file-size.*sparse")' "$m"
	[ "$(jq -r '.changes[] | select(.path=="/var/log/shadow.log") | .link_target' "$(B)/container/changes.json")" = /etc/shadow ]
	# only regular files in the bundle: no links, no FIFOs, nothing large
	[ -z "$(find "$(B)" ! -type f ! -type d)" ]
	[ -z "$(find "$(B)" -type f -size +64M)" ]
	# no file of the bundle is, or holds, the host's /etc/shadow (nor its passwd entries)
	hs=$(sha256sum /etc/shadow | cut -d' ' -f1)
	! find "$(B)" -type f -exec sha256sum {} + | grep -q "^$hs "
	line=$(head -1 /etc/shadow)
	! grep -rqF -- "$line" "$(B)"
}

@test "collect: hostile names are encoded in the bundle and escaped on the terminal and in the log" {
	[ -f "$(B)/files/tmp/evil%1B[2J%0Aname" ]
	! grep -q $'\033' "$BATS_FILE_TMPDIR/collect.out"
	! grep -q $'\033' "$(B)/custody.log"
	jq -e '.changes[] | select(.path=="/tmp/evil\u001b[2J\nname") | .bundle_path == "files/tmp/evil%1B[2J%0Aname"' "$(B)/container/changes.json"
}

@test "collect: forensically sound: nothing written in the container, access times untouched" {
	upper=$(cat "$BATS_FILE_TMPDIR/upper")
	[ "$(stat -c %X "$upper/root/.ssh/authorized_keys")" = "$(cat "$BATS_FILE_TMPDIR/atime.before")" ]
	diff <(changes "$IMPLANT") "$BATS_FILE_TMPDIR/diff.before"
	[ "$(docker inspect -f '{{.State.Running}} {{.State.Paused}}' "$IMPLANT")" = "true false" ]
}

@test "collect: logs keep stdout and stderr apart, with the daemon's timestamps" {
	grep -q ' ready$' "$(B)/container/logs/stdout.log"
	! grep -q 'to stderr' "$(B)/container/logs/stdout.log"
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* to stderr$' "$(B)/container/logs/stderr.log"
	jq -e '.Id' "$(B)/container/inspect.json" >/dev/null
	jq -e '.Config' "$(B)/container/image-inspect.json" >/dev/null
	jq -e 'length > 0' "$(B)/container/image-history.json" >/dev/null
}

@test "collect: the custody log says who ran what, from where, when, and every step's outcome" {
	c=$(B)/custody.log
	grep -q "command: .*collect $IMPLANT -o .*--case IR-42/x --memory" "$c" ||
		grep -q "command: .*collect .*$IMPLANT" "$c"
	grep -q "operator: uid 0 (root)" "$c"
	grep -q "host: $(hostname)" "$c"
	grep -q "cirt .* collect: custody log" "$c"
	grep -q "started: 20" "$c"
	grep -q "finished: 20.*complete" "$c"
	for s in processes network binaries memory runtime inspect logs files image; do
		grep -q "step $s: ok" "$c" || { echo "no step $s"; false; }
	done
	# order of volatility: processes and network before files
	[ "$(grep -n 'step network: ok' "$c" | cut -d: -f1)" -lt "$(grep -n 'step files: ok' "$c" | cut -d: -f1)" ]
}

@test "verify: a fresh bundle is clean (exit 0)" {
	run_split "$CIRT" verify "$(B)"
	[ "$status" -eq 0 ]
	[[ $output == *CLEAN* ]]
	sha=$(sha256sum "$(B)/manifest.json" | cut -d' ' -f1)
	run_split "$CIRT" verify --expect "$sha" "$(B)"
	[ "$status" -eq 0 ]
	run_split "$CIRT" verify --expect "$(printf '0%.0s' $(seq 64))" "$(B)"
	[ "$status" -eq 1 ]
}

@test "verify: one changed byte fails it, naming the file; added and missing files are named" {
	cp -a "$(B)" "$BATS_TEST_TMPDIR/t"
	t=$BATS_TEST_TMPDIR/t
	printf 'X' | dd of="$t/files/tmp/dropper.sh" bs=1 seek=3 conv=notrunc 2>/dev/null
	run_split "$CIRT" verify "$t"
	[ "$status" -eq 1 ]
	[[ $output == *"changed  files/tmp/dropper.sh"* ]]
	[[ $output == *TAMPERED* ]]
	echo planted >"$t/volatile/planted.txt"
	rm "$t/container/inspect.json"
	run_split "$CIRT" verify --json "$t"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.problems[] | select(.status=="added") | .path')" = volatile/planted.txt ]
	[ "$(echo "$output" | jq -r '.problems[] | select(.status=="missing") | .path')" = container/inspect.json ]
	[ "$(echo "$output" | jq -r '.problems[] | select(.status=="changed") | .path')" = files/tmp/dropper.sh ]
	[ "$(echo "$output" | jq -r .clean)" = false ]
	# a bundle without its manifest cannot be vouched for
	rm "$t/manifest.json"
	run_split "$CIRT" verify "$t"
	[ "$status" -eq 1 ]
	[[ $output == *"manifest.json is missing"* ]]
}

@test "collect -o FILE.tar.gz: an archive, its sha256 printed, verified; tampering is caught" {
	a=$BATS_TEST_TMPDIR/case.tar.gz
	run_split "$CIRT" collect "$SMALL" -o "$a" --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .sha256)" = "$(sha256sum "$a" | cut -d' ' -f1)" ]
	[ "$(echo "$output" | jq -r .sha256_of)" = archive ]
	# no staging directory left behind
	[ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name '.case.tar.gz.cirt-partial-*')" ]
	[ "$(tar tzf "$a" | head -1)" = case/manifest.json ]
	tar tzf "$a" | grep -qx case/files/tmp/small.txt
	run_split "$CIRT" verify "$a"
	[ "$status" -eq 0 ]
	# extracted, changed, re-packed: the file is named
	mkdir "$BATS_TEST_TMPDIR/x"
	tar xzf "$a" -C "$BATS_TEST_TMPDIR/x"
	echo tampered >"$BATS_TEST_TMPDIR/x/case/files/tmp/small.txt"
	tar czf "$BATS_TEST_TMPDIR/t.tar.gz" -C "$BATS_TEST_TMPDIR/x" case
	run_split "$CIRT" verify "$BATS_TEST_TMPDIR/t.tar.gz"
	[ "$status" -eq 1 ]
	[[ $output == *"changed  files/tmp/small.txt"* ]]
}

@test "collect --export: the container's filesystem as a tar, hashed while it streamed" {
	run_split "$CIRT" collect "$SMALL" -o "$BATS_TEST_TMPDIR/e" --export --json
	[ "$status" -eq 0 ]
	t=$BATS_TEST_TMPDIR/e/container/export.tar
	tar tf "$t" | grep -qx tmp/small.txt
	sha=$(sha256sum "$t" | cut -d' ' -f1)
	[ "$(echo "$output" | jq -r .summary.export_sha256)" = "$sha" ]
	[ "$(jq -r '.files[] | select(.path=="container/export.tar") | .sha256' "$BATS_TEST_TMPDIR/e/manifest.json")" = "$sha" ]
	# the same bytes as docker export
	[ "$(docker export "$SMALL" | sha256sum | cut -d' ' -f1)" = "$sha" ] ||
		tar tf "$t" | sort | diff - <(docker export "$SMALL" | tar t | sort)
}

@test "collect --commit: an image named for the case and time, with the labels; the pause is announced" {
	run_split "$CIRT" collect "$IMPLANT" -o "$BATS_TEST_TMPDIR/c" --case "IR-42/x" --commit --json
	[ "$status" -eq 0 ]
	[[ $stderr == *"the daemon pauses the container during the commit"* ]]
	ref=$(echo "$output" | jq -r .summary.commit_image)
	[[ $ref == cirt-evidence/ir-42-x:20*Z ]]
	id=$(cat "$BATS_FILE_TMPDIR/implant.id")
	labels=$(docker image inspect -f '{{json .Config.Labels}}' "$ref")
	[ "$(echo "$labels" | jq -r '."cirt.case"')" = "IR-42/x" ]
	[ "$(echo "$labels" | jq -r '."cirt.source-container"')" = "$id" ]
	[ "$(echo "$labels" | jq -r '."cirt.host"')" = "$(hostname)" ]
	[ "$(echo "$labels" | jq -r '."cirt.version"')" = "$("$CIRT" --version | cut -d' ' -f2)" ]
	[[ $(echo "$labels" | jq -r '."cirt.collected-utc"') == 20*Z ]]
	[ "$(docker image inspect -f '{{.Id}}' "$ref")" = "$(echo "$output" | jq -r .summary.commit_id)" ]
	grep -q "step commit: ok" "$BATS_TEST_TMPDIR/c/custody.log"
	[ "$(jq -r .paused_during_commit "$BATS_TEST_TMPDIR/c/container/commit.json")" = true ]
	# unpaused afterwards
	[ "$(docker inspect -f '{{.State.Paused}}' "$IMPLANT")" = false ]
}

@test "collect: a container that exits mid-collection: kept, marked incomplete, non-zero exit" {
	docker run -d --name col-exit --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo x > /tmp/kept.txt; echo ready; exec sleep 86400' >/dev/null
	wait_log col-exit ready
	out=$BATS_TEST_TMPDIR/x
	# the test hook stops cirt after the process step; the container is killed meanwhile
	CIRT_TEST_STOP_AFTER=processes "$CIRT" collect col-exit -o "$out" >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e" &
	pid=$!
	st=
	for i in $(seq 1 200); do
		st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
		[ "$st" = T ] && break
		sleep 0.05
	done
	[ "$st" = T ] || { kill "$pid"; echo "cirt never stopped"; false; }
	docker kill col-exit >/dev/null
	for i in $(seq 1 100); do [ "$(docker inspect -f '{{.State.Running}}' col-exit)" = false ] && break; sleep 0.1; done
	kill -CONT "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/e"
	[ "$rc" -eq 9 ]
	grep -q "is incomplete" "$BATS_TEST_TMPDIR/e"
	[ "$(jq -r .complete "$out/manifest.json")" = false ]
	jq -e '.incomplete[0] | test("ended")' "$out/manifest.json"
	grep -q INCOMPLETE "$out/custody.log"
	# what was collected before is kept, and the rest too (files come from the writable layer)
	ls "$out"/volatile/proc/*/status
	[ "$(cat "$out/files/tmp/kept.txt")" = x ]
	run_split "$CIRT" verify "$out"
	[ "$status" -eq 0 ]
	[[ $output == *"collection was incomplete"* ]]
}

@test "collect: disk full gives a clear error and no manifest" {
	mkdir -p "$BATS_FILE_TMPDIR/full"
	mount -t tmpfs -o size=1m cirt-col-full "$BATS_FILE_TMPDIR/full"
	run_split "$CIRT" collect "$IMPLANT" -o "$BATS_FILE_TMPDIR/full/b"
	umount "$BATS_FILE_TMPDIR/full" || true
	echo "$stderr"
	[ "$status" -eq 9 ]
	[[ $stderr == *"No space left on device"* ]]
	[[ $stderr == *"no manifest"* ]]
}

@test "collect: disk full with an archive as output: no archive, no manifest" {
	mkdir -p "$BATS_FILE_TMPDIR/full"
	mount -t tmpfs -o size=1m cirt-col-full "$BATS_FILE_TMPDIR/full"
	run_split "$CIRT" collect "$IMPLANT" -o "$BATS_FILE_TMPDIR/full/b.tar.gz"
	ls -la "$BATS_FILE_TMPDIR/full"
	left=$(find "$BATS_FILE_TMPDIR/full" -name 'manifest.json*' | wc -l)
	arch=$(find "$BATS_FILE_TMPDIR/full" -maxdepth 1 -name 'b.tar.gz*' | wc -l)
	umount "$BATS_FILE_TMPDIR/full" || true
	[ "$status" -eq 9 ]
	[[ $stderr == *"No space left on device"* ]]
	[ "$left" -eq 0 ]
	[ "$arch" -eq 0 ]
}

@test "collect: a stopped container gives its files and config, no volatile part" {
	docker run -d --name col-stopped --label cirt.lab=1 --network none "$LAB_IMAGE" \
		sh -c 'echo gone > /tmp/left.txt' >/dev/null
	for i in $(seq 1 100); do [ "$(docker inspect -f '{{.State.Running}}' col-stopped)" = false ] && break; sleep 0.1; done
	run_split "$CIRT" collect col-stopped -o "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/s/files/tmp/left.txt")" = gone ]
	[ ! -e "$BATS_TEST_TMPDIR/s/volatile" ]
	grep -q "not running" "$BATS_TEST_TMPDIR/s/custody.log"
	run_split "$CIRT" collect col-stopped -o "$BATS_TEST_TMPDIR/s2" --memory all
	[ "$status" -eq 2 ]
}

@test "collect/verify: bad input gives clear errors and the documented exit codes" {
	run_split "$CIRT" collect
	[ "$status" -eq 2 ]
	run_split "$CIRT" collect no-such-container-xyz -o "$BATS_TEST_TMPDIR/n"
	[ "$status" -eq 8 ]
	[ ! -e "$BATS_TEST_TMPDIR/n" ]
	run_split "$CIRT" collect "$SMALL" --max-file-size 12Q
	[ "$status" -eq 2 ]
	[[ $stderr == *"'12Q' is not a size"* ]]
	run_split "$CIRT" collect "$SMALL" --memory abc
	[ "$status" -eq 2 ]
	run_split "$CIRT" collect "$SMALL" --no-pause
	[ "$status" -eq 2 ]
	# a bundle is never written over
	run_split "$CIRT" collect "$SMALL" -o "$(B)"
	[ "$status" -eq 2 ]
	[[ $stderr == *"already exists and is not an empty directory"* ]]
	# never inside the container's own filesystem (nor a directory mounted into it)
	upper=$(cat "$BATS_FILE_TMPDIR/upper")
	run_split "$CIRT" collect "$IMPLANT" -o "$upper/tmp/evidence"
	[ "$status" -eq 2 ]
	[[ $stderr == *"would be inside its filesystem"* ]]
	[ ! -e "$upper/tmp/evidence" ]
	run_split "$CIRT" verify "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 2 ]
	[[ $stderr == *"No such file or directory"* ]]
	run_split "$CIRT" verify --expect xyz "$(B)"
	[ "$status" -eq 2 ]
}

@test "collect: gives up sys_admin, net_admin and the rest after the volatile steps, before reading the container's files" {
	at_privdrop "$CIRT" collect "$SMALL" -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/privdrop.err"; false; }
	# a directory bundle: nothing but the reading set
	dropped_to_reading
	log=$BATS_TEST_TMPDIR/b/custody.log
	# the volatile steps ran with the namespaces (before), the files after
	drop=$(grep -n "privileges: capabilities dropped to cap_dac_read_search,cap_fowner,cap_sys_ptrace" "$log" | cut -d: -f1)
	[ -n "$drop" ]
	[ "$(grep -n "step processes: ok" "$log" | cut -d: -f1)" -lt "$drop" ]
	[ "$(grep -n "step runtime: ok" "$log" | cut -d: -f1)" -lt "$drop" ]
	[ "$(grep -n "step files: ok" "$log" | cut -d: -f1)" -gt "$drop" ]
	[ "$(cat "$BATS_TEST_TMPDIR/b/files/tmp/small.txt")" = small ]
	run "$CIRT" verify "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
}
