#!/usr/bin/env bats
# scan-persist.bats: `cirt scan` and persistence by MITRE ATT&CK technique: every sample of
# tests/samples/persist found with its rule and technique (JSON and SARIF) and every negative
# twin clean; a stock Debian root (this host's /etc, package database, units and set-id
# programs, copied) clean at medium or above; --baseline against a directory and against the
# lab image; a user rule directory using the external variables; a packaged example key.
load helpers

SAMPLES=$TOP/tests/samples/persist
PREFIX=scan-persist

# Build roots from the manifest: each case goes in the first root where its path is free, so
# one scan covers many cases. $1: bad or good. Prints "root<TAB>id<TAB>path" lines.
build_roots() { # bad|good DIR
	local kind=$1 dir=$2 id tech rule bad good bm gm path mode n
	mkdir -p "$dir"
	while IFS=$'\t' read -r id tech rule bad good bm gm; do
		[[ $id == \#* || -z $id ]] && continue
		[[ $good == - ]] && good=$bad
		if [[ $kind == bad ]]; then path=$bad mode=$bm; else path=$good mode=$gm; fi
		n=0
		while [[ -e $dir/r$n$path ]]; do n=$((n + 1)); done
		mkdir -p "$dir/r$n$(dirname "$path")"
		cp "$SAMPLES/$id.$kind" "$dir/r$n$path"
		chmod "$mode" "$dir/r$n$path"
		printf 'r%s\t%s\t%s\n' "$n" "$id" "$path"
	done <"$SAMPLES/MANIFEST"
}

setup_file() {
	local t=$BATS_FILE_TMPDIR r
	build_roots bad "$t/bad" >"$t/bad.map"
	build_roots good "$t/good" >"$t/good.map"
	for r in "$t"/bad/r* "$t"/good/r*; do
		"$CIRT" scan --json --rootfs "$r" >"$r.json" 2>"$r.err" || [ $? -eq 1 ]
	done
	"$CIRT" scan --format sarif --rootfs "$t/bad/r0" >"$t/bad-r0.sarif" || [ $? -eq 1 ]
}

teardown_file() {
	docker rm -f "$PREFIX-base" >/dev/null 2>&1 || true
}

@test "scan-persist: every technique sample is found, with its rule and ATT&CK technique in the JSON" {
	local t=$BATS_FILE_TMPDIR root id path tech rule missing=0 got cases=0
	while IFS=$'\t' read -r root id path; do
		tech=$(awk -F'\t' -v id="$id" '$1 == id {print $2}' "$SAMPLES/MANIFEST")
		rule=$(awk -F'\t' -v id="$id" '$1 == id {print $3}' "$SAMPLES/MANIFEST")
		got=$(jq -r --arg p "$path" --arg r "$rule" \
			'[.targets[].findings[] | select(.path == $p and .rule == $r) | "\(.technique) \(.technique_name != null)"] | first // "missing"' \
			"$t/bad/$root.json")
		cases=$((cases + 1))
		if [[ $got != "$tech true" ]]; then
			echo "$id: want $rule ($tech) on $path, got '$got':"
			jq -c --arg p "$path" '[.targets[].findings[] | select(.path == $p) | [.rule, .severity, .technique]]' "$t/bad/$root.json"
			missing=1
		fi
	done <"$t/bad.map"
	[ "$cases" -ge 60 ]
	[ "$missing" -eq 0 ]
}

@test "scan-persist: every negative twin stays clean (no finding of any severity on its path)" {
	local t=$BATS_FILE_TMPDIR root id path n dirty=0
	while IFS=$'\t' read -r root id path; do
		n=$(jq --arg p "$path" '[.targets[].findings[] | select(.path == $p)] | length' "$t/good/$root.json")
		if [ "$n" -ne 0 ]; then
			echo "$id: $path is not clean:"
			jq -c --arg p "$path" '[.targets[].findings[] | select(.path == $p) | [.rule, .severity]]' "$t/good/$root.json"
			dirty=1
		fi
	done <"$t/good.map"
	[ "$dirty" -eq 0 ]
}

@test "scan-persist: the minimum of the issue, one by one: tmp crontab, rc.common, history tricks, gid 0, PAM, sudoers, set-id in /tmp, Python hooks, typed decoders" {
	local t=$BATS_FILE_TMPDIR want
	cat "$t"/bad/r*.json | jq -s '[.[].targets[].findings[]]' >"$t/all-bad.json"
	for want in \
		"backdoor.cron.tmp_exec /var/spool/cron/crontabs/root T1053.003" \
		"backdoor.rc.hidden_exec /etc/rc.common T1037.004" \
		"backdoor.profile.history_off /root/.bashrc T1562.003" \
		"backdoor.profile.history_off /etc/profile.d/hist.sh T1562.003" \
		"backdoor.account.gid0 /etc/passwd T1136.001" \
		"backdoor.pam.succeed_if /etc/pam.d/su-l T1556.003" \
		"backdoor.pam.keylogger /etc/pam.d/sshd T1056.001" \
		"backdoor.sudo.nopasswd_all /etc/sudoers.d/90-deploy T1548.003" \
		"backdoor.sudo.timestamp_timeout /etc/sudoers T1548.003" \
		"backdoor.sudo.tty_tickets /etc/sudoers.d/tickets T1548.003" \
		"backdoor.setuid.tmp /tmp/.x/helper T1548.001" \
		"backdoor.setuid.tmp /var/tmp/evilBinary T1548.001" \
		"backdoor.python.pth /usr/lib/python3/dist-packages/zz-hook.pth T1546.018" \
		"backdoor.python.customize /usr/local/lib/python3.11/dist-packages/sitecustomize.py T1546.018" \
		"history.base64_exec /root/.bash_history T1140" \
		"history.tty_spawn /home/bob/.bash_history T1059.006"; do
		set -- $want
		jq -e --arg r "$1" --arg p "$2" --arg t "$3" \
			'[.[] | select(.rule == $r and .path == $p and .technique == $t and (.severity | IN("medium", "high", "critical")))] | length >= 1' \
			"$t/all-bad.json" >/dev/null || { echo "missing at medium or above: $want"; return 1; }
	done
}

@test "scan-persist: SARIF names the technique in the rule's and the result's properties" {
	local s=$BATS_FILE_TMPDIR/bad-r0.sarif
	jq -e '.version == "2.1.0"' "$s" >/dev/null
	# every result of a persistence rule carries a technique id, and its rule says the same
	jq -e '.runs[0] as $r | [$r.results[] | select(.ruleId | startswith("backdoor."))] | length > 20' "$s" >/dev/null
	jq -e '.runs[0] as $r | all($r.results[] | select(.ruleId | startswith("backdoor.")); . as $x
		| ($x.properties.technique | test("^T[0-9]{4}(\\.[0-9]{3})?$"))
		and $r.tool.driver.rules[$x.ruleIndex].properties.technique == $x.properties.technique
		and ($r.tool.driver.rules[$x.ruleIndex].properties.tags | index("external/mitre-attack/" + $x.properties.technique)) != null)' "$s" >/dev/null
	jq -e '[.runs[0].tool.driver.rules[] | select(.id == "backdoor.cron.tmp_exec")][0].properties
		| .technique == "T1053.003" and .techniqueName == "Scheduled Task/Job: Cron"' "$s" >/dev/null
}

@test "scan-persist: a stock Debian root (this host's /etc, dpkg database, units, udev rules and set-id programs) is clean at medium or above" {
	local r=$BATS_FILE_TMPDIR/stock f
	mkdir -p "$r/var/lib" "$r/usr/lib"
	cp -a /etc "$r/"
	cp -a /var/lib/dpkg "$r/var/lib/"
	for d in /usr/lib/systemd /usr/lib/udev /usr/lib/modprobe.d /usr/lib/modules-load.d; do
		[ -d "$d" ] && cp -a "$d" "$r/usr/lib/"
	done
	# the set-uid and set-gid programs, with their modes
	while IFS= read -r f; do
		mkdir -p "$r$(dirname "$f")"
		cp -a "$f" "$r$f"
	done < <(find /usr -xdev -perm /6000 -type f 2>/dev/null)
	[ "$(find "$r/usr" -perm /6000 -type f | wc -l)" -gt 3 ]
	run_split "$CIRT" scan --json --rootfs "$r"
	echo "$output" | jq -r '.targets[].findings[] | select(.severity | IN("medium", "high", "critical")) | "\(.severity) \(.rule) \(.path)"'
	[ "$(echo "$output" | jq '[.targets[].findings[] | select(.severity | IN("medium", "high", "critical"))] | length')" -eq 0 ]
	# and it did look: thousands of files, the package database read
	[ "$(echo "$output" | jq '.targets[0].stats.files')" -gt 1000 ]
	# the same root with a planted gid-0 account and a tmp cron job is not clean: the test
	# can fail
	echo 'butter:x:1001:0::/root:/bin/bash' >>"$r/etc/passwd"
	echo '* * * * * root /tmp/.x/run' >"$r/etc/cron.d/zz"
	run_split "$CIRT" scan --json --checks backdoor --rootfs "$r"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.targets[].findings[] | select(.rule == "backdoor.account.gid0" or .rule == "backdoor.cron.tmp_exec")] | length == 2' >/dev/null
}

