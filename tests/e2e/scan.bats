#!/usr/bin/env bats
# scan.bats: `cirt scan` against the planted image and containers (tests/lab/planted.sh), the
# clean lab container, `docker save` tarballs and hand-made directory trees.
load helpers

PLANTED=$TOP/tests/lab/planted.sh
FAWATCH=$TOP/tests/e2e/fawatch.py
eval "$("$PLANTED" env)"

# the planted container's file findings that every view of its files must give
IMAGE_FILE_FINDINGS=(
	"backdoor.cron.reverse_shell /var/spool/cron/crontabs/root"
	"backdoor.cron.download_exec /etc/cron.d/sync"
	"backdoor.ld_so_preload /etc/ld.so.preload"
	"backdoor.profile.ld_preload /etc/profile.d/zz-update.sh"
	"backdoor.systemd.exec_tmp /etc/systemd/system/dbus-update.service"
	"backdoor.rc.miner /etc/rc.local"
	"backdoor.inetd.shell /etc/inetd.conf"
	"backdoor.pam.permit /etc/pam.d/sshd"
	"backdoor.sshd_not_elf /usr/sbin/sshd"
	"backdoor.suid_shell /usr/local/bin/bash"
	"backdoor.uid0_account /etc/passwd"
	"webshell.php_eval_request /var/www/html/up.php"
	"webshell.php_obfuscated /var/www/html/.cache.php"
	"webshell.jsp_exec_request /usr/local/tomcat/webapps/ROOT/cmd.jsp"
	"malware.miner_config /opt/.x/config.json"
	"malware.miner_binary /var/tmp/.x/kworker"
	"malware.elf_in_tmp /var/tmp/.x/kworker"
	"secrets.aws_access_key_id /root/.aws/credentials"
	"secrets.aws_secret_access_key /root/.aws/credentials"
	"secrets.private_key /root/.ssh/id_rsa"
	"secrets.github_token /srv/app/.env"
	"secrets.git_credentials /root/.git-credentials"
	"weakpass.weak_password /etc/shadow"
	"weakpass.redis /etc/redis/redis.conf"
	"weakpass.tomcat /usr/local/tomcat/conf/tomcat-users.xml"
	"history.reverse_shell /root/.ash_history"
	"history.log_wipe /root/.ash_history"
	"history.history_wipe /root/.ash_history"
	"history.disabled /root/.bash_history"
)
# facts that are not files: the image's build history and environment
IMAGE_FACT_FINDINGS=("history.image.download_exec" "secrets.env")

setup_file() {
	"$PLANTED" up
	local t=$BATS_FILE_TMPDIR
	"$CIRT" scan --json "$PLANTED_RUN" >"$t/run.json" || [ $? -eq 1 ]
	"$CIRT" scan --json "$PLANTED_STOPPED" >"$t/stopped.json" || [ $? -eq 1 ]
	docker save "$PLANTED_IMAGE" -o "$t/planted.tar"
	"$CIRT" scan --json --image "$t/planted.tar" >"$t/tar.json" || [ $? -eq 1 ]
	"$CIRT" scan --json --image "$PLANTED_IMAGE" >"$t/image.json" || [ $? -eq 1 ]
}

teardown_file() {
	docker rm -f scan-whiteout >/dev/null 2>&1 || true
}

# findings of a saved scan as "rule path" lines (path "-" when none)
pairs() { # FILE [jq filter on findings]
	jq -r ".targets[] | select(.kind != \"host\") | .findings[] | ${2:-.} | \"\(.rule) \(.path // \"-\")\"" "$1" | sort -u
}

# every expected "rule path" is there; prints the missing ones
expect_all() { # FILE PAIR...
	local f=$1 missing=0 p
	shift
	local have
	have=$(pairs "$f")
	for p in "$@"; do
		if ! grep -qxF -- "$p" <<<"$have"; then
			echo "missing: $p"
			missing=1
		fi
	done
	return "$missing"
}

# the rule occurs (any path)
has_rule() { # FILE RULE
	jq -e --arg r "$2" '[.targets[].findings[] | select(.rule == $r)] | length > 0' "$1" >/dev/null
}

