#!/usr/bin/env bash
# tests/static.sh: clang's static analyzer (scan-build: the default checkers plus security, unix,
# nullability and optin.portability) and cppcheck (warning, style, performance, portability) over
# src/. Every report is printed; a report not explained in tests/static-explained.txt fails.
# Usage: tests/static.sh   (needs clang-tools and cppcheck: tests/lab/lab.sh deps; builds in
# build-scan/)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
command -v scan-build >/dev/null || { echo "static: scan-build missing (apt-get install clang-tools)"; exit 2; }
command -v cppcheck >/dev/null || { echo "static: cppcheck missing (apt-get install cppcheck)"; exit 2; }
explained=tests/static-explained.txt
out=$(mktemp -d)
unexplained=0

# check TOOL LINE: print the report, with its explanation or as new
check() {
	local tool=$1 line=$2 t f pat why
	while IFS='|' read -r t f pat why; do
		[[ -z $t || $t == \#* ]] && continue
		if [ "$t" = "$tool" ] && [[ $line == *"$f"* && $line == *"$pat"* ]]; then
			echo "explained: $line"
			echo "    because: $why"
			return 0
		fi
	done <"$explained"
	echo "NEW: $line"
	unexplained=$((unexplained + 1))
}

# The analyzer must see every compile: configure through scan-build so CC is its wrapper.
# DeprecatedOrUnsafeBufferHandling asks for C11 Annex K (memcpy_s ...), which glibc does not have;
# the alpha checkers are experimental (their reports on this tree: tests/hardening.md).
rm -rf build-scan
scan-build meson setup build-scan -Dtests=false >"$out/setup.log" 2>&1 || { cat "$out/setup.log"; echo "static: meson setup failed"; exit 2; }
scan-build -o "$out/report" -enable-checker security,unix,nullability,optin.portability \
	-disable-checker security.insecureAPI.DeprecatedOrUnsafeBufferHandling \
	ninja -C build-scan -j2 >"$out/scan.log" 2>&1 || { tail -30 "$out/scan.log"; echo "static: build failed"; exit 2; }
n=0
while IFS= read -r l; do
	n=$((n + 1))
	check scan-build "${l#../}"
done < <(grep -E ': warning: ' "$out/scan.log" | sort -u)
echo "static: scan-build: $n report(s)"

n=0
while IFS= read -r l; do
	n=$((n + 1))
	check cppcheck "$l"
done < <(cppcheck --enable=warning,style,performance,portability --std=c11 --quiet -D_GNU_SOURCE \
	-I src -I build-scan --include=tests/cppcheck-defs.h --suppress=missingIncludeSystem \
	--template='{file}:{line}: {severity}: [{id}] {message}' src/ 2>&1 | sort -u)
echo "static: cppcheck: $n report(s)"

rm -rf "$out"
if [ "$unexplained" -gt 0 ]; then
	echo "static: $unexplained report(s) not explained in $explained"
	exit 1
fi
echo "static: every report explained"
