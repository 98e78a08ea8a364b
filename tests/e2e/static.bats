#!/usr/bin/env bats
# static.bats: the self-contained build (meson -Dstatic=true, built once into build-static/): a
# static executable with no dynamic section, answering like the dynamic build, running alone in
# a container made FROM scratch; and the Debian package from dpkg-buildpackage.
load helpers

STATIC_DIR=$TOP/build-static
STATIC=$STATIC_DIR/cirt-static
IMAGE=fleet-static/cirt-static:test
LAB_NAMES="lab-bridge lab-custom lab-host lab-none lab-shared lab-beacon lab-beacon-default lab-clean"

setup_file() {
	# one build for the whole file, kept between runs (ninja redoes only what changed); the first
	# one fetches Debian's curl source package and builds its minimal libcurl (static/curl.sh).
	# The whole suite starts it in the background (tests/prebuild.sh): wait for that one first.
	if [ -n "${CIRT_PREBUILD:-}" ]; then
		"$TOP/tests/prebuild.sh" wait "$CIRT_PREBUILD" static ||
			{ tail -40 "$CIRT_PREBUILD/static.log" >&3; return 1; }
	fi
	"$TOP/tests/prebuild.sh" build static >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -40 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	# an image holding nothing but the binary, built here (never pulled)
	local ctx=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$ctx"
	cp "$STATIC" "$ctx/cirt"
	printf 'FROM scratch\nCOPY cirt /cirt\nENTRYPOINT ["/cirt"]\n' >"$ctx/Dockerfile"
	DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" --label cirt.lab=1 "$ctx" >/dev/null
}

teardown_file() {
	docker ps -aq --filter name=fleet-static- | xargs -r docker rm -f >/dev/null 2>&1 || true
	docker rmi "$IMAGE" >/dev/null 2>&1 || true
}

# run_scratch NAME ARGS...: the binary alone in the scratch image, with what `cirt ps` needs:
#   --pid host                 the daemon's pids are the host's: /proc/<pid> must mean the same
#   -v /proc:/proc:ro          the host's processes (namespaces, cgroups), read-only
#   -v docker.sock:ro          the Engine API (a read-only bind still connects; it only keeps the
#                              socket file from being replaced or removed)
#   --network host             netlink answers for the socket's own namespace: links, bridges and
#                              conntrack must be the host's (docker mounts /sys read-only itself)
#   --cap-add SYS_ADMIN        setns into each container's network namespace (its veth peer)
#   --read-only                nothing is written
run_scratch() {
	local name=$1
	shift
	run_split docker run --rm --name "fleet-static-$name" --label cirt.lab=1 --pid host \
		--network host --cap-add SYS_ADMIN --read-only -v /proc:/proc:ro \
		-v /var/run/docker.sock:/var/run/docker.sock:ro "$IMAGE" "$@"
}

@test "file and ldd: a static executable, no interpreter, no shared library" {
	run file "$STATIC"
	[ "$status" -eq 0 ]
	[[ $output == *"statically linked"* || $output == *"static-pie linked"* ]]
	[[ $output != *"dynamically linked"* ]]
	run ldd "$STATIC"
	[[ $output == *"not a dynamic executable"* || $output == *"statically linked"* ]]
	run readelf -lW "$STATIC"
	[ "$status" -eq 0 ]
	[[ $output != *INTERP* ]]
	run readelf -dW "$STATIC"
	[[ $output != *NEEDED* ]]
	echo "# cirt-static: $(stat -c %s "$STATIC") bytes" >&3
}

@test "cirt ps in an empty container (only the binary) lists every lab container, as the dynamic build does" {
	run_scratch ps ps --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/static.json"
	run_split "$CIRT" ps --json
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/dynamic.json"
	for n in $LAB_NAMES; do
		s=$(jq -c --arg n "$n" '.containers[] | select(.name==$n) | [.id, .pid, .endpoints]' "$BATS_TEST_TMPDIR/static.json")
		d=$(jq -c --arg n "$n" '.containers[] | select(.name==$n) | [.id, .pid, .endpoints]' "$BATS_TEST_TMPDIR/dynamic.json")
		[ -n "$s" ] || { echo "static build misses $n"; false; }
		[ "$s" = "$d" ] || { echo "$n: static $s, dynamic $d"; false; }
	done
	# the table too, with the host-side veth of a bridged lab container
	run_scratch ps-table ps
	[ "$status" -eq 0 ]
	line=$(grep '^lab-bridge ' <<<"$output")
	[[ $line == *" veth"* && $line == *" docker0 "* ]]
}

