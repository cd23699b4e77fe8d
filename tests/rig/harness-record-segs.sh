#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=420
#
# pvblk-ring record against pvblkback's segment tracepoints, with no guest.
# First, every pvblkback event's "print fmt" must call only the tracing
# helpers that trace-cmd and perf know (segments via __print_array), no
# module function; the formats are kept in the results. Then
# pvblk-ring generate (a userspace frontend in dom0) writes three runs
# while the recorder runs, each run also writing its own trace of what it
# sent:
#  - 1 MiB writes: 256-segment indirect requests, which pvblkback traces
#    as pvblkback_req_start + one pvblkback_req_segs;
#  - 6 KiB writes (segments 0-7 and 0-3) and 2.5 KiB writes (one segment
#    0-4): partial pages;
# then checks that the recorder exits 0 with nothing unfinished, that
# every request the generator sent is in the recording with the same
# operation, sector and segment bounds (grant slots aside), that no
# recorded request has a guessed flag and that the 256-segment requests
# are there whole. Then twice more with a 64 KiB buffer and the recorder
# stopped (SIGSTOP) under 96 more requests: the kernel loses events, and
# the recorder must still write the whole requests it saw, report the loss
# and exit 1, or 0 with --allow-lost. No xenstore node or grant mapping is
# left.
R=$RIG_RESULTS
rig_ramdisks 1 64 --fill
rig_load_backend ours