@test "scan: the running planted container gives every planted file finding with its rule and path" {
	run expect_all "$BATS_FILE_TMPDIR/run.json" "${IMAGE_FILE_FINDINGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	for r in "${IMAGE_FACT_FINDINGS[@]}"; do has_rule "$BATS_FILE_TMPDIR/run.json" "$r"; done
}

@test "scan: the added authorized key is marked added since the image, the webshell as in the image" {
	local f=$BATS_FILE_TMPDIR/run.json
	run jq -r '.targets[].findings[] | select(.rule == "backdoor.ssh.authorized_key") | "\(.path) \(.origin) \(.severity)"' "$f"
	[ "$output" = "/root/.ssh/authorized_keys added high" ]
	run jq -r '.targets[].findings[] | select(.rule == "webshell.php_eval_request") | .origin' "$f"
	[ "$output" = "image" ]
	# the table says so too
	run "$CIRT" scan --no-progress "$PLANTED_RUN"
	[ "$status" -eq 1 ]
	grep -E 'backdoor\.ssh\.authorized_key +/root/\.ssh/authorized_keys:1 +added' <<<"$output"
}

@test "scan: escape risks of the planted container (socket, capabilities, host pid, seccomp, host /etc)" {
	local f=$BATS_FILE_TMPDIR/run.json
	for r in escape.runtime_socket escape.cap_sys_admin escape.cap_sys_ptrace escape.cap_dac_read_search \
		escape.cap_net_admin escape.host_pid escape.no_seccomp escape.no_apparmor escape.host_mount; do
		has_rule "$f" "$r" || { echo "missing $r"; return 1; }
	done
	# SYS_PTRACE with the host pid namespace is high, not medium
	run jq -r '.targets[].findings[] | select(.rule == "escape.cap_sys_ptrace") | .severity' "$f"
	[ "$output" = high ]
	run jq -r '.targets[].findings[] | select(.rule == "escape.runtime_socket") | .evidence' "$f"
	[ "$output" = /var/run/docker.sock:/var/run/docker.sock ]
}

@test "scan: runtime traces: deleted binary, added binary, socket shell, LD_PRELOAD, miner name" {
	local f=$BATS_FILE_TMPDIR/run.json
	run expect_all "$f" "runtime.deleted_binary /tmp/.d/busybox" "runtime.exe_in_tmp /tmp/.d/busybox" \
		"runtime.exe_added /opt/bin/busybox"
	echo "$output"
	[ "$status" -eq 0 ]
	for r in runtime.socket_shell runtime.ld_preload runtime.miner_process; do
		has_rule "$f" "$r" || { echo "missing $r"; return 1; }
	done
	# the pid is the host's, and it is a process of that container
	local pid cid
	pid=$(jq -r '.targets[].findings[] | select(.rule == "runtime.deleted_binary") | .pid' "$f")
	cid=$(docker inspect -f '{{.Id}}' "$PLANTED_RUN")
	grep -q "$cid" "/proc/$pid/cgroup"
	[[ $(readlink "/proc/$pid/exe") == *"(deleted)" ]]
}

