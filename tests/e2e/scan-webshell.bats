#!/usr/bin/env bats
# scan-webshell.bats: `cirt scan --rootfs` on the webshell samples (tests/samples/webshell):
# every sample raises the rule its EXPECT line names, every clean twin raises no webshell
# finding, a finding's reason shows the data-flow path in JSON and SARIF, comments never fire.
load helpers

SAMPLES=$TOP/tests/samples/webshell

setup_file() {
	local r=$BATS_FILE_TMPDIR/root
	mkdir -p "$r/var/www"
	cp -r "$SAMPLES"/. "$r/var/www/"
	rm -f "$r/var/www/EXPECT"
	"$CIRT" scan --json --checks webshell --rootfs "$r" >"$BATS_FILE_TMPDIR/scan.json" || [ $? -eq 1 ]
	"$CIRT" scan --format sarif --checks webshell --rootfs "$r" >"$BATS_FILE_TMPDIR/scan.sarif" || [ $? -eq 1 ]
}

# "rule path" lines of the webshell findings
pairs() {
	jq -r '.targets[0].findings[] | select(.check == "webshell") | "\(.rule) \(.path)"' \
		"$BATS_FILE_TMPDIR/scan.json"
}

@test "scan-webshell: every sample raises the rule EXPECT names" {
	local f want n=0 miss=0
	pairs >"$BATS_FILE_TMPDIR/pairs"
	while read -r f want; do
		[[ -z $f || $f == \#* || $want == clean ]] && continue
		n=$((n + 1))
		if ! grep -qx "webshell.$want /var/www/$f" "$BATS_FILE_TMPDIR/pairs"; then
			echo "missed: $f (want webshell.$want)"
			miss=$((miss + 1))
		fi
	done <"$SAMPLES/EXPECT"
	echo "$n samples, $miss missed"
	[ "$n" -ge 60 ]
	[ "$miss" -eq 0 ]
}

@test "scan-webshell: no clean twin raises a webshell finding" {
	local f want n=0 bad=0
	pairs >"$BATS_FILE_TMPDIR/pairs"
	while read -r f want; do
		[[ $want == clean ]] || continue
		n=$((n + 1))
		if grep -q " /var/www/$f\$" "$BATS_FILE_TMPDIR/pairs"; then
			grep " /var/www/$f\$" "$BATS_FILE_TMPDIR/pairs"
			bad=$((bad + 1))
		fi
	done <"$SAMPLES/EXPECT"
	echo "$n twins, $bad flagged"
	[ "$n" -ge 60 ]
	[ "$bad" -eq 0 ]
}

@test "scan-webshell: the reason and evidence show the path from the request to the sink" {
	run jq -r '.targets[0].findings[] | select(.path == "/var/www/php/eval_var.php") | "\(.severity) \(.line) \(.reason)"' \
		"$BATS_FILE_TMPDIR/scan.json"
	echo "$output"
	[ "$output" = "critical 5 PHP evaluates request data as code (eval): line 3 \`\$input = \$_POST['q']\` -> line 4 \`\$code = \"return \" . \$input . \";\"\` -> line 5 \`eval(\$code)\`" ]
	run jq -r '.targets[0].findings[] | select(.path == "/var/www/php/eval_var.php") | .evidence' \
		"$BATS_FILE_TMPDIR/scan.json"
	[[ $output == "line 3 \`\$input = \$_POST['q']\` -> "* ]]
	# a call into a function of the file: the call, then the sink in its body
	run jq -r '.targets[0].findings[] | select(.path == "/var/www/php/wrapper_exec.php") | .reason' \
		"$BATS_FILE_TMPDIR/scan.json"
	[[ $output == *"line 17 \`run_cmd(\$_POST['cmd'])\` -> line 6 \`shell_exec(\$c)\`"* ]]
}

@test "scan-webshell: SARIF results carry the path and the rule" {
	run jq -r '.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == "/var/www/jsp/exec_var.jsp") | "\(.ruleId) \(.level) \(.locations[0].physicalLocation.region.startLine) \(.message.text)"' \
		"$BATS_FILE_TMPDIR/scan.sarif"
	echo "$output"
	[[ $output == "webshell.jsp_exec_request error 7 JSP runs a command taken from the request (exec): line 4 \`String cmd = request.getParameter(\"cmd\")\` -> line 7 "* ]]
}

@test "scan-webshell: comments and markup never fire, whatever they say" {
	pairs >"$BATS_FILE_TMPDIR/pairs"
	! grep -q "comment_only" "$BATS_FILE_TMPDIR/pairs"
	! grep -q "polyglot.clean.gif" "$BATS_FILE_TMPDIR/pairs"
	local r=$BATS_FILE_TMPDIR/wp
	mkdir -p "$r/usr/share/wordpress/wp-admin/includes"
	cat >"$r/usr/share/wordpress/wp-admin/includes/file.php" <<-'EOF'
		<?php
		/**
		 * @type bool $test_form Whether to test that the `$_POST['action']` parameter is as expected.
		 * @see `$_GET['cmd']` and `system($_REQUEST['x'])` in the docs.
		 */
		function wp_handle_upload( &$file, $overrides = false ) {
			return $file;
		}
	EOF
	run "$CIRT" scan --json --rootfs "$r"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.targets[0].findings | length')" -eq 0 ]
}

@test "scan-webshell: code hidden in a picture and in a text file is read as code" {
	pairs >"$BATS_FILE_TMPDIR/pairs"
	grep -qx "webshell.php_eval_request /var/www/php/polyglot.gif" "$BATS_FILE_TMPDIR/pairs"
	grep -qx "webshell.php_exec_request /var/www/php/shell.txt" "$BATS_FILE_TMPDIR/pairs"
	! grep -q "/var/www/php/shell.clean.txt" "$BATS_FILE_TMPDIR/pairs"
}

@test "scan-webshell: findings exit 1, and --fail-on critical ignores the lower ones" {
	local r=$BATS_FILE_TMPDIR/one
	mkdir -p "$r/srv"
	cp "$SAMPLES/php/packer.php" "$r/srv/"
	run "$CIRT" scan --json --rootfs "$r"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.targets[0].findings[0].rule')" = "webshell.php_obfuscated" ]
	[ "$(echo "$output" | jq -r '.targets[0].findings[0].severity')" = "high" ]
	run "$CIRT" scan --fail-on critical --rootfs "$r"
	[ "$status" -eq 0 ]
}
