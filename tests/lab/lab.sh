#!/usr/bin/env bash
# tests/lab/lab.sh: sets up, inspects and tears down cirt's test lab (lab containers plus a fake "C2" host)
#
# Everything the lab makes carries the label cirt.lab=1 (containers, network,
# image) or a cirt-lab/cirt-c2 name (network namespace, veth, iptables chain),
# so `down` removes exactly what `up` made. See tests/lab/README.md.
#
# Network safety (DESIGN.md, hard rule): lab traffic goes only to lab
# containers and to 10.66.0.2, the C2 namespace behind our own veth. `up`
# checks that 10.66.0.0/24 is routed nowhere else before it builds the C2 host,
# checks `ip route get 10.66.0.2` leaves via the lab's veth (also as forwarded
# from each lab bridge) before any beacon starts, and installs an iptables
# guard that drops 10.66.0.0/24 traffic leaving by any other interface, should
# the veth vanish while beacons still run. Nothing is ever pulled.
set -euo pipefail

readonly LABEL=cirt.lab=1
readonly MANY_LABEL=cirt.lab.many=1
readonly LAB_IMAGE=cirt-lab/busybox:1
readonly LAB_NET=cirt-lab-net
readonly C2_NS=cirt-c2
readonly C2_HOST_IF=cirt-c2h
readonly C2_NS_IF=c2
readonly C2_HOST_IP=10.66.0.1
readonly C2_IP=10.66.0.2
readonly C2_PREFIX=24
readonly C2_SUBNET=10.66.0.0/24
readonly C2_PORT=80
readonly GUARD_CHAIN=CIRT-LAB-GUARD
readonly PUBLISHED_PORT=18080
readonly RUN_DIR=/run/cirt-lab
readonly C2_WWW=$RUN_DIR/c2-www
readonly C2_PIDFILE=$RUN_DIR/c2-httpd.pid
readonly C2_LOG=$RUN_DIR/c2-httpd.log
# The C2 host's DNS server (dnsmasq, bound to 10.66.0.2 only, never forwarding): test names.
readonly C2_DNS_DOMAIN=cirt-lab.test
readonly C2_DNS_NAME=c2.$C2_DNS_DOMAIN
readonly C2_DNS_TTL=300
readonly C2_DNS_PIDFILE=$RUN_DIR/c2-dns.pid
readonly C2_DNS_LOG=$RUN_DIR/c2-dns.log
readonly DOCKERD_PIDFILE=$RUN_DIR/dockerd.pid
readonly DOCKERD_LOG=$RUN_DIR/dockerd.log
readonly DOCKER_SOCK=/var/run/docker.sock
readonly HOST_BUSYBOX=/bin/busybox
# Beacons: bounded in count (and so in time: at most COUNT * (INTERVAL + 2 s)).
readonly BEACON_COUNT=1800
readonly SLEEP_SECS=86400

readonly DEPS=(docker.io meson ninja-build pkg-config gcc libcurl4-openssl-dev
	libjansson-dev libmnl-dev libcmocka-dev bats busybox-static iproute2
	iptables nftables conntrack tcpdump tshark libnetfilter-conntrack-dev
	libpcap-dev libyara-dev yara libarchive-dev libssl-dev libcrypt-dev
	libgraphviz-dev graphviz jq procps psmisc curl time openssl strace python3 chromium
	clang clang-tools clang-format cppcheck valgrind socat dnsmasq-base libbpf-dev bpftool
	file dpkg-dev debhelper libzstd-dev liblz4-dev libacl1-dev libbz2-dev liblzma-dev
	libmagic-dev nettle-dev libdbus-1-dev zlib1g-dev)

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly LAB_DIR

# Prefer Debian's client (same release as the daemon docker.io installs);
# $DOCKER overrides.
if [[ -z ${DOCKER:-} ]]; then
	if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
readonly DOCKER

TMP_DIR=
cleanup() {
	if [[ -n $TMP_DIR ]]; then rm -rf -- "$TMP_DIR"; fi
}
trap cleanup EXIT

log() { printf 'lab: %s\n' "$*" >&2; }
warn() { printf 'lab: warning: %s\n' "$*" >&2; }
die() {
	printf 'lab: error: %s\n' "$*" >&2
	exit 1
}
usage_error() {
	printf 'lab: usage error: %s\n' "$*" >&2
	exit 2
}

d() { "$DOCKER" "$@"; }

need_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root"
}

need_cmds() {
	local c missing=()
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (run: $0 deps)"
}

# Serialise commands that change the lab (bats may run tests in parallel).
lock() {
	mkdir -p "$RUN_DIR"
	exec {LOCK_FD}>"$RUN_DIR/lock"
	flock -w 600 "$LOCK_FD" || die "timed out waiting for $RUN_DIR/lock"
}