@test "scan: secrets are masked in the evidence" {
	local secret ghtok
	secret=$(docker exec "$PLANTED_RUN" sed -n 's/^aws_secret_access_key = //p' /root/.aws/credentials)
	ghtok=$(docker exec "$PLANTED_RUN" sed -n 's/^GITHUB_TOKEN=//p' /srv/app/.env)
	[ ${#secret} -eq 40 ] && [ ${#ghtok} -eq 40 ]
	! grep -qF -- "$secret" "$BATS_FILE_TMPDIR/run.json"
	! grep -qF -- "$ghtok" "$BATS_FILE_TMPDIR/run.json"
	! grep -qF -- "$secret" "$BATS_FILE_TMPDIR/tar.json"
	# the private key's evidence is its header, not its body
	run jq -r '.targets[].findings[] | select(.rule == "secrets.private_key") | .evidence' "$BATS_FILE_TMPDIR/run.json"
	[ "$output" = "-----BEGIN RSA PRIVATE KEY-----" ] || [ "$output" = "-----BEGIN PRIVATE KEY-----" ]
	# the cracked root password is not printed either
	run jq -r '.targets[].findings[] | select(.rule == "weakpass.weak_password") | .evidence' "$BATS_FILE_TMPDIR/run.json"
	[ "$output" = "root: sha512crypt password ******" ]
}

@test "scan: nothing on the clean lab container or the lab image" {
	run_split "$CIRT" scan --json lab-clean
	[ "$status" -eq 0 ]
	[ "$(jq '[.targets[] | .findings[]] | length' <<<"$output")" -eq 0 ]
	[ "$(jq '.targets[] | select(.kind == "container") | .stats.files' <<<"$output")" -gt 0 ]
	run "$CIRT" scan --no-progress lab-clean
	[ "$status" -eq 0 ]
	[[ $output == *"lab-clean"*"0 findings"* ]]
	run "$CIRT" scan --json --image "$LAB_IMAGE"
	[ "$status" -eq 0 ]
	[ "$(jq '[.targets[].findings[]] | length' <<<"$output")" -eq 0 ]
}

@test "scan: a stopped copy gives the same file findings, read from its overlay2 layers" {
	local run=$BATS_FILE_TMPDIR/run.json stopped=$BATS_FILE_TMPDIR/stopped.json
	jq -e '.targets[] | select(.kind == "container") | .how | test("overlay2 layers")' "$stopped"
	local a b
	a=$(pairs "$run" 'select(.path != null and .pid == null) | select(.check != "escape" and .check != "runtime")')
	b=$(pairs "$stopped" 'select(.path != null and .pid == null)')
	[ -n "$a" ]
	diff <(echo "$a") <(echo "$b")
	run expect_all "$stopped" "${IMAGE_FILE_FINDINGS[@]}" "backdoor.ssh.authorized_key /root/.ssh/authorized_keys"
	echo "$output"
	[ "$status" -eq 0 ]
	# the added key is still marked as added
	run jq -r '.targets[].findings[] | select(.rule == "backdoor.ssh.authorized_key") | .origin' "$stopped"
	[ "$output" = added ]
}

@test "scan: a docker save tarball gives the image-level findings (and nothing added later)" {
	local tar=$BATS_FILE_TMPDIR/tar.json
	jq -e '.targets[0].kind == "tarball"' "$tar"
	run expect_all "$tar" "${IMAGE_FILE_FINDINGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	for r in "${IMAGE_FACT_FINDINGS[@]}"; do has_rule "$tar" "$r"; done
	# the key was added at run time: not in the image
	! has_rule "$tar" backdoor.ssh.authorized_key
	[ "$(jq '[.targets[].findings[] | select(.origin == "added")] | length' "$tar")" -eq 0 ]
	# the same as reading the image's layers from the storage driver
	diff <(pairs "$tar") <(pairs "$BATS_FILE_TMPDIR/image.json")
	jq -e '.targets[0].how | test("overlay2 layers")' "$BATS_FILE_TMPDIR/image.json"
}

@test "scan: no symlink is followed out of the container: the host's /etc/shadow is never opened" {
	local pid log=$BATS_FILE_TMPDIR/fa-shadow.log ready=$BATS_FILE_TMPDIR/fa-shadow.ready
	pid=$(container_pid "$PLANTED_RUN")
	"$FAWATCH" "$ready" /etc/shadow >"$log" 2>&1 3>&- &
	local wpid=$!
	for _ in $(seq 1 50); do [ -s "$ready" ] && break; sleep 0.1; done
	[ -s "$ready" ]
	# control: a naive reader following the container's symlink lands on the host's file
	head -c 1 "/proc/$pid/root/etc/cron.d/zz-shadow" >/dev/null &
	local hpid=$!
	wait "$hpid"
	# cirt scans the container (symlinks to /etc/shadow in cron.d, a history file, a webshell
	# path, authorized_keys and a climbing ../../ link) and, for good measure, a stopped copy
	"$CIRT" scan --json "$PLANTED_RUN" "$PLANTED_STOPPED" >"$BATS_FILE_TMPDIR/trap.json" 3>&- &
	local cpid=$!
	wait "$cpid" || [ $? -eq 1 ]
	sleep 0.5
	kill "$wpid"
	wait "$wpid" || true
	cat "$log"
	grep -q "^$hpid " "$log"     # the watcher saw the naive read
	! grep -q "^$cpid " "$log"   # and never cirt
	# no evidence holds host shadow content, and no finding sits on a trap link
	local hosthash
	hosthash=$(awk -F: '$1 == "root" {print substr($2, 1, 20)}' /etc/shadow)
	if [ ${#hosthash} -ge 8 ]; then ! grep -qF -- "$hosthash" "$BATS_FILE_TMPDIR/trap.json"; fi
	for p in /etc/cron.d/zz-shadow /home/deploy/.bash_history /var/www/html/leak.php \
		/home/deploy/.ssh/authorized_keys /srv/app/config.json; do
		[ "$(jq --arg p "$p" '[.targets[].findings[] | select(.path == $p)] | length' "$BATS_FILE_TMPDIR/trap.json")" -eq 0 ]
	done
	# the host's /etc mounted into the container is not walked
	jq -e '[.targets[].notes[] | select(test("/host/etc: not entered"))] | length == 1' "$BATS_FILE_TMPDIR/trap.json"
}

@test "scan: a directory tree: symlinks out are not followed, FIFOs and devices never opened" {
	local r=$BATS_FILE_TMPDIR/tree log=$BATS_FILE_TMPDIR/fa-tree.log ready=$BATS_FILE_TMPDIR/fa-tree.ready
	mkdir -p "$r/etc/cron.d" "$r/root/.ssh" "$r/var/www" "$r/dev"
	ln -s /etc/shadow "$r/etc/shadow"
	ln -s /etc/shadow "$r/etc/cron.d/evil"
	ln -s ../../../../../../../etc/shadow "$r/root/.ssh/authorized_keys"
	echo '<?php eval($_GET["c"]); ?>' >"$r/var/www/x.php"
	mkfifo "$r/var/www/fifo.php"
	mknod "$r/dev/null-like" c 1 3
	mknod "$r/var/www/disk.php" b 7 0
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$r/var/www/sock.php"
	# fanotify names who opened the host's /etc/shadow (it does not report device or FIFO
	# opens on this kernel: strace covers those)
	"$FAWATCH" "$ready" /etc/shadow >"$log" 2>&1 3>&- &
	local wpid=$!
	for _ in $(seq 1 50); do [ -s "$ready" ] && break; sleep 0.1; done
	[ -s "$ready" ]
	head -c 1 "$r/etc/cron.d/evil" >/dev/null &
	local hpid=$!
	wait "$hpid"
	local st=0
	# (LeakSanitizer cannot run under ptrace: leaks are checked by every other test)
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 \
		timeout 120 strace -f -qq -e trace=open,openat,openat2 -o "$BATS_FILE_TMPDIR/tree.strace" \
		"$CIRT" scan --json --rootfs "$r" >"$BATS_FILE_TMPDIR/tree.json" 3>&- &
	local cpid=$!
	wait "$cpid" || st=$?
	sleep 0.5
	kill "$wpid"
	wait "$wpid" || true
	cat "$log"
	[ "$st" -eq 1 ] # found the webshell, did not hang on the FIFO (timeout gives 124)
	grep -q "^$hpid " "$log"     # the naive reader was seen
	# cirt (traced: its thread ids start the strace lines) never was
	local tid
	for tid in $(awk '{print $1}' "$BATS_FILE_TMPDIR/tree.strace" | sort -u); do
		! grep -q "^$tid " "$log"
	done
	# no open call of any kind named the FIFO, the devices or the socket
	grep -q 'x.php' "$BATS_FILE_TMPDIR/tree.strace"  # (the trace does show file opens)
	! grep -E 'fifo\.php|null-like|disk\.php|sock\.php' "$BATS_FILE_TMPDIR/tree.strace"
	run pairs "$BATS_FILE_TMPDIR/tree.json"
	[ "$output" = "webshell.php_eval_request /var/www/x.php" ]
	jq -e '.targets[0].stats.special == 4 and .targets[0].stats.symlinks == 3' "$BATS_FILE_TMPDIR/tree.json"
}

@test "scan: a stopped container's deleted file (overlay whiteout) is not reported" {
	docker rm -f scan-whiteout >/dev/null 2>&1 || true
	docker run -d --name scan-whiteout --label cirt.lab=1 --network none "$PLANTED_IMAGE" sleep 600 >/dev/null
	docker exec scan-whiteout rm /var/www/html/up.php
	docker exec scan-whiteout sh -c 'rm -rf /opt/.x && mkdir /opt/.x && echo clean > /opt/.x/readme'
	docker stop -t 1 scan-whiteout >/dev/null
	run_split "$CIRT" scan --json scan-whiteout
	[ "$status" -eq 1 ]
	! has_rule <(echo "$output") webshell.php_eval_request
	! has_rule <(echo "$output") malware.miner_config
	has_rule <(echo "$output") webshell.php_obfuscated
	docker rm -f scan-whiteout >/dev/null
}

@test "scan: tarball whiteouts (.wh. files and opaque directories) hide lower layers" {
	local d=$BATS_FILE_TMPDIR/wh
	mkdir -p "$d/l1/www/dir" "$d/l2/www/dir" "$d/out/l1" "$d/out/l2"
	echo '<?php eval($_POST["a"]); ?>' >"$d/l1/www/a.php"
	echo '<?php eval($_POST["b"]); ?>' >"$d/l1/www/dir/b.php"
	echo '<?php eval($_POST["c"]); ?>' >"$d/l1/www/c.php"
	: >"$d/l2/www/.wh.a.php"
	: >"$d/l2/www/dir/.wh..wh..opq"
	tar -C "$d/l1" -cf "$d/out/l1/layer.tar" www
	tar -C "$d/l2" -cf "$d/out/l2/layer.tar" www
	echo '{"config":{"Env":["PATH=/bin"]},"history":[]}' >"$d/out/cfg.json"
	echo '[{"Config":"cfg.json","RepoTags":["wh:1"],"Layers":["l1/layer.tar","l2/layer.tar"]}]' >"$d/out/manifest.json"
	tar -C "$d/out" -cf "$d/img.tar" manifest.json cfg.json l1 l2
	run "$CIRT" scan --json --image "$d/img.tar"
	[ "$status" -eq 1 ]
	run pairs <(echo "$output")
	[ "$output" = "webshell.php_eval_request /www/c.php" ]
	# without the upper layer all three are there: the test can fail
	echo '[{"Config":"cfg.json","RepoTags":["wh:1"],"Layers":["l1/layer.tar"]}]' >"$d/out/manifest.json"
	tar -C "$d/out" -cf "$d/img1.tar" manifest.json cfg.json l1
	run "$CIRT" scan --json --image "$d/img1.tar"
	[ "$(pairs <(echo "$output") | wc -l)" -eq 3 ]
}

@test "scan: --quick runs the cheap checks at known locations only" {
	run_split "$CIRT" scan --json --quick "$PLANTED_RUN"
	[ "$status" -eq 1 ]
	local f=$BATS_FILE_TMPDIR/quick.json
	echo "$output" >"$f"
	for r in backdoor.cron.reverse_shell backdoor.ld_so_preload escape.runtime_socket runtime.deleted_binary \
		history.reverse_shell secrets.aws_secret_access_key backdoor.suid_shell; do
		has_rule "$f" "$r" || { echo "missing $r"; return 1; }
	done
	! jq -e '[.targets[].findings[] | select(.check == "webshell" or .check == "malware" or .check == "weakpass")] | length > 0' "$f"
	# it read a fraction of what the full scan read
	local q full
	q=$(jq '.targets[] | select(.kind == "container") | .stats.bytes' "$f")
	full=$(jq '.targets[] | select(.kind == "container") | .stats.bytes' "$BATS_FILE_TMPDIR/run.json")
	[ "$q" -lt $((full / 4)) ]
}

@test "scan: --checks limits the families" {
	run_split "$CIRT" scan --json --checks webshell,secrets "$PLANTED_STOPPED"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.targets[].findings[].check] | unique | join(",")' <<<"$output")" = "secrets,webshell" ]
	run "$CIRT" scan --checks bogus "$PLANTED_STOPPED"
	[ "$status" -eq 2 ]
	[[ $output == *"'bogus' is not a check"* ]]
}

@test "scan: --rules adds user YARA rules; a broken rule file is a usage error naming file and line" {
	local d=$BATS_FILE_TMPDIR/rules
	mkdir -p "$d/good" "$d/bad"
	cat >"$d/good/mine.yar" <<'EOF'
rule planted_pam_permit { meta: severity = "low" check = "backdoor" description = "pam_permit seen"
  strings: $a = "pam_permit.so" condition: $a }
EOF
	run "$CIRT" scan --json --rules "$d/good" "$PLANTED_STOPPED"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.targets[].findings[] | select(.rule == "user.planted_pam_permit") | "\(.check) \(.severity) \(.path)"' <<<"$output")" = "backdoor low /etc/pam.d/sshd" ]
	printf 'rule broken {\n  strings: $a = "x"\n  condition: $b\n}\n' >"$d/bad/broken.yar"
	run "$CIRT" scan --rules "$d/bad" "$PLANTED_STOPPED"
	[ "$status" -eq 2 ]
	[[ $output == *"broken.yar' line "*'undefined string "$b"'* ]]
	run "$CIRT" scan --rules "$d/none" "$PLANTED_STOPPED"
	[ "$status" -eq 2 ]
}

@test "scan: --hashes reports files on a SHA-256 IOC list; a bad list is a usage error" {
	local h=$BATS_FILE_TMPDIR/iocs.txt sum
	sum=$(docker exec "$PLANTED_RUN" sha256sum /var/tmp/.x/kworker | cut -c1-64)
	printf '# test IOCs\n%s fake-xmrig\n%s\n' "$sum" "$(printf 'nothing' | sha256sum | cut -c1-64)" >"$h"
	run "$CIRT" scan --json --checks malware --hashes "$h" "$PLANTED_STOPPED"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.targets[].findings[] | select(.rule == "malware.ioc_sha256") | "\(.path) \(.evidence)"' <<<"$output")" = "/var/tmp/.x/kworker sha256 $sum fake-xmrig" ]
	printf 'abc\n' >"$h"
	run "$CIRT" scan --hashes "$h" "$PLANTED_STOPPED"
	[ "$status" -eq 2 ]
	[[ $output == *"line 1: not a SHA-256"* ]]
}

@test "scan: weak passwords from --wordlist, target names, and empty passwords" {
	local r=$BATS_FILE_TMPDIR/pw pw
	mkdir -p "$r/etc"
	pw="Zq$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	{
		echo "root:$(openssl passwd -6 "$pw"):19700:0:99999:7:::"
		echo "guest::19700:0:99999:7:::"
		echo "svc:$(openssl passwd -5 svc):19700:0:99999:7:::"
		echo "pw:$(openssl passwd -1 pw123):19700:0:99999:7:::"
	} >"$r/etc/shadow"
	run "$CIRT" scan --json --checks weakpass --rootfs "$r"
	[ "$status" -eq 1 ]
	run jq -r '.targets[].findings[] | "\(.rule) \(.evidence)"' <<<"$output"
	[[ $output == *"weakpass.empty_password guest"* ]]
	[[ $output == *"svc: sha256crypt password"* ]]  # the user name as password
	[[ $output == *"pw: md5crypt password"* ]]      # user name + 123
	[[ $output != *"root:"* ]]
	printf 'nope\n%s\n' "$pw" >"$BATS_FILE_TMPDIR/words"
	run "$CIRT" scan --json --checks weakpass --wordlist "$BATS_FILE_TMPDIR/words" --rootfs "$r"
	[[ $(jq -r '.targets[].findings[].evidence' <<<"$output") == *"root: sha512crypt password"* ]]
}

@test "scan: SARIF 2.1.0 output matches the findings" {
	run_split "$CIRT" scan --format sarif "$PLANTED_RUN"
	[ "$status" -eq 1 ]
	local s=$BATS_FILE_TMPDIR/out.sarif
	echo "$output" >"$s"
	jq -e '.version == "2.1.0" and (."$schema" | test("sarif-2.1.0")) and .runs[0].tool.driver.name == "cirt"' "$s"
	# every result names a rule the driver lists, at its index, with a level and a message
	jq -e '.runs[0] as $r | all($r.results[]; $r.tool.driver.rules[.ruleIndex].id == .ruleId
		and (.level | IN("error", "warning", "note")) and (.message.text | length > 0))' "$s"
	local n
	n=$(jq '[.targets[].findings[]] | length' "$BATS_FILE_TMPDIR/run.json")
	[ "$(jq '.runs[0].results | length' "$s")" -eq "$n" ]
	jq -e '[.runs[0].results[] | select(.ruleId == "webshell.php_eval_request")][0].locations[0].physicalLocation
		| .artifactLocation.uri == "/var/www/html/up.php" and .region.startLine == 1' "$s"
	jq -e '[.runs[0].results[] | select(.ruleId == "escape.runtime_socket")][0].properties.target == "planted-run"' "$s"
}

@test "scan: --fail-on sets the exit status; --min-severity filters" {
	local r=$BATS_FILE_TMPDIR/medium
	mkdir -p "$r/root"
	printf 'ls\nhistory -c\n' >"$r/root/.ash_history"
	run "$CIRT" scan --rootfs "$r"
	[ "$status" -eq 1 ]
	run "$CIRT" scan --fail-on high --rootfs "$r"
	[ "$status" -eq 0 ]
	[[ $output == *"history.history_wipe"* ]]
	run "$CIRT" scan --fail-on medium --rootfs "$r"
	[ "$status" -eq 1 ]
	run "$CIRT" scan --fail-on never "$PLANTED_STOPPED"
	[ "$status" -eq 0 ]
	run "$CIRT" scan --json --min-severity critical "$PLANTED_STOPPED"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.targets[].findings[].severity] | unique | join(",")' <<<"$output")" = critical ]
	run "$CIRT" scan --fail-on urgent "$PLANTED_STOPPED"
	[ "$status" -eq 2 ]
}

