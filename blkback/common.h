/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblkback: what the backend's files share - the tunables, the
 * per-device and per-ring state and the entry points between the files.
 *
 * Files:
 *   main.c       module init/exit, refusal outside the Xen initial domain
 *   params.c     every module parameter, range-checked when set
 *   xenbus.c     the xenbus backend driver for device type "vbd": state
 *                machine, physical-device watch, feature advertisement
 *   ring.c       connecting rings (xenstore keys, ring mapping, lateeoi
 *                event channel), the per-ring worker, request fetch and
 *                response push
 *   io.c         one request: validation, bios and their completion,
 *                discard, barrier ordering, the answer to the done list
 *   grants.c     a request's grants: batched mapping (persistent or
 *                not), release, batched unmapping, cache eviction
 *   held.c       pages the storage stack still references after their
 *                I/O: held requests, deferred unmaps, teardown's wait
 *   stats.c      sysfs statistics (statistics/ under the xenbus device)
 *   trace.c      tracepoint definitions (trace.h)
 *   abi_check.c  build-time check of include/pvblk/wire.h against the
 *                kernel's own xen/interface/io/blkif.h
 *
 * Threads and locks, in one place:
 *  - xenbus callbacks (probe, frontend state changes, the physical-device
 *    watch, remove) run in the xenwatch thread, or in the module-unload
 *    thread for remove; they serialize on pvblkback_device.lock. None of
 *    them waits for the frontend or the storage: a disconnect only flags
 *    the workers to stop dispatching and queues the device's reaper.
 *  - The reaper (pvblkback_device.reap_work, on pvblkback_wq) stops the
 *    workers, waits for the bios and the held pages, answers, unmaps and
 *    frees the rings. It takes pvblkback_device.lock only at its end,
 *    briefly, never while it waits. It holds a reference on the
 *    device (kref), as the xenbus device does until remove(); the last
 *    reference closes the block device and frees the device.
 *  - Each ring has one worker kthread. It alone fetches requests, maps
 *    and unmaps grants, touches the ring's grant cache and page pool and
 *    writes responses: none of that state has a lock.
 *  - Bio completions (any context) only add a finished request to the
 *    ring's done list and wake the worker, both under done_lock; after
 *    they release done_lock they never touch the ring again.
 *  - The reaper stops the worker, then reaps the done list itself
 *    until every request in flight came back. Each reap takes done_lock,
 *    so once teardown has reaped the last request no completion is still
 *    inside pvblkback_finish() for that ring, and the ring may be freed.
 */
#ifndef PVBLKBACK_COMMON_H
#define PVBLKBACK_COMMON_H

#include <linux/atomic.h>
#include <linux/blk_types.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include "compat/bdev.h"
#include "pvblk/grant_cache.h"
#include "pvblk/negotiate.h"
#include "pvblk/req_check.h"
#include "pvblk/wire.h"

/* Which cache-flush operation a device advertises (flush_mode). */
enum pvblkback_flush_mode {
	PVBLKBACK_FLUSH_AUTO,		/* both, if the device caches writes */
	PVBLKBACK_FLUSH_CACHE,		/* feature-flush-cache only */
	PVBLKBACK_FLUSH_BARRIER,	/* feature-barrier only */
};

/*
 * Module parameters (params.c, Documentation/parameters.rst). The
 * writable ones may change at any time through sysfs, so the data path
 * must read each once, with READ_ONCE(), when it sets up a connection and
 * keep that copy: a change then applies to connections made afterwards.
 */
struct pvblkback_params {
	unsigned int max_ring_page_order;
	unsigned int max_queues;		/* 0: one per online CPU */
	unsigned int max_indirect_segments;	/* 0: no indirect requests */
	bool feature_persistent;
	unsigned int max_persistent_grants;
	unsigned int persistent_grant_unused_seconds;
	unsigned int held_pages_wait_seconds;	/* read by each reaper */
	unsigned int max_buffer_pages;
	bool log_stats;
	unsigned int flush_mode;		/* enum pvblkback_flush_mode */
};