@test "scan-persist: --baseline DIR marks what differs from the baseline directory as added (path, type, mode, size, content)" {
	local b=$BATS_FILE_TMPDIR/bl-base n=$BATS_FILE_TMPDIR/bl-now
	mkdir -p "$b/etc/cron.d" "$b/usr/local/bin" "$n"
	echo '0 3 * * * root /usr/bin/backup' >"$b/etc/cron.d/backup"
	echo '0 4 * * * root /usr/sbin/logrotate /etc/a.conf' >"$b/etc/cron.d/rotate"
	printf '#!/bin/true\n' >"$b/usr/local/bin/tool"
	chmod 755 "$b/usr/local/bin/tool"
	cp -a "$b/." "$n/"
	echo '*/5 * * * * root /usr/bin/rsync -a /srv /mnt' >"$n/etc/cron.d/sync"           # added
	echo '0 4 * * * root /usr/sbin/logrotate /etc/b.conf' >"$n/etc/cron.d/rotate"        # same size, other bytes
	chmod 4755 "$n/usr/local/bin/tool"                                                   # mode
	run_split "$CIRT" scan --json --rootfs "$n" --baseline "$b"
	[ "$status" -eq 1 ]
	echo "$output" | jq -r '.targets[].findings[] | "\(.rule) \(.path) \(.origin)"' | sort >"$BATS_FILE_TMPDIR/bl.txt"
	cat "$BATS_FILE_TMPDIR/bl.txt"
	diff - "$BATS_FILE_TMPDIR/bl.txt" <<'EOF'
backdoor.cron.added /etc/cron.d/rotate added
backdoor.cron.added /etc/cron.d/sync added
backdoor.setuid.added /usr/local/bin/tool added
EOF
	echo "$output" | jq -e '.targets[0].how | test("compared with the directory")' >/dev/null
	# the table marks them too
	run "$CIRT" scan --no-progress --rootfs "$n" --baseline "$b"
	[[ $output == *"backdoor.cron.added"*"added"* ]]
	# without a baseline nothing can be called added
	run_split "$CIRT" scan --json --rootfs "$n"
	[ "$(echo "$output" | jq '[.targets[].findings[] | select(.origin == "added")] | length')" -eq 0 ]
	# bad use
	run "$CIRT" scan --baseline "$b" lab-clean
	[ "$status" -eq 2 ]
	[[ $output == *"--baseline goes with --rootfs"* ]]
	run "$CIRT" scan --rootfs "$n" --baseline no-such-image:404
	[ "$status" -eq 8 ]
}