@test "scan: size and depth limits are applied and recorded" {
	local r=$BATS_FILE_TMPDIR/limits
	mkdir -p "$r/a/b/c/d/e"
	echo '<?php eval($_POST["deep"]); ?>' >"$r/a/b/c/d/e/deep.php"
	{ echo '<?php eval($_POST["big"]); ?>'; head -c 4096 /dev/zero | tr '\0' ' '; } >"$r/big.php"
	run "$CIRT" scan --json --max-depth 3 --max-size 1K --rootfs "$r"
	[ "$status" -eq 0 ]
	jq -e '.targets[0].stats.skipped_size == 1 and .targets[0].stats.skipped_depth == 1' <<<"$output"
	jq -e '[.targets[0].notes[] | select(test("larger than 1.0KiB not read"))] | length == 1' <<<"$output"
	jq -e '[.targets[0].notes[] | select(test("deeper than 3 levels"))] | length == 1' <<<"$output"
	run "$CIRT" scan --json --rootfs "$r"
	[ "$(jq '[.targets[0].findings[]] | length' <<<"$output")" -eq 2 ]
	run "$CIRT" scan --max-size lots --rootfs "$r"
	[ "$status" -eq 2 ]
}

@test "scan: hostile file names are escaped on the terminal table and valid in JSON" {
	local r=$BATS_FILE_TMPDIR/names
	mkdir -p "$r/www"
	echo '<?php eval($_POST["x"]); ?>' >"$r/www/"$'evil\e[31m\n.php'
	run "$CIRT" scan --rootfs "$r"
	[ "$status" -eq 1 ]
	[[ $output != *$'\e'* ]]
	[[ $output == *'evil\e[31m\n.php'* ]]
	run "$CIRT" scan --json --rootfs "$r"
	[ "$(jq -r '.targets[0].findings[0].path' <<<"$output")" = "/www/"$'evil\e[31m\n.php' ]
}

