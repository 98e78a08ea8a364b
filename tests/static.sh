#!/usr/bin/env bash
# tests/static.sh: clang's static analyzer (scan-build: the default checkers plus security, unix,
# nullability and optin.portability) and cppcheck (warning, style, performance, portability) over
# src/. Prints every report; exits 1 when there is any. Usage: tests/static.sh
# (needs clang-tools and cppcheck: tests/lab/lab.sh deps). Builds in build-scan/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
command -v scan-build >/dev/null || { echo "static: scan-build missing (apt-get install clang-tools)"; exit 2; }
command -v cppcheck >/dev/null || { echo "static: cppcheck missing (apt-get install cppcheck)"; exit 2; }
fail=0

# The analyzer must see every compile: configure through scan-build so CC is its wrapper.
rm -rf build-scan
out=$(mktemp -d)
scan-build meson setup build-scan -Dtests=false >/dev/null 2>&1 || { echo "static: meson setup failed"; exit 2; }
# DeprecatedOrUnsafeBufferHandling asks for C11 Annex K (memcpy_s ...), which glibc does not have;
# the alpha checkers are experimental (their reports on this tree: tests/hardening.md).
scan-build --status-bugs -o "$out" \
	-enable-checker security,unix,nullability,optin.portability \
	-disable-checker security.insecureAPI.DeprecatedOrUnsafeBufferHandling \
	ninja -C build-scan -j2 >"$out/log" 2>&1
rc=$?
grep -E 'warning:' "$out/log" | sort -u
if [ $rc -ne 0 ]; then
	echo "static: scan-build found bugs (report in $out)"
	fail=1
else
	echo "static: scan-build: no bugs"
	rm -rf "$out"
fi

cpp=$(cppcheck --enable=warning,style,performance,portability --std=c11 --inline-suppr --quiet \
	-D_GNU_SOURCE -I src -I build-scan --suppress=missingIncludeSystem --error-exitcode=1 src/ 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$cpp" ]; then
	echo "$cpp"
	echo "static: cppcheck reported the above"
	fail=1
else
	echo "static: cppcheck: nothing to report"
fi
exit $fail
