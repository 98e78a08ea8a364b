#!/usr/bin/env bats
# parsers.bats: what fuzzing found in the parsers of files an attacker may have written (an
# indicator list, a bundle's manifest), checked through the command line.

load helpers

@test "watch --ioc: a prefix that does not fit (wraps to /8, or cut at 128 chars) is refused, not read as another" {
	printf '10.0.0.1\n2001:db8::/4294967304 # wraps to /8 as an int\n' >"$BATS_TEST_TMPDIR/wrap.ioc"
	# bounded: if the list were accepted, watch would run until stopped
	run_split timeout -s INT 10 "$CIRT" watch --ioc "$BATS_TEST_TMPDIR/wrap.ioc" --journal "$BATS_TEST_TMPDIR/j"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"line 2: '2001:db8::/4294967304' is not an address or CIDR"* ]]
	printf '10.1.2.3/%0119d8\n' 0 >"$BATS_TEST_TMPDIR/long.ioc"
	run_split timeout -s INT 10 "$CIRT" watch --ioc "$BATS_TEST_TMPDIR/long.ioc" --journal "$BATS_TEST_TMPDIR/j"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"line 1: '10.1.2.3/000"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/j" ]
}

@test "verify: a manifest that is no JSON is reported with its bad token escaped, never raw" {
	mkdir "$BATS_TEST_TMPDIR/b"
	printf '{"format": \033]0;owned\007\033[31mRED\n' >"$BATS_TEST_TMPDIR/b/manifest.json"
	run_split "$CIRT" verify "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"manifest: manifest.json is not a JSON object (invalid token near '\\e"* ]]
	[[ "$output" == *"TAMPERED"* ]]
	! printf '%s%s' "$output" "$stderr" | grep -q $'\033'
	run_split "$CIRT" verify -j "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.manifest_ok == false and (.manifest_problem | test("invalid token"))' >/dev/null
}
