/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mockdma_log: a descriptor's or the device's state as a test's TH_LOG
 * line, and the assertions built on them.  Include after
 * kselftest_harness.h.
 */
#ifndef MOCKDMA_LOG_H
#define MOCKDMA_LOG_H

#include "mockdma.h"

static inline void log_desc(struct __test_metadata *_metadata,
			    const struct mockdma_desc *d)
{
	char line[256];

	mockdma_desc_describe(d, line, sizeof(line));
	TH_LOG("descriptor: %s", line);
}

static inline void log_state(struct __test_metadata *_metadata,
			     struct mockdma *m)
{
	char line[320];

	mockdma_describe_state(m, line, sizeof(line));
	TH_LOG("device: %s", line);
}

/* SET_IRQS for count vectors of index, or the test fails saying which. */
/* SKIP unless mockdma @id is bound and the vIOMMU translates its DMA */
#define REQUIRE_MOCKDMA(id, bdf) do {					\
	char __why[256];						\
	if (mockdma_device_bdf(id, bdf, __why, sizeof(__why)))		\
		SKIP(return, "%s", __why);				\
} while (0)

#define REQUIRE_IRQS(self, index, count) do {				\
	int __r = mockdma_irqs_enable(&(self)->m, &(self)->irqs, index, count); \
	ASSERT_EQ(0, __r) TH_LOG("SET_IRQS index %u count %u: %s",	\
				 (unsigned int)(index), (unsigned int)(count), \
				 strerror(-__r));			\
} while (0)

#endif /* MOCKDMA_LOG_H */
