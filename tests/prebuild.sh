#!/usr/bin/env bash
# tests/prebuild.sh: the suite's long builds, in the background at the lowest CPU priority while
# the end-to-end tests wait on containers: the static build (build-static/, for static.bats), the
# Debian package (build-deb/, for its dpkg-buildpackage test) and the static analysis
# (tests/static.sh). Each writes its log and, when done, its exit status. (Fuzzing stays in the
# foreground: starved of CPU, an input would pass libFuzzer's 5 s timeout.)
#
#   tests/prebuild.sh start DIR    start the three in the background (one after the other), in a
#                                  session of their own; prints its pid (kill -- -PID stops all)
#   tests/prebuild.sh build static|deb
#                                  build one of them here, in the foreground (static.bats does
#                                  when the suite did not start them)
#   tests/prebuild.sh wait DIR NAME [SECONDS]
#                                  wait until NAME (static, deb, analysis) is done (default
#                                  2700 s): exit status is NAME's; its log is DIR/NAME.log
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$PWD

# the package is built from a copy of the tree: dpkg-buildpackage writes beside the source
build_deb() {
	local d=$top/build-deb
	rm -rf "$d"
	mkdir -p "$d/src"
	(git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$d/src" &&
		(cd "$d/src" && DEB_BUILD_OPTIONS="nocheck noopt parallel=1" dpkg-buildpackage -us -uc -b)
}

build_static() {
	local d=$top/build-static
	if [ ! -f "$d/build.ninja" ]; then
		meson setup "$d" "$top" -Dstatic=true --buildtype=release || return 1
	fi
	ninja -C "$d" -j1
}

# step DIR NAME CMD...: run CMD with its output in DIR/NAME.log, then write DIR/NAME.rc
step() {
	local dir=$1 name=$2
	shift 2
	"$@" >"$dir/$name.log" 2>&1
	echo $? >"$dir/$name.rc.tmp" && mv "$dir/$name.rc.tmp" "$dir/$name.rc"
}

case ${1:-} in
start)
	dir=${2:?usage: tests/prebuild.sh start DIR}
	rm -rf "$dir"
	mkdir -p "$dir"
	# a session of its own, so that `kill -- -PID` stops every build it started
	setsid nice -n 19 "$0" run "$dir" </dev/null >/dev/null 2>&1 &
	echo $!
	;;
run)
	dir=${2:?}
	step "$dir" static build_static
	step "$dir" deb build_deb
	step "$dir" analysis tests/static.sh
	;;
build)
	case ${2:-} in
	static) build_static ;;
	deb) build_deb ;;
	*) echo "usage: tests/prebuild.sh build static|deb" >&2; exit 2 ;;
	esac
	;;
wait)
	dir=${2:?usage: tests/prebuild.sh wait DIR NAME [SECONDS]}
	name=${3:?usage: tests/prebuild.sh wait DIR NAME [SECONDS]}
	limit=${4:-2700}
	for ((i = 0; i < limit; i++)); do
		[ -f "$dir/$name.rc" ] && exit "$(cat "$dir/$name.rc")"
		sleep 1
	done
	echo "prebuild: $name not done after $limit s" >"$dir/$name.timeout"
	exit 124
	;;
*)
	echo "usage: tests/prebuild.sh start DIR | wait DIR NAME [SECONDS]" >&2
	exit 2
	;;
esac