@test "net and conns: the static build's netlink (links, routes, sockets) answers as the dynamic build's" {
	# the lab's containers only (other tests' come and go), and for sockets the listening ones
	# (the beacons' connections come and go every second)
	local lab
	lab=$(printf '"%s",' $LAB_NAMES)
	lab="[${lab%,}]"
	local -A filter=(
		[net]='[.containers[] | select(.name as $n | $lab | index($n))] | sort_by(.name)'
		[conns]='[.containers[] | select(.name as $n | $lab | index($n)) | {name, sockets: [.sockets[] | select(.state == "LISTEN" or .state == "UNCONN") | [.proto, .family, .local, .process.comm]] | sort}] | sort_by(.name)'
	)
	for cmd in net conns; do
		run_split "$STATIC" "$cmd" --json
		[ "$status" -eq 0 ]
		jq -S --argjson lab "$lab" "${filter[$cmd]}" <<<"$output" >"$BATS_TEST_TMPDIR/s.json"
		run_split "$CIRT" "$cmd" --json
		[ "$status" -eq 0 ]
		jq -S --argjson lab "$lab" "${filter[$cmd]}" <<<"$output" >"$BATS_TEST_TMPDIR/d.json"
		[ "$(jq length "$BATS_TEST_TMPDIR/s.json")" -ge 8 ]
		diff "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/d.json"
	done
}

@test "locate by conntrack: the static build finds the lab's beaconing containers, as the dynamic build does" {
	run_split "$STATIC" locate "$LAB_C2_IP" --json
	[ "$status" -eq 1 ]
	s=$(jq -c '[.. | objects | select(has("container")) | .container.name] | unique' <<<"$output")
	run_split "$CIRT" locate "$LAB_C2_IP" --json
	[ "$status" -eq 1 ]
	d=$(jq -c '[.. | objects | select(has("container")) | .container.name] | unique' <<<"$output")
	[[ $s == *'"lab-beacon"'* ]]
	[ "$s" = "$d" ]
}

@test "net --format svg: the static build says it has no SVG renderer; DOT stays" {
	run_split "$STATIC" net --format svg
	[ "$status" -ne 0 ]
	[[ $stderr == *"static build of cirt has no SVG renderer"* ]]
	[[ $stderr == *"--format dot"* ]]
	run_split "$STATIC" net --format dot
	[ "$status" -eq 0 ]
	[[ $output == *"digraph"* || $output == *"graph "* ]]
}

@test "the host's openssl.cnf is not read: an engine it names is never loaded" {
	# a config that would load a (missing) dynamic engine: read, it makes OpenSSL fail or complain
	cat >"$BATS_TEST_TMPDIR/openssl.cnf" <<'CNF'
openssl_conf = init
[init]
engines = eng
[eng]
e = e_section
[e_section]
dynamic_path = /nonexistent/cirt-test-engine.so
init = 1
CNF
	run_split env OPENSSL_CONF="$BATS_TEST_TMPDIR/openssl.cnf" strace -f -e trace=openat -o "$BATS_TEST_TMPDIR/trace" "$STATIC" ps --json
	[ "$status" -eq 0 ]
	! grep -q 'openssl.cnf\|cirt-test-engine' "$BATS_TEST_TMPDIR/trace"
}

@test "dpkg-buildpackage -us -uc -b builds cirt_*.deb: /usr/bin/cirt, dynamic, runs from the package" {
	# built in build-deb/ by tests/prebuild.sh: in the background by the whole suite, else here
	local d=$TOP/build-deb
	if [ -n "${CIRT_PREBUILD:-}" ]; then
		"$TOP/tests/prebuild.sh" wait "$CIRT_PREBUILD" deb || { tail -40 "$CIRT_PREBUILD/deb.log"; false; }
	else
		"$TOP/tests/prebuild.sh" build deb >"$BATS_TEST_TMPDIR/deb.log" 2>&1 ||
			{ tail -40 "$BATS_TEST_TMPDIR/deb.log"; false; }
	fi
	deb=$(ls "$d"/cirt_*.deb)
	run dpkg-deb -c "$deb"
	[ "$status" -eq 0 ]
	[[ $output == *" ./usr/bin/cirt"* ]]
	[[ $output == *"./usr/share/doc/cirt/copyright"* ]]
	run dpkg-deb -f "$deb" Package Depends
	[[ $output == *"Package: cirt"* && $output == *"libcurl4"* && $output == *"libjansson4"* ]]
	# installed into a scratch root (no maintainer scripts run): the binary runs
	dpkg -x "$deb" "$d/root"
	run "$d/root/usr/bin/cirt" --version
	[ "$status" -eq 0 ]
	[[ $output == "cirt "* ]]
	run file "$d/root/usr/bin/cirt"
	[[ $output == *"dynamically linked"* ]]
}
