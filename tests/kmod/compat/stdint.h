/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <stdint.h> for kernel code that includes headers shared with user space
 * (include/mockdma.h): the kernel's own fixed-width types.
 */
#ifndef UPCI_TEST_COMPAT_STDINT_H
#define UPCI_TEST_COMPAT_STDINT_H

#include <linux/types.h>

#endif
