#!/usr/bin/env bats
# hostile.bats: a container built by the attacker: symlink loops, symlinks to host paths (absolute,
# relative through "..", through a directory link, through /proc magic links), hard links, FIFOs and
# device nodes named like files, a sparse 100 GB file, a deep tree, names with newlines, escape
# sequences and invalid UTF-8. cirt's confined resolution (src/sources/rootfs.c, both openat2 and
# the O_NOFOLLOW walk) must read no host file, never hang and escape every name. The root used is
# the real one of a running container: /proc/<pid>/root.

load helpers

PROBE=${CIRT_BUILD}/tests/probe/rootfs_probe

setup_file() {
	local tag
	tag=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$tag" >"$BATS_FILE_TMPDIR/tag"
	# the host holds a secret at the very path the container's links point to
	mkdir -p "/tmp/cirt-hostile-$tag"
	echo HOST-SECRET >"/tmp/cirt-hostile-$tag/secret"
	docker rm -f hos-box >/dev/null 2>&1 || true
	# shellcheck disable=SC2016 # expanded by the container's sh
	docker run -d --name hos-box --label cirt.lab=1 --network none -e TAG="$tag" "$LAB_IMAGE" sh -c '
		set -e
		S=/tmp/cirt-hostile-$TAG
		mkdir -p /h/loop /h/deep /h/names $S
		echo CONTAINER-COPY >$S/secret
		ln -s b /h/loop/a; ln -s a /h/loop/b; ln -s self /h/loop/self; ln -s /h/loop/a/x /h/loop/through
		ln -s $S/secret /h/abs
		ln -s ../../../../../../../../../..$S/secret /h/deep/rel
		ln -s /../../..$S /h/dirlink
		ln -s /proc/1/root$S/secret /h/magic
		ln -s /proc/self/root/etc/passwd /h/magic2
		echo hardlinked >/h/hl-src; ln /h/hl-src /h/hl
		mkfifo /h/notes.txt; mkfifo /etc/issue
		mknod /h/data.log c 1 5; mknod /h/random.txt c 1 8
		truncate -s 100G /h/big.img
		p=/h/deep/t; i=0; while [ $i -lt 300 ]; do p=$p/d; i=$((i + 1)); done
		mkdir -p $p; echo bottom >$p/f
		touch "/h/names/$(printf "evil\n\033[31mred\033]0;title\007")"
		touch "/h/names/$(printf "\377\376bad")"
		touch "/h/names/$(printf "tab\there")"
		touch /h/ready
		exec sleep 600' >/dev/null
	for _ in $(seq 1 100); do
		pid=$(container_pid hos-box 2>/dev/null || true)
		[ -n "$pid" ] && [ "$pid" != 0 ] && [ -e "/proc/$pid/root/h/ready" ] && break
		sleep 0.1
	done
}

teardown_file() {
	docker rm -f hos-box >/dev/null 2>&1 || true
	rm -rf "/tmp/cirt-hostile-$(cat "$BATS_FILE_TMPDIR/tag")"
}

setup() {
	ROOT=/proc/$(container_pid hos-box)/root
	TAG=$(cat "$BATS_FILE_TMPDIR/tag")
	[ -e "$ROOT/h/ready" ] || { echo "hostile container not ready"; false; }
}

# probe MODE OP PATH [MAX]: MODE openat2 or walk; output in $output, status in $status
probe() {
	local mode=$1
	shift
	if [ "$mode" = walk ]; then
		run env CIRT_ROOTFS_FALLBACK=1 "$PROBE" "$ROOT" "$@"
	else
		run "$PROBE" "$ROOT" "$@"
	fi
	[ "$status" -ne 124 ] || { echo "probe hung on $*"; false; }
}

@test "symlinks to host paths (absolute, relative through .., through a directory link) stay inside the container" {
	# the trap is real: a naive read from the host follows the container's link to the host file
	[ "$(cat "$ROOT/h/abs")" = HOST-SECRET ]
	for m in openat2 walk; do
		for p in /h/abs /h/deep/rel /h/dirlink/secret "/tmp/cirt-hostile-$TAG/../../h/abs"; do
			probe "$m" read "$p"
			[ "$output" = "ok 15 CONTAINER-COPY\\n" ] || { echo "$m $p: $output"; false; }
		done
	done
}

@test "magic links (/proc/1/root, /proc/self/root) never lead out of the container" {
	for m in openat2 walk; do
		probe "$m" read /h/magic
		[[ "$output" == "err "* || "$output" == "ok 15 CONTAINER-COPY\\n" ]] || { echo "$m magic: $output"; false; }
		probe "$m" read /h/magic2
		# the container's passwd ends its root line with /bin/sh, the host's with /bin/bash
		[[ "$output" == "err "* || "$output" == "ok "*"root:x:0:0:root:/root:/bin/sh\\n"* ]] || { echo "$m magic2: $output"; false; }
	done
}