extern struct pvblkback_params pvblkback_params;

/* Grant operations per map or unmap hypercall batch. */
#define PVBLKBACK_BATCH		32

/* How often a worker purges aged persistent grants and trims its pool. */
#define PVBLKBACK_HOUSEKEEPING	(HZ / 10)

/*
 * Pages the storage stack still holds after their I/O (held.c): a request
 * waiting for them longer than this gets one log line per ring. Teardown
 * waits held_pages_wait_seconds (all the device's rings together), then
 * leaves such pages mapped (leaked) with one line per ring.
 */
#define PVBLKBACK_HELD_LOG_SECS		10

/*
 * How long a disconnect (in xenwatch) gives the reaper before it goes on
 * without it: an idle or quick teardown is then complete when the backend
 * reports Closed, and a slow one costs xenwatch this much, once per
 * connection, whatever the frontend queued or the storage does.
 */
#define PVBLKBACK_REAP_GRACE_MS		1000

/*
 * A closing frontend's last requests (ring.c): the reaper refuses what it
 * posts until the ring has stayed empty this long, for so long at most.
 */
#define PVBLKBACK_REFUSE_QUIET_MS	200
#define PVBLKBACK_REFUSE_MAX_MS		2000

/*
 * Device statistics (sysfs statistics/). Counters only grow; *_mapped are
 * gauges. Updated by the rings' workers, read by sysfs: atomics, no lock.
 */
struct pvblkback_stats {
	atomic64_t oo_req;		/* fetch paused: no free request slot */
	atomic64_t rd_req;
	atomic64_t wr_req;
	atomic64_t f_req;		/* FLUSH_DISKCACHE and WRITE_BARRIER */
	atomic64_t ds_req;
	atomic64_t rd_sect;
	atomic64_t wr_sect;
	atomic64_t err_req;		/* answered with ERROR or EOPNOTSUPP */
	atomic64_t pgnt_hits;		/* persistent cache lookups found */
	atomic64_t pgnt_misses;		/* ... not found */
	atomic64_t pgnt_evictions;	/* unmapped by ageing or when full */
	atomic64_t pgnt_mapped;		/* gauge: grants in persistent caches */
	atomic64_t grants_mapped;	/* gauge: all grant mappings held */
	atomic64_t np_maps;		/* grants mapped for one request only */
	atomic64_t unmap_batches;	/* unmap hypercall batches */
	atomic64_t unmaps;		/* grant unmap operations, all kinds */
	atomic64_t np_unmaps;		/* ... of per-request mappings */
	atomic64_t pgnt_unmaps;		/* ... of persistent grants */
	atomic64_t unmap_deferred;	/* pages whose answer or unmap waited */
};

/* One grant a request uses: a data segment or an indirect page. */
struct pvblkback_gnt {
	struct page *page;		/* where it is mapped; NULL: not mapped */
	struct pvblk_gc_entry *pent;	/* persistent entry (owns the mapping) */
	u32 gref;
	u32 handle;			/* of a per-request mapping */
	bool mapped;			/* per-request mapping: unmap when done */
};

struct pvblkback_ring;

/*
 * One request slot. Owned by the worker from fetch to response, except
 * while its bios are in flight (pending_bios > 0); the last completion
 * hands it back through the ring's done list.
 */
struct pvblkback_req {
	struct list_head node;		/* ring free list or done list */
	struct pvblkback_ring *ring;
	struct pvblk_req req;		/* the private copy, decoded */
	u8 rsp_op;			/* operation echoed in the response */
	s16 status;			/* response status once finished */
	unsigned int nr_segs;		/* data segments */
	unsigned int nr_gnts;		/* gnt[] entries to release */
	struct pvblk_seg *seg;		/* [ring->max_segs] */
	struct pvblkback_gnt *gnt;	/* [ring->max_segs + indirect pages] */
	atomic_t pending_bios;
	bool bio_error;			/* some bio failed */
	bool bio_notsupp;		/* some bio failed with NOTSUPP */
	bool held;			/* on ring->held: pages still in use */
	unsigned long held_since;	/* jiffies, when first held */
};