@test "scan-persist: --baseline IMAGE: a directory made from the lab image is compared with the image's layers" {
	local d=$BATS_FILE_TMPDIR/fromimg rules=$BATS_FILE_TMPDIR/bbrules
	docker rm -f "$PREFIX-base" >/dev/null 2>&1 || true
	docker create --name "$PREFIX-base" --label cirt.lab=1 --network none "$LAB_IMAGE" true >/dev/null
	mkdir -p "$d" "$rules"
	docker export "$PREFIX-base" | tar -C "$d" -xf -
	docker rm -f "$PREFIX-base" >/dev/null
	[ -x "$d/bin/busybox" ]
	# what an intruder does to it: a cron job, a set-uid copy of the shell, a changed program
	mkdir -p "$d/etc/cron.d" "$d/usr/local/bin"
	echo '* * * * * root /bin/busybox nc -l -p 4444 -e /bin/sh' >"$d/etc/cron.d/net"
	echo '7 * * * * root /bin/busybox true' >"$d/etc/cron.d/quiet"
	cp "$d/bin/busybox" "$d/usr/local/bin/helper"
	chmod 4755 "$d/usr/local/bin/helper"
	# a rule that matches busybox wherever it is: the image's copy is "image", the new ones
	# "added"
	cat >"$rules/bb.yar" <<'EOF'
rule busybox_program { meta: severity = "info" description = "BusyBox" strings: $a = "BusyBox v" condition: $a }
EOF
	run_split "$CIRT" scan --json --rules "$rules" --rootfs "$d" --baseline "$LAB_IMAGE"
	[ "$status" -eq 1 ]
	echo "$output" | jq -r '.targets[].findings[] | "\(.rule) \(.path) \(.origin)"' | sort >"$BATS_FILE_TMPDIR/img.txt"
	cat "$BATS_FILE_TMPDIR/img.txt"
	grep -qx 'backdoor.cron.added /etc/cron.d/quiet added' "$BATS_FILE_TMPDIR/img.txt"
	grep -qx 'backdoor.cron.reverse_shell /etc/cron.d/net added' "$BATS_FILE_TMPDIR/img.txt"
	grep -qx 'backdoor.setuid.added /usr/local/bin/helper added' "$BATS_FILE_TMPDIR/img.txt"
	grep -qx 'user.busybox_program /bin/busybox image' "$BATS_FILE_TMPDIR/img.txt"
	grep -qx 'user.busybox_program /usr/local/bin/helper added' "$BATS_FILE_TMPDIR/img.txt"
	echo "$output" | jq -e '.targets[0].how | test("compared with image")' >/dev/null
	# a changed program: same size, one byte different
	printf 'X' | dd of="$d/bin/busybox" bs=1 seek=100 conv=notrunc 2>/dev/null
	run_split "$CIRT" scan --json --rules "$rules" --rootfs "$d" --baseline "$LAB_IMAGE"
	echo "$output" | jq -e '[.targets[].findings[] | select(.rule == "user.busybox_program" and .path == "/bin/busybox")][0].origin == "added"' >/dev/null
	# the same without the daemon: the image store on disk
	run_split "$CIRT" --no-daemon scan --json --rules "$rules" --rootfs "$d" --baseline "$LAB_IMAGE"
	echo "$output" | jq -e '[.targets[].findings[] | select(.rule == "backdoor.cron.added" and .path == "/etc/cron.d/quiet")][0].origin == "added"' >/dev/null
}

