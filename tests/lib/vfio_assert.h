/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_assert: assertions on the VFIO user API for kselftest harness tests.
 * Include after kselftest_harness.h (the macros need _metadata).
 *
 * Each macro asserts one outcome and is named for it, so a test reads as
 * a list of calls and the errno each must give, one line per errno:
 *
 *   test_err_map(EINVAL, c, buf, iova + 1, PAGE);    misaligned IOVA
 *   test_cmd_map(c, buf, iova, PAGE);                and the aligned one
 */
#ifndef VFIO_ASSERT_H
#define VFIO_ASSERT_H

#include <stdint.h>

#include "vfio_lab.h"

/* The device named by a scenario id, or SKIP with the reason. */
#define REQUIRE_DEVICE(id, bdf) do {					\
	char __why[256];						\
	if (vfio_lab_device_bdf(id, bdf, __why, sizeof(__why)))	\
		SKIP(return, "%s", __why);				\
} while (0)

/* Open the container and the group, unjoined, or fail. */
#define test_cmd_open_nodes(d, bdf) do {				\
	char __why[256];						\
	ASSERT_EQ(0, vfio_lab_open_nodes(d, bdf, __why, sizeof(__why)))	\
		TH_LOG("%s", __why);					\
} while (0)

/* The group joins its container, which gets an IOMMU of that type. */
#define test_cmd_join(d, type) do {					\
	ASSERT_EQ(0, vfio_lab_set_container((d)->group, (d)->container)); \
	ASSERT_EQ(0, vfio_lab_set_iommu((d)->container, type));	\
} while (0)

/* Open the whole chain (container, group, IOMMU, device) or fail. */
#define test_cmd_open_device(d, bdf, type) do {			\
	char __why[256];						\
	ASSERT_EQ(0, vfio_lab_open_device(d, bdf, type, __why, sizeof(__why))) \
		TH_LOG("%s", __why);					\
} while (0)

/* Container, group and IOMMU, no device fd. */
#define test_cmd_attach(d, bdf, type) do {				\
	char __why[256];						\
	ASSERT_EQ(0, vfio_lab_attach(d, bdf, type, __why, sizeof(__why))) \
		TH_LOG("%s", __why);					\
} while (0)

#define test_cmd_map(container, vaddr, iova, size)			\
	ASSERT_EQ(0, vfio_lab_map(container, (uint64_t)(uintptr_t)(vaddr), \
				  iova, size, VFIO_LAB_RW))
#define test_err_map(err, container, vaddr, iova, size)		\
	ASSERT_EQ(-(err), vfio_lab_map(container, (uint64_t)(uintptr_t)(vaddr), \
				       iova, size, VFIO_LAB_RW))
#define test_err_map_flags(err, container, vaddr, iova, size, flags)	\
	ASSERT_EQ(-(err), vfio_lab_map(container, (uint64_t)(uintptr_t)(vaddr), \
				       iova, size, flags))

/* An unmap that succeeds and reports exactly want bytes unmapped. */
#define test_cmd_unmap(container, iova, size, want) do {		\
	uint64_t __unmapped = ~0ull;					\
	ASSERT_EQ(0, vfio_lab_unmap(container, iova, size, 0, &__unmapped)); \
	ASSERT_EQ((uint64_t)(want), __unmapped);			\
} while (0)
#define test_cmd_unmap_all(container, want) do {			\
	uint64_t __unmapped = ~0ull;					\
	ASSERT_EQ(0, vfio_lab_unmap(container, 0, 0,			\
				    VFIO_DMA_UNMAP_FLAG_ALL, &__unmapped)); \
	ASSERT_EQ((uint64_t)(want), __unmapped);			\
} while (0)
#define test_err_unmap(err, container, iova, size, flags)		\
	ASSERT_EQ(-(err), vfio_lab_unmap(container, iova, size, flags, NULL))

#define test_cmd_config_read(fd, off, width, val)			\
	ASSERT_EQ(0, vfio_lab_config_read(fd, off, width, val))
#define test_cmd_config_write(fd, off, width, val)			\
	ASSERT_EQ(0, vfio_lab_config_write(fd, off, width, val))

/*
 * What the driver under test must answer where upci intentionally differs
 * from upstream VFIO.  The reason is logged on every run, so the
 * difference is never silent; any other difference is a failure.
 */
#define intended_difference(upstream, upci, reason) ({			\
	TH_LOG("intended difference: vfio-pci %s, upci %s: %s",	\
	       #upstream, #upci, reason);				\
	vfio_lab_driver() == VFIO_LAB_UPCI ? (upci) : (upstream);	\
})

#endif /* VFIO_ASSERT_H */
