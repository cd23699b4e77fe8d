# SPDX-License-Identifier: GPL-2.0-only
#
# pvblk - Xen PV block backend/frontend modules and their userspace harness.
#
# The kernel build itself is described by ./Kbuild; this file is the
# user-facing entry point. `make help` lists the targets.

KERNELRELEASE_RUNNING := $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE_RUNNING)/build
KERNEL ?= 6.1
TESTS ?=
W ?= 1

.PHONY: all modules clean help deps kbuild-all style unit bench-core \
	dkms-check dkms-install install uninstall deb rig-test rig-perf demo check check-quick \
	bench bench-short

all: modules

modules:
	@test -f "$(KDIR)/Makefile" || { echo "pvblk: error: no kernel build tree at KDIR=$(KDIR) (install linux-headers-$(KERNELRELEASE_RUNNING), or pass KDIR=<headers dir>)" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=$(W) modules

install: modules
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules_install
	depmod -a $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),)

clean:
	-$(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean 2>/dev/null
	rm -rf build compat/generated

help:
	@echo "make [KDIR=dir]     build pvblkback.ko and pvblkfront.ko (running kernel by default)"
	@echo "make install        install the modules for KDIR's kernel (modules_install + depmod)"
	@echo "make dkms-install   add, build and install the modules through DKMS"
	@echo "make uninstall      undo make install and make dkms-install (DKMS, /usr/src, depmod)"
	@echo "make deb            build the pvblk-dkms and pvblk-tools packages into build/deb, lintian them"
	@echo "make deps           install every build/test dependency (apt-get)"
	@echo "make kbuild-all     build against Debian's 6.1 and 6.12 headers, W=1, no warnings allowed"
	@echo "make style          shellcheck on every shell script; checkpatch --strict and sparse on every kernel source; clang-format on the C++ harness"
	@echo "make unit           userspace unit tests (ASan+UBSan) and bounded fuzzing"
	@echo "make bench-core     protocol-core microbenchmarks (Google Benchmark)"
	@echo "make rig-test       rig tests in Xen under QEMU [KERNEL=6.1|6.12] [TESTS='a.sh b.sh']"
	@echo "make rig-perf       rig measurements: pvblk vs stock drivers, fio, same boot [KERNEL=...]"
	@echo "make demo           boot Xen under QEMU; guests move verified data through pvblkback and pvblkfront"
	@echo "make check          everything CI runs: deps, builds, style, unit, dkms, rig on 6.1 and 6.12, bench-short"
	@echo "make check-quick    the inner loop: deps, builds for both kernels, style, unit tests and fuzzers (no rig)"
	@echo "make bench          IOPS-scaling benchmark in the rig: table, CSV/JSON, PNG plots [BENCH_ARGS='--vcpus 1,2,4 ...']"
	@echo "make bench-short    a short sweep of the benchmark, its outputs checked (about 5 min)"

deps:
	bash scripts/deps.sh

kbuild-all:
	bash scripts/build-kernels.sh

style:
	bash scripts/style.sh

unit:
	bash scripts/unit.sh

bench-core:
	bash scripts/bench-core.sh

dkms-check:
	bash scripts/dkms-check.sh

dkms-install:
	bash scripts/dkms-install.sh

uninstall:
	bash scripts/uninstall.sh

deb:
	bash scripts/deb.sh

# Rig tests are tests/rig/*.sh; *-perf.sh there are measurements (fio ratios
# against the stock drivers), run by `make rig-perf`, never by `make check`.
RIG_TESTS = $(filter-out %-perf.sh,$(sort $(wildcard tests/rig/*.sh)))
RIG_PERF = $(sort $(wildcard tests/rig/*-perf.sh))

rig-test:
	bash scripts/rig/run.sh --kernel $(KERNEL) $(if $(TESTS),$(TESTS),$(RIG_TESTS))

rig-perf:
	bash scripts/rig/run.sh --kernel $(KERNEL) $(if $(TESTS),$(TESTS),$(RIG_PERF))

demo: deps
	bash scripts/rig/run.sh --kernel $(KERNEL) tests/rig/back-domu.sh tests/rig/front-stock-back.sh

check:
	bash scripts/check.sh

check-quick:
	bash scripts/check.sh --quick

# The IOPS-scaling benchmark (Documentation/benchmarking.rst). BENCH_ARGS
# passes options to scripts/bench/bench.sh (--help lists them).
BENCH_ARGS ?=
bench: deps
	bash scripts/bench/bench.sh --kernel $(KERNEL) $(BENCH_ARGS)

BENCH_SHORT_DRIVERS ?= pvblk,stock
bench-short: deps
	bash scripts/bench/bench.sh --kernel $(KERNEL) --name bench-short --vcpus 2 \
		--guests 2 --replay 2 --repeat 1 --runtime 3 --drivers $(BENCH_SHORT_DRIVERS)
