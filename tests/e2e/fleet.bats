#!/usr/bin/env bats
# fleet.bats: cirt across hosts: contrib/ansible/cirt.yml over real SSH (two sshd instances of
# Debian's openssh-server on ports of 127.0.0.1, each its own inventory host with its own host key,
# root's key authentication made here; a third inventory host on a closed port), `locate` of the
# lab's C2 host on every host, then `cirt merge` of what came back. The system's sshd and
# /etc/ssh are never touched: everything lives in a temporary directory removed at the end.

load helpers

# the binary the playbook copies to the hosts: the suite's build (the static build's
# build-static/cirt-static, the playbook's default, with CIRT_FLEET_BINARY=PATH); merge is $CIRT
FLEET_BINARY=${CIRT_FLEET_BINARY:-$CIRT}

# free TCP ports of 127.0.0.1 in 22100-22999 (nothing listening, nothing bound)
free_ports() {
	local n=$1 p used
	used=$(ss -Htan | awk '{print $4}' | sed -n 's/.*:\([0-9]*\)$/\1/p' | sort -u)
	for p in $(seq 22100 22999); do
		grep -qx "$p" <<<"$used" && continue
		echo "$p"
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 0
	done
	return 1
}

fleet_env() {
	local T=$1
	export ANSIBLE_CONFIG=$T/ansible.cfg ANSIBLE_HOME=$T/ansible ANSIBLE_LOCAL_TEMP=$T/ansible/tmp
	export ANSIBLE_REMOTE_TMP=$T/ansible-remote ANSIBLE_ASYNC_DIR=$T/ansible-async
	export ANSIBLE_SSH_CONTROL_PATH_DIR=$T/cp ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
	# the binary goes over a local socket: compressing it would only cost time
	export ANSIBLE_SSH_ARGS='-o ControlMaster=auto -o ControlPersist=60s'
}

setup_file() {
	local T ports n
	T=$(mktemp -d /tmp/cirt-fleet.XXXXXX) # short: ssh's control sockets need a short path
	echo "$T" >"$BATS_FILE_TMPDIR/dir"
	mkdir -p "$T/remote" "$T/cp" "$T/ansible"
	: >"$T/ansible.cfg"
	# sshd refuses to start without its privilege separation directory
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd
		touch "$T/made-run-sshd"
	fi
	ssh-keygen -q -t ed25519 -N '' -C cirt-fleet-test -f "$T/id"
	install -m 0600 "$T/id.pub" "$T/authorized_keys"
	ports=($(free_ports 3))
	[ "${#ports[@]}" -eq 3 ]
	echo "${ports[2]}" >"$T/closed-port"
	for n in 1 2; do
		ssh-keygen -q -t ed25519 -N '' -C "node$n" -f "$T/hostkey$n"
		cat >"$T/sshd$n.conf" <<-EOF
			Port ${ports[n - 1]}
			ListenAddress 127.0.0.1
			HostKey $T/hostkey$n
			PidFile $T/sshd$n.pid
			AuthorizedKeysFile $T/authorized_keys
			PermitRootLogin prohibit-password
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			MaxStartups 50
			Subsystem sftp internal-sftp
		EOF
		echo "[127.0.0.1]:${ports[n - 1]} $(cut -d' ' -f1,2 "$T/hostkey$n.pub")" >>"$T/known_hosts"
		/usr/sbin/sshd -D -f "$T/sshd$n.conf" -E "$T/sshd$n.log" </dev/null >/dev/null 2>&1 3>&- &
		echo $! >"$T/sshd$n.bgpid"
	done
	for n in 1 2; do
		for _ in $(seq 1 100); do
			ss -Htln "sport = :${ports[n - 1]}" | grep -q . && break
			sleep 0.1
		done
	done
	cat >"$T/inventory.ini" <<-EOF
		[fleet]
		node1 ansible_host=127.0.0.1 ansible_port=${ports[0]}
		node2 ansible_host=127.0.0.1 ansible_port=${ports[1]}
		node3 ansible_host=127.0.0.1 ansible_port=${ports[2]}

		[fleet:vars]
		ansible_user=root
		ansible_ssh_private_key_file=$T/id
		ansible_ssh_common_args=-o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=yes
		ansible_python_interpreter=/usr/bin/python3
	EOF
	# the playbook once, for every test of this file: locate the lab's C2 host on every host
	fleet_env "$T"
	local rc=0
	(cd "$T" && ANSIBLE_CONFIG=$TOP/contrib/ansible/ansible.cfg ansible-playbook \
		-i "$T/inventory.ini" "$TOP/contrib/ansible/cirt.yml" -e "cirt_binary=$FLEET_BINARY" \
		-e "cirt_args='locate $LAB_C2_IP'" -e "cirt_results=$T/results" \
		-e "cirt_remote_tmp=$T/remote") >"$T/playbook.log" 2>&1 || rc=$?
	echo "$rc" >"$T/playbook.rc"
}

