#!/usr/bin/env bash
# tools/json-snapshot.sh OUTDIR: every command's --json on the lab, for comparing two builds of
# cirt (a refactor must not change them). Writes OUTDIR/NAME.json (raw) and OUTDIR/NAME.shape (the
# sorted set of key paths, array indices folded), so volatile values (times, counters) can be
# told from changed structure: diff -r the .shape files, then look at the raw files.
# Usage: CIRT=build/cirt tools/json-snapshot.sh /tmp/before   (the lab must be up)
set -uo pipefail
out=${1:?usage: tools/json-snapshot.sh OUTDIR}
cirt=${CIRT:-build/cirt}
mkdir -p "$out"
jl=$(mktemp -d)
trap 'rm -rf "$jl"' EXIT
# a short journal for timeline
timeout -s INT 4 "$cirt" watch --journal "$jl/j" >/dev/null 2>&1
run() {
	local name=$1
	shift
	"$cirt" "$@" >"$out/$name.json" 2>"$out/$name.err"
	echo "$?" >"$out/$name.rc"
	jq -S '[paths(scalars) | map(if type == "number" then "#" else . end) | join(".")] | unique[]' \
		<"$out/$name.json" >"$out/$name.shape" 2>/dev/null ||
		jq -S -s '[.[] | paths(scalars) | map(if type == "number" then "#" else . end) | join(".")] | unique[]' \
			<"$out/$name.json" >"$out/$name.shape" 2>/dev/null
}
run ps --json ps
run ps-a --json ps -a
run ps-nd --json --no-daemon ps
run inspect --json inspect lab-bridge
run top --json top lab-bridge
run diff --json diff lab-bridge
run net --json net
run net-nd --json --no-daemon net
run conns --json conns
run locate --json locate 10.66.0.2
run locate-nd --json --no-daemon locate 10.66.0.2
run capplan --json net --capture-plan lab-beacon --dst 10.66.0.2
run scan --json scan lab-bridge
run triage --json triage
run timeline --json timeline --journal "$jl/j"
run contain-dry --json contain --dry-run --isolate lab-clean
run stats --json stats lab-bridge
run logs --json logs lab-bridge
for f in "$out"/*.rc; do printf '%s=%s ' "$(basename "$f" .rc)" "$(cat "$f")"; done
echo
