/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblkfront: what the frontend's files share - the tunables, the
 * per-device and per-ring state and the entry points between the files.
 *
 * Files:
 *   main.c    module init/exit, major 202 registration
 *   params.c  every module parameter, range-checked when set
 *   xenbus.c  the xenbus frontend driver: negotiation and lifecycle
 *   ring.c    shared rings, event channels, response handling through the
 *             core checker (core/front_shadow.c)
 *   grants.c  granted pages: persistent pool, per-request grants, bounce
 *   held.c    requests whose pages the backend still maps: held back
 *             until it lets go, never completed before
 *   mq.c      blk-mq glue: request -> ring slot (core/front_req.c)
 *   disk.c    gendisk, xvdX naming (core/front_vdev.c), queue limits
 *   sysfs.c   per-device statistics
 *   trace.c   tracepoints (trace.h)
 */
#ifndef PVBLKFRONT_COMMON_H
#define PVBLKFRONT_COMMON_H

#include <linux/types.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include "pvblk/front_mem.h"
#include "pvblk/front_req.h"
#include "pvblk/front_shadow.h"
#include "pvblk/front_vdev.h"
#include "pvblk/negotiate.h"
#include "pvblk/wire.h"
#include "compat/queue.h"

/*
 * Module parameters (params.c, Documentation/parameters.rst). The
 * writable ones may change at any time through sysfs, so the data path
 * must read each once, with READ_ONCE(), when it sets up a connection and
 * keep that copy: a change then applies to connections made afterwards.
 */
struct pvblkfront_params {
	unsigned int max_indirect_segments;	/* 0: no indirect requests */
	unsigned int max_queues;
	unsigned int max_ring_page_order;
	bool trusted;
	bool feature_persistent;
};

extern struct pvblkfront_params pvblkfront_params;

struct pvblkfront_device;

/* Most pages a ring's grant pool holds (4 MiB); grants.c. */
#define PVBLKFRONT_POOL_MAX	1024u

/*
 * A page the frontend grants to the backend on behalf of a request: a
 * persistent-pool page (granted once, reused), a bounce page, or an
 * indirect-descriptor page.  Never freed while the backend may still map
 * it: see pvblkfront_gpage_release().
 */
struct pvblkfront_gpage {
	struct list_head node;		/* in ring->pool while idle */
	struct page *page;
	grant_ref_t gref;
	bool granted;			/* gref is live */
};

/*
 * Per shadow id: what one request in flight holds.  Indexed by the id
 * from ring->ids; protected by ring->lock (and by dev->mutex once the
 * ring's interrupt is unbound, at teardown).  Segment i went through the
 * granted page gp[i] when that is set (bounce mode, or a foreign page we
 * may not grant), else the request's own page was granted as gref[i].
 */
struct pvblkfront_shadow {
	struct request *rq;		/* NULL: not in use by a request */
	struct pvblk_req req;		/* private copy of what was sent */
	unsigned int nr_segs;
	bool bounce;			/* all data goes through gp[] pages */
	/*
	 * Held (held.c): the request is finished but the backend still
	 * maps @nr_held of its own pages, whose grants are gref[0..nr_held).
	 * Its id stays busy and the request is not completed until every
	 * one of those grants has ended.
	 */
	bool held;
	unsigned int nr_held;
	unsigned int nr_ind;		/* indirect pages in ind[] */
	struct pvblkfront_gpage *ind[PVBLK_MAX_INDIRECT_PAGES];
	/* per segment, nr_segs entries each (allocated at connect) */
	grant_ref_t *gref;		/* grants of the request's own pages */
	struct pvblkfront_gpage **gp;	/* bounce/persistent pages */
	struct pvblk_seg *seg;
	struct scatterlist *sg;
};

/*
 * One shared ring and its event channel: one blk-mq hardware queue.
 *
 * @lock protects: the private ring indexes (req_prod_pvt, rsp_cons), the
 * shared ring's producer, @ids, @shadow, @pool, @pool_count and @broken
 * checks done on the data path.  It is taken from queue_rq and from the
 * interrupt handler (with interrupts off).
 */
struct pvblkfront_ring {
	struct pvblkfront_device *dev;
	unsigned int index;
	spinlock_t lock;		/* see above */
	void *sring;			/* shared ring pages */
	unsigned int nr_pages;
	unsigned int nr_slots;
	grant_ref_t ring_ref[1 << PVBLK_MAX_RING_ORDER];
	evtchn_port_t evtchn;
	int irq;
	u32 req_prod_pvt;		/* requests written, not yet pushed */
	u32 rsp_cons;			/* responses consumed */
	struct pvblk_fshadow ids;
	struct pvblkfront_shadow *shadow;	/* nr_slots entries */
	struct list_head pool;		/* idle gpages */
	unsigned int pool_count;	/* gpages owned, idle or in use */
	unsigned int pool_max;
	char irq_name[32];
};