@test "scan: --all covers running and stopped containers; the clean one stays clean" {
	run_split "$CIRT" scan --json --all --checks escape,backdoor
	[ "$status" -eq 1 ] || [ "$status" -eq 9 ]
	jq -e '[.targets[] | select(.target == "lab-clean")][0].findings | length == 0' <<<"$output"
	jq -e '[.targets[] | select(.target == "planted-run")] | length == 1' <<<"$output"
	jq -e '[.targets[] | select(.target == "planted-stopped")][0].state == "exited"' <<<"$output"
	jq -e '[.targets[] | select(.kind == "host")] | length == 1' <<<"$output"
}

@test "scan: bad input gives a clear error and the documented exit code" {
	run "$CIRT" scan
	[ "$status" -eq 2 ]
	[[ $output == *"name a CONTAINER"* ]]
	run "$CIRT" scan no-such-container-xyz
	[ "$status" -eq 8 ]
	[[ $output == *"no such container: 'no-such-container-xyz'"* ]]
	run "$CIRT" scan --format xml lab-clean
	[ "$status" -eq 2 ]
	run "$CIRT" scan --rootfs /nonexistent/dir
	[ "$status" -eq 2 ]
	[[ $output == *"'/nonexistent/dir'"* ]]
	# options may follow the names
	run "$CIRT" scan lab-clean --json --checks escape
	[ "$status" -eq 0 ]
	jq -e '.targets | length == 2' <<<"$output"
	run "$CIRT" scan --image no-such-image:404
	[ "$status" -eq 8 ]
	[[ $output == *"image 'no-such-image:404'"* ]]
	echo 'not a tar' >"$BATS_FILE_TMPDIR/junk.tar"
	run "$CIRT" scan --image "$BATS_FILE_TMPDIR/junk.tar"
	[ "$status" -eq 2 ]
	run "$CIRT" scan --all lab-clean
	[ "$status" -eq 2 ]
}

