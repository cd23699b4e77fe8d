#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Check a benchmark report directory for completeness and sane values:
#
#   scripts/bench/check-results.sh DIR VCPUS GUESTS REPEAT DRIVERS
#
# (VCPUS and DRIVERS comma-separated, as bench.sh takes them.) Checks that
# bench.csv and bench.json hold every configured point - each dom0 vCPU
# count, driver pair, persistent mode and guest count 1..GUESTS, plus the
# replay points when the JSON's configuration says replay ran - each with
# REPEAT runs of non-zero IOPS and, per run, one IOPS figure per concurrent
# frontend; that table.txt, bench.json and the plots carry the software-
# emulation note and bench.csv is plain (its header first, no comment); and
# that both plots are PNG files (magic bytes). Prints "bench results OK:
# N points" or one line per problem; exit status 1 on any problem.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ $# = 5 ] || die "usage: check-results.sh DIR VCPUS GUESTS REPEAT DRIVERS"
dir=$1 vcpus=${2//,/ } guests=$3 repeat=$4 drivers=${5//,/ }
need_cmd jq awk od
bad=0
problem() {
	echo "bench results: $*" >&2
	bad=1
}

for f in bench.csv bench.json table.txt bench.gp iops-vs-guests.png iops-vs-vcpus.png; do
	[ -s "$dir/$f" ] || problem "$dir/$f is missing or empty"
done
[ "$bad" = 0 ] || exit 1
jq empty "$dir/bench.json" 2>/dev/null || { problem "$dir/bench.json is not valid JSON"; exit 1; }

for png in iops-vs-guests.png iops-vs-vcpus.png; do
	magic=$(head -c 8 "$dir/$png" | od -An -tx1 | tr -d ' \n')
	[ "$magic" = 89504e470d0a1a0a ] || problem "$png is not a PNG (magic bytes $magic)"
done
emulated=$(jq -r '.software_emulated' "$dir/bench.json")
if [ "$emulated" = true ]; then
	grep -q 'software-emulated: absolute numbers meaningless' "$dir/table.txt" || problem "table.txt lacks the emulation note"
	jq -e '.note | startswith("software-emulated: absolute numbers meaningless")' "$dir/bench.json" >/dev/null ||
		problem "bench.json lacks the emulation note"
	grep -q 'software-emulated' "$dir/bench.gp" || problem "bench.gp (the plots) lacks the emulation note"
fi

want=0
for v in $vcpus; do
	jq -e --argjson v "$v" '[.boots[] | select(.dom0_vcpus == $v)] | length == 1' "$dir/bench.json" >/dev/null ||
		problem "bench.json: no boot (configuration, kernel, Xen version) for dom0 vCPUs $v"
	jq -e --argjson v "$v" '.boots[] | select(.dom0_vcpus == $v) | (.kernel | length > 0) and (.xen | length > 0)' \
		"$dir/bench.json" >/dev/null || problem "bench.json: dom0 vCPUs $v: kernel or Xen version empty"
	replay=$(jq -r --argjson v "$v" '.boots[] | select(.dom0_vcpus == $v) | .config.replay' "$dir/bench.json")
	list=$drivers
	if [ "${replay:-0}" != 0 ]; then
		for d in $drivers; do list="$list ring-$d"; done
	fi
	for d in $list; do
		kmax=$guests
		case "$d" in ring-*) kmax=$replay ;; esac
		for p in 1 0; do
			for ((k = 1; k <= kmax; k++)); do
				want=$((want + 1))
				what="dom0 vCPUs $v $d persistent=$p guests=$k"
				jq -e --argjson v "$v" --arg d "$d" --argjson p "$p" --argjson k "$k" --argjson r "$repeat" '
					[.points[] | select(.dom0_vcpus == $v and .driver == $d and .persistent == $p and .guests == $k)]
					| length == 1 and (.[0].median_iops > 0) and (.[0].runs | length == $r)
					and all(.[0].runs[]; .iops > 0 and (.frontends | length == $k) and all(.frontends[]; . > 0))' \
					"$dir/bench.json" >/dev/null || problem "bench.json: $what: missing, or not $repeat runs of $k non-zero frontend(s)"
				awk -F, -v v="$v" -v d="$d" -v p="$p" -v k="$k" -v r="$repeat" '
					NR > 1 && $1 == v && $2 == d && $5 == p && $6 == k { n++; if ($7 == r && $8 > 0 && $9 > 0) ok++ }
					END { exit !(n == 1 && ok == 1) }' "$dir/bench.csv" ||
					problem "bench.csv: $what: missing, duplicated, or zero IOPS"
			done
		done
	done
done
head -n 1 "$dir/bench.csv" | grep -q '^dom0_vcpus,driver,' || problem "bench.csv does not start with its header line"
! grep -q '^#' "$dir/bench.csv" || problem "bench.csv has a comment line (CSV readers take it for data)"
rows=$(wc -l <"$dir/bench.csv")
[ "$rows" = $((want + 1)) ] || problem "bench.csv has $((rows - 1)) points, want $want"
n=$(jq '.points | length' "$dir/bench.json")
[ "$n" = "$want" ] || problem "bench.json has $n points, want $want"
[ "$bad" = 0 ] || exit 1
echo "bench results OK: $want points, dom0 vCPUs ${vcpus// /,}, guests 1..$guests, $repeat repeat(s), plots are PNG"
