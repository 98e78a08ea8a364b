#!/usr/bin/env bats
# memcheck.bats: valgrind's memcheck over cirt commands against the real daemon, the daemonless
# path, a lying and a hostile fake daemon: no invalid access, no uninitialised read, no leak
# (definite, indirect or possible). Valgrind cannot run the sanitizer build, so this file builds
# a plain one in build-memcheck/ (once; incremental afterwards).

load helpers

VG_BUILD=$TOP/build-memcheck
VG_CIRT=$VG_BUILD/cirt

setup_file() {
	command -v valgrind >/dev/null || return 0
	if [ ! -f "$VG_BUILD/build.ninja" ]; then
		meson setup "$VG_BUILD" -Dtests=false --buildtype=debug >/dev/null
	fi
	ninja -C "$VG_BUILD" -j2 >/dev/null
}

setup() {
	command -v valgrind >/dev/null || skip "valgrind missing (tests/lab/lab.sh deps)"
}

teardown() {
	fake_stop
	docker rm -f mc-ev >/dev/null 2>&1 || true
}

VG=(valgrind -q --suppressions="$TOP/tests/valgrind.supp" --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=42)

# memcheck EXPECTED-STATUS ARGS...: cirt under valgrind; fails on any valgrind report
memcheck() {
	local want=$1
	shift
	run_split "${VG[@]}" "$VG_CIRT" "$@"
	if [ "$status" -ne "$want" ] || [[ "$stderr" == *"=="[0-9]*"=="* ]]; then
		echo "cirt $*: status $status (want $want)"
		echo "$stderr" | head -40
		return 1
	fi
}

@test "memcheck: ps, ps --json -a, inspect, ps --verify against the daemon" {
	memcheck 0 ps
	memcheck 0 ps --json -a
	memcheck 0 inspect lab-bridge lab-shared lab-host
	memcheck 0 ps --ip 172.17.0.2 --json
	run_split "$CIRT" ps --verify
	memcheck "$status" ps --verify
}

@test "memcheck: top, stats, diff, logs" {
	memcheck 0 top lab-bridge
	memcheck 0 stats lab-clean
	memcheck 0 diff lab-clean
	memcheck 0 logs lab-bridge --tail 5
}

@test "memcheck: --no-daemon ps and inspect" {
	memcheck 0 --no-daemon ps -a --json
	memcheck 0 --no-daemon inspect lab-beacon lab-shared
}

@test "memcheck: errors: unknown container, unreachable daemon, usage" {
	memcheck 8 inspect no-such-container-xyz
	memcheck 3 --host "unix://$BATS_TEST_TMPDIR/none.sock" ps
	memcheck 2 ps --bogus
	memcheck 2 --no-daemon top lab-bridge
}

@test "memcheck: a lying daemon (ps --verify) and a hostile one (escapes, wrong types, truncated)" {
	FAKE_REAL_ID=$(docker inspect -f '{{.Id}}' lab-clean) fake_start lying
	memcheck 1 --host "unix://$FAKE_SOCK" ps --verify --json
	fake_stop
	fake_start escapes
	memcheck 0 --host "unix://$FAKE_SOCK" ps
	fake_stop
	fake_start wrongtypes
	run_split "$CIRT" --host "unix://$FAKE_SOCK" ps
	memcheck "$status" --host "unix://$FAKE_SOCK" ps
	fake_stop
	fake_start truncated
	memcheck 7 --host "unix://$FAKE_SOCK" ps
}

@test "memcheck: net (table, JSON, SVG through graphviz, capture plan), conns, locate" {
	memcheck 0 net
	memcheck 0 net --json
	memcheck 0 net --format svg
	memcheck 0 net --capture-plan lab-beacon
	memcheck 0 conns
	run_split "$CIRT" locate "$LAB_C2_IP" --json
	memcheck "$status" locate "$LAB_C2_IP" --json
}

@test "memcheck: scan of a container and an image, collect and verify, triage, report" {
	memcheck 0 scan lab-clean
	memcheck 0 scan --json --image "$LAB_IMAGE"
	memcheck 0 collect lab-clean -o "$BATS_TEST_TMPDIR/b"
	memcheck 0 verify "$BATS_TEST_TMPDIR/b"
	memcheck 0 report "$BATS_TEST_TMPDIR/b" -o "$BATS_TEST_TMPDIR/r.html"
	run_split "$CIRT" triage --json
	memcheck "$status" triage --json
}

@test "memcheck: --no-daemon net, scan and collect" {
	memcheck 0 --no-daemon net --json
	memcheck 0 --no-daemon scan lab-clean
	memcheck 0 --no-daemon scan --image "$LAB_IMAGE"
	memcheck 0 --no-daemon collect lab-clean -o "$BATS_TEST_TMPDIR/nb"
	memcheck 0 verify "$BATS_TEST_TMPDIR/nb"
}

@test "memcheck: watch through a container's life and an exec, stopped by SIGTERM; timeline; contain --dry-run and --status" {
	local j=$BATS_TEST_TMPDIR/j o=$BATS_TEST_TMPDIR i st=0
	"${VG[@]}" "$VG_CIRT" watch --journal "$j" --max-size 64M >"$o/w.out" 2>"$o/w.err" &
	local vp=$!
	for i in $(seq 1 240); do
		grep -q "watching:" "$o/w.err" && break
		sleep 0.25
	done
	grep -q "watching:" "$o/w.err" || { kill -TERM "$vp"; cat "$o/w.err"; false; }
	docker run -d --name mc-ev --label cirt.lab=1 --network none "$LAB_IMAGE" sleep 60 >/dev/null
	docker exec mc-ev true
	docker rm -f mc-ev >/dev/null
	for i in $(seq 1 40); do
		grep -qs '"action":"destroy"' "$j"/journal-*.ndjson && break
		sleep 0.25
	done
	kill -TERM "$vp"
	wait "$vp" || st=$?
	[ "$st" -eq 0 ] || { echo "watch: status $st"; cat "$o/w.err"; false; }
	! grep -q '==[0-9]*==' "$o/w.err" || { cat "$o/w.err"; false; }
	grep -q '"action":"exec_start"' "$j"/journal-*.ndjson
	grep -q '"action":"destroy"' "$j"/journal-*.ndjson
	memcheck 0 timeline mc-ev --journal "$j"
	memcheck 0 --json timeline --journal "$j"
	memcheck 0 contain --dry-run --pause --isolate lab-clean
	run_split "$CIRT" contain --status
	memcheck "$status" contain --status
}
