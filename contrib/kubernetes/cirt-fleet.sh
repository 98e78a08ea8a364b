#!/usr/bin/env bash
# cirt-fleet.sh: one cirt command on every node of a Kubernetes cluster (one Job per node, made
# from job-template.yaml), each node's JSON answer gathered under RESULTS/<node>/ (cirt.json,
# stderr.txt, status.json: the layout of contrib/ansible/cirt.yml) for `cirt merge RESULTS`.
#
#   contrib/kubernetes/cirt-fleet.sh [-n NAMESPACE] [-o RESULTS] [-i IMAGE] [-t SECONDS] \
#       [NODE...] -- CIRT-COMMAND...
#   contrib/kubernetes/cirt-fleet.sh -o results -- locate 203.0.113.7 --since 2h
#   contrib/kubernetes/cirt-fleet.sh -- triage --ioc /etc/cirt/ioc.txt
#   contrib/kubernetes/cirt-fleet.sh --render node-a node-b -- locate 203.0.113.7   (no cluster)
#
# Without NODE, every node (kubectl get nodes). --json is added to the command. Needs kubectl and
# jq. Not run against a live cluster here (docs/kubernetes.md); --render is tested.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

here=$(cd "$(dirname "$0")" && pwd)
ns=cirt results=./results image=cirt:0.1.0 deadline=600 render=0
nodes=()
usage() {
	sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) ns=$2; shift 2 ;;
	-o) results=$2; shift 2 ;;
	-i) image=$2; shift 2 ;;
	-t) deadline=$2; shift 2 ;;
	--render) render=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	-*) echo "cirt-fleet: unknown option $1" >&2; usage ;;
	*) nodes+=("$1"); shift ;;
	esac
done
[ $# -gt 0 ] || { echo "cirt-fleet: give the cirt command after --" >&2; usage; }
case $1 in
watch | contain | release) echo "cirt-fleet: '$1' is not a one-shot read-only command" >&2; exit 2 ;;
esac
[[ $deadline =~ ^[1-9][0-9]*$ ]] || { echo "cirt-fleet: -t: '$deadline' is not a number of seconds" >&2; exit 2; }
args=("$@")
have_json=0
for a in "${args[@]}"; do [ "$a" = --json ] || [ "$a" = -j ] && have_json=1; done
[ "$have_json" = 1 ] || args+=(--json)
args_json=$(jq -cn '$ARGS.positional' --args -- "${args[@]}")

if [ "${#nodes[@]}" -eq 0 ]; then
	[ "$render" = 0 ] || { echo "cirt-fleet: --render needs NODE names" >&2; exit 2; }
	mapfile -t nodes < <(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
fi
[ "${#nodes[@]}" -gt 0 ] || { echo "cirt-fleet: no nodes" >&2; exit 1; }

run=$(date -u +%Y%m%d%H%M%S)-$RANDOM
template=$(cat "$here/job-template.yaml")
job_yaml() { # INDEX NODE
	local y=$template
	y=${y//__RUN__/$run}
	y=${y//__INDEX__/$1}
	y=${y//__NODE__/$2}
	y=${y//__IMAGE__/$image}
	y=${y//__ARGS__/$args_json}
	y=${y//activeDeadlineSeconds: 600/activeDeadlineSeconds: $deadline}
	y=${y//namespace: cirt/namespace: $ns}
	printf '%s\n' "$y"
}

if [ "$render" = 1 ]; then
	for i in "${!nodes[@]}"; do
		[ "$i" -eq 0 ] || echo ---
		job_yaml "$i" "${nodes[$i]}"
	done
	exit 0
fi

for i in "${!nodes[@]}"; do
	job_yaml "$i" "${nodes[$i]}" | kubectl create -f - >/dev/null
done
echo "cirt-fleet: run $run: ${#nodes[@]} jobs in namespace $ns" >&2

mkdir -p "$results"
end=$((SECONDS + deadline + 120))
for i in "${!nodes[@]}"; do
	job=cirt-$run-$i node=${nodes[$i]} dir=$results/${nodes[$i]}
	rm -rf -- "$dir"
	mkdir -p -- "$dir"
	state=
	while [ $SECONDS -lt $end ]; do
		state=$(kubectl get job -n "$ns" "$job" -o jsonpath='{.status.succeeded}/{.status.failed}' 2>/dev/null || true)
		[ "$state" = / ] || [ -z "$state" ] || break
		sleep 2
	done
	rc=$(kubectl get pods -n "$ns" -l "job-name=$job" \
		-o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}' 2>/dev/null || true)
	reason=$(kubectl get job -n "$ns" "$job" -o jsonpath='{.status.conditions[0].reason}' 2>/dev/null || true)
	logs=$(kubectl logs -n "$ns" "job/$job" 2>/dev/null || true)
	# the log holds both streams: cirt's diagnostics are the lines that start with "cirt: "
	printf '%s\n' "$logs" | grep -v '^cirt: ' >"$dir/cirt.json" || true
	printf '%s\n' "$logs" | grep '^cirt: ' >"$dir/stderr.txt" || true
	[ -s "$dir/cirt.json" ] && [ "$(tr -d '[:space:]' <"$dir/cirt.json")" ] || rm -f "$dir/cirt.json"
	case $rc in
	0) status=ok msg=null ;;
	1) status=found msg=null ;;
	'') status=failed msg="no exit status (${reason:-the job did not finish}; kubectl describe job -n $ns $job)" ;;
	*) status=failed msg=$(tail -1 "$dir/stderr.txt" 2>/dev/null || true) ;;
	esac
	[ "$reason" = DeadlineExceeded ] && status=timeout msg="killed after $deadline seconds"
	jq -n --arg host "$node" --arg status "$status" --arg rc "$rc" --arg msg "$msg" \
		--arg args "${args[*]}" --arg job "$job" \
		'{host: $host, status: $status, rc: ($rc | tonumber? // null),
		  msg: (if $msg == "null" then null else $msg end), phase: "run", cirt_args: $args, job: $job}' \
		>"$dir/status.json"
	echo "$node: $status${rc:+ (exit $rc)}" >&2
done
echo "merge them with: cirt merge $results" >&2