@test "scan: no progress line when stderr is not a terminal; data on stdout only" {
	run_split "$CIRT" scan --json "$PLANTED_STOPPED"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	jq -e . <<<"$output" >/dev/null
}

@test "scan: a progress line on a terminal (files, bytes, rate, findings), none with --no-progress" {
	local r=$BATS_FILE_TMPDIR/progress
	mkdir -p "$r/www"
	echo '<?php eval($_POST["x"]); ?>' >"$r/www/x.php"
	# script(1) gives cirt a terminal on stdout and stderr
	run script -q -e -c "$CIRT scan --rootfs $r" /dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"scanning $r: "*" files, "*"/s, 1 finding"* ]]
	[[ $output == *"webshell.php_eval_request"* ]]
	run script -q -e -c "$CIRT scan --no-progress --rootfs $r" /dev/null
	[ "$status" -eq 1 ]
	[[ $output != *"scanning "* ]]
}

@test "scan: a process being traced (TracerPid) is reported" {
	local pid spid
	pid=$(jq -r '.targets[].findings[] | select(.rule == "runtime.exe_added") | .pid' "$BATS_FILE_TMPDIR/run.json")
	[ -n "$pid" ] && [ -d "/proc/$pid" ]
	run_split "$CIRT" scan --json --checks runtime "$PLANTED_RUN"
	! has_rule <(echo "$output") runtime.traced
	strace -qq -p "$pid" -o /dev/null 3>&- &
	spid=$!
	for _ in $(seq 1 50); do
		[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$pid/status")" != 0 ] && break
		sleep 0.1
	done
	run_split "$CIRT" scan --json --checks runtime "$PLANTED_RUN"
	kill "$spid"
	wait "$spid" || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '.targets[].findings[] | select(.rule == "runtime.traced") | "\(.pid) \(.evidence)"' <<<"$output" | cut -d: -f1)" = "$pid TracerPid $spid" ]
}

@test "scan: gives up every capability but dac_read_search, fowner and sys_ptrace before reading the container, and still finds everything" {
	at_privdrop "$CIRT" scan --json "$PLANTED_RUN"
	[ "$status" -eq 1 ] || { cat "$BATS_TEST_TMPDIR/privdrop.err"; false; }
	dropped_to_reading
	# the planted container holds sys_admin and more: its root is still read whole
	expect_all "$BATS_TEST_TMPDIR/privdrop.out" "${IMAGE_FILE_FINDINGS[@]}"
	jq -e '.summary.privileges | test("dropped to cap_dac_read_search,cap_fowner,cap_sys_ptrace")' "$BATS_TEST_TMPDIR/privdrop.out"
}