/*
 * Per-request private data (tag_set.cmd_size).  A held request whose ring
 * was torn down keeps its still-mapped grants here, on dev->held.
 */
struct pvblkfront_rq {
	blk_status_t status;
	struct list_head held_node;	/* on dev->held */
	grant_ref_t *held_refs;		/* the shadow's gref array, adopted */
	unsigned int nr_held;
};

/* Per-device counters, read through sysfs; atomic64 so no lock. */
struct pvblkfront_stats {
	atomic64_t rd_req, wr_req, f_req, ds_req;
	atomic64_t rd_sect, wr_sect;
	atomic64_t errors;
	atomic64_t pgrant_reuse;	/* persistent pages reused */
	atomic64_t bounce_bytes;	/* bytes copied through gpages */
	atomic64_t foreign_bounced;	/* requests with a foreign page */
	atomic64_t foreign_bytes;	/* their foreign data, copied */
	atomic64_t resubmitted;		/* stale requests handed back (mq.c) */
	atomic64_t held;		/* requests held for a mapped page */
};

/* Bytes of shadow state per ring slot and segment (ring_alloc_shadow()). */
#define PVBLKFRONT_SLOT_PER_SEG \
	(sizeof(grant_ref_t) + sizeof(struct pvblkfront_gpage *) + \
	 sizeof(struct pvblk_seg) + sizeof(struct scatterlist))

/*
 * One virtual disk offered by a backend: the state behind one xenbus
 * "vbd" frontend node (device/vbd/<virtual-device>).
 *
 * @mutex serialises the lifecycle (backend state changes, resume, remove,
 * the broken, cache and connect work items) and protects @rings/@nr_rings
 * setup and teardown, @disk, @adding, @quiesced, @conn and the negotiated
 * fields.  The data path reads @connected, @broken, @cache and @adding
 * without it (READ_ONCE/xchg); the rings are only replaced while the
 * queue is quiesced or drained.
 * The paths that fail or re-issue held requests (close, broken work,
 * reconnect) take @mutex, so nothing done under it may wait for such a
 * request: no queue freeze and no q->limits_lock (a sysfs writer holds
 * that across a freeze of its own).  Queue limits are therefore committed
 * by @limits_work, outside @mutex (disk.c).  del_gendisk(), which waits
 * for every request, runs under @mutex only once every request has been
 * failed and none is held (held.c); blk_mark_disk_dead(), which on 6.12
 * waits for writeback, is never called.
 *
 * @closing (under @mutex): the backend is going away; we are Closed and
 * wait for it to finish what it has in flight (new I/O fails, responses
 * are still consumed, the rings stay) until it is Closed or @close_work
 * gives up.
 *
 * @awaiting: the backend went Closed without Closing (restarted); the
 * disk's I/O is held, as across a resume, for it to come back.
 *
 * @adding (under @mutex): @connect_work has allocated @disk and is in
 * device_add_disk() without @mutex - the partition scan there waits for
 * the backend, and a close must be able to fail those reads meanwhile.
 * While it is set @disk exists and its queue may be quiesced, failed and
 * given capacity 0 as usual, but nothing else deletes or frees it: a
 * teardown leaves @destroy_pending for @connect_work, which deletes the
 * disk (or leaves it to the held work) once the add has returned.  The
 * device's removal waits for @connect_work, after failing its I/O; so
 * that no read of the add is held for a page the backend keeps mapped,
 * requests go through pool pages while @adding is set (mq.c).
 *
 * @held, @destroy_pending and @removed are protected by @mutex; @nr_held
 * counts held requests, in ring slots and on @held (held.c).
 *
 * @pending_lock protects @pending_limits, @limits_pending and @resubmit.
 * It is a spinlock taken from ->queue_rq() and from process context,
 * never held across anything that sleeps.
 */
struct pvblkfront_device {
	struct xenbus_device *xdev;
	domid_t backend_id;
	u32 vdevice;
	u16 handle;
	struct mutex mutex;		/* see above */
	bool connected;			/* rings live, I/O may flow */
	bool broken;			/* backend misbehaved or vanished */
	bool quiesced;			/* queue held across a reconnect */
	bool closing;			/* see above */
	bool awaiting;			/* backend closed, its return awaited */
	bool adding;			/* see above */

	/* our cached parameters and the negotiated connection */
	struct pvblk_front_cfg cfg;
	bool trusted;			/* cached, param and backend key */
	struct pvblk_conn conn;
	unsigned int max_segs;		/* per request */
	unsigned int pool_max;		/* per ring (core/front_mem.c) */
	u64 shadow_bytes;		/* allocated at connect, all rings */
	u64 budget_bytes;		/* this disk's memory budget */
	atomic_t pool_pages;		/* pool pages of all rings, now */
	enum pvblk_front_cache cache;	/* written under mutex, read once */
	bool discard, secure;
	u32 discard_granularity, discard_alignment;

	/* disk geometry from the backend */
	u64 sectors;
	u32 sector_size, physical_sector_size;
	u32 info;