# Pid from PIDFILE if that process is alive and its command line contains
# PATTERN (a stale pid file must never make us signal an unrelated process).
lab_pid() {
	local file=$1 pattern=$2 pid cmdline
	[[ -r $file ]] || return 1
	read -r pid <"$file" || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmdline == *"$pattern"* ]] || return 1
	printf '%s\n' "$pid"
}

# Wait (bounded) until PID has exited; zombies count as exited.
wait_gone() {
	local pid=$1 tries=$2 state
	while ((tries-- > 0)); do
		state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[[ -z $state || $state == Z ]] && return 0
		sleep 0.5
	done
	return 1
}

# Run CMD... fully detached: new session, stdin /dev/null, output to LOG, and
# no inherited descriptor (an inherited pipe would hang bats, an inherited lock
# fd would hold our lock forever). The pid is written to PIDFILE by the process
# itself right before it execs CMD, so it is the pid of CMD.
detach() {
	local pidfile=$1 logfile=$2 fd i
	shift 2
	rm -f -- "$pidfile"
	(
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && [[ -e /proc/$BASHPID/fd/$fd ]]; then
				eval "exec $fd>&-"
			fi
		done
		# shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
		exec setsid nohup sh -c 'echo "$$" >"$0" && exec "$@"' "$pidfile" "$@" \
			</dev/null >>"$logfile" 2>&1
	) &
	for ((i = 0; i < 50; i++)); do
		[[ -s $pidfile ]] && return 0
		sleep 0.1
	done
	die "could not start $1 (see $logfile)"
}

# ---------------------------------------------------------------- deps

cmd_deps() {
	need_root
	local p missing=()
	for p in "${DEPS[@]}"; do
		if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) != installed ]]; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		log "all ${#DEPS[@]} packages already installed"
		return 0
	fi
	log "installing: ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${DEPS[@]}"
}

# ---------------------------------------------------------------- daemon

