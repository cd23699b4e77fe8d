// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_wakedelay: a test fixture of the rig, never shipped to users. It
 * widens, in a loaded pvblkback, the moment when a finished request has
 * been queued for the ring's worker and the completion wakes the ring's
 * wait queue, and reports a ring freed during that moment.
 *
 * At load it finds pvblkback's calls of __wake_up() in pvblkback_finish()
 * and pvblkback_bio_end() (where the compiler may have inlined the
 * former), and its calls of kfree() in pvblkback_reap_work() (the one
 * that frees the rings; pvblkback_rings_disconnect() in versions that
 * freed them in the disconnect itself), by decoding the direct call and jump
 * instructions of those functions, and puts a kprobe on each. Each such
 * wake-up is held delay_ms milliseconds (busy wait) before it runs; a
 * kfree() of the object holding the wait queue meanwhile is a use after
 * free waiting to happen. It is counted and logged, and with defuse=1
 * the held wake-up is redirected to a wait queue of this module, so the
 * test fails cleanly instead of crashing dom0.
 *
 * Only pvblkback's text is patched, at load and unload, while its rings
 * are idle: patching hot kernel functions while other vCPUs run through
 * them is what a PV guest does not survive in this rig.
 *
 * Parameters (/sys/module/pvblk_wakedelay/parameters/):
 *   delay_ms  [0..1000] (writable)  hold of each wake-up; 0: none
 *   defuse    bool (writable)       redirect a wake-up whose queue was
 *                                   freed
 *   delayed   (read-only)           wake-ups held so far
 *   freed     (read-only)           of those, wake-ups whose wait queue
 *                                   was freed while held
 *   nr_sites  (read-only)           call sites probed
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#define WAKEDELAY_MAX_MS	1000
#define WAKEDELAY_MAX_SITES	8
#define WAKEDELAY_SCAN_MAX	4096	/* bytes of a function decoded */

static unsigned int delay_ms = 50;
static bool defuse = true;
static atomic_t delayed = ATOMIC_INIT(0);
static atomic_t freed = ATOMIC_INIT(0);
static unsigned int nr_sites;

static int wakedelay_set_delay(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, WAKEDELAY_MAX_MS);
}

static const struct kernel_param_ops wakedelay_delay_ops = {
	.set = wakedelay_set_delay,
	.get = param_get_uint,
};

module_param_cb(delay_ms, &wakedelay_delay_ops, &delay_ms, 0644);
MODULE_PARM_DESC(delay_ms,
		 "hold of each pvblkback completion wake-up, ms [0..1000] (default 50)");
module_param(defuse, bool, 0644);
MODULE_PARM_DESC(defuse,
		 "redirect a held wake-up whose wait queue was freed (default Y)");

static int wakedelay_get_atomic(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(kp->arg));
}

static const struct kernel_param_ops wakedelay_count_ops = {
	.get = wakedelay_get_atomic,
};

module_param_cb(delayed, &wakedelay_count_ops, &delayed, 0444);
MODULE_PARM_DESC(delayed, "wake-ups held so far");
module_param_cb(freed, &wakedelay_count_ops, &freed, 0444);
MODULE_PARM_DESC(freed, "held wake-ups whose wait queue was freed meanwhile");
module_param(nr_sites, uint, 0444);
MODULE_PARM_DESC(nr_sites, "call sites probed");

/* The wait queue this CPU holds a wake-up of, and whether it was freed. */
static DEFINE_PER_CPU(void *, held_wq);
static DEFINE_PER_CPU(bool, held_freed);
static atomic_t holding = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(spare_wq);

static struct kprobe sites[WAKEDELAY_MAX_SITES];

/* At a call of __wake_up(wq_head, ...): the wait queue is the first argument. */
static int wakedelay_wake(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int ms = READ_ONCE(delay_ms);
	void *wq = (void *)regs_get_kernel_argument(regs, 0);

	if (!ms)
		return 0;
	this_cpu_write(held_freed, false);
	this_cpu_write(held_wq, wq);
	atomic_inc(&holding);
	mdelay(ms);
	atomic_dec(&holding);
	this_cpu_write(held_wq, NULL);
	atomic_inc(&delayed);
	if (!this_cpu_read(held_freed))
		return 0;
	atomic_inc(&freed);
	pr_err("use after free: pvblkback freed the ring holding wait queue %p while a completion was about to wake it%s\n",
	       wq, READ_ONCE(defuse) ? " (wake-up redirected)" : "");
	if (READ_ONCE(defuse))
		regs->di = (unsigned long)&spare_wq;
	return 0;
}

