#!/usr/bin/env bash
# tests/checks/format.sh: every C file under src/ and tests/ is formatted as the project's
# .clang-format says (clang-format --dry-run -Werror); prints the files that differ.
# Fix them with: clang-format -i FILE...   Usage: tests/checks/format.sh [TOPDIR]
set -uo pipefail
cd "${1:-$(dirname "$0")/../..}" || exit 2
command -v clang-format >/dev/null || { echo "format: clang-format missing (apt-get install clang-format)"; exit 2; }
mapfile -t files < <(find src tests -name '*.[ch]' -not -path '*/corpus/*' -not -path '*/regress/*' | sort)
# one run over every file: its warnings name each file that differs
mapfile -t differ < <(clang-format --dry-run -Werror "${files[@]}" 2>&1 |
	sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u)
for f in "${differ[@]}"; do
	echo "format: $f differs from .clang-format (clang-format -i $f)"
done
echo "format: ${#files[@]} files, ${#differ[@]} differ"
[ "${#differ[@]}" -eq 0 ]
