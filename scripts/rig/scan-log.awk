# SPDX-License-Identifier: GPL-2.0-only
#
# Kernel trouble in one log file, for scripts/rig/run.sh:
#
#   awk -v re=REGEX -v name=LABEL -v tolerated=FILE -f scan-log.awk LOG
#
# Prints "LABEL: LINE" for each line matching REGEX (BUG, WARNING, Oops,
# call traces, ...) except rig markers ("@@pvblk-") and the lines of a
# WARNING report that is a known kernel bug outside pvblk. Such a report
# (from its "WARNING: CPU:" line to its "---[ end trace" line) is not
# printed; its first line goes to FILE instead, so the run can say what it
# tolerated. Documentation/testing.rst, "Known kernel warnings", lists
# them:
#
#   xen-suspend-timekeeping  Linux's Xen PV suspend (xen_suspend, in
#       stop_machine) allocates in xen_manage_runstate_time(); when that
#       allocation needs a new slab, freelist randomisation asks the RNG,
#       which reads the clock while timekeeping is suspended:
#       "WARNING: ... at kernel/time/timekeeping.c ... ktime_get_seconds".
#
# A report whose warning site or call trace names a pvblk symbol is never
# tolerated (its "Modules linked in:" line may list our modules), nor one
# longer than 80 lines (its end was not found).

function known(text, trace) {
	if (trace ~ /pvblk/)
		return ""
	if (text ~ /ktime_get_seconds/ && text ~ /xen_manage_runstate_time/ &&
	    text ~ /xen_suspend/)
		return "xen-suspend-timekeeping"
	return ""
}

function report(line) {
	if (line ~ re && line !~ /@@pvblk-/)
		print name ": " line
}

# End the WARNING report held in blk[1..n]: drop it if known, else report.
function close_block(complete,    i, text, trace, in_trace, why) {
	text = ""
	trace = blk[1]
	in_trace = 0
	for (i = 1; i <= n; i++) {
		text = text "\n" blk[i]
		if (in_trace)
			trace = trace "\n" blk[i]
		if (blk[i] ~ /Call Trace:/)
			in_trace = 1
	}
	why = complete ? known(text, trace) : ""
	if (why != "") {
		print why ": " blk[1] >> tolerated
	} else {
		for (i = 1; i <= n; i++)
			report(blk[i])
	}
	n = 0
}

{
	sub(/\r$/, "")
	if (n == 0 && $0 ~ /WARNING: CPU: [0-9]+ PID: [0-9]+/) {
		blk[++n] = $0
		next
	}
	if (n > 0) {
		blk[++n] = $0
		if ($0 ~ /---\[ end trace/)
			close_block(1)
		else if (n >= 80)
			close_block(0)
		next
	}
	report($0)
}

END {
	if (n > 0)
		close_block(0)
}