@test "symlink loops end with ELOOP, never a hang" {
	for m in openat2 walk; do
		for p in /h/loop/a /h/loop/self /h/loop/through; do
			probe "$m" read "$p"
			[ "$output" = "err ELOOP" ] || { echo "$m $p: $output"; false; }
		done
		probe "$m" lstat /h/loop/a
		[ "$output" = "ok symlink 1 1" ]
	done
}

@test "FIFOs and device nodes named like files are refused, not opened" {
	for m in openat2 walk; do
		for p in /h/notes.txt /etc/issue /h/data.log /h/random.txt; do
			probe "$m" read "$p"
			[ "$output" = "err EINVAL" ] || { echo "$m $p: $output"; false; }
		done
		probe "$m" lstat /h/notes.txt
		[ "$output" = "ok fifo 0 1" ]
		probe "$m" lstat /h/data.log
		[ "$output" = "ok chardev 0 1" ]
	done
}

@test "a sparse 100 GB file is read only up to the limit" {
	for m in openat2 walk; do
		probe "$m" lstat /h/big.img
		[ "$output" = "ok file 107374182400 1" ]
		probe "$m" read /h/big.img 1048576
		[[ "$output" == "ok 1048576 \\x00\\x00"* ]] || { echo "$output" | head -c 200; false; }
	done
}

@test "hard links are read as the container's file" {
	for m in openat2 walk; do
		probe "$m" read /h/hl
		[ "$output" = "ok 11 hardlinked\\n" ]
		probe "$m" lstat /h/hl
		[ "$output" = "ok file 11 2" ]
	done
}

@test "a 300-deep tree resolves; an over-long path fails cleanly" {
	p=/h/deep/t
	for _ in $(seq 1 300); do p=$p/d; done
	long=/h/deep/t
	for _ in $(seq 1 2100); do long=$long/d; done
	for m in openat2 walk; do
		probe "$m" read "$p/f"
		[ "$output" = "ok 7 bottom\\n" ]
		probe "$m" read "$long/f"
		[[ "$output" == "err ENAMETOOLONG" || "$output" == "err ENOENT" ]] || { echo "$m: $output"; false; }
	done
}

@test "names with newlines, escape sequences and invalid UTF-8 come out escaped, one per line" {
	for m in openat2 walk; do
		probe "$m" ls /h/names
		[ "$status" -eq 0 ]
		# no raw ESC, BEL or invalid byte reaches the output; each name is on its own line
		! printf '%s' "$output" | grep -q $'\033'
		! printf '%s' "$output" | grep -q $'\007'
		! printf '%s' "$output" | LC_ALL=C grep -q $'\377'
		[ "$(printf '%s\n' "$output" | grep -vc '^\.\.\?$')" -eq 3 ]
		[[ "$output" == *'evil\n\e[31mred\e]0;title\x07'* ]]
		[[ "$output" == *'\xff\xfebad'* ]]
		[[ "$output" == *'tab\there'* ]]
	done
}

@test "cirt diff and ps on the hostile container: no raw control bytes, valid JSON" {
	run_split "$CIRT" diff hos-box
	[ "$status" -eq 0 ]
	! printf '%s' "$output" | grep -q $'\033'
	! printf '%s' "$output" | grep -q $'\007'
	[[ "$output" == *'evil\n\e[31mred'* ]]
	run_split "$CIRT" diff hos-box --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '[.. | strings | select(startswith("/h/names/evil\n\u001b[31mred"))] | length == 1'
	run_split "$CIRT" ps --json --name hos-box
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.containers[0].name == "hos-box"'
}

@test "--no-daemon collect of the hostile container: the layers' change list has the daemon's paths, exact names, no host file; the deep cut is named" {
	b=$BATS_TEST_TMPDIR/b
	run_split "$CIRT" --no-daemon collect hos-box -o "$b"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	! printf '%s%s' "$output" "$stderr" | grep -q $'[\033\007]'
	! grep -q $'[\033\007]' "$b/custody.log"
	jq -e '[.changes[] | select(.path == "/h/names/evil\n\u001b[31mred\u001b]0;title\u0007")] | length == 1' "$b/container/changes.json"
	# every path the daemon lists, down to 128 levels (the invalid-UTF-8 name is spelled
	# differently: the daemon's JSON replaces the bytes, cirt's names them)
	want=$(curl -sf --unix-socket /var/run/docker.sock http://x/containers/hos-box/changes |
		jq -r '.[] | select((.Path | split("/") | length) <= 129) | .Path | select(contains("bad") | not)' | sort)
	got=$(jq -r '.changes[].path | select(contains("bad") | not)' "$b/container/changes.json" | sort)
	[ "$(echo "$want" | wc -l)" -gt 100 ]
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") | head; false; }
	grep -q "deeper than 128 levels are not walked (the first: '/h/deep/t/d/d/d" "$b/custody.log"
	! grep -rqa HOST-SECRET "$b"
	run "$CIRT" verify "$b"
	[ "$status" -eq 0 ]
}
