// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frontend disk naming from "virtual-device" (see
 * include/pvblk/front_vdev.h).
 */
#include "pvblk/front_vdev.h"

#define PARTS	16u
#define PARTS_EXT 256u

/* Map a legacy (non-extended) number onto xvd's minor space. */
static int translate(u32 vdevice, u32 *minor)
{
	u32 major = vdevice >> 8, m = vdevice & 0xff;

	if (vdevice > 0xffff)
		return -EINVAL;
	switch (major) {
	case PVBLK_XVD_MAJOR:
	case 8:					/* SCSI disk 0-15 */
		*minor = m;
		return 0;
	case 3:					/* IDE0: hda, hdb */
		*minor = (m / 64) * PARTS + m % 64;
		break;
	case 22:				/* IDE1: hdc, hdd */
		*minor = (m / 64 + 2) * PARTS + m % 64;
		break;
	default:
		if (major >= 65 && major <= 71)
			*minor = m + (major - 65 + 1) * 16 * PARTS;
		else if (major >= 128 && major <= 135)
			*minor = m + (major - 128 + 8) * 16 * PARTS;
		else
			return -EINVAL;
		return 0;
	}
	/* IDE disks have 64 minors each but we give them 16. */
	if (m % 64 >= PARTS)
		return -EINVAL;
	return 0;
}

/* Letters for disk @n: a..z, aa..zz, ...; returns the length written. */
static unsigned int letters(char *p, u32 n)
{
	char tmp[8];
	unsigned int len = 0, i;

	for (;;) {
		tmp[len++] = (char)('a' + n % 26);
		if (n < 26)
			break;
		n = n / 26 - 1;
	}
	for (i = 0; i < len; i++)
		p[i] = tmp[len - 1 - i];
	return len;
}

static unsigned int digits(char *p, u32 n)
{
	char tmp[12];
	unsigned int len = 0, i;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	for (i = 0; i < len; i++)
		p[i] = tmp[len - 1 - i];
	return len;
}

int pvblk_front_vdev(u32 vdevice, struct pvblk_vdev *out)
{
	u32 minor, parts, part;
	unsigned int len;

	memset(out, 0, sizeof(*out));
	if (vdevice & PVBLK_VDEV_EXTENDED) {
		if (vdevice >> 29)
			return -EINVAL;
		minor = vdevice & ~PVBLK_VDEV_EXTENDED;
		parts = PARTS_EXT;
	} else {
		if (translate(vdevice, &minor))
			return -EINVAL;
		parts = PARTS;
	}
	if (minor >> PVBLK_MINOR_BITS)
		return -EINVAL;
	part = minor % parts;
	out->disk_index = minor / parts;
	out->first_minor = minor;
	out->nr_minors = part ? 1 : parts;
	memcpy(out->name, "xvd", 3);
	len = 3 + letters(out->name + 3, out->disk_index);
	if (part)
		len += digits(out->name + len, part);
	out->name[len] = '\0';
	return 0;
}