# The print formats: no function but the ftrace helpers tools evaluate.
for f in "$RIG_TRACEFS"/events/pvblkback/*/format; do
	ev=$(basename "$(dirname "$f")")
	fmt=$(grep '^print fmt: ' "$f") || rig_fail "$ev: no print fmt in $f"
	echo "$ev: $fmt" >>"$R/print-fmt.txt"
	calls=$(sed -E 's/^print fmt: "([^"\\]|\\.)*"//' <<<"$fmt" |
		grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' | tr -d ' (' | sort -u |
		grep -vxE '__print_array|__get_dynamic_array|__get_dynamic_array_len' || true)
	[ -z "$calls" ] || rig_fail "$ev: print fmt calls $(echo $calls): $fmt"
	grep -q 'pvblkback_' <<<"${fmt#print fmt: }" && rig_fail "$ev: print fmt names a pvblkback function: $fmt"
	case $ev in
	pvblkback_req_start | pvblkback_req_segs)
		for a in gref first_sect last_sect; do
			grep -q "$a %s.*__print_array(__get_dynamic_array($a)" <<<"$fmt" ||
				rig_fail "$ev: $a not printed with __print_array: $fmt"
		done ;;
	esac
done
[ "$(wc -l <"$R/print-fmt.txt")" -ge 3 ] || rig_fail "fewer than 3 pvblkback event formats"
rig_log "pvblkback print formats: only __print_array and dynamic-array helpers"

rm -f /tmp/rec.ready
pvblk-ring record --out "$R/rec.txt" --text --ready-file /tmp/rec.ready >"$R/record.txt" 2>&1 &
rec=$!
rig_wait_for "the recorder to start" 20 test -e /tmp/rec.ready

# gen TAG BS COUNT: sequential writes; the generator's own trace as text
gen() {
	local rc=0
	pvblk-ring generate --dev /dev/ram0 --rw write --bs "$2" --count "$3" --iodepth 4 --indirect 256 \
		--size 32M --trace "$R/gen-$1.trace" --json "$R/gen-$1.json" --quiet \
		>"$R/gen-$1.out" 2>&1 || rc=$?
	cat "$R/gen-$1.out"
	rig_expect_eq "generate $1 exit status" "$rc" 0
	rig_expect_eq "generate $1 errors" "$(rig_json_int "$R/gen-$1.json" errors)" 0
	rig_must "convert $1" pvblk-ring convert "$R/gen-$1.trace" "$R/gen-$1.txt"
}
gen big 1m 24
gen odd 6144 200
gen tiny 2560 200

kill -INT $rec
rc=0
wait $rec || rc=$?
cat "$R/record.txt"
rig_expect_eq "record exit status" "$rc" 0
grep -q '; 0 unfinished and 0 unmatched dropped;' "$R/record.txt" ||
	rig_fail "the recorder dropped requests: $(cat "$R/record.txt")"

# op, sector, status, flags and segment bounds of each record, one a line
norm() {
	grep -v '^#' "$@" | sed -E 's/^t=[0-9]+ lat=[0-9]+ q=[0-9]+ id=[0-9]+ //; s/[0-9]+:([0-7]-[0-7])/\1/g' | sort
}
norm "$R"/gen-*.txt >/tmp/gen.norm
norm "$R/rec.txt" >/tmp/rec.norm
missing=$(comm -23 /tmp/gen.norm /tmp/rec.norm | wc -l)
[ "$missing" = 0 ] || {
	comm -23 /tmp/gen.norm /tmp/rec.norm | head -5
	rig_fail "$missing generated requests not recorded as sent (first ones above)"
}
rig_expect_eq "generated requests" "$(wc -l </tmp/gen.norm)" 424
guessed=$(grep -vc -e '^#' -e ' flags=0 ' "$R/rec.txt" || true)
rig_expect_eq "recorded requests with guessed bounds or slots" "$guessed" 0
n256=$(awk '!/^#/ { s = $NF; sub("segs=", "", s); if (split(s, a, ",") == 256) c++ } END { print c + 0 }' "$R/rec.txt")
rig_expect_eq "recorded 256-segment requests" "$n256" 24
grep -q ' segs=[0-9]*:0-7,[0-9]*:0-3$' "$R/rec.txt" || rig_fail "no 0-7,0-3 request recorded"
grep -q ' segs=[0-9]*:0-4$' "$R/rec.txt" || rig_fail "no 0-4 request recorded"

# An overflowing kernel buffer: a recorder with 64 KiB per CPU is stopped
# while 96 more 1 MiB requests go by. trace_pipe then reports lost events;
# the recorder must still write its trace (holding only whole requests),
# say how many events were lost and exit 1 (0 with --allow-lost).
# lost_leg TAG WANT_RC [RECORD-OPTS...]
lost_leg() {
	local tag=$1 want=$2 rc=0
	shift 2
	rm -f /tmp/rec.ready
	pvblk-ring record --out "$R/rec-$tag.txt" --text --buffer-kb 64 --ready-file /tmp/rec.ready "$@" \
		>"$R/record-$tag.txt" 2>&1 &
	rec=$!
	rig_wait_for "the $tag recorder to start" 20 test -e /tmp/rec.ready
	kill -STOP $rec
	gen "$tag" 1m 96
	kill -CONT $rec
	kill -INT $rec
	wait $rec || rc=$?
	cat "$R/record-$tag.txt"
	rig_expect_eq "record ($tag) exit status" "$rc" "$want"
	grep -Eq "trace buffer overflowed: [1-9][0-9]* lost-events notes, [0-9]+ events lost" "$R/record-$tag.txt" ||
		rig_fail "the $tag recorder did not report the lost events"
	[ -s "$R/rec-$tag.txt" ] || rig_fail "the $tag recorder wrote no trace"
	n=$(grep -vc '^#' "$R/rec-$tag.txt" || true)
	[ "$n" -lt 96 ] || rig_fail "the $tag recording holds $n requests: nothing was lost?"
	rig_log "$tag: $(grep -o 'overflowed: .* events lost' "$R/record-$tag.txt"); $n of 96 requests recorded"
}
lost_leg lost 1
lost_leg lostok 0 --allow-lost

rig_no_vbd_nodes_left record-segs
rig_no_grants_left record-segs
rig_no_pages_left record-segs
rig_log "harness-record-segs: $(grep -vc '^#' "$R/rec.txt") requests recorded, all checks passed"