	struct pvblkfront_ring *rings;
	unsigned int nr_rings;

	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct pvblk_vdev vd;
	struct work_struct cache_work;	/* applies a withdrawn feature */
	struct list_head minors_node;	/* disk.c: minors in use */
	bool minors_dying;		/* disk.c: its disk is going */
	struct work_struct broken_work;	/* fails I/O after a violation */
	struct delayed_work close_work;	/* gives up waiting for the backend */
	struct delayed_work connect_work; /* creates and adds the disk */

	/* requests held for pages the backend still maps (held.c) */
	struct list_head held;		/* adopted from torn-down rings */
	atomic_t nr_held;
	bool destroy_pending;		/* disk removal waits for them */
	bool removed;			/* the xenbus device is gone */
	struct delayed_work held_work;

	/*
	 * The queue limits of a live disk change only in @limits_work
	 * (disk.c), which takes neither @mutex nor a queue freeze: the
	 * lifecycle computes the limits under @mutex into @pending_limits
	 * and queues the work.  @resubmit holds the bios of requests built
	 * against an earlier connection's limits that the current one
	 * cannot carry as they are (mq.c); the same work hands them back to
	 * the block layer after committing the pending limits, so they are
	 * split and sequenced by the new ones.
	 */
	spinlock_t pending_lock;	/* see above */
	struct pvblk_qlimits pending_limits;
	bool limits_pending;		/* @pending_limits not yet committed */
	struct bio_list resubmit;
	struct work_struct limits_work;

	struct pvblkfront_stats stats;
};

/* xenbus.c */
int pvblkfront_xenbus_register(void);
void pvblkfront_xenbus_unregister(void);

/* ring.c */
int pvblkfront_rings_alloc(struct pvblkfront_device *dev);
int pvblkfront_ring_setup(struct pvblkfront_ring *ring);
void pvblkfront_rings_free(struct pvblkfront_device *dev);
void pvblkfront_mark_broken(struct pvblkfront_device *dev, const char *why);
void pvblkfront_fail_all(struct pvblkfront_device *dev, blk_status_t st,
			 bool requeue);
void pvblkfront_ring_push(struct pvblkfront_ring *ring);
void pvblkfront_broken_work(struct work_struct *work);

/* grants.c */
struct pvblkfront_gpage *pvblkfront_gpage_get(struct pvblkfront_ring *ring,
					      bool zero);
void pvblkfront_gpage_put(struct pvblkfront_ring *ring,
			  struct pvblkfront_gpage *gp, bool failed);
int pvblkfront_gpage_grant(struct pvblkfront_ring *ring,
			   struct pvblkfront_gpage *gp, bool readonly);
bool pvblkfront_gpage_ungrant(struct pvblkfront_gpage *gp);
void pvblkfront_bounce_fill(struct pvblkfront_gpage *gp,
			    struct scatterlist *sg);
int pvblkfront_pool_reserve(struct pvblkfront_ring *ring, unsigned int pages);
void pvblkfront_pool_drain(struct pvblkfront_ring *ring);
unsigned int pvblkfront_shadow_release(struct pvblkfront_ring *ring,
				       struct pvblkfront_shadow *sh,
				       bool copy_back);

/* held.c */
extern struct workqueue_struct *pvblkfront_wq;
void pvblkfront_hold(struct pvblkfront_ring *ring, u32 id,
		     unsigned int nr_mapped);
bool pvblkfront_held_retry(struct pvblkfront_shadow *sh);
void pvblkfront_held_end(struct pvblkfront_device *dev, struct request *rq);
void pvblkfront_held_adopt(struct pvblkfront_ring *ring);
void pvblkfront_held_work(struct work_struct *work);

/* mq.c */
extern const struct blk_mq_ops pvblkfront_mq_ops;
size_t pvblkfront_rq_size(void);
void pvblkfront_complete(struct request *rq, blk_status_t st);
void pvblkfront_resubmit(struct bio_list *bios);

/* disk.c */
int pvblkfront_disk_alloc(struct pvblkfront_device *dev);
int pvblkfront_disk_add(struct pvblkfront_device *dev);
void pvblkfront_disk_free(struct pvblkfront_device *dev);
void pvblkfront_disk_announce(struct pvblkfront_device *dev);
void pvblkfront_disk_destroy(struct pvblkfront_device *dev);
void pvblkfront_update_limits(struct pvblkfront_device *dev);
void pvblkfront_limits_work(struct work_struct *work);
void pvblkfront_cache_work(struct work_struct *work);
void pvblkfront_unquiesce(struct pvblkfront_device *dev);
void pvblkfront_minors_dying(struct pvblkfront_device *dev);
int pvblkfront_major_register(void);
void pvblkfront_major_unregister(void);

/* sysfs.c */
extern const struct attribute_group *pvblkfront_disk_groups[];

#endif /* PVBLKFRONT_COMMON_H */
