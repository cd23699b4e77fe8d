// SPDX-License-Identifier: GPL-2.0-only
//
// The honest data path; see back_io.h.
#include "backend/back_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cmd/cli.h"
#include "xenio/xen_env.h"

extern "C" {
#include "pvblk/req_check.h"
}

namespace pvblk::ring {

bool is_write_req(const pvblk_req &q)
{
	return q.operation == PVBLK_OP_WRITE ||
	       (q.operation == PVBLK_OP_INDIRECT && q.indirect_op == PVBLK_OP_WRITE);
}

BackIo::BackIo(GrantTable &gt, uint32_t domid, const std::string &path)
	: gt_(gt), domid_(domid), fd_(open(path.c_str(), O_RDWR | O_CLOEXEC))
{
	struct stat st;

	if (fd_ < 0)
		throw EnvError("cannot open " + path + ": " + strerror(errno));
	if (fstat(fd_, &st) == 0 && S_ISBLK(st.st_mode))
		bytes_ = block_device(path).bytes;
	else if (fstat(fd_, &st) == 0)
		bytes_ = static_cast<uint64_t>(st.st_size);
	if (bytes_ < 4096) {
		close(fd_);
		throw EnvError(path + " is smaller than 4 KiB");
	}
}

BackIo::~BackIo()
{
	close(fd_);
}

void BackIo::set_limits(unsigned int sector_size, uint32_t max_indirect, bool flush)
{
	sector_size_ = sector_size;
	max_indirect_ = std::min<uint32_t>(max_indirect, PVBLK_MAX_INDIRECT_SEGS);
	flush_ = flush;
}

uint64_t BackIo::sectors() const
{
	uint64_t per = sector_size_ / 512;

	return bytes_ / 512 / per * per;
}

bool BackIo::segments(const pvblk_req &q, std::vector<pvblk_seg> *segs)
{
	if (q.operation != PVBLK_OP_INDIRECT) {
		segs->assign(q.seg,
			     q.seg + std::min<unsigned int>(q.nr_segments, PVBLK_MAX_SEGS_DIRECT));
		return true;
	}
	unsigned int pages = pvblk_indirect_pages(q.nr_segments);

	if (pages > PVBLK_MAX_INDIRECT_PAGES)
		return false;
	std::vector<uint8_t> buf(static_cast<size_t>(pages) * PVBLK_PAGE_SIZE);
	std::vector<CopySeg> cs;

	for (unsigned int i = 0; i < pages; i++)
		cs.push_back({ q.indirect_grefs[i], 0, static_cast<uint16_t>(PVBLK_PAGE_SIZE),
			       buf.data() + static_cast<size_t>(i) * PVBLK_PAGE_SIZE });
	if (!gt_.copy(domid_, cs, true))
		return false;
	segs->resize(q.nr_segments);
	for (unsigned int i = 0; i < pages; i++) {
		unsigned int first = i * PVBLK_SEGS_PER_INDIRECT_PAGE;
		unsigned int n = std::min<unsigned int>(q.nr_segments - first,
							PVBLK_SEGS_PER_INDIRECT_PAGE);

		pvblk_fetch_indirect_segs(segs->data() + first,
					  buf.data() + static_cast<size_t>(i) * PVBLK_PAGE_SIZE, 0,
					  n);
	}
	return true;
}

int16_t BackIo::serve(const pvblk_req &q)
{
	pvblk_dev_limits lim = {};

	lim.nr_sectors = sectors();
	lim.logical_block_size = sector_size_;
	lim.max_indirect_segs = static_cast<uint16_t>(max_indirect_);
	lim.flush = flush_;
	enum pvblk_req_err err = pvblk_req_check(&q, &lim);

	if (err != PVBLK_REQ_OK)
		return pvblk_req_status(err);
	bool write = is_write_req(q);

	if (q.operation == PVBLK_OP_FLUSH_DISKCACHE && q.nr_segments == 0)
		return fdatasync(fd_) == 0 ? PVBLK_RSP_OKAY : PVBLK_RSP_ERROR;
	if (q.operation == PVBLK_OP_FLUSH_DISKCACHE)
		write = true;
	std::vector<pvblk_seg> segs;

	if (!segments(q, &segs))
		return PVBLK_RSP_ERROR;
	uint64_t nsect = 0;

	err = pvblk_req_check_segs(segs.data(), static_cast<unsigned int>(segs.size()), q.sector,
				   &lim, &nsect);
	if (err != PVBLK_REQ_OK)
		return pvblk_req_status(err);
	std::vector<uint8_t> buf(nsect * 512);
	std::vector<CopySeg> cs;
	size_t pos = 0;

	for (const auto &s : segs) {
		uint16_t len = static_cast<uint16_t>((s.last_sect - s.first_sect + 1) * 512);

		cs.push_back({ s.gref, static_cast<uint16_t>(s.first_sect * 512), len,
			       buf.data() + pos });
		pos += len;
	}
	off_t off = static_cast<off_t>(q.sector * 512);

	if (write) {
		if (!gt_.copy(domid_, cs, true))
			return PVBLK_RSP_ERROR;
		if (pwrite(fd_, buf.data(), buf.size(), off) != static_cast<ssize_t>(buf.size()))
			return PVBLK_RSP_ERROR;
		if (q.operation == PVBLK_OP_FLUSH_DISKCACHE && fdatasync(fd_))
			return PVBLK_RSP_ERROR;
		return PVBLK_RSP_OKAY;
	}
	if (pread(fd_, buf.data(), buf.size(), off) != static_cast<ssize_t>(buf.size()))
		return PVBLK_RSP_ERROR;
	return gt_.copy(domid_, cs, false) ? PVBLK_RSP_OKAY : PVBLK_RSP_ERROR;
}

} // namespace pvblk::ring
