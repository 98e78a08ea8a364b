#!/usr/bin/env bash
# tests/fuzz/run.sh: build the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and run each for
# a given time on a working copy of its seed corpus. One line per target:
#   ok fuzz TARGET: N execs in S s (R/s), corpus K
#   not ok fuzz TARGET: <crash, leak, timeout or trap> (artifact: PATH)
# Usage: tests/fuzz/run.sh TARGET|all SECONDS   (TARGET: inspect, fuzz_inspect, ...)
# Inputs in tests/fuzz/regress/TARGET/ (past crashes) are replayed first.
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_WORK (default $FUZZ_BUILD/fuzz-work: grown
# corpora and crash artifacts; the seeds in tests/fuzz/corpus are never written).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
top=$PWD
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
	echo "usage: tests/fuzz/run.sh TARGET|all SECONDS" >&2
	exit 2
fi
want=$1 secs=$2
bdir=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-$bdir/fuzz-work}
command -v clang >/dev/null || { echo "not ok fuzz build: clang missing (apt-get install clang)"; exit 1; }
# no -Werror here: clang warns where gcc (the project's -Werror build) does not, e.g. an unused
# _cleanup_ variable, and the fuzz build is for finding bugs, not for the warning policy
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" -Dfuzz=true -Dtests=false -Dwerror=false --buildtype=debugoptimized \
		>/tmp/cirt-fuzz-setup.$$.log 2>&1 || { cat /tmp/cirt-fuzz-setup.$$.log; rm -f /tmp/cirt-fuzz-setup.$$.log; echo "not ok fuzz build: meson setup failed"; exit 1; }
	rm -f /tmp/cirt-fuzz-setup.$$.log
fi
ninja -C "$bdir" -j2 >"$bdir/fuzz-ninja.log" 2>&1 || { tail -30 "$bdir/fuzz-ninja.log"; echo "not ok fuzz build: ninja failed"; exit 1; }

targets=()
for t in tests/fuzz/fuzz_*.c; do
	t=$(basename "$t" .c)
	if [ "$want" = all ] || [ "$want" = "$t" ] || [ "fuzz_$want" = "$t" ]; then targets+=("$t"); fi
done
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz target '$want' (see tests/fuzz/fuzz_*.c)" >&2; exit 2; }

# leaks are bugs too; a parser that takes a second on one input is a hang
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	seeds=tests/fuzz/corpus/$name
	corp=$work/corpus/$name
	art=$work/artifacts/$name/
	mkdir -p "$corp" "$art"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corp"/ 2>/dev/null
	log=$work/$name.log
	# every tests/fuzz/fuzz_*.c runs: one missing from meson.build is a failure, not a skip
	if [ ! -x "$bdir/tests/fuzz/$t" ]; then
		echo "not ok fuzz $name: not built (add '$t' to tests/fuzz/meson.build)"
		fail=1
		continue
	fi
	# inputs that once crashed a target (tests/fuzz/regress/<target>/) must keep passing
	if [ -d "tests/fuzz/regress/$name" ] &&
		! "$bdir/tests/fuzz/$t" tests/fuzz/regress/"$name"/* >"$work/$name-regress.log" 2>&1; then
		echo "not ok fuzz $name: a regression input crashes again (log: $work/$name-regress.log)"
		fail=1
		continue
	fi
	# targets that need files make them under TMPDIR: libFuzzer ends without exit handlers, so
	# what they leave is removed here
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/cirt-fuzz-$name.XXXXXX")
	TMPDIR=$scratch "$bdir/tests/fuzz/$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1536 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$art" "$corp" >"$log" 2>&1
	rc=$?
	rm -rf "$scratch"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	csize=$(find "$corp" -type f | wc -l)
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		echo "ok fuzz $name: $execs execs in $secs s ($((execs / secs))/s), corpus $csize"
	else
		why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$log" | sed 's/^==[0-9]*==//')
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "not ok fuzz $name: ${why:-exit $rc} (artifact: ${artifact:-none}; log: $log)"
		fail=1
	fi
done
exit $fail