@test "scan-persist: --rules DIR with the external variables of shared rule sets compiles and matches; a broken file is named and left out" {
	local d=$BATS_FILE_TMPDIR/ext rules=$BATS_FILE_TMPDIR/extrules
	mkdir -p "$d/srv/app" "$d/etc" "$d/opt" "$rules"
	printf '<%% out.println(1); %%>\n' >"$d/srv/app/cmd.jsp"
	printf '#!/bin/sh\n# deploy marker\n' >"$d/opt/run"
	printf 'root:x:0:0::/root:/bin/sh\nsvc:x:4242:4242::/srv:/bin/sh\n' >"$d/etc/passwd"
	echo x >"$d/srv/owned"
	chown 4242:4242 "$d/srv/owned"
	cat >"$rules/shared.yar" <<'EOF'
rule Ext_Filename { meta: description = "by file name" technique = "T1505.003" condition: filename == "cmd.jsp" }
rule Ext_Filepath { condition: filepath matches /^\/srv\/app\// and extension == ".jsp" }
rule Ext_Filetype { strings: $m = "deploy marker" condition: filetype == "SCRIPT" and $m }
rule Ext_Owner { condition: owner == "svc" and filename == "owned" }
EOF
	printf 'rule Broken {\n  strings: $a = "x"\n  condition: $b\n}\n' >"$rules/zz-broken.yar"
	run_split "$CIRT" scan --json --rules "$rules" --rootfs "$d"
	[ "$status" -eq 1 ]
	[[ $stderr == *"--rules: $rules/zz-broken.yar:4: undefined string \"\$b\": file left out"* ]]
	echo "$output" | jq -e --arg f "$rules/zz-broken.yar:4:" '[.targets[0].notes[] | select(startswith("rules: " + $f))] | length == 1' >/dev/null
	echo "$output" | jq -r '.targets[].findings[] | "\(.rule) \(.path) \(.technique)"' | sort >"$BATS_FILE_TMPDIR/ext.txt"
	cat "$BATS_FILE_TMPDIR/ext.txt"
	grep -qx 'user.Ext_Filename /srv/app/cmd.jsp T1505.003' "$BATS_FILE_TMPDIR/ext.txt"
	grep -qx 'user.Ext_Filepath /srv/app/cmd.jsp null' "$BATS_FILE_TMPDIR/ext.txt"
	grep -qx 'user.Ext_Filetype /opt/run null' "$BATS_FILE_TMPDIR/ext.txt"
	grep -qx 'user.Ext_Owner /srv/owned null' "$BATS_FILE_TMPDIR/ext.txt"
	# plain yara agrees on what the rules mean, given the same variables
	if command -v yara >/dev/null; then
		yara -d filename=cmd.jsp -d filepath=/srv/app/cmd.jsp -d extension=.jsp -d filetype= -d owner=root \
			"$rules/shared.yar" "$d/srv/app/cmd.jsp" | grep -q '^Ext_Filename '
	fi
}

@test "scan-persist: a private key in a packaged example is still reported, below medium, and says so" {
	local d=$BATS_FILE_TMPDIR/keys
	mkdir -p "$d/usr/share/doc/libfoo/examples" "$d/root"
	openssl genrsa -out "$d/usr/share/doc/libfoo/examples/server.key" 2048 2>/dev/null
	cp "$d/usr/share/doc/libfoo/examples/server.key" "$d/root/server.key"
	run_split "$CIRT" scan --json --checks secrets --rootfs "$d"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.targets[].findings[] | select(.rule == "secrets.private_key" and .path == "/usr/share/doc/libfoo/examples/server.key")][0]
		| (.severity | IN("info", "low")) and (.reason | test("packaged example"))' >/dev/null
	echo "$output" | jq -e '[.targets[].findings[] | select(.rule == "secrets.private_key" and .path == "/root/server.key")][0].severity == "high"' >/dev/null
	run_split "$CIRT" scan --json --checks secrets --min-severity medium --rootfs "$d"
	[ "$(echo "$output" | jq '[.targets[].findings[] | select(.path | startswith("/usr/share"))] | length')" -eq 0 ]
}
