#!/usr/bin/env bash
# tests/checks/layers.sh: fail when a file under src/ includes a header of a higher layer, or of a
# peer in its layer (the layers: docs/HACKING.md, "Layers"). Usage: tests/checks/layers.sh [SRCDIR]
set -uo pipefail
cd "${1:-$(dirname "$0")/../../src}" || exit 2
find . -name '*.[ch]' | sed 's|^\./||' | sort | xargs awk '
# the layer of a path relative to src/: its first directory; files directly in src/ are the base
function rank(p, d) {
	if (p == "cirt.c") return 7
	if (p !~ /\//) return 0
	d = p; sub(/\/.*/, "", d)
	if (d == "sources") return 1
	if (d == "model") return 2
	if (d == "journal" || d == "scan" || d == "evidence" || d == "contain") return 3
	if (d == "analyses") return 4
	if (d == "output") return 5
	if (d == "cmd") return 6
	return 99
}
function dir(p) { if (p !~ /\//) return "."; sub(/\/.*/, "", p); return p }
FNR == 1 {
	rf = rank(FILENAME)
	if (rf == 99) { print "layers: " FILENAME ": in a directory no layer names (add it to tests/checks/layers.sh and docs/HACKING.md)"; bad++ }
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	# only the project own headers: paths relative to src/
	if ((getline junk < inc) < 0) next
	close(inc)
	n++
	ri = rank(inc)
	if (dir(inc) == dir(FILENAME)) next
	if (ri > rf || (ri == rf && rf == 3)) {
		print "layers: " FILENAME ":" FNR " includes \"" inc "\" (layer " ri ") from layer " rf
		bad++
	}
}
END { print "layers: " n " project includes read, " bad + 0 " against the layers"; exit bad > 0 }
'
