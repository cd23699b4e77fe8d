// SPDX-License-Identifier: GPL-2.0-only
//
// libxenstore wrapper; see xenstore_client.h.
#include "xenio/xenstore_client.h"

extern "C" {
#include <xenstore.h>
}

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cmd/cli.h"
#include "cmd/signals.h"

namespace pvblk::ring {

XenStore::XenStore() : h_(xs_open(0))
{
	if (!h_)
		throw EnvError(std::string("cannot connect to xenstore: ") + strerror(errno) +
			       " (is xenstored running?)");
}

XenStore::~XenStore()
{
	xs_close(h_);
}

static std::optional<std::string> do_read(xs_handle *h, xs_transaction_t t, const std::string &path)
{
	unsigned int len = 0;
	char *v = static_cast<char *>(xs_read(h, t, path.c_str(), &len));

	if (!v) {
		if (errno == ENOENT)
			return std::nullopt;
		throw EnvError("xenstore read " + path + ": " + strerror(errno));
	}
	std::string s(v, len);
	free(v);
	return s;
}

std::optional<std::string> XenStore::read(const std::string &path) const
{
	return do_read(h_, XBT_NULL, path);
}

void XenStore::write(const std::string &path, const std::string &value)
{
	if (!xs_write(h_, XBT_NULL, path.c_str(), value.data(), value.size()))
		throw EnvError("xenstore write " + path + ": " + strerror(errno));
}

void XenStore::rm(const std::string &path)
{
	if (!xs_rm(h_, XBT_NULL, path.c_str()) && errno != ENOENT)
		throw EnvError("xenstore rm " + path + ": " + strerror(errno));
}

std::vector<std::string> XenStore::list(const std::string &path) const
{
	unsigned int n = 0;
	char **d = xs_directory(h_, XBT_NULL, path.c_str(), &n);
	std::vector<std::string> out;

	if (!d)
		return out;
	for (unsigned int i = 0; i < n; i++)
		out.emplace_back(d[i]);
	free(d);
	return out;
}

void XenStore::Txn::write(const std::string &path, const std::string &value)
{
	if (!xs_write(h_, t_, path.c_str(), value.data(), value.size()))
		throw EnvError("xenstore write " + path + ": " + strerror(errno));
}

void XenStore::Txn::rm(const std::string &path)
{
	if (!xs_rm(h_, t_, path.c_str()) && errno != ENOENT)
		throw EnvError("xenstore rm " + path + ": " + strerror(errno));
}

std::optional<std::string> XenStore::Txn::read(const std::string &path) const
{
	return do_read(h_, t_, path);
}

void XenStore::Txn::set_perms(const std::string &path, unsigned int owner,
			      const std::vector<unsigned int> &readers)
{
	std::vector<struct xs_permissions> p;

	p.push_back({ owner, XS_PERM_NONE });
	for (unsigned int r : readers)
		p.push_back({ r, XS_PERM_READ });
	if (!xs_set_permissions(h_, t_, path.c_str(), p.data(),
				static_cast<unsigned int>(p.size())))
		throw EnvError("xenstore set permissions of " + path + ": " + strerror(errno));
}

void XenStore::transaction(const std::function<void(Txn &)> &fn)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		xs_transaction_t t = xs_transaction_start(h_);

		if (t == XBT_NULL)
			throw EnvError(std::string("xenstore transaction: ") + strerror(errno));
		Txn txn(h_, t);
		try {
			fn(txn);
		} catch (...) {
			xs_transaction_end(h_, t, true);
			throw;
		}
		if (xs_transaction_end(h_, t, false))
			return;
		if (errno != EAGAIN)
			throw EnvError(std::string("xenstore commit: ") + strerror(errno));
	}
	throw EnvError("xenstore transaction kept conflicting");
}

std::optional<std::string>
XenStore::wait_for(const std::string &path,
		   const std::function<bool(const std::optional<std::string> &)> &pred,
		   unsigned int timeout_ms, bool *ok, bool honour_signals) const
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	std::optional<std::string> v;

	for (;;) {
		v = read(path);
		if (pred(v)) {
			*ok = true;
			return v;
		}
		if (std::chrono::steady_clock::now() >= end || (honour_signals && interrupted())) {
			*ok = false;
			return v;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
}

} // namespace pvblk::ring
