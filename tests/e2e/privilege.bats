#!/usr/bin/env bats
# privilege.bats: what cirt can do with less than root (README "Least privilege"): a user in the
# docker group gets ps and inspect from the daemon, with the host-side facts it cannot read
# named in notes; the capabilities the README names are the ones that make them appear.

load helpers

setup() {
	command -v setpriv >/dev/null || skip "setpriv missing"
	GID_DOCKER=$(getent group docker | cut -d: -f3)
	[ -n "$GID_DOCKER" ] || skip "no docker group"
}

# as_user CAPS CMD...: run as nobody in the docker group with the given ambient capabilities
as_user() {
	local caps=$1
	shift
	if [ -n "$caps" ]; then
		run_split setpriv --reuid=65534 --regid=65534 --groups="$GID_DOCKER" --inh-caps="$caps" \
			--ambient-caps="$caps" "$@"
	else
		run_split setpriv --reuid=65534 --regid=65534 --groups="$GID_DOCKER" "$@"
	fi
}

@test "docker group, no capability: ps lists the lab with the daemon's facts, veths become notes" {
	as_user "" "$CIRT" ps --json
	[ "$status" -eq 0 ]
	c=$(echo "$output" | jq -c '.containers[] | select(.name=="lab-bridge")')
	[ "$(echo "$c" | jq -r '.endpoints[0].ipv4')" = "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' lab-bridge)" ]
	[ "$(echo "$c" | jq -r .pid)" = "$(container_pid lab-bridge)" ]
	[ "$(echo "$c" | jq -r '.endpoints[0].veth')" = null ]
	echo "$c" | jq -e '.notes | any(test("CAP_SYS_PTRACE"))'
	# the cgroup is world-readable: still there
	[[ "$(echo "$c" | jq -r .cgroup)" == *"$(docker inspect -f '{{.Id}}' lab-bridge)"* ]]
}

@test "docker group, no capability: inspect works" {
	as_user "" "$CIRT" inspect lab-custom
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[0].Name')" = /lab-custom ]
	echo "$output" | jq -e '.[0].Cirt.notes | length > 0'
}

@test "docker group + CAP_SYS_PTRACE + CAP_SYS_ADMIN: the same veth and bridge as root" {
	run "$CIRT" ps --json
	want=$(echo "$output" | jq -c '[.containers[] | select(.name | startswith("lab-")) | [.name, .endpoints[0].veth, .endpoints[0].bridge]] | sort')
	as_user +sys_ptrace,+sys_admin "$CIRT" ps --json
	[ "$status" -eq 0 ]
	got=$(echo "$output" | jq -c '[.containers[] | select(.name | startswith("lab-")) | [.name, .endpoints[0].veth, .endpoints[0].bridge]] | sort')
	[ "$got" = "$want" ] || { echo "got $got"; echo "want $want"; false; }
	# only one of the two is not enough
	as_user +sys_ptrace "$CIRT" ps --json
	[ "$(echo "$output" | jq -r '.containers[] | select(.name=="lab-bridge") | .endpoints[0].veth')" = null ]
}

@test "--no-daemon needs CAP_DAC_READ_SEARCH for the daemon's records" {
	run_split setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_read_search \
		--ambient-caps=+dac_read_search "$CIRT" --no-daemon ps --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.containers[] | select(.name=="lab-bridge") | .network.mode')" = bridge ]
	run_split setpriv --reuid=65534 --regid=65534 --clear-groups "$CIRT" --no-daemon ps --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.containers[] | select(.name=="lab-bridge")] | length')" -eq 0 ]
	[[ "$stderr" == *"found only through their processes"* ]]
}
