/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place the pvblk version is defined. MODULE_VERSION() of both
 * modules and dkms.conf's PACKAGE_VERSION read it from here.
 */
#ifndef PVBLK_VERSION_H
#define PVBLK_VERSION_H

#define PVBLK_VERSION "0.1.0"

#endif /* PVBLK_VERSION_H */
