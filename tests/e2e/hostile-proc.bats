#!/usr/bin/env bats
# hostile-proc.bats: a process that lies about itself. tests/e2e/bin/renamer.c (built static here,
# bind-mounted into a FROM-scratch container) sets its name (comm) to an escape sequence with a
# newline and rewrites its whole argv area into a fake "sshd" command line full of terminal
# escapes, a newline and invalid UTF-8; a second one renames itself every millisecond. cirt must
# print none of it raw, keep the exact bytes in its evidence, show the real executable beside the
# claimed name, and never crash on a name that changes while it is read.

load helpers

COMM=$'\e[2J\nkworker/0'
CMDLINE=$'sshd: root@pts/0\e]0;owned\a\e[2J\nfake line \xff\xfe'

setup_file() {
	local d=$BATS_FILE_TMPDIR
	gcc -static -O2 -o "$d/renamer" "$TOP/tests/e2e/bin/renamer.c"
	docker rm -f hp-liar >/dev/null 2>&1 || true
	# the padding makes room in the argv area for the fake command line
	# shellcheck disable=SC2016 # expanded by the container's sh
	docker run -d --name hp-liar --label cirt.lab=1 --network none -v "$d/renamer:/renamer:ro" \
		"$LAB_IMAGE" sh -c '/renamer -s $(printf "%0200d" 0) & exec /renamer $(printf "%0300d" 0)' >/dev/null
	for _ in $(seq 1 100); do
		docker logs hp-liar 2>/dev/null | grep -q ready && break
		sleep 0.1
	done
}

teardown_file() {
	docker rm -f hp-liar >/dev/null 2>&1 || true
}

no_raw_escape() { # FILE: no ESC, BEL or other C0 control byte but tab and newline
	! LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$1"
}

@test "hostile process: conns names it escaped, with the real executable, and JSON keeps its exact name" {
	run_split "$CIRT" conns hp-liar
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	no_raw_escape "$BATS_TEST_TMPDIR/out"
	line=$(grep ":7777" "$BATS_TEST_TMPDIR/out")
	[[ "$line" == *'\e[2J\nkworker/0'*/renamer* ]] || { echo "$output"; false; }
	run "$CIRT" conns hp-liar --json
	[ "$status" -eq 0 ]
	sock='.containers[0].sockets[] | select(.local == "127.0.0.1:7777") | .process'
	[ "$(echo "$output" | jq -j "$sock | .comm")" = "$COMM" ]
	[ "$(echo "$output" | jq -r "$sock | .exe")" = /renamer ]
	[[ "$(echo "$output" | jq -r "$sock | .cmdline")" == $'sshd: root@pts/0\e]0;owned\a\e[2J\nfake line '* ]]
}

@test "hostile process: collect keeps its exact command line, shows the real executable, prints nothing raw" {
	b=$BATS_TEST_TMPDIR/b
	run_split "$CIRT" collect hp-liar -o "$b"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	echo "$output$stderr" >"$BATS_TEST_TMPDIR/out"
	no_raw_escape "$BATS_TEST_TMPDIR/out"
	no_raw_escape "$b/volatile/proctree.txt"
	pid=$(jq -r '.processes[] | select(.exe.link == "/renamer" and .NSpid != null) | select((.cmdline[0] // "") | startswith("sshd")) | .pid' "$b/volatile/processes.json")
	[ -n "$pid" ] || { jq -c '.processes[] | [.pid, .cmdline, .exe.link]' "$b/volatile/processes.json"; false; }
	# the raw bytes as the kernel gave them, and the parsed argument without the zeroed padding
	cmp <(printf '%s' "$CMDLINE"; head -c 1 /dev/zero) <(head -c $((${#CMDLINE} + 1)) "$b/volatile/proc/$pid/cmdline")
	[ "$(jq '.processes[] | select(.pid == '"$pid"') | .cmdline | length' "$b/volatile/processes.json")" -eq 1 ]
	jq -e '.processes[] | select(.pid == '"$pid"') | .cmdline[0] | startswith("sshd: root@pts/0\u001b]0;owned\u0007\u001b[2J\nfake line ")' "$b/volatile/processes.json"
	# the lie and the truth side by side in the tree: the executable is /renamer, not sshd
	grep -F 'sshd: root@pts/0\e]0;owned\x07\e[2J\nfake line' "$b/volatile/proctree.txt" | grep -q '\[/renamer\]'
	run "$CIRT" verify "$b"
	[ "$status" -eq 0 ]
}

@test "hostile process: a name that changes every millisecond never breaks conns, top or collect" {
	for i in 1 2 3 4 5; do
		run "$CIRT" conns hp-liar --json
		[ "$status" -eq 0 ]
		echo "$output" | jq -e . >/dev/null
		run_split "$CIRT" top hp-liar
		[ "$status" -eq 0 ]
		echo "$output" >"$BATS_TEST_TMPDIR/top"
		no_raw_escape "$BATS_TEST_TMPDIR/top"
		run_split "$CIRT" collect hp-liar -o "$BATS_TEST_TMPDIR/b$i"
		[ "$status" -eq 0 ] || { echo "$stderr"; false; }
		jq -e '.processes | length >= 2' "$BATS_TEST_TMPDIR/b$i/volatile/processes.json"
	done
}

@test "hostile process: triage prints nothing raw" {
	run_split "$CIRT" triage
	[ "$status" -le 1 ] || { echo "$stderr"; false; }
	echo "$output$stderr" >"$BATS_TEST_TMPDIR/out"
	no_raw_escape "$BATS_TEST_TMPDIR/out"
}