/* Ring flags (ring->flags, atomic bit ops). */
enum {
	PVBLKBACK_RING_KICK,		/* event received, lateeoi owed */
};

/*
 * One shared ring (one queue) and its worker. Fields marked [worker] are
 * touched only by the worker thread, or by teardown after the worker has
 * stopped; [const] are set before the worker starts.
 */
struct pvblkback_ring {
	struct pvblkback_device *dev;		/* [const] */
	unsigned int index;			/* [const] queue number */
	void *sring;				/* [const] mapped ring pages */
	struct pvblk_sring_hdr *hdr;		/* [const] == sring */
	enum pvblk_abi abi;			/* [const] */
	unsigned int nr_slots;			/* [const] */
	unsigned int max_segs;			/* [const] per request */
	bool persistent;			/* [const] negotiated */
	int irq;				/* [const] lateeoi irq, or 0 */
	struct task_struct *task;		/* the worker */
	/*
	 * Disconnected: dispatch no more (set under dev->lock, read
	 * unlocked), enum pvblkback_stop; PVBLKBACK_STOP_REFUSE also answers
	 * what the frontend posted and nobody fetched.
	 */
	u8 stop;
	bool parked;				/* the worker saw stop (ONCE) */
	wait_queue_head_t wq;			/* worker/teardown sleep here */
	unsigned long flags;			/* PVBLKBACK_RING_* bits */

	/*
	 * done_lock protects done, and covers each completion's wake-up of
	 * wq: a completion adds to done and wakes wq without releasing it,
	 * so whoever reaps done under it knows that completion is finished
	 * with the ring (teardown frees the ring right after its last reap).
	 */
	spinlock_t done_lock;
	struct list_head done;			/* finished, not yet answered */

	u32 req_cons;				/* [worker] */
	u32 rsp_prod_pvt;			/* [worker] */
	bool broken;				/* [worker] ring protocol broken */
	bool fetched_since_eoi;			/* [worker] for the next lateeoi */
	unsigned int inflight;			/* [worker] dispatched, unanswered */
	struct pvblkback_req *barrier;		/* [worker] parked until drained */
	struct list_head free;			/* [worker] free request slots */
	struct pvblk_dev_limits lim;		/* [worker] what we serve */
	struct pvblk_gcache cache;		/* [worker] persistent grants */
	struct gnttab_page_cache pool;		/* [worker] spare pages */
	unsigned int max_pool;			/* [const] max_buffer_pages */
	unsigned long next_housekeeping;	/* [worker] jiffies */
	unsigned long next_log;			/* [worker] jiffies */

	/* [worker] hypercall batches */
	struct gnttab_map_grant_ref map_ops[PVBLKBACK_BATCH];
	struct page *map_pages[PVBLKBACK_BATCH];
	struct pvblkback_gnt *map_gnt[PVBLKBACK_BATCH];
	unsigned int nr_map;
	struct gnttab_unmap_grant_ref unmap_ops[PVBLKBACK_BATCH];
	struct page *unmap_pages[PVBLKBACK_BATCH];
	unsigned int nr_unmap;
	struct pvblk_gc_unmap evict[PVBLKBACK_BATCH];

	/* [worker] unmaps waiting for the storage stack to free a page */
	struct list_head held;			/* answered once pages are free */
	unsigned int nr_held;			/* requests on held */
	bool held_logged;			/* logged a long wait */
	int page_refs;				/* [const] a pool page's refcount */
	struct pvblk_gc_unmap *held_unmap;	/* deferred evictions */
	unsigned int nr_held_unmap;
	unsigned int max_held_unmap;		/* [const] */