/* At pvblkback's kfree(rings): does it free a wait queue being woken? */
static int wakedelay_free(struct kprobe *p, struct pt_regs *regs)
{
	void *obj = (void *)regs_get_kernel_argument(regs, 0);
	size_t size;
	int cpu;

	if (!atomic_read(&holding) || ZERO_OR_NULL_PTR(obj))
		return 0;
	size = ksize(obj);
	for_each_online_cpu(cpu) {
		void *wq = READ_ONCE(per_cpu(held_wq, cpu));

		if (wq && wq >= obj && wq < obj + size)
			WRITE_ONCE(per_cpu(held_freed, cpu), true);
	}
	return 0;
}

/* The address and size of pvblkback's function @name (0 if absent). */
static unsigned long wakedelay_lookup(const char *name, unsigned long *size)
{
	struct kprobe kp = { .symbol_name = name };
	char sym[KSYM_SYMBOL_LEN];
	unsigned long addr;
	char *slash, *end;

	/* registering a probe resolves the name; pvblkback is idle */
	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	/* "name+0x0/0xSIZE [module]" */
	sprint_symbol(sym, addr);
	slash = strchr(sym, '/');
	if (!slash)
		return 0;
	end = strchr(slash, ' ');
	if (end)
		*end = '\0';
	if (kstrtoul(slash + 1, 16, size))
		return 0;
	return addr;
}

/*
 * Probe every direct call or jump (E8/E9 rel32) to @target in function
 * @name with @handler. A byte pattern that is not an instruction start is
 * refused by register_kprobe() and skipped.
 */
static int wakedelay_probe_calls(const char *name, unsigned long target,
				 kprobe_pre_handler_t handler)
{
	unsigned long addr, size = 0, i;
	int found = 0;

	addr = wakedelay_lookup(name, &size);
	if (!addr) {
		pr_info("%s: not found\n", name);
		return 0;
	}
	size = min_t(unsigned long, size, WAKEDELAY_SCAN_MAX);
	for (i = 0; i + 5 <= size && nr_sites < WAKEDELAY_MAX_SITES; i++) {
		const u8 *ip = (const u8 *)addr + i;
		unsigned long dest;
		s32 rel;

		if (ip[0] != 0xe8 && ip[0] != 0xe9)
			continue;
		memcpy(&rel, ip + 1, sizeof(rel));
		dest = addr + i + 5 + (long)rel;
		/* a call may enter a little before or after the symbol */
		if (dest + 32 < target || dest > target + 16)
			continue;
		sites[nr_sites].addr = (kprobe_opcode_t *)(addr + i);
		sites[nr_sites].pre_handler = handler;
		if (register_kprobe(&sites[nr_sites])) {
			memset(&sites[nr_sites], 0, sizeof(sites[0]));
			continue;
		}
		pr_info("%s+%#lx: probed\n", name, i);
		nr_sites++;
		found++;
	}
	return found;
}

static void wakedelay_unprobe(void)
{
	while (nr_sites)
		unregister_kprobe(&sites[--nr_sites]);
}

static int __init wakedelay_init(void)
{
	unsigned long wake = (unsigned long)__wake_up;
	unsigned long kf = (unsigned long)kfree;
	int w, f;

	f = wakedelay_probe_calls("pvblkback_reap_work", kf, wakedelay_free);
	f += wakedelay_probe_calls("pvblkback_rings_disconnect", kf,
				   wakedelay_free);
	w = wakedelay_probe_calls("pvblkback_finish", wake, wakedelay_wake);
	w += wakedelay_probe_calls("pvblkback_bio_end", wake, wakedelay_wake);
	if (!w || !f) {
		pr_err("no %s call found in pvblkback (is it loaded?)\n",
		       w ? "kfree()" : "__wake_up()");
		wakedelay_unprobe();
		return -ENOENT;
	}
	pr_info("loaded: %d wake-up site(s), %d free site(s), delay %u ms\n",
		w, f, delay_ms);
	return 0;
}

static void __exit wakedelay_exit(void)
{
	wakedelay_unprobe();
	pr_info("unloaded: %d wake-up(s) held, %d freed while held\n",
		atomic_read(&delayed), atomic_read(&freed));
}

module_init(wakedelay_init);
module_exit(wakedelay_exit);
MODULE_DESCRIPTION("pvblk rig fixture: hold pvblkback's completion wake-ups");
MODULE_LICENSE("GPL");
