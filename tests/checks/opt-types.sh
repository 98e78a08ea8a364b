#!/usr/bin/env bash
# tests/checks/opt-types.sh: the OPT_* macros of src/cmd/cmd.h refuse, at compile time, a
# destination field of the wrong type; the same table with the right types compiles.
# Usage: tests/checks/opt-types.sh [CC] [TOPDIR]
set -uo pipefail
cc=${1:-cc}
top=${2:-$(dirname "$0")/../..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-std=c17 -D_GNU_SOURCE -fsyntax-only -I"$top/src" $(pkg-config --cflags jansson libcurl 2>/dev/null))
# try NAME TYPE MACRO-LINE: compile a table whose field f has TYPE
try() {
	cat >"$tmp/$1.c" <<C
#include "cmd/cmd.h"
struct a { $2 f; };
static const struct cmd_choice ch[] = {{"x", 1}, {0}};
const struct cmd_opt t[] = { $3, {0} };
int unused(void);
int unused(void) { return ch[0].value; }
C
	"$cc" "${flags[@]}" "$tmp/$1.c" 2>"$tmp/$1.err"
}
fail=0
check() { # EXPECT(ok|error) NAME TYPE MACRO
	if try "$2" "$3" "$4"; then got=ok; else got=error; fi
	if [ "$got" = "$1" ]; then
		echo "ok: $4 on a $3 field: $got"
	else
		echo "FAIL: $4 on a $3 field: $got, expected $1"
		cat "$tmp/$2.err"
		fail=1
	fi
}
check ok bool bool 'OPT_BOOL("b", 0, "h", struct a, f)'
check error bool-int int 'OPT_BOOL("b", 0, "h", struct a, f)'
check ok str 'const char *' 'OPT_STR("s", 0, "S", "h", struct a, f)'
check error str-int int 'OPT_STR("s", 0, "S", "h", struct a, f)'
check ok uint unsigned 'OPT_UINT("u", 0, "N", "h", struct a, f, 1, 9)'
check error uint-long long 'OPT_UINT("u", 0, "N", "h", struct a, f, 1, 9)'
check ok long long 'OPT_LONG("l", 0, "N", "h", struct a, f, 0, 9)'
check error long-ptr 'char *' 'OPT_LONG("l", 0, "N", "h", struct a, f, 0, 9)'
check ok size uint64_t 'OPT_SIZE("z", 0, "S", "h", struct a, f, 1, 0)'
check error size-long long 'OPT_SIZE("z", 0, "S", "h", struct a, f, 1, 0)'
check ok choice int 'OPT_CHOICE("c", 0, "C", "h", struct a, f, ch)'
check error choice-char char 'OPT_CHOICE("c", 0, "C", "h", struct a, f, ch)'
exit $fail