	/* allocations behind the request slots */
	struct pvblkback_req *reqs;
	struct pvblk_seg *segs;
	struct pvblkback_gnt *gnts;
};

/* Device flags (dev->flags, atomic bit ops), for update_work. */
enum {
	PVBLKBACK_DEV_RESIZED,		/* write the new "sectors" */
	PVBLKBACK_DEV_NO_FLUSH,		/* device refused a flush: stop offering */
	PVBLKBACK_DEV_GONE,		/* removed: no more xenstore writes */
};

/*
 * One virtual block device served to one frontend: the state behind one
 * xenbus "vbd" backend node (backend/vbd/<frontend domid>/<handle>).
 */
struct pvblkback_device {
	struct xenbus_device *xdev;		/* referenced (get_device) */
	domid_t frontend_id;
	unsigned int handle;			/* the vbd's handle (node name) */

	/*
	 * Protects everything below up to gone: the open block device, the
	 * cached parameters, the connection, its rings and the rings being
	 * reaped. Taken by the xenbus callbacks, remove, the reaper (briefly,
	 * never while it waits) and the sysfs readers of the connection.
	 */
	struct mutex lock;
	struct xenbus_watch be_watch;		/* physical-device */
	bool watching;
	dev_t pdev;
	struct pvblk_bdev bdev;
	bool readonly;
	bool discard_off;			/* toolstack: discard-enable = 0 */
	bool flush_off;				/* device said NOTSUPP to a flush */
	unsigned int flush_mode;		/* flush_mode cached at InitWait */
	struct pvblk_back_cfg cfg;		/* parameters cached at InitWait */
	struct pvblk_conn conn;			/* negotiated, valid iff nr_rings */
	struct pvblkback_ring *rings;
	unsigned int nr_rings;
	/*
	 * The rings of the previous connection while the reaper drains
	 * them (non-NULL: a connect must wait). Set by a disconnect, cleared
	 * by the reaper once they are freed; the reaper alone touches the
	 * rings themselves meanwhile.
	 */
	struct pvblkback_ring *dead_rings;
	unsigned int nr_dead_rings;
	bool connect_deferred;			/* connect when the reaper ends */
	bool gone;				/* remove() ran */

	atomic64_t sectors;			/* size last written to xenstore */
	unsigned long flags;			/* PVBLKBACK_DEV_* bits */
	struct work_struct update_work;		/* xenstore writes for workers */
	struct work_struct reap_work;		/* drains dead_rings */
	/*
	 * Completed by the reaper once dead_rings are freed (before it takes
	 * lock); re-armed under lock when a disconnect hands rings over.
	 */
	struct completion reaped;
	/*
	 * References: the xenbus device's (dropped by remove()) and one per
	 * queued reaper. The last one closes the block device, drops the
	 * xenbus device and frees.
	 */
	struct kref kref;
	struct pvblkback_stats stats;
};

/*
 * Whether @dev offers FLUSH_DISKCACHE (feature-flush-cache) and
 * WRITE_BARRIER (feature-barrier), given whether its device caches
 * writes (@wc). The keys and the ring limits both come from here.
 */
static inline bool pvblkback_offers_flush(const struct pvblkback_device *dev,
					  bool wc)
{
	return wc && dev->flush_mode != PVBLKBACK_FLUSH_BARRIER;
}

static inline bool pvblkback_offers_barrier(const struct pvblkback_device *dev,
					    bool wc)
{
	return wc && dev->flush_mode != PVBLKBACK_FLUSH_CACHE;
}

/*
 * The driver's workqueue (main.c): the reapers. Module exit destroys it,
 * which waits for every reaper, hence for every device to be freed.
 */
extern struct workqueue_struct *pvblkback_wq;

