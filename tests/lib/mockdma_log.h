/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mockdma_log: a descriptor's or the device's state as a test's TH_LOG
 * line.  Include after kselftest_harness.h.
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

#endif /* MOCKDMA_LOG_H */
