# bench/lib.sh: timing helpers shared by the benchmarks (sourced).
# median_ms RUNS CMD...: run CMD RUNS times (output discarded), print the median wall time in ms
median_ms() {
	local runs=$1 i t0 t1
	shift
	local times=()
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# peak_kib CMD...: peak resident memory of CMD in KiB (GNU time)
peak_kib() {
	/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
}

# ratio A B: A/B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", a / b }'
}

# bench_build: a release build of cirt for benchmarks; prints its path ($CIRT_BENCH: that binary
# instead, e.g. an existing release build)
bench_build() {
	local top=$1
	if [ -n "${CIRT_BENCH:-}" ]; then
		echo "$CIRT_BENCH"
		return
	fi
	if [ ! -f "$top/build-bench/build.ninja" ]; then
		meson setup "$top/build-bench" --buildtype=release -Dtests=false >/dev/null
	fi
	ninja -C "$top/build-bench" >/dev/null
	echo "$top/build-bench/cirt"
}