/* xenbus.c */
int pvblkback_xenbus_register(void);
void pvblkback_xenbus_unregister(void);
void pvblkback_try_connect(struct pvblkback_device *dev); /* dev->lock held */
void pvblkback_device_put(struct pvblkback_device *dev);

/* ring.c: dev->lock held, except pvblkback_reap_init() (at probe) */
void pvblkback_reap_init(struct pvblkback_device *dev);
int pvblkback_rings_connect(struct pvblkback_device *dev);

/*
 * How a disconnect treats the requests on the ring nobody fetched yet:
 * KEEP leaves them on the ring (pvblkfront resubmits them when it
 * connects again), REFUSE answers each without I/O - an error, a flush
 * done for real - for a closing frontend, which waits for them.
 */
enum pvblkback_stop {
	PVBLKBACK_STOP_KEEP = 1,
	PVBLKBACK_STOP_REFUSE,
};

void pvblkback_rings_disconnect(struct pvblkback_device *dev,
				enum pvblkback_stop how);

/* The address a page of the ring's pool is mapped at, for grant ops. */
static inline unsigned long pvblkback_kaddr(struct page *page)
{
	return (unsigned long)page_address(page);
}

/*
 * Does the storage stack still reference @page? A page of the ring's pool
 * carries ring->page_refs references (measured when the ring started);
 * any more are someone else's. Asked before any unmap (grants.c) and by
 * the held-page retries (held.c).
 */
static inline bool pvblkback_page_busy(const struct pvblkback_ring *ring,
				       struct page *page)
{
	return page_ref_count(page) > ring->page_refs;
}

/* io.c: worker context, except pvblkback_finish() (any context) */
void pvblkback_refuse(struct pvblkback_ring *ring,
		      struct pvblkback_req *preq, s16 status);
void pvblkback_dispatch(struct pvblkback_ring *ring,
			struct pvblkback_req *preq);
void pvblkback_finish(struct pvblkback_req *preq, s16 status);
void pvblkback_barrier_resume(struct pvblkback_ring *ring);

/* grants.c: worker context */
int pvblkback_map(struct pvblkback_req *preq, unsigned int first,
		  unsigned int n, bool ro);
void pvblkback_release_grants(struct pvblkback_req *preq);
void pvblkback_unmap_batch(struct pvblkback_ring *ring);
void pvblkback_unmap_flush(struct pvblkback_ring *ring);
void pvblkback_purge(struct pvblkback_ring *ring, bool all);

/* held.c: worker context (pvblkback_held_init(): before it starts) */
int pvblkback_held_init(struct pvblkback_ring *ring);
void pvblkback_release_done(struct pvblkback_ring *ring,
			    struct list_head *done);
void pvblkback_held_retry(struct pvblkback_ring *ring);
void pvblkback_held_teardown(struct pvblkback_ring *ring,
			     unsigned long deadline, unsigned int secs,
			     struct list_head *answer);

/* stats.c */
extern const struct attribute_group *pvblkback_groups[];
extern const struct attribute_group *pvblkback_driver_groups[];

/*
 * Grant mappings held by the whole module, every device together
 * (sysfs: /sys/bus/xen-backend/drivers/pvblkback/grants_mapped). It stays
 * readable after a device is gone, so a test can see that removal
 * unmapped everything.
 */
extern atomic64_t pvblkback_grants_mapped;

/*
 * Pages the whole module holds from the grant-page allocator: those in
 * use by requests and persistent grants plus those pooled (sysfs:
 * .../drivers/pvblkback/pages). 0 once every device is gone, unless a
 * teardown left pages the storage stack still held (then it logs them).
 * Changed only through the two helpers below, which a ring's worker
 * calls (the pool is the worker's).
 */
extern atomic64_t pvblkback_pages;
int pvblkback_page_get(struct pvblkback_ring *ring, struct page **page);
void pvblkback_pool_shrink(struct pvblkback_ring *ring, unsigned int keep);

#endif /* PVBLKBACK_COMMON_H */