teardown_file() {
	local T n s
	T=$(cat "$BATS_FILE_TMPDIR/dir" 2>/dev/null) || return 0
	[ -n "$T" ] && [ -d "$T" ] || return 0
	for s in "$T"/cp/*; do
		[ -S "$s" ] && timeout 10 ssh -S "$s" -O exit cirt-fleet >/dev/null 2>&1 || true
	done
	# every sshd started here, by pid: the two listeners and the per-connection children they
	# forked (a child outlives its listener), TERM then, after at most 5 s, KILL
	local pids=() listeners=() pid alive=0 _
	for n in 1 2; do
		pid=$(cat "$T/sshd$n.bgpid" 2>/dev/null) || continue
		[[ $pid =~ ^[0-9]+$ ]] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = sshd ] || continue
		listeners+=("$pid")
		pids+=("$pid")
		for pid in $(pgrep -P "$pid" 2>/dev/null); do
			[ "$(ps -o comm= -p "$pid" 2>/dev/null)" = sshd ] && pids+=("$pid")
		done
	done
	if [ "${#pids[@]}" -gt 0 ]; then
		kill "${pids[@]}" 2>/dev/null || true
		for _ in $(seq 1 50); do
			alive=0
			for pid in "${pids[@]}"; do
				# a zombie (a listener this shell started and has not reaped) counts as gone
				[[ $(ps -o stat= -p "$pid" 2>/dev/null) == [!Z]* ]] && alive=1
			done
			[ "$alive" = 1 ] || break
			sleep 0.1
		done
		[ "$alive" = 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
		wait "${listeners[@]}" 2>/dev/null || true
	fi
	if [ -f "$T/made-run-sshd" ]; then rmdir /run/sshd 2>/dev/null || true; fi
	rm -rf "$T"
}

fleet_dir() { cat "$BATS_FILE_TMPDIR/dir"; }

@test "fleet: the playbook runs locate on every host over SSH; the closed port is reported, not fatal" {
	T=$(fleet_dir)
	[ "$(cat "$T/playbook.rc")" -eq 0 ] || { tail -40 "$T/playbook.log"; false; }
	sha=$(sha256sum "$FLEET_BINARY" | cut -d' ' -f1)
	for n in node1 node2; do
		st=$T/results/$n/status.json
		[ "$(jq -r .status "$st")" = found ] || { cat "$st"; false; }
		[ "$(jq -r .rc "$st")" = 1 ]
		# the binary that ran is the controller's, byte for byte
		[ "$(jq -r .binary_sha256 "$st")" = "$sha" ]
		[ "$(jq -r .cirt_version "$st")" = "$("$FLEET_BINARY" --version | cut -d' ' -f2)" ]
		jq -e '.query.addr == "'"$LAB_C2_IP"'" and .found == true' "$T/results/$n/cirt.json"
	done
	st=$T/results/node3/status.json
	[ "$(jq -r .status "$st")" = unreachable ]
	[ "$(jq -r .phase "$st")" = connect ]
	jq -r .msg "$st" | grep -q "port $(cat "$T/closed-port"): Connection refused" || { cat "$st"; false; }
	[ ! -e "$T/results/node3/cirt.json" ]
	# both hosts ran through their own sshd
	grep -q "Accepted publickey for root" "$T/sshd1.log"
	grep -q "Accepted publickey for root" "$T/sshd2.log"
	# what was copied to the hosts is gone (the binary, the run's directory, async records)
	[ -z "$(ls -A "$T/remote")" ]
	[ -z "$(ls -A "$T/ansible-async" 2>/dev/null)" ]
	grep -q "merge them with: cirt merge $T/results" "$T/playbook.log"
}

@test "fleet: cirt merge names each beaconing lab container once per host and the unreachable host" {
	T=$(fleet_dir)
	run_split "$CIRT" merge --json "$T/results"
	# found on the hosts that answered: 1
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.command == "locate" and .found == true'
	for n in node1 node2; do
		for c in lab-beacon lab-beacon-default; do
			[ "$(echo "$output" | jq --arg h "$n" --arg c "$c" \
				'[.contacts[] | select(.host == $h and .container == $c)] | length')" -eq 1 ]
			# each with the time range of its flows
			echo "$output" | jq -e --arg h "$n" --arg c "$c" \
				'.contacts[] | select(.host == $h and .container == $c) | .flows > 0 and .first_seen != null and .last_seen >= .first_seen'
		done
	done
	[ "$(echo "$output" | jq -r '.hosts[] | select(.host == "node3") | .state')" = error ]
	echo "$output" | jq -r '.hosts[] | select(.host == "node3") | .error' | grep -q "^unreachable: .*Connection refused"
	[ "$(echo "$output" | jq '.counts.hosts, .counts.found, .counts.errors' | tr '\n' ' ')" = "3 2 1 " ]
	[[ "$stderr" == *"warning: host 'node3': error: unreachable"* ]]
	# the table: a HOST column, the unreachable host named with why
	run_split "$CIRT" merge "$T/results"
	[ "$status" -eq 1 ]
	echo "$output" | grep -E '^node1 +lab-beacon +'
	echo "$output" | grep -E '^node2 +lab-beacon-default +'
	echo "$output" | grep -E '^node3 +error +- +unreachable: '
	echo "$output" | grep -q "on 2 of 3 hosts"
}

@test "fleet: cirt merge refuses mixed commands, says so when no host answered, and needs a DIR" {
	T=$(fleet_dir)
	F=$TOP/tests/unit/fixtures/merge
	mkdir -p "$T/mixed/a" "$T/mixed/b" "$T/none/x"
	cp "$F/locate-0.1.0.json" "$T/mixed/a/cirt.json"
	cp "$F/triage-0.1.0.json" "$T/mixed/b/cirt.json"
	run_split "$CIRT" merge "$T/mixed"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"results of different commands: 'a' has locate, 'b' has triage"* ]]
	# only the unreachable host's status: nothing found is not "all clear"
	cp "$T/results/node3/status.json" "$T/none/x/status.json"
	run_split "$CIRT" merge "$T/none"
	[ "$status" -eq 9 ]
	[[ "$stderr" == *"1 of 1 hosts without a full answer"* ]]
	run_split "$CIRT" merge
	[ "$status" -eq 2 ]
	# --html is for triage results
	run_split "$CIRT" merge --html "$T/x.html" "$T/results"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--html is for triage results; these are locate results"* ]]
	[ ! -e "$T/x.html" ]
}