docker_ping() {
	[[ $(curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://x/_ping 2>/dev/null || true) == OK ]]
}

cmd_daemon() {
	need_root
	need_cmds curl
	if docker_ping; then
		log "docker daemon answers on $DOCKER_SOCK"
		return 0
	fi
	need_cmds dockerd setsid nohup
	mkdir -p "$RUN_DIR"
	# A daemon that went down with many containers makes containerd clean up
	# one dead shim per container first; that can take minutes, and dockerd
	# gives up on its containerd after a while and exits. So wait by the
	# clock (DAEMON_WAIT seconds), and start dockerd again (at most 3 times)
	# if it exited while containerd was still cleaning up.
	local pid starts=0 deadline=$((SECONDS + ${DAEMON_WAIT:-300}))
	if pid=$(lab_pid "$DOCKERD_PIDFILE" dockerd); then
		log "dockerd (pid $pid, started by lab.sh) is not answering yet, waiting"
	elif pgrep -x dockerd >/dev/null 2>&1; then
		log "a dockerd not started by lab.sh is running, waiting for it"
	fi
	while ((SECONDS < deadline)); do
		if docker_ping; then
			log "docker daemon answers (after $starts start(s))"
			return 0
		fi
		if ! pgrep -x dockerd >/dev/null 2>&1; then
			((starts < 3)) || break
			starts=$((starts + 1))
			log "starting dockerd --live-restore (log $DOCKERD_LOG, attempt $starts)"
			detach "$DOCKERD_PIDFILE" "$DOCKERD_LOG" dockerd --live-restore
		fi
		sleep 1
	done
	tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
	die "docker daemon did not answer on $DOCKER_SOCK within ${DAEMON_WAIT:-300} s ($starts start(s))"
}

cmd_daemon_stop() {
	need_root
	local pid
	if ! pid=$(lab_pid "$DOCKERD_PIDFILE" dockerd); then
		log "no dockerd started by lab.sh is running"
		rm -f -- "$DOCKERD_PIDFILE"
		return 0
	fi
	log "stopping dockerd pid $pid"
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" 120 || die "dockerd pid $pid did not exit within 60 s"
	rm -f -- "$DOCKERD_PIDFILE"
	log "dockerd stopped"
}

# ---------------------------------------------------------------- image

have_image() { d image inspect "$LAB_IMAGE" >/dev/null 2>&1; }

cmd_image() {
	need_root
	docker_ping || die "docker daemon not answering on $DOCKER_SOCK (run: $0 daemon)"
	if have_image; then
		log "image $LAB_IMAGE exists"
		return 0
	fi
	[[ -x $HOST_BUSYBOX ]] || die "$HOST_BUSYBOX missing (run: $0 deps)"
	# A dynamically linked busybox (package busybox) cannot run on scratch.
	if ldd "$HOST_BUSYBOX" >/dev/null 2>&1; then
		die "$HOST_BUSYBOX is dynamically linked; install busybox-static"
	fi
	TMP_DIR=$(mktemp -d /tmp/cirt-lab-image.XXXXXX)
	cp -- "$LAB_DIR/image/Dockerfile" "$LAB_DIR/image/passwd" "$LAB_DIR/image/group" \
		"$LAB_DIR/image/index.html" "$TMP_DIR/"
	cp -- "$HOST_BUSYBOX" "$TMP_DIR/busybox"
	log "building $LAB_IMAGE (FROM scratch, no network)"
	DOCKER_BUILDKIT=0 d build --quiet --network none --label "$LABEL" -t "$LAB_IMAGE" "$TMP_DIR" >/dev/null
	rm -rf -- "$TMP_DIR"
	TMP_DIR=
	have_image || die "image build did not produce $LAB_IMAGE"
	log "built $LAB_IMAGE"
}

# ---------------------------------------------------------------- C2 host

# Route lines (all tables) covering or inside 10.66.0.0/24 that do not use
# the lab's veth; the default route is no conflict.
foreign_routes() {
	{
		ip -4 route show table all to match "$C2_SUBNET"
		ip -4 route show table all root "$C2_SUBNET"
	} | awk -v ifname="$C2_HOST_IF" '
		$1 == "default" { next }
		{
			dev = ""
			for (i = 1; i < NF; i++) if ($i == "dev") dev = $(i + 1)
			if (dev != ifname) print
		}' | sort -u
}

foreign_addrs() {
	ip -4 -o addr show to "$C2_SUBNET" | awk -v ifname="$C2_HOST_IF" '$2 != ifname'
}

# Succeeds when `ip route get TARGET [ARGS...]` leaves via the lab's veth.
route_ok() {
	local out
	out=$(ip -4 route get "$@" 2>/dev/null) || return 1
	awk -v ifname="$C2_HOST_IF" '
		{ for (i = 1; i < NF; i++) if ($i == "dev" && $(i + 1) == ifname) ok = 1 }
		END { exit !ok }' <<<"$out"
}

netns_inode() { stat -L -c %i "/run/netns/$C2_NS" 2>/dev/null; }

c2_httpd_pid() {
	local pid ino
	pid=$(lab_pid "$C2_PIDFILE" "httpd -f -v -p $C2_PORT -h $C2_WWW") || return 1
	ino=$(netns_inode) || return 1
	[[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$ino]" ]] || return 1
	printf '%s\n' "$pid"
}

c2_httpd_stop() {
	local pid
	pid=$(lab_pid "$C2_PIDFILE" "httpd -f -v -p $C2_PORT -h $C2_WWW") || {
		rm -f -- "$C2_PIDFILE"
		return 0
	}
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
	rm -f -- "$C2_PIDFILE"
}

guard_parent_chains() {
	printf '%s\n' OUTPUT
	if iptables -w -n -L DOCKER-USER >/dev/null 2>&1; then
		printf '%s\n' DOCKER-USER
	else
		printf '%s\n' FORWARD
	fi
}

# Drop anything for 10.66.0.0/24 that would leave by another interface than
# the lab's veth (lo stays allowed for 10.66.0.1, the host's own address).
guard_up() {
	if ! command -v iptables >/dev/null 2>&1; then
		warn "iptables missing: no guard for $C2_SUBNET"
		return 0
	fi
	iptables -w -n -L "$GUARD_CHAIN" >/dev/null 2>&1 || iptables -w -N "$GUARD_CHAIN"
	iptables -w -F "$GUARD_CHAIN"
	iptables -w -A "$GUARD_CHAIN" -o "$C2_HOST_IF" -j RETURN
	iptables -w -A "$GUARD_CHAIN" -o lo -j RETURN
	iptables -w -A "$GUARD_CHAIN" -m comment --comment "cirt.lab: $C2_SUBNET only via $C2_HOST_IF" -j DROP
	local chain
	while read -r chain; do
		iptables -w -C "$chain" -d "$C2_SUBNET" -j "$GUARD_CHAIN" 2>/dev/null ||
			iptables -w -I "$chain" -d "$C2_SUBNET" -j "$GUARD_CHAIN"
	done < <(guard_parent_chains)
}

guard_down() {
	command -v iptables >/dev/null 2>&1 || return 0
	local chain i
	for chain in OUTPUT DOCKER-USER FORWARD; do
		for ((i = 0; i < 10; i++)); do
			iptables -w -D "$chain" -d "$C2_SUBNET" -j "$GUARD_CHAIN" 2>/dev/null || break
		done
	done
	if iptables -w -n -L "$GUARD_CHAIN" >/dev/null 2>&1; then
		iptables -w -F "$GUARD_CHAIN"
		iptables -w -X "$GUARD_CHAIN" || warn "could not delete chain $GUARD_CHAIN"
	fi
}

c2_up() {
	need_cmds ip setsid nohup
	local bad
	bad=$(foreign_routes)
	[[ -z $bad ]] || die "$C2_SUBNET is already routed elsewhere, refusing to build the C2 host:"$'\n'"$bad"
	bad=$(foreign_addrs)
	[[ -z $bad ]] || die "an address in $C2_SUBNET is already in use, refusing:"$'\n'"$bad"

	mkdir -p "$RUN_DIR" "$C2_WWW"
	[[ -e /run/netns/$C2_NS ]] || ip netns add "$C2_NS"
	# Both ends must exist; a half pair (or a host end whose peer lives
	# elsewhere) is rebuilt.
	if ip link show "$C2_HOST_IF" >/dev/null 2>&1 && ! ip -n "$C2_NS" link show "$C2_NS_IF" >/dev/null 2>&1; then
		ip link del "$C2_HOST_IF"
	fi
	if ! ip link show "$C2_HOST_IF" >/dev/null 2>&1; then
		ip -n "$C2_NS" link del "$C2_NS_IF" 2>/dev/null || true
		ip link add "$C2_HOST_IF" type veth peer name "$C2_NS_IF" netns "$C2_NS"
	fi
	ip link set "$C2_HOST_IF" alias "$LABEL"
	ip addr replace "$C2_HOST_IP/$C2_PREFIX" dev "$C2_HOST_IF"
	ip link set "$C2_HOST_IF" up
	ip -n "$C2_NS" link set lo up
	ip -n "$C2_NS" addr replace "$C2_IP/$C2_PREFIX" dev "$C2_NS_IF"
	ip -n "$C2_NS" link set "$C2_NS_IF" up
	ip -n "$C2_NS" route replace default via "$C2_HOST_IP" dev "$C2_NS_IF"
	echo 1 >/proc/sys/net/ipv4/ip_forward

	route_ok "$C2_IP" || die "ip route get $C2_IP does not leave via $C2_HOST_IF: $(ip -4 route get "$C2_IP" 2>&1 | head -n 1)"
	guard_up

	printf '<html><body><p>cirt lab C2 host %s</p></body></html>\n' "$C2_IP" >"$C2_WWW/index.html"
	local pid
	if pid=$(c2_httpd_pid); then
		log "C2 httpd running (pid $pid)"
	else
		c2_httpd_stop # one left in an older namespace
		detach "$C2_PIDFILE" "$C2_LOG" ip netns exec "$C2_NS" \
			"$HOST_BUSYBOX" httpd -f -v -p "$C2_PORT" -h "$C2_WWW"
		local i
		for ((i = 0; i < 50; i++)); do
			if ss -N "$C2_NS" -Hltn "sport = :$C2_PORT" 2>/dev/null | grep -q .; then break; fi
			sleep 0.1
		done
		pid=$(c2_httpd_pid) || die "C2 httpd did not start (see $C2_LOG)"
		log "C2 httpd started in netns $C2_NS (pid $pid)"
	fi
	c2_dns_up
}

# The C2 DNS server's command line: authoritative for cirt-lab.test only (no upstream, no
# /etc/hosts, no resolv.conf: it never sends a query anywhere), bound to 10.66.0.2:53 (UDP and
# TCP) alone. Names: c2 (A 10.66.0.2), www (CNAME c2), cdn (CNAME www: a chain), v6 (AAAA
# fd66::2 only, which nothing listens on: never connect to it), txt (TXT); any other name of
# the domain is NXDOMAIN. TTL 300.
c2_dns_cmd() {
	local d=$C2_DNS_DOMAIN
	printf '%s\n' dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--no-resolv --no-hosts --no-poll --bind-interfaces "--listen-address=$C2_IP" --port=53 \
		"--local=/$d/" "--local-ttl=$C2_DNS_TTL" \
		"--host-record=$C2_DNS_NAME,$C2_IP,$C2_DNS_TTL" \
		"--cname=www.$d,$C2_DNS_NAME,$C2_DNS_TTL" "--cname=cdn.$d,www.$d,$C2_DNS_TTL" \
		"--host-record=v6.$d,fd66::2,$C2_DNS_TTL" "--txt-record=txt.$d,cirt lab" \
		--log-queries --log-facility=-
}

c2_dns_pid() {
	local pid ino
	pid=$(lab_pid "$C2_DNS_PIDFILE" "dnsmasq --keep-in-foreground --conf-file=/dev/null") || return 1
	ino=$(netns_inode) || return 1
	[[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$ino]" ]] || return 1
	printf '%s\n' "$pid"
}

c2_dns_stop() {
	local pid
	pid=$(lab_pid "$C2_DNS_PIDFILE" "dnsmasq --keep-in-foreground --conf-file=/dev/null") || {
		rm -f -- "$C2_DNS_PIDFILE"
		return 0
	}
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
	rm -f -- "$C2_DNS_PIDFILE"
}

# Start the C2 DNS server unless it runs (idempotent); the C2 namespace must exist.
c2_dns_up() {
	need_cmds dnsmasq ss
	[[ -e /run/netns/$C2_NS ]] || die "C2 namespace $C2_NS missing (run: $0 up)"
	local pid
	if pid=$(c2_dns_pid); then
		log "C2 DNS running (pid $pid)"
		return 0
	fi
	c2_dns_stop # one left in an older namespace
	local -a cmd
	mapfile -t cmd < <(c2_dns_cmd)
	detach "$C2_DNS_PIDFILE" "$C2_DNS_LOG" ip netns exec "$C2_NS" "${cmd[@]}"
	local i
	for ((i = 0; i < 50; i++)); do
		if ss -N "$C2_NS" -Hlun "sport = :53" 2>/dev/null | grep -q .; then break; fi
		sleep 0.1
	done
	pid=$(c2_dns_pid) || die "C2 DNS did not start (see $C2_DNS_LOG)"
	log "C2 DNS started in netns $C2_NS (pid $pid): $C2_DNS_NAME -> $C2_IP"
}

c2_down() {
	c2_dns_stop
	c2_httpd_stop
	if [[ -e /run/netns/$C2_NS ]]; then
		ip netns del "$C2_NS" || warn "could not delete netns $C2_NS"
	fi
	if ip link show "$C2_HOST_IF" >/dev/null 2>&1; then
		ip link del "$C2_HOST_IF" || warn "could not delete $C2_HOST_IF"
	fi
	guard_down
	rm -rf -- "$C2_WWW" "$C2_LOG" "$C2_DNS_LOG"
}

# ---------------------------------------------------------------- containers

net_up() {
	if d network inspect "$LAB_NET" >/dev/null 2>&1; then
		[[ $(d network inspect -f '{{index .Labels "cirt.lab"}}' "$LAB_NET") == 1 ]] ||
			die "network $LAB_NET exists but is not the lab's (no label $LABEL)"
		return 0
	fi
	d network create --driver bridge --label "$LABEL" "$LAB_NET" >/dev/null
	log "created network $LAB_NET ($(d network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$LAB_NET"))"
}

declare -A RECREATED=()

# ensure NAME [FORCE] -- DOCKER-RUN-ARGS...: keep NAME if it is ours and
# running (and FORCE is not 1), else (re)create it.
ensure() {
	local name=$1 force=$2 running label
	shift 3
	if running=$(d inspect -f '{{.State.Running}}' "$name" 2>/dev/null); then
		label=$(d inspect -f '{{index .Config.Labels "cirt.lab"}}' "$name")
		[[ $label == 1 ]] || die "container $name exists but is not the lab's (no label $LABEL)"
		if [[ $running == true && $force != 1 ]]; then
			log "$name: running, kept"
			return 0
		fi
		d rm -f "$name" >/dev/null
	fi
	d run -d --name "$name" --label "$LABEL" "$@" >/dev/null
	RECREATED[$name]=1
	log "$name: created"
}

container_netns() {
	local pid
	pid=$(d inspect -f '{{.State.Pid}}' "$1" 2>/dev/null) || return 1
	[[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
	readlink "/proc/$pid/ns/net"
}

wait_running() {
	local i name pending
	for ((i = 0; i < 60; i++)); do
		pending=()
		for name in "$@"; do
			[[ $(d inspect -f '{{.State.Running}}' "$name" 2>/dev/null || true) == true ]] || pending+=("$name")
		done
		((${#pending[@]} == 0)) && return 0
		sleep 0.5
	done
	die "not running after 30 s: ${pending[*]}"
}

# Check, as the kernel would forward it, that a packet from container NAME's
# address on BRIDGE to the C2 host leaves via the lab's veth.
check_forward_route() {
	local name=$1 bridge=$2 ip
	ip=$(d inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
	[[ -n $ip ]] || die "$name has no IP address"
	route_ok "$C2_IP" from "$ip" iif "$bridge" ||
		die "traffic from $name ($ip via $bridge) to $C2_IP would not leave via $C2_HOST_IF: $(ip -4 route get "$C2_IP" from "$ip" iif "$bridge" 2>&1 | head -n 1)"
}

lab_bridge_if() {
	local id
	id=$(d network inspect -f '{{.Id}}' "$LAB_NET")
	printf 'br-%s\n' "${id:0:12}"
}

default_bridge_if() {
	local name
	name=$(d network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' bridge 2>/dev/null || true)
	printf '%s\n' "${name:-docker0}"
}

beacon_cmd() { # INTERVAL
	local s
	# shellcheck disable=SC2016 # expanded by the container's sh
	s='i=0; while [ "$i" -lt COUNT ]; do printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 TARGET PORT >/dev/null 2>&1; i=$((i + 1)); sleep INTERVAL; done'
	s=${s//COUNT/$BEACON_COUNT}
	s=${s//TARGET/$C2_IP}
	s=${s//PORT/$C2_PORT}
	s=${s//INTERVAL/$1}
	printf '%s\n' "$s"
}

# beacon_stale NAME: 1 when the beacon has run 20 minutes or more (its bounded loop lasts about
# an hour): recreated, it outlives a whole test run; else 0
beacon_stale() {
	local started now
	started=$(d inspect -f '{{.State.StartedAt}}' "$1" 2>/dev/null) || { echo 0; return; }
	started=$(date -d "$started" +%s 2>/dev/null) || { echo 0; return; }
	now=$(date +%s)
	if ((now - started >= 1200)); then echo 1; else echo 0; fi
}

c2_flows() { conntrack -L -p tcp -d "$C2_IP" 2>/dev/null || true; }

# Passive check (the host itself sends nothing): conntrack shows beacon flows
# whose reply goes to 10.66.0.1 (MASQUERADE), or the C2 httpd log grows.
verify_traffic() {
	local i flows lines0 lines have_ct=0
	command -v conntrack >/dev/null 2>&1 && have_ct=1
	((have_ct)) || warn "conntrack missing: checking the C2 httpd log only"
	lines0=$(wc -l <"$C2_LOG" 2>/dev/null || echo 0)
	for ((i = 0; i < 24; i++)); do
		if ((have_ct)); then
			flows=$(c2_flows)
			if grep -q "dst=$C2_HOST_IP" <<<"$flows"; then
				log "C2 sees beacons: $(grep -c . <<<"$flows") conntrack flow(s) to $C2_IP, replies to $C2_HOST_IP (MASQUERADE)"
				return 0
			fi
		fi
		lines=$(wc -l <"$C2_LOG" 2>/dev/null || echo 0)
		if ((lines > lines0)); then
			log "C2 sees beacons: httpd log grew by $((lines - lines0)) line(s)"
			return 0
		fi
		sleep 0.5
	done
	warn "no beacon traffic seen at the C2 host within 12 s (httpd log: $C2_LOG)"
}

cmd_up() {
	need_root
	need_cmds "$DOCKER" ip curl flock setsid nohup ss
	lock
	local t0=$SECONDS
	cmd_daemon
	cmd_image
	# A dockerd started with --bridge=none deletes docker0; containers on the
	# default network then fail with "could not find bridge docker0".
	local br
	br=$(default_bridge_if)
	ip link show "$br" >/dev/null 2>&1 || die "docker's default bridge $br is missing (restart dockerd)"
	c2_up
	net_up

	local img=$LAB_IMAGE
	ensure lab-bridge 0 -- -p "$PUBLISHED_PORT:80" "$img" httpd -f -p 80 -h /www
	ensure lab-custom 0 -- --network "$LAB_NET" "$img" httpd -f -p 80 -h /www
	ensure lab-host 0 -- --network host "$img" sleep "$SLEEP_SECS"
	ensure lab-none 0 -- --network none "$img" sleep "$SLEEP_SECS"
	ensure lab-clean 0 -- "$img" sleep "$SLEEP_SECS"
	# lab-shared lives in lab-bridge's namespace: it must follow a new one.
	local force=0
	if [[ -n ${RECREATED[lab-bridge]:-} ]] ||
		[[ $(container_netns lab-shared || true) != "$(container_netns lab-bridge || echo none)" ]]; then
		force=1
	fi
	ensure lab-shared "$force" -- --network container:lab-bridge "$img" sleep "$SLEEP_SECS"
	wait_running lab-bridge lab-custom lab-host lab-none lab-clean lab-shared

	# Last check before any traffic: forwarded packets from both bridges
	# must reach the C2 veth.
	route_ok "$C2_IP" || die "ip route get $C2_IP no longer leaves via $C2_HOST_IF"
	check_forward_route lab-clean "$(default_bridge_if)"
	check_forward_route lab-custom "$(lab_bridge_if)"

	ensure lab-beacon "$(beacon_stale lab-beacon)" -- --network "$LAB_NET" "$img" sh -c "$(beacon_cmd 2)"
	ensure lab-beacon-default "$(beacon_stale lab-beacon-default)" -- "$img" sh -c "$(beacon_cmd 3)"
	wait_running lab-beacon lab-beacon-default
	verify_traffic
	log "lab up in $((SECONDS - t0)) s"
}

cmd_down() {
	need_root
	local rm_image=0 arg
	for arg in "$@"; do
		case $arg in
		--image) rm_image=1 ;;
		*) usage_error "down: unknown option '$arg'" ;;
		esac
	done
	lock
	if docker_ping; then
		local ids
		ids=$(d ps -aq --filter "label=$LABEL")
		if [[ -n $ids ]]; then
			log "removing $(wc -l <<<"$ids") lab container(s)"
			xargs -r -n 50 -P 4 "$DOCKER" rm -f >/dev/null <<<"$ids"
		fi
		if d network inspect "$LAB_NET" >/dev/null 2>&1; then
			if [[ $(d network inspect -f '{{index .Labels "cirt.lab"}}' "$LAB_NET") == 1 ]]; then
				d network rm "$LAB_NET" >/dev/null
				log "removed network $LAB_NET"
			else
				warn "network $LAB_NET is not the lab's, kept"
			fi
		fi
		if ((rm_image)) && have_image; then
			if [[ $(d image inspect -f '{{index .Config.Labels "cirt.lab"}}' "$LAB_IMAGE") == 1 ]]; then
				d rmi "$LAB_IMAGE" >/dev/null
				log "removed image $LAB_IMAGE"
			else
				warn "image $LAB_IMAGE is not the lab's, kept"
			fi
		fi
	else
		warn "docker daemon not answering: lab containers and network not removed"
	fi
	c2_down
	log "lab down"
}

cmd_status() {
	local ok=0
	if docker_ping; then
		printf 'docker: answering on %s\n' "$DOCKER_SOCK"
		printf 'image %s: %s\n' "$LAB_IMAGE" "$(have_image && echo present || echo missing)"
		if d network inspect "$LAB_NET" >/dev/null 2>&1; then
			printf 'network %s: %s on %s\n' "$LAB_NET" \
				"$(d network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$LAB_NET")" "$(lab_bridge_if)"
		else
			printf 'network %s: missing\n' "$LAB_NET"
		fi
		local many
		many=$(d ps -aq --filter "label=$MANY_LABEL" | wc -l)
		printf 'containers (label %s, %s lab-many-* not listed):\n' "$LABEL" "$many"
		d ps -a --filter "label=$LABEL" --format '{{.Names}}\t{{.State}}\t{{.Status}}\t{{.Networks}}' |
			grep -v '^lab-many-' | sort | sed 's/^/  /' || true
	else
		printf 'docker: not answering on %s\n' "$DOCKER_SOCK"
		ok=1
	fi
	if [[ -e /run/netns/$C2_NS ]]; then
		printf 'C2 netns %s: present\n' "$C2_NS"
	else
		printf 'C2 netns %s: missing\n' "$C2_NS"
		ok=1
	fi
	local pid
	if pid=$(c2_httpd_pid); then
		printf 'C2 httpd: pid %s, %s:%s, log %s\n' "$pid" "$C2_IP" "$C2_PORT" "$C2_LOG"
	else
		printf 'C2 httpd: not running\n'
		ok=1
	fi
	if pid=$(c2_dns_pid); then
		printf 'C2 DNS: pid %s, %s:53 (%s -> %s), log %s\n' "$pid" "$C2_IP" "$C2_DNS_NAME" "$C2_IP" "$C2_DNS_LOG"
	else
		printf 'C2 DNS: not running\n'
		ok=1
	fi
	if route_ok "$C2_IP"; then
		printf 'route check: %s leaves via %s (ok)\n' "$C2_IP" "$C2_HOST_IF"
	else
		printf 'route check: FAILED: %s\n' "$(ip -4 route get "$C2_IP" 2>&1 | head -n 1)"
		ok=1
	fi
	if command -v iptables >/dev/null 2>&1 && iptables -w -n -L "$GUARD_CHAIN" >/dev/null 2>&1; then
		printf 'guard: iptables chain %s present\n' "$GUARD_CHAIN"
	else
		printf 'guard: iptables chain %s missing\n' "$GUARD_CHAIN"
	fi
	if command -v conntrack >/dev/null 2>&1; then
		printf 'conntrack flows to %s: %s\n' "$C2_IP" "$(c2_flows | grep -c . || true)"
	fi
	return "$ok"
}

cmd_env() {
	printf 'LAB_C2_IP=%q\n' "$C2_IP"
	printf 'LAB_C2_HOST_IP=%q\n' "$C2_HOST_IP"
	printf 'LAB_C2_SUBNET=%q\n' "$C2_SUBNET"
	printf 'LAB_C2_NETNS=%q\n' "$C2_NS"
	printf 'LAB_C2_HOST_IF=%q\n' "$C2_HOST_IF"
	printf 'LAB_C2_PORT=%q\n' "$C2_PORT"
	printf 'LAB_C2_LOG=%q\n' "$C2_LOG"
	printf 'LAB_C2_DNS_NAME=%q\n' "$C2_DNS_NAME"
	printf 'LAB_C2_DNS_DOMAIN=%q\n' "$C2_DNS_DOMAIN"
	printf 'LAB_C2_DNS_TTL=%q\n' "$C2_DNS_TTL"
	printf 'LAB_C2_DNS_LOG=%q\n' "$C2_DNS_LOG"
	printf 'LAB_NET=%q\n' "$LAB_NET"
	printf 'LAB_IMAGE=%q\n' "$LAB_IMAGE"
	printf 'LAB_LABEL=%q\n' "$LABEL"
	printf 'LAB_PUBLISHED_PORT=%q\n' "$PUBLISHED_PORT"
}

# ---------------------------------------------------------------- many

many_names() { d ps -a --filter "label=$MANY_LABEL" --format '{{.Names}} {{.State}}'; }

cmd_many() {
	need_root
	local n=${1:-200} par=${LAB_PARALLEL:-8}
	if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 5000)); then
		usage_error "many: N must be 1..5000, got '$n'"
	fi
	lock
	local t0=$SECONDS
	cmd_daemon
	cmd_image
	local -A state=()
	local name st idx stale=() todo=()
	while read -r name st; do
		[[ -n $name ]] || continue
		state[$name]=$st
		idx=${name#lab-many-}
		# Not running, or beyond N: remove, so exactly lab-many-1..N run.
		if [[ $st != running ]] || ! [[ $idx =~ ^[0-9]+$ ]] || ((idx > n)); then
			stale+=("$name")
			unset "state[$name]"
		fi
	done < <(many_names)
	if ((${#stale[@]})); then
		printf '%s\n' "${stale[@]}" | xargs -r -n 50 -P 4 "$DOCKER" rm -f >/dev/null
	fi
	for ((idx = 1; idx <= n; idx++)); do
		[[ -n ${state[lab-many-$idx]:-} ]] || todo+=("lab-many-$idx")
	done
	if ((${#todo[@]})); then
		log "creating ${#todo[@]} container(s), $par in parallel"
		printf '%s\n' "${todo[@]}" | xargs -r -P "$par" -I{} \
			"$DOCKER" run -d --name {} --label "$LABEL" --label "$MANY_LABEL" \
			--network bridge "$LAB_IMAGE" sleep "$SLEEP_SECS" >/dev/null
	fi
	local running
	running=$(d ps -q --filter "label=$MANY_LABEL" | wc -l)
	((running == n)) || die "many: $running of $n lab-many containers running"
	log "many: $n lab-many container(s) running (${#todo[@]} created in $((SECONDS - t0)) s)"
}

cmd_many_down() {
	need_root
	lock
	docker_ping || {
		warn "docker daemon not answering"
		return 0
	}
	local ids
	ids=$(d ps -aq --filter "label=$MANY_LABEL")
	if [[ -n $ids ]]; then
		xargs -r -n 25 -P 4 "$DOCKER" rm -f >/dev/null <<<"$ids"
	fi
	log "many-down: removed $(grep -c . <<<"$ids" || true) container(s)"
}

usage() {
	cat <<EOF
usage: $0 COMMAND
  deps          install the Debian packages the project needs (skips apt if all present)
  daemon        start dockerd --live-restore unless one answers on $DOCKER_SOCK
  daemon-stop   stop the dockerd this script started (pid file $DOCKERD_PIDFILE)
  image         build $LAB_IMAGE FROM scratch with the host's static busybox
  up            daemon + image, then C2 host, $LAB_NET and the lab containers (idempotent)
  c2-dns        start the C2 host's DNS server alone (part of up; needs the C2 namespace)
  down [--image] remove everything labelled $LABEL, the C2 host (and the image)
  status        show what exists; exit 1 if the lab is incomplete
  env           print LAB_* shell assignments to eval
  many [N]      run exactly N (default 200) extra containers lab-many-1..N
  many-down     remove the lab-many-* containers
EOF
}

main() {
	local cmd=${1:-}
	(($#)) && shift
	case $cmd in
	deps) cmd_deps ;;
	daemon) cmd_daemon ;;
	daemon-stop) cmd_daemon_stop ;;
	image) cmd_image ;;
	up) cmd_up ;;
	c2-dns)
		need_root
		lock
		c2_dns_up
		;;
	down) cmd_down "$@" ;;
	status) cmd_status ;;
	env) cmd_env ;;
	many) cmd_many "$@" ;;
	many-down) cmd_many_down ;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
