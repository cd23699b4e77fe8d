// SPDX-License-Identifier: GPL-2.0-only
//
// A small RAII wrapper over libxenstore: one connection, reads that say
// "absent" apart from errors, writes and removals inside transactions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

struct xs_handle;

namespace pvblk::ring {

class XenStore {
public:
	XenStore(); // throws EnvError when xenstored does not answer
	~XenStore();
	XenStore(const XenStore &) = delete;
	XenStore &operator=(const XenStore &) = delete;

	std::optional<std::string> read(const std::string &path) const;
	bool exists(const std::string &path) const { return read(path).has_value(); }
	void write(const std::string &path, const std::string &value);
	void rm(const std::string &path); // absent is fine
	std::vector<std::string> list(const std::string &path) const;

	// Transaction: @fn gets a writer; retried on EAGAIN. @fn may throw.
	class Txn {
	public:
		void write(const std::string &path, const std::string &value);
		void rm(const std::string &path);
		std::optional<std::string> read(const std::string &path) const;
		// Owner @owner (others: no access) and read access for @readers.
		void set_perms(const std::string &path, unsigned int owner,
			       const std::vector<unsigned int> &readers);

	private:
		friend class XenStore;
		Txn(xs_handle *h, unsigned int t) : h_(h), t_(t) {}
		xs_handle *h_;
		unsigned int t_;
	};
	void transaction(const std::function<void(Txn &)> &fn);

	// Poll @path until @pred holds of its value (nullopt: absent), up to
	// @timeout_ms; returns the last value read. Honours SIGINT unless
	// @honour_signals is false (teardown keeps waiting).
	std::optional<std::string>
	wait_for(const std::string &path,
		 const std::function<bool(const std::optional<std::string> &)> &pred,
		 unsigned int timeout_ms, bool *ok, bool honour_signals = true) const;

private:
	xs_handle *h_;
};

} // namespace pvblk::ring
